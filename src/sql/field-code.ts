// Code generated once, at load, from the node field declarations (nodes/fields.ts): each kind's
// traversal as straight-line JavaScript with its fields written out, as a hand would write them, so
// that derived walks cost what hand-kept tables cost (a full walk counts 20 % fewer instructions
// than the composed closures: docs/performance.md). Field names come from the
// declarations (source code), never from data. Where the runtime refuses to generate code, callers
// fall back to closures composed from the same declarations.
import type { Role } from "./nodes/fields.js";
import type { NodeKind } from "./nodes/index.js";

const IDENT = /^[A-Za-z_$][\w$]*$/;

function prop(x: string, key: string | number): string {
  if (typeof key === "number") return `${x}[${key}]`;
  return IDENT.test(key) ? `${x}.${key}` : `${x}[${JSON.stringify(key)}]`;
}

/** Generates the statements calling `f` with each child in a value of `role` held in the expression `x`; "" when there are none. */
function roleCode(role: Role, x: string, fresh: () => string): string {
  if (typeof role === "string") return walkLeaf(role, x, fresh);
  const v = fresh();
  if ("optional" in role) {
    const inner = roleCode(role.optional, v, fresh);
    return inner === "" ? "" : `{ const ${v} = ${x}; if (${v} !== undefined) { ${inner} } }`;
  }
  if ("list" in role) {
    const i = fresh();
    const inner = roleCode(role.list, `${v}[${i}]`, fresh);
    if (inner === "") return "";
    return `{ const ${v} = ${x}; for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { ${inner} } }`;
  }
  const parts: [string | number, Role][] = "tuple" in role ? role.tuple.map((r, i) => [i, r]) : Object.entries(role.record);
  const body = parts.map(([k, r]) => roleCode(r, prop(v, k), fresh)).join(" ");
  return body.trim() === "" ? "" : `{ const ${v} = ${x}; ${body} }`;
}

function walkLeaf(role: Role & string, x: string, fresh: () => string): string {
  if (role === "child") return `f(${x});`;
  if (role !== "childOrChildren") return "";
  const v = fresh();
  const i = fresh();
  return `{ const ${v} = ${x}; if (Array.isArray(${v})) { for (let ${i} = 0; ${i} < ${v}.length; ${i}++) f(${v}[${i}]); } else f(${v}); }`;
}

/** The body of one kind's walk `(n, f)` over its node `n`: `f` for each child, in declaration order. */
export function kindCode(fields: Readonly<Record<string, Role>>): string {
  let k = 0;
  const fresh = () => `v${k++}`;
  return Object.entries(fields)
    .map(([name, role]) => roleCode(role, prop("n", name), fresh))
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
