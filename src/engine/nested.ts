// Decoding nested results: the JSON text of a nested column is parsed once, then every nested
// row is built with decoders chosen once per statement, recursively, exactly like top-level rows.
//
// Hot path (a tree of 1,000 × 10 × 5 rows is 61,000 nested rows; see bench/nested.ts): each nested
// row shape gets a decoder generated once per statement, with an object literal whose keys are
// written out (one hidden class for all its rows, no keyed stores) calling each column's decoder
// directly, and only for the columns that have one. Parsed arrays of rows are turned into arrays of
// objects in place.
import type { Decoder, Dialect } from "../dialects/dialect.js";
import type { NestedSpec, SqlType } from "../sql/types.js";
import type { ExprNode } from "../sql/nodes/index.js";

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

/** The portable decoder: loops over rows and columns (used when code generation is unavailable). */
function loopDecoder(spec: NestedSpec, keys: readonly string[], decoders: readonly (Decoder | null)[]): Decoder {
  const n = keys.length;
  const build = (raw: unknown[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      const d = decoders[i];
      row[keys[i]] = v === null || v === undefined ? null : d === null ? v : d(v);
    }
    return row;
  };
  if (spec.one) return (v) => build(typeof v === "string" ? JSON.parse(v) : v);
  return (v) => {
    const list = (typeof v === "string" ? JSON.parse(v) : v) as unknown[];
    for (let i = 0; i < list.length; i++) list[i] = build(list[i] as unknown[]);
    return list;
  };
}

/**
 * A decoder generated for one nested shape: it parses the JSON text (when given text) and builds
 * each row with an object literal whose keys are written out, e.g.
 * `{ "id": r[0] ?? null, "placedAt": (x = r[2]) == null ? null : d2(x), … }`, replacing the rows
 * of the parsed array in place. Every shape gets its own code, so its call sites see one function
 * each (the decoders, passed in as arguments) and stay inlinable however many shapes an
 * application has. Keys are written as JSON string literals, never evaluated as code. Falls back
 * to the loop where `__proto__` is a key (a literal would set the prototype) or where the runtime
 * forbids generating code.
 */
function rowsDecoder(dialect: Dialect, spec: NestedSpec): Decoder {
  const keys = spec.items.map((i) => i.key);
  const decoders = spec.items.map((i) => innerDecoder(dialect, i.type));
  if (keys.includes("__proto__")) return loopDecoder(spec, keys, decoders);
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: ${decoders[i] === null ? `r[${i}] ?? null` : `(x = r[${i}]) == null ? null : d${i}(x)`}`);
  const row = `{ ${fields.join(", ")} }`;
  const body = spec.one
    ? `const r = typeof v === "string" ? JSON.parse(v) : v;
  let x;
  return ${row};`
    : `const list = typeof v === "string" ? JSON.parse(v) : v;
  for (let i = 0, n = list.length; i < n; i++) {
    const r = list[i];
    let x;
    list[i] = ${row};
  }
  return list;`;
  try {
    const factory = new Function(...keys.map((_, i) => `d${i}`), `"use strict";\nreturn function decodeNested(v) {\n  ${body}\n};`);
    return factory(...decoders) as Decoder;
  } catch {
    return loopDecoder(spec, keys, decoders);
  }
}

/** Decoder for a nested column at top level, where the driver hands over JSON text. */
export function nestedDecoder(dialect: Dialect, type: SqlType): Decoder {
  return rowsDecoder(dialect, type.nested!);
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
