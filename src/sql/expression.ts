// Typed wrappers over expression nodes. An `Expr<T>` is immutable: every operator returns a new
// expression; the TypeScript value type `T` travels with it into inferred result rows.
import { ArgumentError } from "../errors.js";
import { checkValue, productType, sumType, typeOfValue, types, type SqlType, type ValueSite } from "./types.js";
import type { BinaryOp, ColumnNode, ExprNode, OrderNode, QueryNode, SourceNode } from "./nodes/index.js";

export declare const VALUE_TYPE: unique symbol;

export class Expr<T> {
  /** Phantom: the TypeScript value this expression yields. */
  declare readonly [VALUE_TYPE]: T;

  constructor(readonly node: ExprNode) {}

  get type(): SqlType<T> {
    return this.node.type as SqlType<T>;
  }

  eq(other: Operand<T> | null): Expr<boolean> {
    return other === null ? unary("IS NULL", this.node) : compare("=", this.node, other);
  }
  ne(other: Operand<T> | null): Expr<boolean> {
    return other === null ? unary("IS NOT NULL", this.node) : compare("<>", this.node, other);
  }
  lt(other: Operand<T>): Expr<boolean> {
    return compare("<", this.node, other);
  }
  le(other: Operand<T>): Expr<boolean> {
    return compare("<=", this.node, other);
  }
  gt(other: Operand<T>): Expr<boolean> {
    return compare(">", this.node, other);
  }
  ge(other: Operand<T>): Expr<boolean> {
    return compare(">=", this.node, other);
  }
  /** `IS NOT DISTINCT FROM`-like null-safe equality is dialect specific; `is(null)` is portable. */
  isNull(): Expr<boolean> {
    return unary("IS NULL", this.node);
  }
  isNotNull(): Expr<boolean> {
    return unary("IS NOT NULL", this.node);
  }
  in(values: readonly Operand<T>[] | QueryLike): Expr<boolean> {
    return inList(this.node, values, false);
  }
  notIn(values: readonly Operand<T>[] | QueryLike): Expr<boolean> {
    return inList(this.node, values, true);
  }
  between(low: Operand<T>, high: Operand<T>): Expr<boolean> {
    return between(this.node, low, high, false);
  }
  notBetween(low: Operand<T>, high: Operand<T>): Expr<boolean> {
    return between(this.node, low, high, true);
  }
  like(this: Expr<string | null>, pattern: Operand<string>): Expr<boolean> {
    return compare("LIKE", this.node, pattern, types.text);
  }
  notLike(this: Expr<string | null>, pattern: Operand<string>): Expr<boolean> {
    return compare("NOT LIKE", this.node, pattern, types.text);
  }
  /** Case-insensitive LIKE; emulated with lower() where the engine has no ILIKE. */
  ilike(this: Expr<string | null>, pattern: Operand<string>): Expr<boolean> {
    return compare("ILIKE", this.node, pattern, types.text);
  }
  notIlike(this: Expr<string | null>, pattern: Operand<string>): Expr<boolean> {
    return compare("NOT ILIKE", this.node, pattern, types.text);
  }
  add(other: Operand<T>): Expr<T> {
    return arith("+", this, other);
  }
  sub(other: Operand<T>): Expr<T> {
    return arith("-", this, other);
  }
  mul(other: Operand<T>): Expr<T> {
    return arith("*", this, other);
  }
  /**
   * Division. Two integer-typed operands divide as integers, truncated toward zero, on every engine
   * (7 / -2 is -3). By zero: PostgreSQL raises, SQLite and MariaDB give NULL. Decimal operands follow
   * each engine's own scale (PostgreSQL 3.5000000000000000, MariaDB 3.5000, SQLite a float); cast
   * the result to state the scale you need.
   */
  div(other: Operand<T>): Expr<T> {
    return arith("/", this, other);
  }
  mod(other: Operand<T>): Expr<T> {
    return arith("%", this, other);
  }
  neg(): Expr<T> {
    return new Expr<T>({ kind: "unary", op: "-", operand: this.node, type: this.node.type });
  }
  /** String concatenation (`||`, or CONCAT() where `||` means OR). */
  concat(this: Expr<string | null>, other: Operand<string>): Expr<string> {
    return new Expr<string>({ kind: "binary", op: "||", left: this.node, right: toNode(other, this.node), type: types.text });
  }
  not(this: Expr<boolean | null>): Expr<boolean> {
    return new Expr<boolean>({ kind: "unary", op: "NOT", operand: this.node, type: types.boolean });
  }
  cast<U>(type: SqlType<U> | { readonly type: SqlType<U> }): Expr<U> {
    const t = "kind" in type ? type : type.type;
    return new Expr<U>({ kind: "cast", expr: this.node, type: t });
  }
  asc(): OrderBy {
    return new OrderBy({ kind: "order", expr: this.node, direction: "ASC" });
  }
  desc(): OrderBy {
    return new OrderBy({ kind: "order", expr: this.node, direction: "DESC" });
  }
  as<L extends string>(label: L): Labeled<L, T> {
    return new Labeled<L, T>(label, this.node);
  }
}

/** An expression given a name in a SELECT list; the name becomes the row key. */
export class Labeled<K extends string, T> extends Expr<T> {
  readonly key: K;
  constructor(key: K, inner: ExprNode) {
    super({ kind: "label", name: key, expr: inner.kind === "label" ? inner.expr : inner, type: inner.type });
    this.key = key;
  }
}

/** A column of any FROM source: a table, an alias, a derived table or a CTE. */
export class ColumnExpr<K extends string, T> extends Expr<T> {
  declare readonly node: ColumnNode;
  readonly key: K;
  constructor(node: ColumnNode) {
    super(node);
    this.key = node.key as K;
  }
  get name(): string {
    return this.node.name;
  }
}

export class OrderBy {
  constructor(readonly node: OrderNode) {}
  nullsFirst(): OrderBy {
    return new OrderBy({ ...this.node, nulls: "FIRST" });
  }
  nullsLast(): OrderBy {
    return new OrderBy({ ...this.node, nulls: "LAST" });
  }
}

/** Anything that compiles to a query and can stand as a subquery. */
export interface QueryLike {
  readonly queryNode: QueryNode;
}

/** A value or an expression of a compatible type. */
export type Operand<T> = NonNullable<T> | Expr<NonNullable<T> | null>;

export type TypeOf<E> = E extends Expr<infer T> ? T : never;

export function isExpr(x: unknown): x is Expr<unknown> {
  return x instanceof Expr;
}

export function siteOf(node: ExprNode): ValueSite | undefined {
  if (node.kind === "column") return { table: sourceName(node.source), column: node.name };
  if (node.kind === "label") return siteOf(node.expr);
  return undefined;
}

export function sourceName(source: SourceNode): string {
  return source.kind === "table" ? source.info.name : source.name;
}

/** Wraps a JS value as a bound parameter typed like `like`, checking it fits that type. */
export function bindValue(value: unknown, type: SqlType, site?: ValueSite): ExprNode {
  if (value === null || value === undefined) return { kind: "bind", value: null, type, site };
  const t = type.kind === "unknown" ? typeOfValue(value) : type;
  return { kind: "bind", value: checkValue(t, value, site), type: t, site };
}

export function toNode(value: unknown, like?: ExprNode, type?: SqlType): ExprNode {
  return valueNode(value, type ?? like?.type ?? types.unknown, like ? siteOf(like) : undefined);
}

/** `toNode` with the type and site worked out by the caller: one per column for a batch of rows. */
export function valueNode(value: unknown, type: SqlType, site: ValueSite | undefined): ExprNode {
  if (value instanceof Expr) return value.node;
  if (isQueryLike(value)) return { kind: "scalar", query: value.queryNode, type: types.unknown };
  return bindValue(value, type, site);
}

/** Whether a value given for a column is written as SQL (an expression or a subquery) rather than bound. */
export function isSqlValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value instanceof Expr || isQueryLike(value));
}

function isQueryLike(x: unknown): x is QueryLike {
  return typeof x === "object" && x !== null && "queryNode" in x;
}

function compare(op: BinaryOp, left: ExprNode, right: unknown, rightType?: SqlType): Expr<boolean> {
  return new Expr<boolean>({ kind: "binary", op, left, right: toNode(right, left, rightType), type: types.boolean });
}

function arith<T>(op: BinaryOp, left: Expr<T>, right: unknown): Expr<T> {
  const r = toNode(right, left.node);
  const type = op === "*" ? productType(left.node.type, r.type) : op === "/" ? left.node.type : sumType(left.node.type, r.type);
  return new Expr<T>({ kind: "binary", op, left: left.node, right: r, type });
}

function unary(op: "IS NULL" | "IS NOT NULL", operand: ExprNode): Expr<boolean> {
  return new Expr<boolean>({ kind: "unary", op, operand, type: types.boolean });
}

function inList(expr: ExprNode, values: readonly unknown[] | QueryLike, negate: boolean): Expr<boolean> {
  if (isQueryLike(values)) return new Expr({ kind: "in", expr, values: values.queryNode, negate, type: types.boolean });
  if (!Array.isArray(values)) throw new ArgumentError("in() takes an array of values or a subquery");
  return new Expr({ kind: "in", expr, values: values.map((v) => toNode(v, expr)), negate, type: types.boolean });
}

function between(expr: ExprNode, low: unknown, high: unknown, negate: boolean): Expr<boolean> {
  return new Expr({ kind: "between", expr, low: toNode(low, expr), high: toNode(high, expr), negate, type: types.boolean });
}
