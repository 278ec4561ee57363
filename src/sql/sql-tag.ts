// The `sql` template tag: the template's own strings become SQL text; every interpolated value is a
// bound parameter, every interpolated builder a nested node, `sql.id()` a quoted identifier.
import { Expr, bindValue, isExpr } from "./expression.js";
import type { Node, RawNode } from "./nodes/index.js";
import type { ROW, Statement } from "./statement.js";
import { types, type SqlType } from "./types.js";

export class SqlFragment<T = unknown> extends Expr<T> implements Statement<Record<string, unknown>> {
  declare readonly node: RawNode;
  declare readonly [ROW]?: Record<string, unknown>;
  /** Declares the value type of this fragment when used as an expression. */
  typed<U>(type: SqlType<U>): SqlFragment<U> {
    return new SqlFragment<U>({ ...this.node, type });
  }
  /** Lets a fragment be executed as a whole statement; rows are keyed by the engine's column names. */
  get statementNode(): RawNode {
    return this.node;
  }
}

function toTagNode(value: unknown): Node {
  if (isExpr(value)) return value.node;
  if (typeof value === "object" && value !== null) {
    if ("queryNode" in value) return { kind: "scalar", query: (value as { queryNode: never }).queryNode, type: types.unknown };
    if ("fromNode" in value) return (value as { fromNode: Node }).fromNode;
    if ("statementNode" in value) return (value as Statement).statementNode;
  }
  return bindValue(value, types.unknown);
}

export function sql<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment<T> {
  return new SqlFragment<T>({ kind: "raw", strings: [...strings], values: values.map(toTagNode), type: types.unknown });
}

/** A quoted identifier: `sql.id("customer", "name")` → "customer"."name". */
sql.id = (...parts: string[]): Expr<unknown> => new Expr({ kind: "raw", strings: ["", ""], values: [{ kind: "identifier", parts }], type: types.unknown });

/** Joins fragments with a separator written by the caller's code, never by user values. */
sql.join = (items: readonly Expr<unknown>[], separator = ", "): SqlFragment => {
  const strings = ["", ...items.slice(1).map(() => separator), ""];
  return new SqlFragment({ kind: "raw", strings, values: items.map((i) => i.node), type: types.unknown });
};
