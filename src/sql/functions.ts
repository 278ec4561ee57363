// Free-standing expression constructors: boolean combinators, functions, CASE, CAST, parameters.
import { ArgumentError } from "../errors.js";
import { types, type SqlType } from "./types.js";
import { type ColumnExpr, Expr, OrderBy, bindValue, toNode, type Operand, type QueryLike } from "./expression.js";
import type { ExprNode, FuncNode, OrderNode } from "./nodes/index.js";

type Condition = Expr<boolean> | Expr<boolean | null> | undefined | null | false;

function conditions(items: readonly Condition[]): ExprNode[] {
  return items.filter((c): c is Expr<boolean> => c instanceof Expr).map((c) => c.node);
}

/** AND of the given conditions; `undefined`/`false` entries are skipped so filters compose. */
export function and(...items: Condition[]): Expr<boolean> {
  const nodes = conditions(items);
  if (nodes.length === 1) return new Expr(nodes[0]);
  return new Expr({ kind: "logical", op: "AND", items: nodes, type: types.boolean });
}

export function or(...items: Condition[]): Expr<boolean> {
  const nodes = conditions(items);
  if (nodes.length === 1) return new Expr(nodes[0]);
  return new Expr({ kind: "logical", op: "OR", items: nodes, type: types.boolean });
}

export function not(cond: Expr<boolean | null>): Expr<boolean> {
  return new Expr({ kind: "unary", op: "NOT", operand: cond.node, type: types.boolean });
}

/**
 * Escapes `\`, `%` and `_` so `s` matches itself in a LIKE pattern: `col.like(`%${escapeLike(s)}%`)`.
 * The backslash is LIKE's escape character on every engine Arbor supports.
 */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function exists(query: QueryLike): Expr<boolean> {
  return new Expr({ kind: "exists", query: query.queryNode, negate: false, type: types.boolean });
}

export function notExists(query: QueryLike): Expr<boolean> {
  return new Expr({ kind: "exists", query: query.queryNode, negate: true, type: types.boolean });
}

/** A bound value with an explicit type: `value(10n, types.bigint)`. */
export function value<T>(v: T, type?: SqlType<T>): Expr<T> {
  return new Expr<T>(bindValue(v, type ?? types.unknown));
}

/** A named placeholder filled at execution: `conn.execute(stmt, { id: 5 })`. */
export function param<T = unknown>(name: string, type?: SqlType<T> | { readonly type: SqlType<T> }): Expr<T> {
  const t = type === undefined ? types.unknown : "kind" in type ? type : type.type;
  return new Expr<T>({ kind: "param", name, type: t });
}

export function cast<U>(expr: Expr<unknown>, type: SqlType<U> | { readonly type: SqlType<U> }): Expr<U> {
  return expr.cast(type);
}

export function tuple(...items: Expr<unknown>[]): Expr<unknown> {
  return new Expr({ kind: "tuple", items: items.map((i) => i.node), type: types.unknown });
}

/** In an upsert's SET: the value the INSERT tried to write into `column`. */
export function excluded<K extends string, T>(column: ColumnExpr<K, T>): Expr<T> {
  return new Expr<T>({ kind: "excluded", column: column.node, type: column.node.type });
}

class CaseBuilder<T> {
  constructor(private readonly whens: readonly (readonly [ExprNode, ExprNode])[]) {}
  when<U>(cond: Expr<boolean | null>, then: U | Expr<U>): CaseBuilder<T | U> {
    return new CaseBuilder<T | U>([...this.whens, [cond.node, toNode(then, undefined, inferType(then, this.whens))]]);
  }
  else<U>(otherwise: U | Expr<U>): Expr<T | U> {
    return this.build(toNode(otherwise, undefined, inferType(otherwise, this.whens)));
  }
  end(): Expr<T | null> {
    return this.build(undefined);
  }
  private build(otherwise: ExprNode | undefined): Expr<never> {
    if (this.whens.length === 0) throw new ArgumentError("CASE needs at least one WHEN");
    return new Expr({ kind: "case", whens: this.whens, otherwise, type: this.whens[0][1].type });
  }
}

function inferType(v: unknown, whens: readonly (readonly [ExprNode, ExprNode])[]): SqlType | undefined {
  if (v instanceof Expr) return undefined;
  return whens.length ? whens[0][1].type : undefined;
}

/** `caseWhen(cond, a).when(cond2, b).else(c)` */
export function caseWhen<U>(cond: Expr<boolean | null>, then: U | Expr<U>): CaseBuilder<U> {
  return new CaseBuilder<never>([]).when(cond, then);
}

const FUNC_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export interface OverSpec {
  partitionBy?: readonly Expr<unknown>[];
  orderBy?: readonly (Expr<unknown> | OrderBy)[];
  frame?: FrameSpec;
}

const FRAME_BOUNDS = ["UNBOUNDED PRECEDING", "CURRENT ROW", "UNBOUNDED FOLLOWING"] as const;
export interface FrameSpec {
  unit: "ROWS" | "RANGE";
  start: (typeof FRAME_BOUNDS)[number] | { preceding: number } | { following: number };
  end?: (typeof FRAME_BOUNDS)[number] | { preceding: number } | { following: number };
}

function frameText(spec: FrameSpec): string {
  const bound = (b: FrameSpec["start"]): string => {
    if (typeof b === "string") {
      if (!FRAME_BOUNDS.includes(b)) throw new ArgumentError(`Unknown frame bound ${b}`);
      return b;
    }
    const n = "preceding" in b ? b.preceding : b.following;
    if (!Number.isSafeInteger(n) || n < 0) throw new ArgumentError(`Frame offsets are non-negative integers, got ${n}`);
    return `${n} ${"preceding" in b ? "PRECEDING" : "FOLLOWING"}`;
  };
  const unit = spec.unit === "RANGE" ? "RANGE" : "ROWS";
  return spec.end ? `${unit} BETWEEN ${bound(spec.start)} AND ${bound(spec.end)}` : `${unit} ${bound(spec.start)}`;
}

export function orderNodes(items: readonly (Expr<unknown> | OrderBy)[]): OrderNode[] {
  return items.map((i) => (i instanceof OrderBy ? i.node : { kind: "order", expr: i.node, direction: "ASC" }));
}

/** A function call; `.over()` makes it a window function, `.filter()` an aggregate FILTER. */
export class FuncExpr<T> extends Expr<T> {
  declare readonly node: FuncNode;
  over(spec: OverSpec = {}): Expr<T> {
    return new Expr<T>({
      kind: "window",
      func: this.node,
      partitionBy: (spec.partitionBy ?? []).map((e) => e.node),
      orderBy: orderNodes(spec.orderBy ?? []),
      frame: spec.frame ? frameText(spec.frame) : undefined,
      type: this.node.type,
    });
  }
  filter(cond: Expr<boolean | null>): FuncExpr<T> {
    return new FuncExpr<T>({ ...this.node, filter: cond.node });
  }
  /** ORDER BY inside an aggregate (string_agg, json_agg, group_concat …). */
  withinOrder(...items: (Expr<unknown> | OrderBy)[]): FuncExpr<T> {
    return new FuncExpr<T>({ ...this.node, orderBy: orderNodes(items) });
  }
}

/** Calls any SQL function by name with a declared result type. */
export function fn<T>(name: string, args: readonly unknown[], type: SqlType<T>, distinct = false): FuncExpr<T> {
  if (!FUNC_NAME.test(name)) throw new ArgumentError(`Invalid function name ${JSON.stringify(name)}`);
  const nodes = args.map((a) => toNode(a));
  return new FuncExpr<T>({ kind: "func", name, args: nodes, distinct, orderBy: [], type });
}

type Num = number | bigint | string;

export const func = {
  count: (expr?: Expr<unknown>): FuncExpr<number> =>
    new FuncExpr<number>({
      kind: "func",
      name: "count",
      args: [expr ? expr.node : { kind: "star", type: types.unknown }],
      distinct: false,
      orderBy: [],
      type: types.integer,
    }),
  countDistinct: (expr: Expr<unknown>): FuncExpr<number> => fn("count", [expr], types.integer, true),
  sum: <T extends Num | null>(expr: Expr<T>): FuncExpr<T | null> => fn("sum", [expr], expr.type as SqlType<T | null>),
  avg: (expr: Expr<Num | null>): FuncExpr<number | null> => fn("avg", [expr], types.double),
  min: <T>(expr: Expr<T>): FuncExpr<T | null> => fn("min", [expr], expr.type as SqlType<T | null>),
  max: <T>(expr: Expr<T>): FuncExpr<T | null> => fn("max", [expr], expr.type as SqlType<T | null>),
  coalesce: <T>(expr: Expr<T>, ...rest: (Operand<T> | Expr<T>)[]): FuncExpr<NonNullable<T>> =>
    new FuncExpr({
      kind: "func",
      name: "coalesce",
      args: [expr.node, ...rest.map((r) => toNode(r, expr.node))],
      distinct: false,
      orderBy: [],
      type: expr.type,
    }),
  lower: (expr: Expr<string | null>): FuncExpr<string> => fn("lower", [expr], types.text),
  upper: (expr: Expr<string | null>): FuncExpr<string> => fn("upper", [expr], types.text),
  /** Characters, not bytes, on every engine (char_length; SQLite's length() counts characters). */
  length: (expr: Expr<string | null>): FuncExpr<number> => fn("char_length", [expr], types.integer),
  abs: <T extends Num | null>(expr: Expr<T>): FuncExpr<T> => fn("abs", [expr], expr.type),
  round: (expr: Expr<Num | null>, digits = 0): FuncExpr<string> => fn("round", [expr, value(digits, types.integer)], types.numeric()),
  rowNumber: (): FuncExpr<number> => fn("row_number", [], types.integer),
  rank: (): FuncExpr<number> => fn("rank", [], types.integer),
  denseRank: (): FuncExpr<number> => fn("dense_rank", [], types.integer),
  lag: <T>(expr: Expr<T>, offset = 1): FuncExpr<T | null> => fn("lag", [expr, value(offset, types.integer)], expr.type as SqlType<T | null>),
  lead: <T>(expr: Expr<T>, offset = 1): FuncExpr<T | null> => fn("lead", [expr, value(offset, types.integer)], expr.type as SqlType<T | null>),
  firstValue: <T>(expr: Expr<T>): FuncExpr<T> => fn("first_value", [expr], expr.type),
  /**
   * The current time as a Date: PostgreSQL's now() (the transaction's start), MariaDB's
   * UTC_TIMESTAMP (the statement's), SQLite's 'now', each cut to the millisecond a Date holds
   * (PostgreSQL's own has microseconds, which a Date would round). Declared with a string-mode
   * type, `fn("now", [], types.timestamptz({ precision: 6, mode: "string" }))` keeps them.
   */
  now: (): FuncExpr<Date> => fn("now", [], types.timestamptz),
  lastValue: <T>(expr: Expr<T>): FuncExpr<T> => fn("last_value", [expr], expr.type),
};
