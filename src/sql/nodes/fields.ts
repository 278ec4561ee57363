// Field declarations: every node kind says once, in its own file, what each of its fields is. The
// traversal (../traverse.ts), the shape key (../cache-key.ts), structural equality and child
// replacement (../structure.ts) are derived from these declarations, so a field cannot be walked
// but not keyed, or keyed but not compared. A declaration must name every field of its interface
// (`Fields<N>` is checked by tsc) and every field a built node has (test/compliance).

/**
 * What a field holds, and so how each derived function treats it.
 *
 * - `child`: a node: walked, keyed by its own key, compared and replaced structurally.
 * - `name`: a string, boolean or enumerated word that decides the SQL: keyed, compared by value.
 * - `type`: an SqlType: keyed and compared by structure.
 * - `value`: a bound value: not keyed (it is one of the shape's values; the bind node's identity,
 *   which decides placeholder sharing, is), compared by value.
 * - `values`: a list of bound values whose number decides the SQL (an INSERT's checked cells): keyed
 *   by its length, each value one of the shape's values; compared by value; holds no node.
 * - `meta`: only for messages or for building rows (a bind's site, a column's row key): neither
 *   keyed nor compared, since it changes no SQL.
 * - `ref`: an object keyed and compared by identity (a table's schema object), not walked.
 * - `source`: a FROM source named by reference (a column's source, a DML target, a CTE in WITH):
 *   keyed as a source (numbered per statement), compared by identity, not walked.
 * - `column`: a column printed by name only (INSERT column list, SET target, `excluded`): keyed as
 *   a column, compared structurally, not walked.
 * - `lazy`: a function returning a query (a CTE body, which may name its own CTE): keyed by
 *   keying its result, compared by identity, not walked.
 * - `{ optional }`, `{ list }`, `{ tuple }`, `{ record }`: structure around other roles.
 * - `childOrChildren`: a node or a list of nodes (IN's subquery or value list).
 */
export type Role =
  | "child"
  | "name"
  | "type"
  | "value"
  | "values"
  | "meta"
  | "ref"
  | "source"
  | "column"
  | "lazy"
  | "childOrChildren"
  | { readonly optional: Role }
  | { readonly list: Role }
  | { readonly tuple: readonly Role[] }
  | { readonly record: { readonly [field: string]: Role } };

/** A declaration: one role for every field of `N` but its kind, in the order the children are walked. */
export type Fields<N> = { readonly [K in Exclude<keyof N, "kind">]-?: Role };

/** Freezes a declaration (roles included), so no code can change what a kind declares. */
export function declare<N>(fields: Fields<N>): Fields<N> {
  return deepFreeze(fields);
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Roles of common shapes. */
export const optionalChild = { optional: "child" } as const;
export const childList = { list: "child" } as const;
/** A SELECT or RETURNING list: row keys and expressions. */
export const selectItems = { list: { record: { key: "name", expr: "child" } } } as const;
/** The CTEs a statement was given with `with()`; emitted in its WITH clause. */
export const ctes = { list: "source" } as const;
/** SET pairs: the column assigned, printed by name, and its new value. */
export const assignments = { list: { tuple: ["column", "child"] } } as const;
