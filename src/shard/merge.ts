// Merging rows from several shards as one database would have produced them: a k-way merge under
// ORDER BY, exact recombination of count/sum/min/max, and group keys that are equal exactly when
// the engine's values are equal.
import { NotSupportedError } from "../errors.js";
import type { SqlType } from "../sql/types.js";
import { canonicalDecimal, type Compare } from "./compare.js";

type Row = Record<string, unknown>;

export interface SortKey {
  readonly key: string;
  readonly desc: boolean;
  /** undefined: the shards place NULL differently, so meeting one is refused. */
  readonly nullsFirst: boolean | undefined;
  readonly compare: Compare;
}

export function rowComparator(keys: readonly SortKey[], get: (row: object, key: string) => unknown = (r, k) => (r as Row)[k]) {
  return (a: object, b: object): number => {
    for (const k of keys) {
      const x = get(a, k.key),
        y = get(b, k.key);
      const xn = x === null || x === undefined,
        yn = y === null || y === undefined;
      if (xn && yn) continue;
      if ((xn || yn) && k.nullsFirst === undefined)
        throw new NotSupportedError(`ORDER BY ${k.key} met a NULL across shards of engines that place NULL differently: say NULLS FIRST or NULLS LAST`);
      if (xn) return k.nullsFirst ? -1 : 1;
      if (yn) return k.nullsFirst ? 1 : -1;
      const c = k.compare(x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

/** Merges lists that are each sorted by `cmp` (stable: earlier lists first on ties). */
export function mergeSorted<T>(lists: readonly T[][], cmp: (a: T, b: T) => number): T[] {
  const out: T[] = [];
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i] >= lists[i].length) continue;
      if (best < 0 || cmp(lists[i][at[i]], lists[best][at[best]]) < 0) best = i;
    }
    if (best < 0) return out;
    out.push(lists[best][at[best]++]);
  }
}

/** Exact addition of partial counts and sums; a JS number sum that would lose digits is refused. */
export function addExact(a: unknown, b: unknown): unknown {
  if (a === null || a === undefined) return b;
  if (b === null || b === undefined) return a;
  if (typeof a === "number" && typeof b === "number") {
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw new NotSupportedError("A floating-point sum cannot be recombined exactly across shards");
    const s = a + b;
    if (!Number.isSafeInteger(s)) throw new NotSupportedError("A sum beyond 2^53 cannot be recombined exactly across shards as a JavaScript number");
    return s;
  }
  if (typeof a === "bigint" || typeof b === "bigint") return BigInt(String(a)) + BigInt(String(b));
  return addDecimal(String(a), String(b));
}

/** Exact addition of decimal strings (numeric sums keep the larger scale, as the engines do). */
function addDecimal(a: string, b: string): string {
  const scale = Math.max((a.split(".")[1] ?? "").length, (b.split(".")[1] ?? "").length);
  const toInt = (s: string) => {
    const [i, f = ""] = s.split(".");
    const neg = i.startsWith("-");
    const v = BigInt((neg ? i.slice(1) : i) + f.padEnd(scale, "0"));
    return neg ? -v : v;
  };
  const sum = toInt(a) + toInt(b);
  const neg = sum < 0n;
  const digits = (neg ? -sum : sum).toString().padStart(scale + 1, "0");
  return `${neg ? "-" : ""}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
}

/** A text form of a value that is equal for values the engine holds equal (binary text only). */
export function groupKeyPart(v: unknown, type: SqlType | undefined): string {
  if (v === null || v === undefined) return "N";
  switch (type?.kind) {
    case "numeric":
      return `d${canonicalDecimal(v)}`;
    case "integer":
    case "smallint":
    case "bigint":
      return `i${typeof v === "number" ? v : String(v)}`;
    case "boolean":
      return `b${Number(v)}`;
    case "date":
    case "timestamp":
    case "timestamptz":
      return v instanceof Date ? `t${v.getTime()}` : `s${String(v)}`;
    default:
      return typeof v === "bigint" ? `i${v}` : `${typeof v}:${String(v)}`;
  }
}
