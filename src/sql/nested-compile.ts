// How nested() becomes ordinary SQL: auto-correlation from foreign keys, then a rewrite into the
// dialect's JSON aggregation built from plain nodes, which the one compiler then prints.
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { CompoundNode, ExprNode, FuncNode, NestedNode, OrderNode, SelectNode, SourceNode } from "./nodes/index.js";
import { linksBetween, sourceLabel, type Link } from "./relate.js";
import { referencedSources, sourcesOfFrom } from "./traverse.js";
import { types, type SqlType } from "./types.js";

/** How a dialect spells JSON rows and their aggregation. */
export interface JsonSpelling {
  /** Builds one positional row: json_build_array / json_array / JSON_ARRAY. */
  readonly row: string;
  /** Aggregates rows into an array: json_agg / json_group_array / JSON_ARRAYAGG. */
  readonly agg: string;
  /** SQL for an empty array, used when there are no child rows. */
  readonly empty: string;
  /** The aggregate takes LIMIT/OFFSET itself (MariaDB), so no derived table is needed. */
  readonly aggregateLimit: boolean;
  /** A derived table inside the nested subquery may refer to the enclosing query. */
  readonly derivedCorrelation: boolean;
}

export interface Correlated {
  readonly query: SelectNode;
  /** A warning when the correlation has no index behind it. */
  readonly warning?: string;
}

const raw = (sql: string, type: SqlType = types.unknown): ExprNode => ({ kind: "raw", strings: [sql], values: [], type });
const call = (name: string, args: ExprNode[], extra: Partial<FuncNode> = {}): FuncNode => ({
  kind: "func",
  name,
  args,
  distinct: false,
  orderBy: [],
  type: types.unknown,
  ...extra,
});

/** Sources of `q` that are not `outer`'s: its explicit FROM and the tables it names that outer lacks. */
function ownSources(q: SelectNode, outer: readonly SourceNode[]): SourceNode[] {
  const own = q.from.flatMap((f) => sourcesOfFrom(f));
  const refs = referencedSources([...q.items.map((i) => i.expr), ...(q.where ? [q.where] : []), ...q.orderBy, ...q.groupBy, ...(q.having ? [q.having] : [])]);
  for (const s of refs) if (!own.includes(s) && !outer.includes(s)) own.push(s);
  return own;
}

function refersTo(q: SelectNode, outer: readonly SourceNode[]): boolean {
  const refs = referencedSources([...q.items.map((i) => i.expr), ...(q.where ? [q.where] : []), ...q.from, ...q.orderBy]);
  return refs.some((s) => outer.includes(s));
}

/**
 * Adds the correlation a nested select needs: when its WHERE does not already refer to the
 * enclosing query, the one foreign key between them (grouping keys first) becomes the condition.
 * nested() prefers links where the nested table is the child; nestedOne() where it is the parent.
 *
 * The nested select's own tables become its explicit FROM, so auto-correlation cannot take them
 * away. They are the tables it names that the enclosing query lacks; when the enclosing query has
 * them all (`select(artist, nested(select(album))).leftJoin(album)`), the tables its items select
 * from, which then shadow the enclosing ones inside it. With `correlate(false)` every table it names
 * is its own, and the foreign key still links it to the enclosing query.
 */
export function correlateNested(n: NestedNode, scopes: readonly (readonly SourceNode[])[]): Correlated {
  const q = n.query;
  const enclosing = scopes.flat();
  let own = ownSources(q, q.correlate ? enclosing : []);
  if (own.length === 0) own = referencedSources(q.items.map((i) => i.expr));
  if (own.length === 0) throw new ArgumentError("A nested select needs a table of its own: select a column of one, or give it from()");
  const explicit = q.from.flatMap((f) => sourcesOfFrom(f));
  const pinned: SelectNode = { ...q, from: [...q.from, ...own.filter((s) => !explicit.includes(s))], correlate: true };
  const outerScopes = scopes.map((level) => level.filter((s) => !own.includes(s)));
  const outer = outerScopes.flat();
  if (refersTo(q, outer)) return { query: pinned };
  // The nearest enclosing level with a link wins: a self-referential tree nests level by level.
  let all: Link[] = [];
  for (let i = outerScopes.length - 1; i >= 0 && all.length === 0; i--) all = linksBetween(own, outerScopes[i]);
  const preferred = all.filter((l) => (n.one ? !own.includes(l.child) : own.includes(l.child)));
  let pool = preferred.length ? preferred : all;
  const grouping = pool.filter((l) => l.fk.grouping);
  if (grouping.length) pool = grouping;
  const names = `${own.map(sourceLabel).join(", ")} and the enclosing ${outer.map(sourceLabel).join(", ") || "query"}`;
  if (pool.length === 0) throw new ArgumentError(`No foreign key links ${names}; correlate the nested select with an explicit where()`);
  if (pool.length > 1) throw new ArgumentError(`Several foreign keys link ${names}; correlate the nested select with an explicit where()`);
  const link = pool[0];
  const where: ExprNode = q.where ? { kind: "logical", op: "AND", items: [link.condition, q.where], type: types.boolean } : link.condition;
  return { query: { ...pinned, where }, warning: indexWarning(link, own) };
}

function indexWarning(link: Link, own: readonly SourceNode[]): string | undefined {
  if (!own.includes(link.child)) return undefined;
  const table = link.child.kind === "table" ? link.child : link.child.kind === "alias" ? link.child.table : undefined;
  if (!table?.info.hasIndexOn || table.info.hasIndexOn(link.fk.columns)) return undefined;
  return `Nested select on ${table.info.name} correlates on (${link.fk.columns.map((c) => c.name).join(", ")}) without an index: every parent row scans ${table.info.name}`;
}

/** The nested select rewritten to a scalar subquery returning a JSON array (or row, or NULL). */
export function rewriteNested(q: SelectNode, one: boolean, json: JsonSpelling, wrap: (e: ExprNode) => ExprNode): ExprNode {
  const exprs = q.items.map((i) => (i.expr.kind === "label" ? i.expr.expr : i.expr));
  const scalar = (query: SelectNode | CompoundNode): ExprNode => ({ kind: "scalar", query, type: types.unknown });
  const bare = { orderBy: [] as OrderNode[], limit: undefined, offset: undefined };
  if (one) {
    const row = call(json.row, exprs.map(wrap));
    return scalar({ ...q, items: [{ key: "nested", expr: row }], limit: q.limit ?? { kind: "bind", value: 1, type: types.integer } });
  }
  const paged = q.limit !== undefined || q.offset !== undefined;
  const needsDerived = q.groupBy.length > 0 || q.having !== undefined || q.distinct || (paged && !json.aggregateLimit);
  if (needsDerived && !json.derivedCorrelation)
    throw new NotSupportedError("This engine cannot correlate a derived table: GROUP BY, HAVING or DISTINCT inside nested() is not supported here");
  if (!needsDerived) {
    const agg = call(json.agg, [call(json.row, exprs.map(wrap))], {
      orderBy: q.orderBy,
      ...(json.aggregateLimit ? { limit: q.limit, offset: q.offset } : {}),
    });
    const value = call("coalesce", [agg, raw(json.empty)]);
    return scalar({ ...q, items: [{ key: "nested", expr: value }], ...bare });
  }
  // A derived table keeps GROUP BY / DISTINCT / LIMIT per parent; its order travels in columns.
  const inner: SelectNode = {
    ...q,
    items: [...exprs.map((e, i) => ({ key: `c${i}`, expr: e })), ...q.orderBy.map((o, j) => ({ key: `o${j}`, expr: o.expr }))],
  };
  const derived = { kind: "derived", name: "nested_rows", query: inner, lateral: false } as const;
  const col = (key: string, type: SqlType): ExprNode => ({ kind: "column", name: key, key, source: derived, type });
  const agg = call(
    json.agg,
    [
      call(
        json.row,
        exprs.map((e, i) => wrap(col(`c${i}`, e.type))),
      ),
    ],
    {
      orderBy: q.orderBy.map((o, j) => ({ ...o, expr: col(`o${j}`, o.expr.type) })),
    },
  );
  return scalar({
    kind: "select",
    items: [{ key: "nested", expr: call("coalesce", [agg, raw(json.empty)]) }],
    from: [derived],
    groupBy: [],
    orderBy: [],
    distinct: false,
    with: [],
    correlate: true,
    forUpdate: false,
  });
}
