// What the engine executes, and the type-level plumbing that turns SELECT lists into row types.
import { ArgumentError } from "../errors.js";
import { type ColumnExpr, Expr, type TypeOf } from "./expression.js";
import type { ExprNode, FromNode, SelectItem, StatementNode } from "./nodes/index.js";
import type { ColumnsLike } from "./source.js";

/** Phantom key carrying a statement's row type. */
export declare const ROW: unique symbol;

/** Anything the engine can run; `R` is the row type it yields (`never` for plain DML). */
export interface Statement<R = unknown> {
  readonly statementNode: StatementNode;
  readonly [ROW]?: R;
}

export type RowType<S> = S extends Statement<infer R> ? R : never;

/** Something with a key and a value type: a column, a labelled expression, a nested result. */
export type Keyed<K extends string = string, T = unknown> = Expr<T> & { readonly key: K };
/** A whole source in a SELECT list stands for all of its columns. */
export type SourceArg = { readonly c: ColumnsLike; readonly fromNode: FromNode };
export type SelectArg = Keyed | SourceArg;

export type Simplify<T> = { [K in keyof T]: T[K] } & {};
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

type ItemRow<I> = I extends { readonly key: infer K extends string } & Expr<infer T>
  ? { [P in K]: T }
  : I extends { readonly c: infer C }
    ? { -readonly [P in keyof C]: TypeOf<C[P]> }
    : never;

/** The row type of a SELECT list. */
export type RowOfItems<I extends readonly unknown[]> = Simplify<UnionToIntersection<ItemRow<I[number]>>>;

function isSourceArg(x: SelectArg): x is SourceArg {
  return !(x instanceof Expr) && typeof x === "object" && x !== null && "c" in x;
}

/** Normalises SELECT/RETURNING arguments to keyed items; duplicate keys are an error. */
export function selectItems(args: readonly SelectArg[]): SelectItem[] {
  const items: SelectItem[] = [];
  const keys = new Set<string>();
  const add = (key: string, expr: ExprNode): void => {
    if (keys.has(key)) throw new ArgumentError(`Two result columns are named ${JSON.stringify(key)}; give one a label with .as()`);
    keys.add(key);
    items.push({ key, expr });
  };
  for (const a of args) {
    if (isSourceArg(a)) for (const col of Object.values(a.c)) add(col.key, col.node);
    else if (a instanceof Expr && typeof (a as { key?: unknown }).key === "string") add((a as Keyed).key, a.node);
    else throw new ArgumentError("A SELECT item needs a name: use a column, or label the expression with .as()");
  }
  return items;
}

/** Columns of a derived table or CTE, typed from the row type of its query. */
export type ColumnsOfRow<R> = { readonly [K in keyof R & string]: ColumnExpr<K, R[K]> };
