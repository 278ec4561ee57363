// Decoding nested results: the JSON text of a nested column is parsed once, then every nested
// row is built with decoders chosen once per statement, recursively, exactly like top-level rows.
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

function rowsDecoder(dialect: Dialect, spec: NestedSpec): Decoder {
  const keys = spec.items.map((i) => i.key);
  const decoders = spec.items.map((i) => innerDecoder(dialect, i.type));
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
  if (spec.one) return (v) => build(v as unknown[]);
  return (v) => {
    const list = v as unknown[][];
    const out = new Array<Record<string, unknown>>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = build(list[i]);
    return out;
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
