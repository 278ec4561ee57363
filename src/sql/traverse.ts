// Each node kind declares its children once; walking, table discovery (FROM inference and
// correlation) and shape keys all derive from this table.
import type { ExprNode, FromNode, Node, NodeKind, NodeOf, QueryNode, SelectNode, SourceNode } from "./nodes/index.js";

type Visit = (node: Node) => void;
type Children = { [K in NodeKind]: (node: NodeOf<K>, f: Visit) => void };

// Callbacks rather than arrays: walks run per statement built per call, and building child arrays
// with spreads was most of a walk's cost.
const all = (nodes: readonly Node[], f: Visit): void => {
  for (let i = 0; i < nodes.length; i++) f(nodes[i]);
};
const opt = (node: Node | undefined, f: Visit): void => {
  if (node !== undefined) f(node);
};
const exprs = (items: readonly { readonly expr: Node }[], f: Visit): void => {
  for (let i = 0; i < items.length; i++) f(items[i].expr);
};
const values = (pairs: readonly (readonly [unknown, Node])[], f: Visit): void => {
  for (let i = 0; i < pairs.length; i++) f(pairs[i][1]);
};
const leaf = (): void => {};

export const children: Children = {
  column: leaf,
  bind: leaf,
  param: leaf,
  binary: (n, f) => (f(n.left), f(n.right)),
  unary: (n, f) => f(n.operand),
  logical: (n, f) => all(n.items, f),
  func: (n, f) => (all(n.args, f), all(n.orderBy, f), opt(n.filter, f), opt(n.limit, f), opt(n.offset, f)),
  cast: (n, f) => f(n.expr),
  case: (n, f) => {
    for (const [cond, result] of n.whens) f(cond), f(result);
    opt(n.otherwise, f);
  },
  label: (n, f) => f(n.expr),
  in: (n, f) => {
    f(n.expr);
    if (Array.isArray(n.values)) all(n.values as readonly Node[], f);
    else f(n.values as QueryNode);
  },
  between: (n, f) => (f(n.expr), f(n.low), f(n.high)),
  scalar: (n, f) => f(n.query),
  exists: (n, f) => f(n.query),
  window: (n, f) => (f(n.func), all(n.partitionBy, f), all(n.orderBy, f)),
  tuple: (n, f) => all(n.items, f),
  excluded: leaf,
  raw: (n, f) => all(n.values, f),
  star: leaf,
  nested: (n, f) => f(n.query),
  identifier: leaf,
  order: (n, f) => f(n.expr),
  table: leaf,
  alias: leaf,
  derived: (n, f) => f(n.query),
  cte: leaf,
  join: (n, f) => (f(n.left), f(n.right), opt(n.on, f)),
  select: (n, f) => {
    exprs(n.items, f);
    all(n.from, f);
    opt(n.where, f);
    all(n.groupBy, f);
    opt(n.having, f);
    all(n.orderBy, f);
    opt(n.limit, f);
    opt(n.offset, f);
  },
  compound: (n, f) => (all(n.queries, f), all(n.orderBy, f), opt(n.limit, f), opt(n.offset, f)),
  insert: (n, f) => {
    for (const row of n.rows) all(row, f);
    opt(n.query, f);
    if (n.onConflict) values(n.onConflict.set, f), opt(n.onConflict.where, f);
    exprs(n.returning, f);
  },
  update: (n, f) => (values(n.set, f), opt(n.where, f), exprs(n.returning, f), all(n.from, f)),
  delete: (n, f) => (opt(n.where, f), exprs(n.returning, f)),
};

/** Calls `f` with each child of `node`, in the order the table above lists them. */
export function eachChild(node: Node, f: Visit): void {
  (children[node.kind] as (n: Node, f: Visit) => void)(node, f);
}

export function childrenOf(node: Node): readonly Node[] {
  const out: Node[] = [];
  eachChild(node, (c) => out.push(c));
  return out;
}

/**
 * The FROM sources that expressions of `node` refer to, without descending into nested queries
 * (their references belong to their own scope, or correlate to this one).
 */
export function referencedSources(roots: readonly Node[], out: SourceNode[] = []): SourceNode[] {
  for (const r of roots) sourcesIn(r, out);
  return out;
}

// Walks are module-level functions: a named closure per call costs a defineProperty under tsx.
function sourcesIn(n: Node, out: SourceNode[]): void {
  if (n.kind === "column") {
    if (!out.includes(n.source)) out.push(n.source);
    return;
  }
  if (n.kind === "select" || n.kind === "compound" || n.kind === "derived" || n.kind === "nested") return;
  eachChild(n, (c) => sourcesIn(c, out));
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

/** A SELECT's FROM list: explicit items plus referenced tables not already in scope or in `outer`. */
export function fromList(n: SelectNode, outer: readonly SourceNode[]): FromNode[] {
  const explicit = [...n.from];
  const inScope = explicit.flatMap((f) => sourcesOfFrom(f));
  const referenced = referencedSources([
    ...n.items.map((i) => i.expr),
    ...(n.where ? [n.where] : []),
    ...n.groupBy,
    ...(n.having ? [n.having] : []),
    ...n.orderBy,
  ]);
  for (const s of referenced) if (!inScope.includes(s) && !outer.includes(s)) explicit.push(s), inScope.push(s);
  return explicit;
}

/** Tables a DML statement's expressions mention besides its target (UPDATE … FROM). */
export function dmlExtraSources(target: SourceNode, exprs: readonly ExprNode[], from: readonly FromNode[]): FromNode[] {
  const out = [...from];
  const have = out.flatMap((f) => sourcesOfFrom(f));
  for (const s of referencedSources(exprs)) if (s !== target && !have.includes(s)) out.push(s), have.push(s);
  return out;
}

/** Every CTE referenced anywhere under `root`, dependencies first. */
export function collectCtes(root: Node): SourceNode[] {
  const found: SourceNode[] = [];
  ctesIn(root, found, []);
  return found;
}

/**
 * `seen` holds the sources walked already (columns lead back to theirs, a recursive CTE to itself);
 * other nodes are not recorded, which costs a set insertion per node for no gain in a tree.
 */
function ctesIn(n: Node, found: SourceNode[], seen: SourceNode[]): void {
  switch (n.kind) {
    case "column":
      ctesIn(n.source, found, seen);
      return;
    case "cte":
      if (seen.includes(n)) return;
      seen.push(n);
      ctesIn(n.query(), found, seen);
      found.push(n);
      return;
    case "table":
    case "alias":
    case "derived":
      if (seen.includes(n)) return;
      seen.push(n);
      break;
    case "select":
    case "compound":
    case "insert":
    case "update":
    case "delete":
      for (const c of n.with) ctesIn(c, found, seen);
  }
  eachChild(n, (c) => ctesIn(c, found, seen));
}
