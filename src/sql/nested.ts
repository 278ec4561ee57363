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

function nestedNode(query: Select<unknown>, one: boolean): NestedNode {
  const q = query.node;
  if (q.items.length === 0) throw new ArgumentError("A nested select needs at least one column");
  const type: SqlType = {
    kind: "nested",
    nested: { one, items: q.items.map((i) => ({ key: i.key, type: i.expr.type, expr: i.expr })) },
  };
  return { kind: "nested", query: q, one, type };
}

/**
 * The rows of `query` for each row of the enclosing query, as an array (empty, never null).
 * Correlation is added from the foreign key between the nested table and the enclosing query
 * (a grouping key first) unless the query's WHERE already refers to the enclosing query.
 */
export function nested<R>(query: Select<R>): Nested<R[]> {
  return new Nested<R[]>(nestedNode(query as Select<unknown>, false));
}

/** The first row of `query` for each row of the enclosing query, or null. */
export function nestedOne<R>(query: Select<R>): Nested<R | null> {
  return new Nested<R | null>(nestedNode(query as Select<unknown>, true));
}

