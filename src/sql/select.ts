// SELECT and compound queries, derived tables and CTEs. Every method returns a new object.
import { ArgumentError } from "../errors.js";
import { ColumnExpr, Expr, type OrderBy, bindValue, toNode, type QueryLike } from "./expression.js";
import { and, orderNodes } from "./functions.js";
import { shareGrouped } from "./grouping.js";
import type {
  CompoundNode,
  CompoundOp,
  CteNode,
  DerivedNode,
  ExprNode,
  FromNode,
  JoinNode,
  JoinType,
  QueryNode,
  SelectItem,
  SelectNode,
  SourceNode,
} from "./nodes/index.js";
import type { Source } from "./source.js";
import { linksBetween, sourceLabel } from "./relate.js";
import { referencedSources, sourcesOfFrom } from "./traverse.js";
import { countType, types } from "./types.js";
import { selectItems, type ColumnsOfRow, type ROW, type RowOfItems, type SelectArg, type Statement } from "./statement.js";

type Cond = Expr<boolean> | Expr<boolean | null> | undefined | false | null;
type OrderArg = Expr<unknown> | OrderBy;

abstract class QueryBase<R> implements Statement<R>, QueryLike {
  declare readonly [ROW]?: R;
  abstract readonly queryNode: QueryNode;
  get statementNode(): QueryNode {
    return this.queryNode;
  }
  protected abstract items(): readonly SelectItem[];

  /** This query as a FROM item: `(SELECT …) AS name`. */
  as(name: string): Derived<R> {
    return new Derived<R>({ kind: "derived", name, query: this.queryNode, lateral: false }, this.items());
  }
  /** A LATERAL derived table (PostgreSQL, MySQL 8): may refer to earlier FROM items. */
  lateral(name: string): Derived<R> {
    return new Derived<R>({ kind: "derived", name, query: this.queryNode, lateral: true }, this.items());
  }
  /** A CTE over this query. With `recursive`, continue with `.unionAll(self => …)`. */
  cte(name: string, opts: { recursive?: boolean } = {}): Cte<R> {
    const q = this.queryNode;
    return new Cte<R>({ kind: "cte", name, query: () => q, recursive: opts.recursive ?? false, columnNames: [] }, this.items());
  }
  /** The single-column value of this query, as an expression. */
  scalar(): Expr<R[keyof R] | null> {
    const items = this.items();
    if (items.length !== 1) throw new ArgumentError(`A scalar subquery selects one column, this one selects ${items.length}`);
    return new Expr({ kind: "scalar", query: this.queryNode, type: items[0].expr.type });
  }
  exists(): Expr<boolean> {
    return new Expr({ kind: "exists", query: this.queryNode, negate: false, type: types.boolean });
  }
  union(...others: QueryBase<R>[]): Compound<R> {
    return this.compound("UNION", others);
  }
  unionAll(...others: QueryBase<R>[]): Compound<R> {
    return this.compound("UNION ALL", others);
  }
  intersect(...others: QueryBase<R>[]): Compound<R> {
    return this.compound("INTERSECT", others);
  }
  except(...others: QueryBase<R>[]): Compound<R> {
    return this.compound("EXCEPT", others);
  }
  private compound(op: CompoundOp, others: QueryBase<R>[]): Compound<R> {
    const n = this.items().length;
    for (const o of others) if (o.items().length !== n) throw new ArgumentError(`${op} members select ${n} and ${o.items().length} columns`);
    return new Compound<R>({ kind: "compound", op, queries: [this.queryNode, ...others.map((o) => o.queryNode)], orderBy: [], with: [] }, this.items());
  }
}

export class Select<R> extends QueryBase<R> {
  constructor(readonly node: SelectNode) {
    super();
  }
  get queryNode(): SelectNode {
    return this.node;
  }
  protected items(): readonly SelectItem[] {
    return this.node.items;
  }
  private with_(patch: Partial<SelectNode>): Select<R> {
    const node: SelectNode = { ...this.node, ...patch };
    return new Select<R>(node.groupBy.length ? shareGrouped(node) : node);
  }

  from(...sources: Source[]): Select<R> {
    return this.with_({ from: [...this.node.from, ...sources.map((s) => s.fromNode)] });
  }
  /** INNER JOIN; without `on`, the condition comes from the one foreign key between the two sides. */
  join(target: Source, on?: Cond): Select<R> {
    return this.addJoin("INNER", target, on);
  }
  leftJoin(target: Source, on?: Cond): Select<R> {
    return this.addJoin("LEFT", target, on);
  }
  rightJoin(target: Source, on?: Cond): Select<R> {
    return this.addJoin("RIGHT", target, on);
  }
  fullJoin(target: Source, on?: Cond): Select<R> {
    return this.addJoin("FULL", target, on);
  }
  crossJoin(target: Source): Select<R> {
    return this.addJoin("CROSS", target, undefined);
  }
  private addJoin(type: JoinType, target: Source, on: Cond): Select<R> {
    const from = [...this.node.from];
    let left: FromNode | undefined = from.pop();
    if (!left) {
      left = referencedSources(this.node.items.map((i) => i.expr)).find((s) => s !== target.fromNode);
      if (!left) throw new ArgumentError("join() needs a left side: call from() first");
    }
    const right = target.fromNode;
    const cond = on ? on.node : type === "CROSS" ? undefined : inferJoinCondition(left, right);
    const join: JoinNode = { kind: "join", type, left, right, on: cond };
    return this.with_({ from: [...from, join] });
  }
  where(...conds: Cond[]): Select<R> {
    const c = and(...(this.node.where ? [new Expr<boolean>(this.node.where)] : []), ...conds);
    return this.with_({ where: c.node.kind === "logical" && c.node.items.length === 0 ? undefined : c.node });
  }
  groupBy(...exprs: Expr<unknown>[]): Select<R> {
    return this.with_({ groupBy: [...this.node.groupBy, ...exprs.map((e) => e.node)] });
  }
  having(...conds: Cond[]): Select<R> {
    const c = and(...(this.node.having ? [new Expr<boolean>(this.node.having)] : []), ...conds);
    return this.with_({ having: c.node });
  }
  orderBy(...items: OrderArg[]): Select<R> {
    return this.with_({ orderBy: [...this.node.orderBy, ...orderNodes(items)] });
  }
  limit(n: number | Expr<number>): Select<R> {
    return this.with_({ limit: countNode(n, "LIMIT") });
  }
  offset(n: number | Expr<number>): Select<R> {
    return this.with_({ offset: countNode(n, "OFFSET") });
  }
  distinct(on = true): Select<R> {
    return this.with_({ distinct: on });
  }
  /** Emit these CTEs even if the query does not reference them. */
  with(...ctes: Cte<unknown>[]): Select<R> {
    return this.with_({ with: [...this.node.with, ...ctes.map((c) => c.node)] });
  }
  /** Turns auto-correlation off: tables of enclosing queries are put in this subquery's FROM. */
  correlate(on: boolean): Select<R> {
    return this.with_({ correlate: on });
  }
  forUpdate(): Select<R> {
    return this.with_({ forUpdate: true });
  }
  /** Replaces the SELECT list (keeping FROM, WHERE …). */
  columns<const I extends readonly SelectArg[]>(...items: I): Select<RowOfItems<I>> {
    const node: SelectNode = { ...this.node, items: selectItems(items) };
    return new Select<RowOfItems<I>>(node.groupBy.length ? shareGrouped(node) : node);
  }
}

export class Compound<R> extends QueryBase<R> {
  constructor(
    readonly node: CompoundNode,
    private readonly firstItems: readonly SelectItem[],
  ) {
    super();
  }
  get queryNode(): CompoundNode {
    return this.node;
  }
  protected items(): readonly SelectItem[] {
    return this.firstItems;
  }
  orderBy(...items: OrderArg[]): Compound<R> {
    return new Compound<R>({ ...this.node, orderBy: [...this.node.orderBy, ...orderNodes(items)] }, this.firstItems);
  }
  limit(n: number | Expr<number>): Compound<R> {
    return new Compound<R>({ ...this.node, limit: countNode(n, "LIMIT") }, this.firstItems);
  }
  offset(n: number | Expr<number>): Compound<R> {
    return new Compound<R>({ ...this.node, offset: countNode(n, "OFFSET") }, this.firstItems);
  }
  /** An output column of the compound, for its ORDER BY (compounds order by output names). */
  col<K extends keyof R & string>(key: K): Expr<R[K]> {
    const item = this.firstItems.find((i) => i.key === key);
    if (!item) throw new ArgumentError(`The compound query has no column ${JSON.stringify(key)}`);
    return new Expr<R[K]>({ kind: "raw", strings: ["", ""], values: [{ kind: "identifier", parts: [key] }], type: item.expr.type });
  }
}

function columnsFor<R>(source: SourceNode, items: readonly SelectItem[]): ColumnsOfRow<R> {
  const c: Record<string, ColumnExpr<string, unknown>> = {};
  for (const i of items) c[i.key] = new ColumnExpr({ kind: "column", name: i.key, key: i.key, source, type: i.expr.type });
  return c as ColumnsOfRow<R>;
}

export class Derived<R> implements Source {
  readonly c: ColumnsOfRow<R>;
  constructor(
    readonly node: DerivedNode,
    items: readonly SelectItem[],
  ) {
    this.c = columnsFor<R>(node, items);
  }
  get fromNode(): FromNode {
    return this.node;
  }
}

export class Cte<R> implements Source {
  readonly c: ColumnsOfRow<R>;
  constructor(
    readonly node: CteNode,
    private readonly items: readonly SelectItem[],
  ) {
    this.c = columnsFor<R>(node, items);
  }
  get fromNode(): FromNode {
    return this.node;
  }
  /** Completes a recursive CTE: `anchor UNION ALL recursive(self)`. */
  unionAll(recursive: (self: Cte<R>) => QueryLike): Cte<R> {
    return this.recurse("UNION ALL", recursive);
  }
  union(recursive: (self: Cte<R>) => QueryLike): Cte<R> {
    return this.recurse("UNION", recursive);
  }
  private recurse(op: CompoundOp, recursive: (self: Cte<R>) => QueryLike): Cte<R> {
    const anchor = this.node.query();
    let body: QueryNode | undefined;
    const node: CteNode = {
      kind: "cte",
      name: this.node.name,
      query: () => body!,
      recursive: true,
      columnNames: this.items.map((i) => i.key),
    };
    const self = new Cte<R>(node, this.items);
    body = { kind: "compound", op, queries: [anchor, recursive(self).queryNode], orderBy: [], with: [] } satisfies CompoundNode;
    return self;
  }
}

function countNode(n: number | Expr<number>, what: string): ExprNode {
  if (n instanceof Expr) {
    // A value or named param given as the count is checked as one (never negative).
    const e = n.node;
    if (e.kind === "bind") return bindValue(e.value, countType, e.site);
    if (e.kind === "param") return { ...e, type: countType };
    return e;
  }
  if (!Number.isSafeInteger(n) || n < 0) throw new ArgumentError(`${what} takes a non-negative integer, got ${n}`);
  return toNode(n, undefined, types.integer);
}

/** The ON condition from the single foreign key linking `right` with a table of `left`. */
export function inferJoinCondition(left: FromNode, right: FromNode): ExprNode {
  const found = linksBetween(sourcesOfFrom(right), sourcesOfFrom(left));
  if (found.length !== 1) {
    const names = (s: FromNode) => sourcesOfFrom(s).map(sourceLabel).join(", ");
    throw new ArgumentError(
      `Cannot infer the join between ${names(left)} and ${names(right)}: ${found.length === 0 ? "no foreign key links them" : "several foreign keys link them"}; pass the ON condition`,
    );
  }
  return found[0].condition;
}

export function select<const I extends readonly SelectArg[]>(...items: I): Select<RowOfItems<I>> {
  return new Select<RowOfItems<I>>({
    kind: "select",
    items: selectItems(items),
    from: [],
    groupBy: [],
    orderBy: [],
    distinct: false,
    with: [],
    correlate: true,
    forUpdate: false,
  });
}
