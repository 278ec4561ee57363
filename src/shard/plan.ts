// Planning a SELECT that fans out to several shards: what each shard runs and how the rows are
// merged. Every construct is either merged exactly or refused with NotSupportedError naming it.
import { NotSupportedError } from "../errors.js";
import type { ExprNode, FuncNode, Node, OrderNode, SelectItem, SelectNode, SourceNode } from "../sql/nodes/index.js";
import { childrenOf, sourcesOfFrom } from "../sql/traverse.js";
import { types, type SqlType } from "../sql/types.js";
import { comparatorFor, type Compare, type TextOrder } from "./compare.js";
import { evaluateHaving, sameExpr, type HavingRefs } from "./having.js";
import { mariadbAvg, postgresAvg } from "./avg.js";
import { addExact, groupKeyPart, mergeSorted, rowComparator, type SortKey } from "./merge.js";

type Row = Record<string, unknown>;

/** What the planner needs to know about the shards a statement runs on. */
export interface FanoutEnv {
  /** How text of `expr` compares on every shard, or undefined when it is not provably binary. */
  textOrder(expr: ExprNode): Promise<TextOrder | undefined>;
  /** Whether text of `expr` is equal on every shard exactly when the strings are identical. */
  textEquality(expr: ExprNode): Promise<boolean>;
  /** Whether every shard sorts NULL as the smallest value (undefined: the shards disagree). */
  readonly nullsSmallest: boolean | undefined;
  /** Whether every shard is SQLite (whose avg of integers is the float quotient of sum and count). */
  readonly allSqlite: boolean;
  /** The shards' dialect when they all share one. */
  readonly dialect?: string;
}

export interface FanoutPlan {
  readonly perShard: SelectNode;
  /** Whether each shard's rows come sorted by the statement's ORDER BY. */
  readonly sortedPerShard: boolean;
  merge(lists: Row[][]): Row[];
}

const AGGREGATES = new Set([
  "count",
  "sum",
  "min",
  "max",
  "avg",
  "total",
  "group_concat",
  "string_agg",
  "array_agg",
  "json_agg",
  "jsonb_agg",
  "json_arrayagg",
  "json_group_array",
  "json_objectagg",
  "json_object_agg",
  "bool_and",
  "bool_or",
  "every",
  "bit_and",
  "bit_or",
  "bit_xor",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "variance",
  "var_pop",
  "var_samp",
]);

export const unlabel = (e: ExprNode): ExprNode => (e.kind === "label" ? e.expr : e);
const isAggregate = (e: Node): e is FuncNode => e.kind === "func" && AGGREGATES.has(e.name.toLowerCase());
const typeOf = (e: ExprNode): SqlType | undefined => ("type" in e ? (e.type as SqlType) : undefined);

function walk(n: Node, f: (n: Node) => boolean | void): void {
  if (f(n) === false) return;
  for (const c of childrenOf(n)) walk(c, f);
}

function columnSources(n: Node): SourceNode[] {
  const out: SourceNode[] = [];
  walk(n, (c) => void (c.kind === "column" && out.push(c.source)));
  return out;
}

/** Refuses what per-shard evaluation would answer differently from one database. */
function checkRowwise(e: ExprNode, outer: readonly SourceNode[], where: string): void {
  walk(e, (n) => {
    if (n.kind === "window")
      throw new NotSupportedError(`A window function (${where}) cannot be computed across shards: each shard would number or aggregate only its own rows`);
    if (n.kind === "raw") throw new NotSupportedError(`A raw SQL fragment (${where}) cannot be merged across shards`);
    if (n.kind === "select" || n.kind === "compound") {
      // A subquery correlated to the outer row runs on that row's shard, where its group lives.
      if (!columnSources(n).some((s) => outer.includes(s))) throw new NotSupportedError(`An uncorrelated subquery (${where}) would see only one shard's rows`);
      return false;
    }
  });
}

function containsAggregate(e: Node): boolean {
  let found = false;
  walk(e, (n) => {
    if (n.kind === "select" || n.kind === "compound") return false;
    if (isAggregate(n)) found = true;
  });
  return found;
}

async function sortKeys(q: SelectNode, items: readonly SelectItem[], env: FanoutEnv): Promise<SortKey[]> {
  const out: SortKey[] = [];
  for (const o of q.orderBy) {
    const item = items.find((i) => sameExpr(unlabel(i.expr), unlabel(o.expr)));
    if (!item) throw new NotSupportedError("To merge ORDER BY across shards, every ordering expression must also be selected");
    out.push(await sortKey(o, item, env));
  }
  return out;
}

async function sortKey(o: OrderNode, item: SelectItem, env: FanoutEnv): Promise<SortKey> {
  const desc = o.direction === "DESC";
  const nullsFirst = o.nulls ? o.nulls === "FIRST" : env.nullsSmallest === undefined ? undefined : env.nullsSmallest ? !desc : desc;
  return { key: item.key, desc, nullsFirst, compare: await comparator(item.expr, `ORDER BY ${item.key}`, env) };
}

async function comparator(e: ExprNode, what: string, env: FanoutEnv): Promise<Compare> {
  const t = typeOf(unlabel(e));
  const text = t?.kind === "text" || t?.kind === "varchar";
  return comparatorFor(t, what, text ? await env.textOrder(e) : undefined);
}

/** Equal-as-the-engine keys for DISTINCT and GROUP BY; text only where its collation is binary without padding. */
async function keyTypes(exprs: readonly ExprNode[], what: string, env: FanoutEnv): Promise<(SqlType | undefined)[]> {
  const out: (SqlType | undefined)[] = [];
  for (const e of exprs) {
    const t = typeOf(unlabel(e));
    if (t?.kind === "text" || t?.kind === "varchar") {
      if (!(await env.textEquality(e)))
        throw new NotSupportedError(
          `${what} on text needs a collation where equal means identical on every shard (SQLite BINARY, MariaDB utf8mb4_nopad_bin, any deterministic PostgreSQL collation), or the shards would group differently from the engine`,
        );
    } else if (!t || !["integer", "smallint", "bigint", "numeric", "boolean", "date", "timestamp", "timestamptz"].includes(t.kind)) {
      throw new NotSupportedError(`${what} on a ${t?.kind ?? "untyped"} expression cannot be merged across shards`);
    }
    out.push(t);
  }
  return out;
}

function slice(rows: Row[], q: SelectNode, limit: number | undefined, offset: number): Row[] {
  return limit !== undefined || offset ? rows.slice(offset, limit === undefined ? undefined : offset + limit) : rows;
}

async function dedupe(items: readonly SelectItem[], env: FanoutEnv): Promise<(rows: Row[]) => Row[]> {
  const ts = await keyTypes(
    items.map((i) => i.expr),
    "DISTINCT",
    env,
  );
  return (rows) => {
    const seen = new Set<string>();
    return rows.filter((r) => {
      const k = items.map((i, n) => groupKeyPart(r[i.key], ts[n])).join("\u0000");
      return seen.has(k) ? false : (seen.add(k), true);
    });
  };
}

export async function planFanout(q: SelectNode, env: FanoutEnv, limit: number | undefined, offset: number): Promise<FanoutPlan> {
  if (q.with.length) throw new NotSupportedError("A WITH clause cannot be merged across shards");
  const outer = q.from.flatMap((f) => sourcesOfFrom(f));
  for (const s of outer) if (s.kind === "derived" || s.kind === "cte") throw new NotSupportedError("A derived table in FROM cannot be merged across shards");
  for (const c of q.from) checkRowwise(c as unknown as ExprNode, outer, "in FROM");
  const scope = [...outer];
  for (const i of q.items) for (const s of columnSources(i.expr)) if (!scope.includes(s)) scope.push(s);
  for (const i of q.items) checkRowwise(i.expr, scope, `selected as ${i.key}`);
  if (q.where) checkRowwise(q.where, scope, "in WHERE");
  if (q.having) checkRowwise(q.having, scope, "in HAVING");
  for (const g of q.groupBy) checkRowwise(g, scope, "in GROUP BY");
  for (const o of q.orderBy) checkRowwise(o.expr, scope, "in ORDER BY");
  if (q.where && containsAggregate(q.where)) throw new NotSupportedError("An aggregate in WHERE cannot be merged across shards");

  const aggregate = q.groupBy.length > 0 || !!q.having || q.items.some((i) => containsAggregate(i.expr)) || q.orderBy.some((o) => containsAggregate(o.expr));
  if (!aggregate) {
    const keys = await sortKeys(q, q.items, env);
    const cmp = rowComparator(keys);
    const distinct = q.distinct ? await dedupe(q.items, env) : undefined;
    const perShard: SelectNode =
      limit !== undefined ? { ...q, limit: { kind: "bind", value: limit + offset, type: types.integer }, offset: undefined } : { ...q, offset: undefined };
    return {
      perShard,
      sortedPerShard: true,
      merge(lists) {
        let rows = keys.length ? mergeSorted(lists, cmp) : lists.flat();
        if (distinct) rows = distinct(rows);
        return slice(rows, q, limit, offset);
      },
    };
  }
  return planAggregate(q, env, limit, offset);
}

type Combine =
  | { key: string; kind: "group" }
  | { key: string; kind: "count" | "sum" | "min" | "max"; compare?: Compare }
  | { key: string; kind: "avg"; sum: string; count: string; finish: (sum: unknown, count: unknown) => unknown };

async function planAggregate(q: SelectNode, env: FanoutEnv, limit: number | undefined, offset: number): Promise<FanoutPlan> {
  for (const g of q.groupBy)
    if (!q.items.some((i) => sameExpr(unlabel(i.expr), unlabel(g))))
      throw new NotSupportedError("Every GROUP BY expression must also be selected to merge groups across shards");
  const shardItems: SelectItem[] = [];
  const combines: Combine[] = [];
  const hidden: string[] = [];
  const addAggregate = async (f: FuncNode, key: string): Promise<void> => {
    const name = f.name.toLowerCase();
    if (f.distinct) throw new NotSupportedError(`${name}(DISTINCT …) cannot be merged across shards: the same value may be on several shards`);
    if (f.args.some(containsAggregate)) throw new NotSupportedError(`A nested aggregate in ${name}() cannot be merged across shards`);
    if (f.orderBy.length || f.limit || f.offset) throw new NotSupportedError(`${name}() with ORDER BY or LIMIT cannot be merged across shards`);
    const argType = f.args[0] ? typeOf(unlabel(f.args[0])) : undefined;
    const float = argType?.kind === "real" || argType?.kind === "double";
    if (name === "count") combines.push({ key, kind: "count" });
    else if (name === "sum") {
      if (float)
        throw new NotSupportedError("sum() of a floating-point column cannot be recombined exactly across shards (rounding depends on the order of addition)");
      combines.push({ key, kind: "sum" });
    } else if (name === "min" || name === "max") combines.push({ key, kind: name, compare: await comparator(f.args[0], `${name}()`, env) });
    else if (name === "avg") {
      const finish = avgFinish(env, argType);
      const s = `_fanout_${shardItems.length}_sum`,
        c = `_fanout_${shardItems.length}_count`;
      // PostgreSQL and MariaDB sums come back as exact decimal text (the scale the engine keeps).
      const sumType = env.allSqlite ? f.type : types.numeric();
      shardItems.push({ key: s, expr: { ...f, name: "sum", type: sumType } }, { key: c, expr: { ...f, name: "count", type: types.integer } });
      combines.push({ key, kind: "avg", sum: s, count: c, finish });
      hidden.push(s, c);
      return;
    } else throw new NotSupportedError(`The aggregate ${name}() cannot be merged across shards`);
    shardItems.push({ key, expr: f });
  };
  for (const i of q.items) {
    const e = unlabel(i.expr);
    if (isAggregate(e)) await addAggregate(e, i.key);
    else if (containsAggregate(e))
      throw new NotSupportedError(
        `The aggregate inside the expression selected as ${i.key} cannot be recombined across shards: select the aggregate itself and compute the expression from the merged value`,
      );
    else if (!q.groupBy.some((g) => sameExpr(unlabel(g), e)))
      throw new NotSupportedError(`${i.key} is neither grouped nor aggregated, so shards could pick different values for it`);
    else {
      shardItems.push(i);
      combines.push({ key: i.key, kind: "group" });
    }
  }
  for (const o of q.orderBy)
    if (containsAggregate(o.expr) && !q.items.some((i) => sameExpr(unlabel(i.expr), unlabel(o.expr))))
      throw new NotSupportedError("An aggregate in ORDER BY must also be selected to merge across shards");
  const refs: HavingRefs = { aggregates: [], groups: q.items.filter((i) => !containsAggregate(i.expr)).map((i) => ({ key: i.key, expr: unlabel(i.expr) })) };
  if (q.having) {
    let n = 0;
    const collect = async (e: Node): Promise<void> => {
      if (isAggregate(e)) {
        const known = [...q.items, ...shardItems].find((i) => sameExpr(unlabel(i.expr), e));
        if (known) refs.aggregates.push({ key: known.key, expr: e });
        else {
          const key = `_fanout_having_${n++}`;
          await addAggregate(e, key);
          hidden.push(key);
          refs.aggregates.push({ key, expr: e });
        }
        return;
      }
      if (e.kind === "select" || e.kind === "compound") return;
      for (const c of childrenOf(e)) await collect(c);
    };
    await collect(q.having);
  }
  const groupItems = q.items.filter((i) => combines.find((c) => c.key === i.key)?.kind === "group");
  const groupTypes = await keyTypes(
    groupItems.map((i) => i.expr),
    "GROUP BY",
    env,
  );
  const keys = await sortKeys(q, q.items, env);
  const cmp = rowComparator(keys);
  const distinct = q.distinct ? await dedupe(q.items, env) : undefined;
  const having = q.having;
  const havingCompare = having ? await havingComparators(having, env) : undefined;
  // Refuses an unsupported HAVING before anything runs: every branch is walked on an all-NULL row.
  if (having) evaluateHaving(having, {}, refs, havingCompare!);
  const perShard: SelectNode = { ...q, items: shardItems, having: undefined, orderBy: [], limit: undefined, offset: undefined, distinct: false };
  return {
    perShard,
    sortedPerShard: false,
    merge(lists) {
      const groups = new Map<string, Row>();
      for (const row of lists.flat()) {
        const gk = groupItems.map((i, n) => groupKeyPart(row[i.key], groupTypes[n])).join("\u0000");
        const acc = groups.get(gk);
        if (!acc) {
          groups.set(gk, { ...row });
          continue;
        }
        for (const c of combines) {
          if (c.kind === "group") continue;
          if (c.kind === "avg") {
            acc[c.sum] = addExact(acc[c.sum], row[c.sum]);
            acc[c.count] = addExact(acc[c.count], row[c.count]);
            continue;
          }
          const x = acc[c.key],
            y = row[c.key];
          if (c.kind === "count" || c.kind === "sum") acc[c.key] = addExact(x, y);
          else if (y !== null && y !== undefined && (x === null || x === undefined || (c.kind === "min" ? c.compare!(y, x) < 0 : c.compare!(y, x) > 0)))
            acc[c.key] = y;
        }
      }
      let rows = [...groups.values()];
      for (const r of rows) for (const c of combines) if (c.kind === "avg") r[c.key] = c.finish(r[c.sum], r[c.count]);
      if (having) rows = rows.filter((r) => evaluateHaving(having, r, refs, havingCompare!) === true);
      // Rows keep the statement's item order (hidden partial aggregates dropped).
      rows = rows.map((r) => Object.fromEntries(q.items.map((i) => [i.key, r[i.key]])));
      if (keys.length) rows.sort(cmp);
      if (distinct) rows = distinct(rows);
      return slice(rows, q, limit, offset);
    },
  };
}

const INTEGER_KINDS = new Set(["integer", "smallint", "bigint"]);

/**
 * How the merged avg() is computed from the exact total and count, as the shards' engine would:
 * refused where that is not known (mixed engines, floating-point arguments, a decimal without a
 * declared scale on MariaDB).
 */
function avgFinish(env: FanoutEnv, argType: SqlType | undefined): (sum: unknown, count: unknown) => unknown {
  const kind = argType?.kind;
  const integer = kind !== undefined && INTEGER_KINDS.has(kind);
  const refuse = (why: string) => new NotSupportedError(`avg() cannot be merged across shards ${why}: select sum() and count() instead`);
  if (env.allSqlite) {
    if (!integer) throw refuse("on SQLite except of integers (SQLite's avg of decimals is a floating-point sum)");
    return (sum, count) => {
      const n = Number(count);
      return n === 0 || sum === null ? null : Number(sum) / n;
    };
  }
  if (!integer && kind !== "numeric") throw refuse(`of ${kind ?? "an untyped value"} (only integers and decimals are averaged exactly)`);
  // The avg is decoded as the double Arbor declares for it.
  const asNumber = (v: string | null) => (v === null ? null : Number(v));
  if (env.dialect === "postgres") return (sum, count) => asNumber(postgresAvg(sum, count));
  if (env.dialect === "mysql") {
    const scale = integer ? 0 : argType?.scale;
    if (scale === undefined) throw refuse("on MariaDB of a numeric without a declared scale (its result scale follows the column's)");
    return (sum, count) => asNumber(mariadbAvg(sum, count, scale));
  }
  throw refuse("on shards of different engines (each computes it to its own scale)");
}

/** Comparators for every comparison HAVING makes, chosen before any row arrives. */
async function havingComparators(having: ExprNode, env: FanoutEnv): Promise<Map<Node, Compare>> {
  const out = new Map<Node, Compare>();
  const pending: Node[] = [];
  walk(having, (n) => {
    if (n.kind === "select" || n.kind === "compound") return false;
    if (n.kind === "binary" && ["=", "<>", "<", "<=", ">", ">="].includes(n.op)) pending.push(n);
  });
  for (const n of pending) {
    if (n.kind !== "binary") continue;
    const side = n.left.kind === "bind" ? n.right : n.left;
    out.set(n, await comparator(side, "A comparison in HAVING", env));
  }
  return out;
}
