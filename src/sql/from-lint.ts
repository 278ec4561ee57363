// FROM linting, as SQLAlchemy 1.4 does it: a table that only a column reference brought into FROM
// and that no join or condition links to the rest makes a cartesian product, which returns rows of
// unrelated tables. That is refused, naming the tables; a product written out (from(a, b),
// crossJoin()) is what was asked for and passes.
import { ArgumentError } from "../errors.js";
import type { ExprNode, FromNode, Node, SelectNode, SourceNode } from "./nodes/index.js";
import { sourceLabel } from "./relate.js";
import { eachChild, referencedSources, sourcesOfFrom } from "./traverse.js";

/** Every source a column anywhere under `n` belongs to, subqueries included. */
function deepSources(n: Node, out: Set<SourceNode>): void {
  if (n.kind === "column") out.add(n.source);
  else eachChild(n, (c) => deepSources(c, out));
}

/** Calls `f` with each condition of `n` that can link FROM items: comparisons, IN, BETWEEN, subqueries. */
function linkingConditions(n: ExprNode, f: (n: ExprNode) => void): void {
  switch (n.kind) {
    case "logical":
      for (const i of n.items) linkingConditions(i, f);
      return;
    case "unary":
      if (n.op === "NOT") linkingConditions(n.operand, f);
      else f(n);
      return;
    case "label":
      return linkingConditions(n.expr, f);
    default:
      f(n);
  }
}

/**
 * Refuses a select whose FROM list (`from`, the first `explicit` items given by the caller, the rest
 * inferred from column references) holds an inferred item linked to nothing else.
 */
export function lintFrom(n: SelectNode, from: readonly FromNode[], explicit: number): void {
  if (from.length < 2 || from.length === explicit) return;
  const owner = new Map<SourceNode, number>();
  from.forEach((f, i) => {
    for (const s of sourcesOfFrom(f)) owner.set(s, i);
  });
  const parent = from.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const link = (cond: ExprNode): void => {
    const seen = new Set<SourceNode>();
    deepSources(cond, seen);
    let first: number | undefined;
    for (const s of seen) {
      const i = owner.get(s);
      if (i === undefined) continue;
      if (first === undefined) first = find(i);
      else parent[find(i)] = first;
    }
  };
  if (n.where) linkingConditions(n.where, link);
  if (n.having) linkingConditions(n.having, link);
  // The written items anchor the FROM list (or, with none written, the first inferred one's group);
  // an inferred item outside their groups makes a product nobody asked for.
  const anchors = new Set(explicit > 0 ? from.slice(0, explicit).map((_, i) => find(i)) : [find(0)]);
  const all = from.map((_, i) => i);
  const stray = all.filter((i) => !anchors.has(find(i)));
  if (stray.length === 0) return;
  const label = (i: number) => sourcesOfFrom(from[i]).map(sourceLabel).join(", ");
  const strayNames = stray.map(label).join(", ");
  const others = all.filter((i) => anchors.has(find(i)));
  throw new ArgumentError(
    `A column of ${strayNames} puts it in FROM, but nothing links it to ${others.map(label).join(", ")}: that is a cartesian product. ` +
      `Join it (join(), or a where() condition relating the tables), or name every table in from() (or crossJoin()) if the product is meant.`,
  );
}

/**
 * Refuses a subquery that auto-correlation left without FROM: every table it names is in an
 * enclosing query, so it would read the enclosing row instead of rows of its own.
 */
export function requireFrom(n: SelectNode, from: readonly FromNode[]): void {
  if (from.length || !n.correlate) return;
  const refs = referencedSources([...n.items.map((i) => i.expr), ...(n.where ? [n.where] : []), ...n.groupBy, ...(n.having ? [n.having] : []), ...n.orderBy]);
  if (refs.length === 0) return;
  throw new ArgumentError(
    `A subquery on ${refs.map(sourceLabel).join(", ")} has no FROM of its own: every table it names is in the enclosing query, which auto-correlation refers to. ` +
      `Give it from() or correlate(false), or alias the table.`,
  );
}
