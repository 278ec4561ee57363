// Decoding nested results: the JSON text of a nested column is parsed once, then every nested
// row is built with decoders chosen once per statement, recursively, exactly like top-level rows.
//
// Hot path (a tree of 1,000 × 10 × 5 rows is 61,000 nested rows): each nested row shape gets a
// builder generated once per statement, an object literal with the keys written out (one hidden
// class for all its rows, no keyed stores) that calls each column's decoder directly, and only for
// the columns that have one. Parsed arrays of rows are turned into arrays of objects in place.
import type { Decoder, Dialect } from "../dialects/dialect.js";
import type { NestedSpec, SqlType } from "../sql/types.js";
import type { ExprNode } from "../sql/nodes/index.js";

/** Builds one row object from one positional JSON row. */
type RowBuilder = (raw: unknown[]) => Record<string, unknown>;

/** Decoder for a value found inside a nested row's parsed JSON. */
function innerDecoder(dialect: Dialect, type: SqlType): Decoder | null {
  if (type.custom) {
    const spec = type.custom;
    const base = innerDecoder(dialect, spec.base);
    return base ? (v) => spec.fromDb(base(v)) : (v) => spec.fromDb(v);
  }
  if (type.kind === "nested") return rowsDecoder(dialect, type.nested!);
  return dialect.nestedDecoder(type);
}

/** The portable builder: a loop over the columns (used when code generation is unavailable). */
function loopBuilder(keys: readonly string[], decoders: readonly (Decoder | null)[]): RowBuilder {
  const n = keys.length;
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      const d = decoders[i];
      row[keys[i]] = v === null || v === undefined ? null : d === null ? v : d(v);
    }
    return row;
  };
}

/**
 * A builder specialised to one row shape: `{ "id": r[0], "placedAt": (v = r[2]) == null ? null : d2(v), … }`.
 * Keys are written as JSON string literals (never evaluated as code); decoders are passed in as
 * arguments, so each call site sees one function. Falls back to the loop where `__proto__` is a
 * key (a literal would set the prototype) or where the runtime forbids generating code.
 */
function rowBuilder(keys: readonly string[], decoders: readonly (Decoder | null)[]): RowBuilder {
  if (keys.includes("__proto__")) return loopBuilder(keys, decoders);
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: ${decoders[i] === null ? `r[${i}] ?? null` : `(v = r[${i}]) == null ? null : d${i}(v)`}`);
  const params = keys.map((_, i) => `d${i}`);
  try {
    const factory = new Function(...params, `"use strict";\nreturn function buildNestedRow(r) {\n  let v;\n  return { ${fields.join(", ")} };\n};`);
    return factory(...decoders) as RowBuilder;
  } catch {
    return loopBuilder(keys, decoders);
  }
}

function rowsDecoder(dialect: Dialect, spec: NestedSpec): Decoder {
  const build = rowBuilder(
    spec.items.map((i) => i.key),
    spec.items.map((i) => innerDecoder(dialect, i.type)),
  );
  if (spec.one) return (v) => build(v as unknown[]);
  // The array comes from JSON.parse and belongs to this result: its rows are replaced in place.
  return (v) => {
    const list = v as unknown[];
    const n = list.length;
    for (let i = 0; i < n; i++) list[i] = build(list[i] as unknown[]);
    return list;
  };
}

/** Decoder for a nested column at top level, where the driver hands over JSON text. */
export function nestedDecoder(dialect: Dialect, type: SqlType): Decoder {
  const rows = rowsDecoder(dialect, type.nested!);
  return (v) => rows(typeof v === "string" ? JSON.parse(v) : v);
}

/** Every expression of a nested column (at any depth) with its key, for targeting by column. */
export function nestedKeys(type: SqlType, into: Map<ExprNode, string>): void {
  for (const item of type.nested?.items ?? []) {
    const expr = item.expr as ExprNode;
    if (!into.has(expr)) into.set(expr, item.key);
    if (expr.kind === "label" && !into.has(expr.expr)) into.set(expr.expr, item.key);
    if (item.type.kind === "nested") nestedKeys(item.type, into);
  }
}
