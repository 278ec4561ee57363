// Code generated once, at load, from the node field declarations (nodes/fields.ts): each kind's
// traversal and shape-key writer as straight-line JavaScript with its fields written out, as a hand
// would write them, so that derived walks cost what hand-kept tables cost. Field names come from the
// declarations (source code), never from data. Where the runtime refuses to generate code, callers
// fall back to closures composed from the same declarations.
import type { Role } from "./nodes/fields.js";
import type { NodeKind } from "./nodes/index.js";

/** What the code is for: calling `f` with each child (`walk`), or writing a shape key to `w` (`key`). */
export type CodeMode = "walk" | "key";

const IDENT = /^[A-Za-z_$][\w$]*$/;

function prop(x: string, key: string | number): string {
  if (typeof key === "number") return `${x}[${key}]`;
  return IDENT.test(key) ? `${x}.${key}` : `${x}[${JSON.stringify(key)}]`;
}

/** Generates the statements for one value of `role` held in the expression `x`; "" when there are none. */
function roleCode(mode: CodeMode, role: Role, x: string, fresh: () => string): string {
  if (typeof role === "string") return mode === "walk" ? walkLeaf(role, x, fresh) : keyLeaf(role, x, fresh);
  const v = fresh();
  if ("optional" in role) {
    const inner = roleCode(mode, role.optional, v, fresh);
    if (mode === "walk") return inner === "" ? "" : `{ const ${v} = ${x}; if (${v} !== undefined) { ${inner} } }`;
    return `{ const ${v} = ${x}; if (${v} === undefined) w.tag(0); else { w.tag(1); ${inner} } }`;
  }
  if ("list" in role) {
    const i = fresh();
    const inner = roleCode(mode, role.list, `${v}[${i}]`, fresh);
    const count = mode === "key" ? `w.count(${v}.length); ` : "";
    if (inner === "") return count === "" ? "" : `{ const ${v} = ${x}; ${count}}`;
    return `{ const ${v} = ${x}; ${count}for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { ${inner} } }`;
  }
  const parts: [string | number, Role][] = "tuple" in role ? role.tuple.map((r, i) => [i, r]) : Object.entries(role.record);
  const body = parts.map(([k, r]) => roleCode(mode, r, prop(v, k), fresh)).join(" ");
  return body.trim() === "" ? "" : `{ const ${v} = ${x}; ${body} }`;
}

function walkLeaf(role: Role & string, x: string, fresh: () => string): string {
  if (role === "child") return `f(${x});`;
  if (role !== "childOrChildren") return "";
  const v = fresh();
  const i = fresh();
  return `{ const ${v} = ${x}; if (Array.isArray(${v})) { for (let ${i} = 0; ${i} < ${v}.length; ${i}++) f(${v}[${i}]); } else f(${v}); }`;
}

function keyLeaf(role: Role & string, x: string, fresh: () => string): string {
  switch (role) {
    case "child":
      return `w.node(${x});`;
    case "name":
      return `w.scalar(${x});`;
    case "type":
      return `w.typeOf(n, ${x});`;
    case "ref":
      return `w.count(objectId(${x}));`;
    case "source":
      return `w.source(${x});`;
    case "column":
      return `w.column(${x});`;
    case "lazy":
      return `w.node(${x}());`;
    case "childOrChildren": {
      const v = fresh();
      const i = fresh();
      return `{ const ${v} = ${x}; if (Array.isArray(${v})) { w.tag(1); w.count(${v}.length); for (let ${i} = 0; ${i} < ${v}.length; ${i}++) w.node(${v}[${i}]); } else { w.tag(0); w.node(${v}); } }`;
    }
    case "value":
    case "meta":
      return "";
  }
  return "";
}

/**
 * The body of one kind's function over its node `n`: `(n, f)` for `walk`, `(w, n)` for `key`
 * (after the kind's tag). Fields are visited in declaration order.
 */
export function kindCode(mode: CodeMode, fields: Readonly<Record<string, Role>>): string {
  let k = 0;
  const fresh = () => `v${k++}`;
  return Object.entries(fields)
    .map(([name, role]) => roleCode(mode, role, prop("n", name), fresh))
    .filter((s) => s !== "")
    .join("\n  ");
}

/**
 * Compiles one function per kind from `bodies` (their parameters `params`), passing `env` to them by
 * name; undefined where the runtime forbids generating code.
 */
export function generateTable<F>(
  kinds: readonly NodeKind[],
  params: string,
  bodies: readonly string[],
  env: Readonly<Record<string, unknown>> = {},
): Record<NodeKind, F> | undefined {
  const fns = kinds.map((kind, i) => `${JSON.stringify(kind)}: function ${kind}_(${params}) {\n  ${bodies[i]}\n}`);
  try {
    const factory = new Function(...Object.keys(env), `"use strict";\nreturn {\n${fns.join(",\n")}\n};`);
    return factory(...Object.values(env)) as Record<NodeKind, F>;
  } catch {
    return undefined;
  }
}
