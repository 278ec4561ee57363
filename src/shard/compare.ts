// Comparing values the way the shards' SQL does: by each expression's declared SQL type (never by
// sniffing the JS value), text by code point only where the collation is known to be binary, and
// NULLs where the dialect puts them.
import { NotSupportedError } from "../errors.js";
import type { DialectName } from "../dialects/dialect.js";
import type { SqlType } from "../sql/types.js";

/** How text compares on every shard: by code point, or by code point with PAD SPACE (MariaDB `_bin`). */
export type TextOrder = "binary" | "binary-pad";

export type Compare = (a: unknown, b: unknown) => number;

const sign = (n: number | bigint): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Code point order (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string, pad = false): number {
  const x = [...a],
    y = [...b];
  const n = pad ? Math.max(x.length, y.length) : Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = i < x.length ? x[i].codePointAt(0)! : 32,
      q = i < y.length ? y[i].codePointAt(0)! : 32;
    if (p !== q) return p - q;
  }
  return pad ? 0 : x.length - y.length;
}

/** A decimal string or number as sign, integer digits and fraction digits (exactly). */
function parseDecimal(v: unknown): { neg: boolean; int: string; frac: string } {
  const s = typeof v === "number" || typeof v === "bigint" ? String(v) : v;
  const m = typeof s === "string" ? /^(-)?(\d*)(?:\.(\d*))?$/.exec(s.trim()) : null;
  if (!m) throw new NotSupportedError(`The numeric value ${String(v)} cannot be compared exactly across shards`);
  const int = m[2].replace(/^0+/, ""),
    frac = (m[3] ?? "").replace(/0+$/, "");
  return { neg: !!m[1] && (int !== "" || frac !== ""), int, frac };
}

export function compareDecimals(a: unknown, b: unknown): number {
  const x = parseDecimal(a),
    y = parseDecimal(b);
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  let c = x.int.length - y.int.length || (x.int < y.int ? -1 : x.int > y.int ? 1 : 0);
  if (!c) {
    const n = Math.max(x.frac.length, y.frac.length);
    const f = x.frac.padEnd(n, "0"),
      g = y.frac.padEnd(n, "0");
    c = f < g ? -1 : f > g ? 1 : 0;
  }
  return x.neg ? -c : c;
}

/** The canonical form of a decimal (equal decimals, equal text). */
export function canonicalDecimal(v: unknown): string {
  const d = parseDecimal(v);
  return `${d.neg ? "-" : ""}${d.int || "0"}${d.frac ? `.${d.frac}` : ""}`;
}

function compareIntegers(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return sign(a - b);
  const big = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(typeof v === "number" ? v : String(v)));
  return sign(big(a) - big(b));
}

function timeOf(v: unknown): number | string {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string") return v;
  throw new NotSupportedError(`The date/time value ${String(v)} cannot be compared across shards`);
}

/**
 * The comparison of non-NULL values of `type`, or a refusal naming what cannot be merged.
 * `textOrder` is how text compares on every shard (undefined: not provably binary).
 */
export function comparatorFor(type: SqlType | undefined, what: string, textOrder: TextOrder | undefined): Compare {
  switch (type?.kind) {
    case "integer":
    case "smallint":
    case "bigint":
      return compareIntegers;
    case "real":
    case "double":
      return (a, b) => sign(Number(a) - Number(b));
    case "numeric":
      return compareDecimals;
    case "boolean":
      return (a, b) => sign(Number(a) - Number(b));
    case "date":
    case "timestamp":
    case "timestamptz":
      return (a, b) => {
        const x = timeOf(a),
          y = timeOf(b);
        return typeof x === "number" && typeof y === "number" ? sign(x - y) : compareCodePoints(String(x), String(y));
      };
    case "text":
    case "varchar":
      if (!textOrder)
        throw new NotSupportedError(
          `${what} compares text, and a shard's collation is not binary, so JavaScript cannot reproduce its order: use a binary collation (SQLite's default BINARY, MariaDB utf8mb4_bin or utf8mb4_nopad_bin, PostgreSQL "C" or ucs_basic) on the column or database, or run the statement per shard`,
        );
      return (a, b) => compareCodePoints(String(a), String(b), textOrder === "binary-pad");
    default:
      throw new NotSupportedError(`${what} has type ${type?.kind ?? "unknown"}, which cannot be compared across shards`);
  }
}

/** Whether NULL sorts as the smallest value by default (SQLite, MariaDB) or the largest (PostgreSQL). */
export function nullsSmallest(dialect: DialectName): boolean {
  return dialect !== "postgres";
}
