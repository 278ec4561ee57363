// Each node kind declares its children once; walking, table discovery (FROM inference and
// correlation) and shape keys all derive from this table.
import type { Node, NodeKind, NodeOf, QueryNode, SourceNode } from "./nodes/index.js";

type ChildrenOf = { [K in NodeKind]: (node: NodeOf<K>) => readonly Node[] };

const none: readonly Node[] = [];
const opt = (...nodes: (Node | undefined)[]): Node[] => nodes.filter((n): n is Node => n !== undefined);

export const children: ChildrenOf = {
  column: () => none,
  bind: () => none,
  param: () => none,
  binary: (n) => [n.left, n.right],
  unary: (n) => [n.operand],
  logical: (n) => n.items,
  func: (n) => opt(...n.args, ...n.orderBy, n.filter, n.limit, n.offset),
  cast: (n) => [n.expr],
  case: (n) => opt(...n.whens.flat(), n.otherwise),
  label: (n) => [n.expr],
  in: (n) => (Array.isArray(n.values) ? [n.expr, ...(n.values as readonly Node[])] : [n.expr, n.values as QueryNode]),
  between: (n) => [n.expr, n.low, n.high],
  scalar: (n) => [n.query],
  exists: (n) => [n.query],
  window: (n) => [n.func, ...n.partitionBy, ...n.orderBy],
  tuple: (n) => n.items,
  excluded: () => none,
  raw: (n) => n.values,
  star: () => none,
  nested: (n) => [n.query],
  identifier: () => none,
  order: (n) => [n.expr],
  table: () => none,
  alias: () => none,
  derived: (n) => [n.query],
  cte: () => none,
  join: (n) => opt(n.left, n.right, n.on),
  select: (n) => opt(...n.items.map((i) => i.expr), ...n.from, n.where, ...n.groupBy, n.having, ...n.orderBy, n.limit, n.offset),
  compound: (n) => opt(...n.queries, ...n.orderBy, n.limit, n.offset),
  insert: (n) => opt(...n.rows.flat(), n.query, ...(n.onConflict?.set.map((s) => s[1]) ?? []), n.onConflict?.where, ...n.returning.map((i) => i.expr)),
  update: (n) => opt(...n.set.map((s) => s[1]), n.where, ...n.returning.map((i) => i.expr), ...n.from),
  delete: (n) => opt(n.where, ...n.returning.map((i) => i.expr)),
};

export function childrenOf(node: Node): readonly Node[] {
  return (children[node.kind] as (n: Node) => readonly Node[])(node);
}

/**
 * The FROM sources that expressions of `node` refer to, without descending into nested queries
 * (their references belong to their own scope, or correlate to this one).
 */
export function referencedSources(roots: readonly Node[], out: SourceNode[] = []): SourceNode[] {
  const visit = (n: Node): void => {
    if (n.kind === "column") {
      if (!out.includes(n.source)) out.push(n.source);
      return;
    }
    if (n.kind === "select" || n.kind === "compound" || n.kind === "derived" || n.kind === "nested") return;
    for (const c of childrenOf(n)) visit(c);
  };
  for (const r of roots) visit(r);
  return out;
}

/** Every source a FROM item brings into scope (joins flattened). */
export function sourcesOfFrom(from: Node, out: SourceNode[] = []): SourceNode[] {
  if (from.kind === "join") {
    sourcesOfFrom(from.left, out);
    sourcesOfFrom(from.right, out);
  } else if (from.kind === "table" || from.kind === "alias" || from.kind === "derived" || from.kind === "cte") {
    out.push(from);
  }
  return out;
}

/** Every CTE referenced anywhere under `root`, dependencies first. */
export function collectCtes(root: Node): SourceNode[] {
  const found: SourceNode[] = [];
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.kind === "cte") {
      if (found.includes(n)) return;
      visit(n.query());
      if (!found.includes(n)) found.push(n);
      return;
    }
    if (n.kind === "column") {
      visit(n.source);
      return;
    }
    if (n.kind === "select" || n.kind === "compound" || n.kind === "insert" || n.kind === "update" || n.kind === "delete")
      for (const c of n.with) visit(c);
    for (const c of childrenOf(n)) visit(c);
  };
  visit(root);
  return found;
}
