// Merging results from several shards as one database would have produced them: ORDER BY across
// shards (a k-way merge), LIMIT/OFFSET after the merge, and count/sum/min/max recombined.
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { ExprNode, OrderNode, SelectItem, SelectNode } from "../sql/nodes/index.js";

type Row = Record<string, unknown>;

export function compareValues(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === "bigint" || typeof b === "bigint") {
    const x = BigInt(a as bigint), y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string" && /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) return Number(a) - Number(b);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const unlabel = (e: ExprNode): ExprNode => (e.kind === "label" ? e.expr : e);

function sameExpr(a: ExprNode, b: ExprNode): boolean {
  if (a === b) return true;
  return a.kind === "column" && b.kind === "column" && a.name === b.name && a.source === b.source;
}

/** Row keys and directions for a SELECT's ORDER BY: every order expression must be selected. */
export function orderKeys(items: readonly SelectItem[], orderBy: readonly OrderNode[]): { key: string; desc: boolean; nullsFirst: boolean }[] {
  return orderBy.map((o) => {
    const item = items.find((i) => sameExpr(unlabel(i.expr), unlabel(o.expr)));
    if (!item) throw new ArgumentError("To merge ORDER BY across shards, every ordering expression must also be selected");
    const desc = o.direction === "DESC";
    return { key: item.key, desc, nullsFirst: o.nulls ? o.nulls === "FIRST" : desc };
  });
}

export function rowComparator(keys: readonly { key: string; desc: boolean; nullsFirst: boolean }[], get: (row: object, key: string) => unknown = (r, k) => (r as Row)[k]) {
  return (a: object, b: object): number => {
    for (const k of keys) {
      const x = get(a, k.key), y = get(b, k.key);
      if (x === y) continue;
      if (x === null || x === undefined) return k.nullsFirst ? -1 : 1;
      if (y === null || y === undefined) return k.nullsFirst ? 1 : -1;
      const c = compareValues(x, y);
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

type Combiner = "count" | "sum" | "min" | "max";

function combinerOf(e: ExprNode): Combiner | undefined {
  const f = unlabel(e);
  if (f.kind !== "func" || f.distinct || f.filter) return undefined;
  const name = f.name.toLowerCase();
  if (name === "avg") throw new NotSupportedError("avg() cannot be merged across shards; select sum() and count() instead");
  return name === "count" || name === "sum" || name === "min" || name === "max" ? name : undefined;
}

function add(a: unknown, b: unknown): unknown {
  if (a === null || a === undefined) return b;
  if (b === null || b === undefined) return a;
  if (typeof a === "bigint" || typeof b === "bigint") return BigInt(a as bigint) + BigInt(b as bigint);
  if (typeof a === "string" || typeof b === "string") return addDecimal(String(a), String(b));
  return (a as number) + (b as number);
}

/** Exact addition of decimal strings (numeric sums keep their scale). */
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

/** Recombines per-shard aggregate rows; non-aggregate items are the grouping key. */
export function combineAggregates(items: readonly SelectItem[], rows: readonly Row[]): Row[] {
  const aggs = items.map((i) => combinerOf(i.expr));
  const groupKeys = items.filter((_, i) => !aggs[i]).map((i) => i.key);
  const groups = new Map<string, Row>();
  for (const row of rows) {
    const gk = JSON.stringify(groupKeys.map((k) => row[k]), (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
    const acc = groups.get(gk);
    if (!acc) {
      groups.set(gk, { ...row });
      continue;
    }
    items.forEach((item, i) => {
      const c = aggs[i];
      if (!c) return;
      const x = acc[item.key], y = row[item.key];
      if (c === "count" || c === "sum") acc[item.key] = add(x, y);
      else if (y !== null && y !== undefined && (x === null || x === undefined || (c === "min" ? compareValues(y, x) < 0 : compareValues(y, x) > 0))) acc[item.key] = y;
    });
  }
  return [...groups.values()];
}

export function hasAggregates(q: SelectNode): boolean {
  return q.items.some((i) => combinerOf(i.expr) !== undefined);
}
