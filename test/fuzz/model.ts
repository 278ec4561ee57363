// The fuzz test's own description of statements and data. Statements are generated as this plain
// tree, then built through Arbor's public API (build.ts) and evaluated by the oracle (oracle.ts), so
// neither depends on the other; fast-check shrinks the tree.
import { MetaData, integer, numeric, text, boolean, date } from "../../src/index.js";

/** `dec` is numeric(10, 2), the columns' type; `dec4` is numeric(20, 4), the type of a product of two. */
export type Ty = "int" | "dec" | "dec4" | "text" | "bool" | "date";
/** The decimal types and their scales. */
export const SCALE = { dec: 2, dec4: 4 } as const;
export type DecTy = keyof typeof SCALE;
export const isDec = (ty: string): ty is DecTy => ty === "dec" || ty === "dec4";
/** A decimal quotient: each engine's own scale, compared to a fixed number of places (dialect-differences.ts). */
export type QuotTy = "quot";
export type Val = number | string | boolean | null;

export const md = new MetaData();
export const t = md.table("fz_t", {
  id: integer().primaryKey(),
  i: integer(),
  j: integer(),
  d: numeric(10, 2),
  s: text(),
  b: boolean(),
  dt: date(),
});
export const u = md.table("fz_u", {
  id: integer().primaryKey(),
  tid: integer().references(() => t.c.id),
  k: integer(),
  e: numeric(10, 2),
  w: text(),
  f: boolean(),
  du: date(),
});

/** Column name → type for each table; `id` is the unique key of each. */
export const COLUMNS = {
  t: { id: "int", i: "int", j: "int", d: "dec", s: "text", b: "bool", dt: "date" },
  u: { id: "int", tid: "int", k: "int", e: "dec", w: "text", f: "bool", du: "date" },
} as const satisfies Record<string, Record<string, Ty>>;
export type TableName = keyof typeof COLUMNS;

/** A FROM source: a base table, or an alias of one (subqueries use aliases, see KNOWN_OPEN). */
export interface Src {
  readonly name: string;
  readonly table: TableName;
}
export const T: Src = { name: "t", table: "t" };
export const U: Src = { name: "u", table: "u" };

export type CmpOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";
export type AggFn = "count" | "countStar" | "countDistinct" | "sum" | "min" | "max" | "avg";
export type WinFn = "rowNumber" | "rank" | "denseRank" | "sum" | "count" | "min" | "max" | "lag" | "lead" | "firstValue";
/** How a literal reaches Arbor: a plain JS operand typed by its sibling, `value(v, type)` or `param(name, type)`. */
export type How = "raw" | "value" | "param";

export type E =
  | { readonly k: "col"; readonly src: Src; readonly col: string; readonly ty: Ty }
  | { readonly k: "lit"; readonly ty: Ty; readonly v: Val; readonly how: How }
  | { readonly k: "arith"; readonly op: "add" | "sub" | "mul" | "div" | "mod"; readonly l: E; readonly r: E; readonly ty: Ty | QuotTy }
  | { readonly k: "neg"; readonly e: E; readonly ty: Ty }
  | { readonly k: "cmp"; readonly op: CmpOp; readonly l: E; readonly r: E; readonly ty: "bool" }
  | { readonly k: "isnull"; readonly not: boolean; readonly e: E; readonly ty: "bool" }
  | { readonly k: "logic"; readonly op: "and" | "or"; readonly items: readonly E[]; readonly ty: "bool" }
  | { readonly k: "not"; readonly e: E; readonly ty: "bool" }
  | { readonly k: "in"; readonly not: boolean; readonly e: E; readonly list: readonly E[]; readonly ty: "bool" }
  | { readonly k: "between"; readonly not: boolean; readonly e: E; readonly lo: E; readonly hi: E; readonly ty: "bool" }
  | { readonly k: "case"; readonly whens: readonly (readonly [E, E])[]; readonly otherwise: E | null; readonly ty: Ty }
  | { readonly k: "coalesce"; readonly args: readonly E[]; readonly ty: Ty }
  | { readonly k: "fn"; readonly f: "lower" | "upper" | "length" | "abs"; readonly e: E; readonly ty: Ty }
  | { readonly k: "concat"; readonly l: E; readonly r: E; readonly ty: "text" }
  | { readonly k: "cast"; readonly e: E; readonly ty: Ty }
  | { readonly k: "like"; readonly not: boolean; readonly e: E; readonly pattern: E; readonly ty: "bool" }
  | { readonly k: "exists"; readonly not: boolean; readonly q: Sel; readonly ty: "bool" }
  | { readonly k: "inq"; readonly not: boolean; readonly e: E; readonly q: Sel; readonly ty: "bool" }
  | { readonly k: "scalar"; readonly q: Sel; readonly ty: Ty }
  | { readonly k: "agg"; readonly f: AggFn; readonly e: E | null; readonly filter: E | null; readonly ty: Ty | "double" }
  | { readonly k: "win"; readonly f: WinFn; readonly e: E | null; readonly part: readonly E[]; readonly order: readonly Ord[]; readonly ty: Ty };

export interface Ord {
  readonly e: E;
  readonly desc: boolean;
  readonly nulls: "first" | "last";
}

export type FromKind = "t" | "t join u" | "t left join u";

export interface Item {
  readonly label: string;
  readonly e: E;
}

export interface Sel {
  readonly k: "select";
  /** Outer queries use the base tables; a subquery reads one aliased source. */
  readonly from: FromKind | Src;
  readonly items: readonly Item[];
  readonly where: E | null;
  readonly groupBy: readonly E[];
  readonly having: E | null;
  readonly distinct: boolean;
  /** ORDER BY; `total` when it ends with a unique key so the row order is fixed. */
  readonly order: readonly Ord[];
  readonly total: boolean;
  readonly limit: E | null;
  readonly offset: E | null;
  /** nested() items: child rows of u per t row, with their own filter. */
  readonly nested: readonly NestedItem[];
}

export interface NestedItem {
  readonly label: string;
  readonly cols: readonly string[];
  readonly where: E | null;
  readonly one: boolean;
}

export interface Compound {
  readonly k: "compound";
  readonly op: "union" | "unionAll" | "intersect" | "except";
  readonly left: Sel;
  readonly right: Sel;
}

export type Stmt = Sel | Compound;

export type Row = Record<string, Val>;
export interface Dataset {
  readonly t: readonly Row[];
  readonly u: readonly Row[];
}

/** The type a result column comes back as. */
export type OutTy = Ty | "double" | QuotTy;

export function sourcesOf(from: FromKind | Src): Src[] {
  if (typeof from !== "string") return [from];
  return from === "t" ? [T] : [T, U];
}

export function colsOf(src: Src): [string, Ty][] {
  return Object.entries(COLUMNS[src.table]) as [string, Ty][];
}

const num = (v: Val): number | null => (v === null ? null : Number(v));
const str = (v: Val): string | null => (v === null ? null : String(v));
const bool = (v: Val): boolean | null => (v === null ? null : Boolean(v));
export const tRow = (r: Row) => ({ id: Number(r.id), i: num(r.i), j: num(r.j), d: str(r.d), s: str(r.s), b: bool(r.b), dt: str(r.dt) });
export const uRow = (r: Row) => ({ id: Number(r.id), tid: num(r.tid), k: num(r.k), e: str(r.e), w: str(r.w), f: bool(r.f), du: str(r.du) });
