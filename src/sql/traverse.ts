// Every node's children, derived once from the field declarations (nodes/fields.ts): walking,
// table discovery (FROM inference and correlation) and CTE collection derive from them.
import { type ExprNode, type FromNode, type Node, type NodeKind, type NodeOf, nodeFields, type SelectNode, type SourceNode } from "./nodes/index.js";
import { generateTable, kindCode } from "./field-code.js";
import type { Role } from "./nodes/fields.js";

type Visit = (node: Node) => void;
type Children = { readonly [K in NodeKind]: (node: NodeOf<K>, f: Visit) => void };
/** Calls `f` with every child node held in a field's value. */
type FieldWalk = (value: unknown, f: Visit) => void;

// Callbacks rather than arrays: walks run per statement built per call, and building child arrays
// was most of a walk's cost. Each kind's walk is generated once, at load (field-code.ts); the
// closures below compose the same walk where code cannot be generated. Roles that hold no child
// (names, types, sources by reference, …) are left out.
const visitOne: FieldWalk = (v, f) => f(v as Node);
const visitAll: FieldWalk = (v, f) => {
  const nodes = v as readonly Node[];
  for (let i = 0; i < nodes.length; i++) f(nodes[i]);
};

/** How to find the children in a value of `role`, or undefined when it holds none. */
export function roleWalk(role: Role): FieldWalk | undefined {
  if (typeof role === "string") {
    if (role === "child") return visitOne;
    if (role === "childOrChildren") return (v, f) => (Array.isArray(v) ? visitAll(v, f) : f(v as Node));
    return undefined;
  }
  if ("optional" in role) {
    const inner = roleWalk(role.optional);
    if (inner === undefined) return undefined;
    return inner === visitOne ? (v, f) => v !== undefined && f(v as Node) : (v, f) => v !== undefined && inner(v, f);
  }
  if ("list" in role) {
    const inner = roleWalk(role.list);
    if (inner === undefined) return undefined;
    if (inner === visitOne) return visitAll;
    return (v, f) => {
      const items = v as readonly unknown[];
      for (let i = 0; i < items.length; i++) inner(items[i], f);
    };
  }
  const parts: [string | number, FieldWalk][] = [];
  if ("tuple" in role) role.tuple.forEach((r, i) => addPart(parts, i, r));
  else for (const [k, r] of Object.entries(role.record)) addPart(parts, k, r);
  return objectWalk(parts);
}

function addPart(parts: [string | number, FieldWalk][], key: string | number, role: Role): void {
  const w = roleWalk(role);
  if (w !== undefined) parts.push([key, w]);
}

/** Walks the parts of an object (a node, a tuple, a record) in order; one or two parts unrolled. */
function objectWalk(parts: readonly [string | number, FieldWalk][]): FieldWalk | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) {
    const [k, w] = parts[0];
    if (w === visitOne) return (v, f) => f((v as Record<string | number, Node>)[k]);
    return (v, f) => w((v as Record<string | number, unknown>)[k], f);
  }
  if (parts.length === 2) {
    const [[k0, w0], [k1, w1]] = parts;
    return (v, f) => {
      const o = v as Record<string | number, unknown>;
      w0(o[k0], f);
      w1(o[k1], f);
    };
  }
  return (v, f) => {
    const o = v as Record<string | number, unknown>;
    for (let i = 0; i < parts.length; i++) parts[i][1](o[parts[i][0]], f);
  };
}

const leaf: FieldWalk = () => {};

/**
 * Each kind's walk: generated code with the fields written out, or (where the runtime refuses to
 * generate code, or `generate` is false) closures composed from the same declarations.
 */
export function deriveChildren(generate = true): Children {
  const kinds = Object.keys(nodeFields) as NodeKind[];
  const declared = (k: NodeKind) => nodeFields[k] as Readonly<Record<string, Role>>;
  const generated = generate
    ? generateTable<FieldWalk>(
        kinds,
        "n, f",
        kinds.map((k) => kindCode(declared(k))),
      )
    : undefined;
  const out: Partial<Record<NodeKind, FieldWalk>> = {};
  for (const kind of kinds)
    out[kind] =
      generated?.[kind] ??
      objectWalk(
        Object.entries(declared(kind)).flatMap(([k, r]): [string, FieldWalk][] => {
          const w = roleWalk(r);
          return w ? [[k, w]] : [];
        }),
      ) ??
      leaf;
  return Object.freeze(out) as Children;
}

/** Each kind's children, in the order its declaration lists them. */
export const children: Children = deriveChildren();

/** Calls `f` with each child of `node`, in the order the table above lists them. */
export function eachChild(node: Node, f: Visit): void {
  (children[node.kind] as FieldWalk)(node, f);
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
  const visit = (n: Node): void => {
    if (n.kind === "column") {
      if (!out.includes(n.source)) out.push(n.source);
      return;
    }
    if (n.kind === "select" || n.kind === "compound" || n.kind === "derived" || n.kind === "nested") return;
    eachChild(n, visit);
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
  const seen: SourceNode[] = [];
  // One visitor for the whole walk: a closure per node cost a multi-row INSERT one per value.
  const visit = (c: Node): void => ctesIn(c, found, seen, visit);
  visit(root);
  return found;
}

/**
 * `seen` holds the sources walked already (columns lead back to theirs, a recursive CTE to itself);
 * other nodes are not recorded, which costs a set insertion per node for no gain in a tree.
 */
function ctesIn(n: Node, found: SourceNode[], seen: SourceNode[], visit: (c: Node) => void): void {
  switch (n.kind) {
    case "bind":
    case "param":
      return;
    case "column":
      visit(n.source);
      return;
    case "cte":
      if (seen.includes(n)) return;
      seen.push(n);
      visit(n.query());
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
      for (const c of n.with) visit(c);
  }
  eachChild(n, visit);
}
