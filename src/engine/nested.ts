// Decoding nested results: the JSON text of a nested column is parsed once, then every nested
// row is built with decoders chosen once per statement, recursively, exactly like top-level rows.
//
// Hot path (a tree of 1,000 × 10 × 5 rows is 61,000 nested rows; see bench/nested.ts): each nested
// row shape gets a decoder generated once per statement (row-builder.ts); parsed arrays of rows
// are turned into arrays of objects in place.
import type { Decoder, Dialect } from "../dialects/dialect.js";
import type { NestedSpec, SqlType } from "../sql/types.js";
import type { ExprNode } from "../sql/nodes/index.js";
import { DatabaseError } from "../errors.js";
import { generate, loopBuilder, rowLiteral } from "./row-builder.js";

/**
 * Parses a nested column's JSON text. Text that does not parse was not made whole by the engine
 * (MariaDB cuts aggregated text at its limits): a typed error, never a partial result.
 */
function parseNested(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DatabaseError(`A nested result of ${text.length} characters is not valid JSON (${(err as Error).message}): the engine did not return it whole`, {
      cause: err,
    });
  }
}

/** Decoder for a value found inside a nested row's parsed JSON. */
function innerDecoder(dialect: Dialect, type: SqlType, key: string): Decoder | null {
  if (type.custom) {
    const spec = type.custom;
    const base = innerDecoder(dialect, spec.base, key);
    return base ? (v) => spec.fromDb(base(v)) : (v) => spec.fromDb(v);
  }
  if (type.kind === "nested") return rowsDecoder(dialect, type.nested!);
  return dialect.nestedDecoder(type, key);
}

/** The portable decoder: loops over rows and columns (used when code generation is unavailable). */
function loopDecoder(spec: NestedSpec, keys: readonly string[], decoders: readonly (Decoder | null)[]): Decoder {
  const build = loopBuilder(keys, decoders, spec.reserve);
  if (spec.one) return (v) => build((typeof v === "string" ? parseNested(v) : v) as unknown[]);
  return (v) => {
    const list = (typeof v === "string" ? parseNested(v) : v) as unknown[];
    for (let i = 0; i < list.length; i++) list[i] = build(list[i] as unknown[]);
    return list;
  };
}

/**
 * A decoder generated for one nested shape (see row-builder.ts): it parses the JSON text (when
 * given text) and builds each row with the shape's object literal, replacing the rows of the
 * parsed array in place.
 */
function rowsDecoder(dialect: Dialect, spec: NestedSpec): Decoder {
  const keys = spec.items.map((i) => i.key);
  const decoders = spec.items.map((i) => innerDecoder(dialect, i.type, i.key));
  const row = rowLiteral(keys, decoders, spec.reserve);
  const body = spec.one
    ? `const r = typeof v === "string" ? parse(v) : v;
  let x;
  return ${row};`
    : `const list = typeof v === "string" ? parse(v) : v;
  for (let i = 0, n = list.length; i < n; i++) {
    const r = list[i];
    let x;
    list[i] = ${row};
  }
  return list;`;
  return generate<Decoder>(decoders, "decodeNested", body, parseNested) ?? loopDecoder(spec, keys, decoders);
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
