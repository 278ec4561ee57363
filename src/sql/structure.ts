// Structural equality and child replacement, derived from the node field declarations
// (nodes/fields.ts) as traversal and shape keys are: a field a kind declares is compared and
// rebuilt as its role says, so neither can miss one.
import type { Role } from "./nodes/fields.js";
import { type Node, type NodeKind, nodeFields } from "./nodes/index.js";

const SOURCE_KINDS: ReadonlySet<NodeKind> = new Set(["table", "alias", "derived", "cte"]);

type Fields = Readonly<Record<string, Role>>;
const declared = (kind: NodeKind): Fields => nodeFields[kind] as Fields;
const isNode = (x: unknown): x is Node => typeof x === "object" && x !== null && typeof (x as { kind?: unknown }).kind === "string";

/**
 * Whether two trees are the same expression, values included: same kind and every declared field
 * equal by its role. Sources (tables, aliases, derived tables, CTEs) and what fields name by
 * reference compare by identity; `meta` fields (a bind's site, a column's row key) are ignored,
 * since they change no SQL.
 */
export function sameNode(a: Node, b: Node): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || SOURCE_KINDS.has(a.kind) || !Object.hasOwn(nodeFields, a.kind)) return false;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const [k, role] of Object.entries(declared(a.kind))) if (!sameByRole(role, ra[k], rb[k])) return false;
  return true;
}

function sameByRole(role: Role, x: unknown, y: unknown): boolean {
  if (typeof role === "string") {
    switch (role) {
      case "child":
      case "column":
        return isNode(x) && isNode(y) && sameNode(x, y);
      case "childOrChildren":
        if (Array.isArray(x)) return sameByRole({ list: "child" }, x, y);
        return !Array.isArray(y) && sameByRole("child", x, y);
      case "name":
      case "ref":
      case "source":
      case "lazy":
        return x === y;
      case "type":
      case "value":
      case "values":
        return sameData(x, y);
      case "meta":
        return true;
    }
  }
  if ("optional" in role) return x === undefined || y === undefined ? x === y : sameByRole(role.optional, x, y);
  if ("list" in role) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameByRole(role.list, x[i], y[i])) return false;
    return true;
  }
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  const ox = x as Record<string | number, unknown>;
  const oy = y as Record<string | number, unknown>;
  if ("tuple" in role) return role.tuple.every((r, i) => sameByRole(r, ox[i], oy[i]));
  return Object.entries(role.record).every(([k, r]) => sameByRole(r, ox[k], oy[k]));
}

/** Equality of plain data (bound values, SQL types): dates by time, bytes by content, objects by own fields. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra).filter((k) => ra[k] !== undefined);
  if (keys.length !== Object.keys(rb).filter((k) => rb[k] !== undefined).length) return false;
  return keys.every((k) => sameData(ra[k], rb[k]));
}

/**
 * `n` with each child replaced by `f(child)`, as its kind declares its children; `n` itself when no
 * child changed, else a copy sharing every unchanged part. `f` must return a node that fits where
 * the child was (an expression for an expression).
 */
export function mapChildren<N extends Node>(n: N, f: (child: Node) => Node): N {
  if (!Object.hasOwn(nodeFields, n.kind)) return n;
  const r = n as unknown as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [k, role] of Object.entries(declared(n.kind))) {
    const v = r[k];
    const m = mapByRole(role, v, f);
    if (m !== v) (out ??= { ...r })[k] = m;
  }
  return out === undefined ? n : (out as unknown as N);
}

function mapByRole(role: Role, v: unknown, f: (child: Node) => Node): unknown {
  if (typeof role === "string") {
    if (role === "child") return f(v as Node);
    if (role === "childOrChildren") return Array.isArray(v) ? mapByRole({ list: "child" }, v, f) : f(v as Node);
    return v;
  }
  if ("optional" in role) return v === undefined ? v : mapByRole(role.optional, v, f);
  if ("list" in role) {
    const items = v as readonly unknown[];
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const m = mapByRole(role.list, items[i], f);
      if (m !== items[i]) (out ??= [...items])[i] = m;
    }
    return out ?? v;
  }
  if ("tuple" in role) {
    const items = v as readonly unknown[];
    let out: unknown[] | undefined;
    role.tuple.forEach((r, i) => {
      const m = mapByRole(r, items[i], f);
      if (m !== items[i]) (out ??= [...items])[i] = m;
    });
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [k, r] of Object.entries(role.record)) {
    const m = mapByRole(r, o[k], f);
    if (m !== o[k]) (out ??= { ...o })[k] = m;
  }
  return out ?? v;
}
