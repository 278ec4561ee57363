// Conditions on columns from values objects hold (typed `unknown` there: a value read from the
// database, or copied from a parent's key), each bound as a parameter of the column's type.
import { Expr } from "../sql/expression.js";

/** `column = value`; a missing value (null or undefined) becomes `IS NULL`. */
export function keyEq(column: Expr<unknown>, value: unknown): Expr<boolean> {
  return column.eq(value ?? null);
}

/** `column IN (values)` over present values: a key that is null or undefined matches no row anyway. */
export function keyIn(column: Expr<unknown>, values: readonly unknown[]): Expr<boolean> {
  return column.in(values.filter(isPresent));
}

export function isPresent(v: unknown): v is NonNullable<unknown> {
  return v !== null && v !== undefined;
}

/** `a = b` between two columns (a join or correlation condition): both hold the same key values. */
export function columnEq(a: Expr<unknown>, b: Expr<unknown>): Expr<boolean> {
  return a.eq(new Expr<NonNullable<unknown> | null>(b.node));
}
