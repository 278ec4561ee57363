// PostgreSQL array literals ('{1,NULL,"a\"b"}') for a bulk INSERT's columns: one column of an
// INSERT's checked cells sent as one parameter, unnested by the server (dialect.ts, insertValues).
import type { TypeKind } from "../../sql/types.js";

/** How a kind's encoded values are written as array elements. */
type ElementForm = "bare" | "quoted" | "boolean";

/**
 * The kinds whose encoded values have one exact array-element form, and that form. Numbers and
 * integer digit strings need no quotes; other text is quoted, so "NULL", braces, commas and
 * spaces stay text. Left out, and sent as VALUES rows instead: json (json or jsonb), bytes
 * (bytea escapes), enums and custom stored kinds, whose column types a cast cannot be sure of.
 */
const FORMS: Partial<Record<TypeKind, ElementForm>> = {
  integer: "bare",
  smallint: "bare",
  bigint: "bare",
  real: "bare",
  double: "bare",
  numeric: "quoted",
  text: "quoted",
  varchar: "quoted",
  uuid: "quoted",
  date: "quoted",
  timestamp: "quoted",
  timestamptz: "quoted",
  boolean: "boolean",
};

/** Whether values of `kind` can be sent in an array literal. */
export function hasArrayForm(kind: TypeKind): boolean {
  return FORMS[kind] !== undefined;
}

/**
 * Column `column` of `cells` (rows of `width` values, row after row) as an array literal, each
 * value passed through `encode` (the dialect's driver encoding) first; null is NULL.
 */
export function arrayLiteral(cells: readonly unknown[], width: number, column: number, kind: TypeKind, encode: (v: unknown) => unknown): string {
  const form = FORMS[kind];
  if (form === undefined) throw new TypeError(`no array form for ${kind}`);
  const parts: string[] = [];
  for (let k = column; k < cells.length; k += width) {
    const v = cells[k];
    if (v === null || v === undefined) {
      parts.push("NULL");
      continue;
    }
    const e = encode(v);
    if (form === "boolean") parts.push(e === true ? "t" : "f");
    else if (form === "bare") parts.push(String(e));
    else parts.push(quoted(String(e)));
  }
  return `{${parts.join(",")}}`;
}

/** A quoted element: backslash and double quote escaped, nothing else (whitespace is kept inside quotes). */
function quoted(s: string): string {
  return s.indexOf('"') < 0 && s.indexOf("\\") < 0 ? `"${s}"` : `"${s.replace(/["\\]/g, "\\$&")}"`;
}
