// nested() and nestedOne(): a SELECT in a SELECT list that returns, per parent row, typed rows
// (or one row). One statement; each dialect compiles it to its JSON aggregation.
import { ArgumentError } from "../errors.js";
import { Expr } from "./expression.js";
import type { NestedNode } from "./nodes/index.js";
import type { Select } from "./select.js";
import type { SqlType } from "./types.js";

/** A nested result; label it with `.as(name)` to put it in a SELECT list. */
export class Nested<T> extends Expr<T> {
  declare readonly node: NestedNode;
}

export interface NestedOptions {
  /**
   * Keys each nested row object is built with, holding undefined, for values the caller attaches
   * after reading (a parent back-reference, say): setting them then keeps the rows' shape, where
   * adding a property to each row would give every row a second, out-of-object property store.
   */
  readonly reserve?: readonly string[];
}

function nestedNode(query: Select<unknown>, one: boolean, options: NestedOptions): NestedNode {
  const q = query.node;
  if (q.items.length === 0) throw new ArgumentError("A nested select needs at least one column");
  const reserve = options.reserve;
  if (reserve !== undefined && reserve.length > 0)
    checkReserve(
      q.items.map((i) => i.key),
      reserve,
    );
  const type: SqlType = {
    kind: "nested",
    nested: { one, items: q.items.map((i) => ({ key: i.key, type: i.expr.type, expr: i.expr })), ...(reserve?.length ? { reserve: [...reserve] } : {}) },
  };
  return { kind: "nested", query: q, one, type };
}

/** Reserved keys must be new and distinct, and not `__proto__` (a literal would set the prototype). */
function checkReserve(columns: readonly string[], reserve: readonly string[]): void {
  const keys = new Set(columns);
  for (const k of reserve) {
    if (keys.has(k)) throw new ArgumentError(`Cannot reserve ${JSON.stringify(k)}: the nested select already has that column`, { column: k });
    if (k === "__proto__") throw new ArgumentError(`Cannot reserve "__proto__" in nested rows`, { column: k });
    keys.add(k);
  }
}

/**
 * The rows of `query` for each row of the enclosing query, as an array (empty, never null).
 * Correlation is added from the foreign key between the nested table and the enclosing query
 * (a grouping key first) unless the query's WHERE already refers to the enclosing query.
 */
export function nested<R>(query: Select<R>, options: NestedOptions = {}): Nested<R[]> {
  return new Nested<R[]>(nestedNode(query as Select<unknown>, false, options));
}

/** The first row of `query` for each row of the enclosing query, or null. */
export function nestedOne<R>(query: Select<R>, options: NestedOptions = {}): Nested<R | null> {
  return new Nested<R | null>(nestedNode(query as Select<unknown>, true, options));
}
