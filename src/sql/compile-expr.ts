// The expression half of the one SQL grammar: the output buffer, parameters, and one overridable
// method per expression node kind. `Compiler` (compiler.ts) adds statements and the dispatch table.
// A dialect re-spells a node by overriding its method; the core holds no dialect checks.
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { Dialect } from "../dialects/dialect.js";
import type { ParamSlot } from "./compiled.js";
import type {
  AliasNode,
  BetweenNode,
  BinaryNode,
  BindNode,
  CaseNode,
  CastNode,
  ColumnNode,
  CteNode,
  DerivedNode,
  ExistsNode,
  ExprNode,
  FuncNode,
  IdentifierNode,
  InNode,
  LabelNode,
  LogicalNode,
  Node,
  OrderNode,
  ParamNode,
  QueryNode,
  RawNode,
  ScalarNode,
  SourceNode,
  TableNode,
  TupleNode,
  UnaryNode,
  WindowNode,
} from "./nodes/index.js";
import { defaultPrecedence, Level, needsParens } from "./precedence.js";
import { baseType, sameType, type SqlType } from "./types.js";

/**
 * Where a parameter slot's value came from: a bind node, or cell `index` of an INSERT's checked
 * cells (nodes/insert.ts); undefined for named params and constants the compiler adds.
 */
export type ParamSource = BindNode | { readonly cells: readonly unknown[]; readonly index: number } | undefined;

export abstract class ExpressionCompiler {
  protected sql = "";
  protected params: ParamSlot[] = [];
  /**
   * The bind node each value slot came from, by slot: what lets a cached compile be re-bound.
   * Kept only when asked for (compileTraced): a one-off compile of a large INSERT need not.
   */
  protected paramSources: ParamSource[] | undefined;
  /** DDL cannot carry parameters: values are rendered as escaped literals. */
  protected inlineValues = false;
  /**
   * Placeholders name their slot (`$1`), so a value used twice can be sent once: PostgreSQL then
   * sees one parameter, and `coalesce(x, $1)` in the SELECT list matches it in GROUP BY.
   */
  protected readonly numberedPlaceholders: boolean = false;
  /** Placeholders already written for a bind node or a named param, when they are numbered. */
  private slots: Map<BindNode | string, string> | undefined;

  constructor(readonly dialect: Dialect) {}

  abstract visit(node: Node): void;
  protected abstract subquery(q: QueryNode): void;

  // ---- spelling hooks -------------------------------------------------------------------------

  quote(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  /**
   * The placeholder for parameter `index`; `type` is the value's declared SQL type, undefined for a
   * value whose place decides its type: interpolated into raw SQL (the surrounding text), or an
   * INSERT value of its column's own type (the column).
   */
  protected placeholder(_index: number, _type: SqlType | undefined): string {
    return "?";
  }

  /**
   * A constant rendered into SQL text; only for DDL, where engines accept no parameters. Takes a
   * value already checked against `type`.
   */
  literal(value: unknown, type: SqlType): string {
    if (value === null || value === undefined) return "NULL";
    const v = this.dialect.encode(baseType(type), value);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new NotSupportedError(`Cannot render ${v} as an SQL literal`);
      return String(v);
    }
    if (typeof v === "bigint") return String(v);
    if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
    if (typeof v === "string") return `'${v.replace(/'/g, "''")}'`;
    throw new NotSupportedError(`Cannot render ${typeof v} as an SQL literal`);
  }

  /** How tightly `n` binds as this dialect prints it (see precedence.ts). */
  protected precedence(n: ExprNode): number {
    return defaultPrecedence(n, this.inlineValues);
  }

  protected castType(type: SqlType): string {
    return this.dialect.typeName(baseType(type), { keyed: false, autoincrement: false });
  }

  /** LIMIT/OFFSET inside an aggregate. */
  protected aggregateBound(e: ExprNode): void {
    this.visit(e);
  }

  tableName(n: { readonly info: { readonly name: string; readonly schema?: string } }): string {
    return n.info.schema ? `${this.quote(n.info.schema)}.${this.quote(n.info.name)}` : this.quote(n.info.name);
  }

  protected sourceRef(s: SourceNode): string {
    return s.kind === "table" ? this.tableName(s) : this.quote(s.name);
  }

  // ---- machinery ------------------------------------------------------------------------------

  write(s: string): void {
    this.sql += s;
  }

  /**
   * Emits a placeholder for a value that was checked when its bind node was built. The slot keeps
   * the checked value and its stored type: the engine encodes it for its driver when it runs.
   */
  bind(value: unknown, type: SqlType, source?: BindNode, typed = true): void {
    if (this.inlineValues) {
      this.write(this.literal(value, type));
      return;
    }
    // A raw fragment's value is typed by its text, so it does not share a typed placeholder.
    const key = source !== undefined && typed ? source : undefined;
    if (key !== undefined && this.reuseSlot(key)) return;
    const base = baseType(type);
    this.params.push({ value, type: base });
    this.paramSources?.push(source);
    this.placeFor(key, typed ? base : undefined);
  }

  /** Writes the placeholder of the newest slot, remembered for `key` where placeholders are numbered. */
  private placeFor(key: BindNode | string | undefined, type: SqlType | undefined): void {
    const text = this.placeholder(this.params.length, type);
    this.write(text);
    if (key !== undefined && this.numberedPlaceholders) (this.slots ??= new Map()).set(key, text);
  }

  private reuseSlot(key: BindNode | string): boolean {
    const text = this.slots?.get(key);
    if (text === undefined) return false;
    this.write(text);
    return true;
  }

  protected list<T>(items: readonly T[], each: (item: T) => void, sep = ", "): void {
    items.forEach((item, i) => {
      if (i) this.write(sep);
      each(item);
    });
  }

  /** Writes `n` as an operand of an operator of level `parent`, parenthesised when it binds looser. */
  protected operand(n: ExprNode, parent: number, right = false): void {
    const wrap = needsParens(this.precedence(n), parent, right);
    if (wrap) this.write("(");
    this.visit(n);
    if (wrap) this.write(")");
  }

  // ---- one method per expression node kind ----------------------------------------------------

  protected visitColumn(n: ColumnNode): void {
    this.write(`${this.sourceRef(n.source)}.${this.quote(n.name)}`);
  }

  protected visitBind(n: BindNode): void {
    this.bind(n.value, n.type, n);
  }

  /**
   * A value of an INSERT's VALUES row, for `column`: its slot is added and its placeholder text
   * returned (the INSERT writes its rows at once). The placeholder is its own, not remembered for
   * reuse: no other clause is matched against it, and a statement of thousands of rows would
   * otherwise keep a map entry per value. A value of the column's own type is typed by the column
   * it goes into, so its placeholder carries no type: on PostgreSQL a cast per value costs the
   * server a type lookup each, and a bulk INSERT parsed markedly slower.
   */
  protected valuesPlaceholder(n: BindNode, column: ColumnNode): string {
    if (this.inlineValues) return this.literal(n.value, n.type);
    const base = baseType(n.type);
    this.params.push({ value: n.value, type: base });
    this.paramSources?.push(n);
    return this.placeholder(this.params.length, sameType(n.type, column.type) ? undefined : base);
  }

  /**
   * The placeholder of cell `index` of an INSERT's checked cells, for `column`, whose stored type is
   * `base`: as `valuesPlaceholder` writes a value of its column's own type (the cell was checked
   * against it), untyped.
   */
  protected cellPlaceholder(cells: readonly unknown[], index: number, column: ColumnNode, base: SqlType): string {
    const value = cells[index];
    if (this.inlineValues) return this.literal(value, column.type);
    this.params.push({ value, type: base });
    this.paramSources?.push({ cells, index });
    return this.placeholder(this.params.length, undefined);
  }

  /** What visiting `n` writes, taken aside instead of written. */
  protected textOf(n: Node): string {
    const before = this.sql;
    this.sql = "";
    this.visit(n);
    const text = this.sql;
    this.sql = before;
    return text;
  }

  protected visitParam(n: ParamNode): void {
    if (this.inlineValues) throw new ArgumentError(`param(${n.name}) cannot be used in DDL`);
    if (this.reuseSlot(n.name)) return;
    this.params.push({ name: n.name, type: n.type });
    this.paramSources?.push(undefined);
    this.placeFor(n.name, baseType(n.type));
  }

  protected visitBinary(n: BinaryNode): void {
    const level = this.precedence(n);
    this.operand(n.left, level);
    this.write(` ${n.op} `);
    this.operand(n.right, level, true);
  }

  protected visitUnary(n: UnaryNode): void {
    if (n.op === "IS NULL" || n.op === "IS NOT NULL") {
      this.operand(n.operand, Level.PREDICATE);
      this.write(` ${n.op}`);
    } else {
      this.write(n.op === "NOT" ? "NOT " : "-");
      this.operand(n.operand, this.precedence(n), true);
    }
  }

  protected visitLogical(n: LogicalNode): void {
    if (n.items.length === 0) {
      this.write(n.op === "AND" ? "1 = 1" : "1 = 0");
      return;
    }
    if (n.items.length === 1) return this.visit(n.items[0]);
    const level = n.op === "OR" ? Level.OR : Level.AND;
    this.list(n.items, (i) => this.operand(i, level), ` ${n.op} `);
  }

  protected visitFunc(n: FuncNode): void {
    this.write(`${n.name}(`);
    if (n.distinct) this.write("DISTINCT ");
    this.list(n.args, (a) => this.visit(a));
    if (n.orderBy.length) {
      this.write(" ORDER BY ");
      this.list(n.orderBy, (o) => this.visitOrder(o));
    }
    if (n.limit) {
      this.write(" LIMIT ");
      this.aggregateBound(n.limit);
    }
    if (n.offset) {
      this.write(" OFFSET ");
      this.aggregateBound(n.offset);
    }
    this.write(")");
    if (n.filter) {
      this.write(" FILTER (WHERE ");
      this.visit(n.filter);
      this.write(")");
    }
  }

  protected visitCast(n: CastNode): void {
    this.write("CAST(");
    this.visit(n.expr);
    this.write(` AS ${this.castType(n.type)})`);
  }

  /** A label outside a SELECT list prints its expression (the list writes `AS` itself). */
  protected visitLabel(n: LabelNode): void {
    this.visit(n.expr);
  }

  protected visitCase(n: CaseNode): void {
    this.write("CASE");
    for (const [cond, result] of n.whens) {
      this.write(" WHEN ");
      this.visit(cond);
      this.write(" THEN ");
      this.visit(result);
    }
    if (n.otherwise) {
      this.write(" ELSE ");
      this.visit(n.otherwise);
    }
    this.write(" END");
  }

  protected visitIn(n: InNode): void {
    if (Array.isArray(n.values) && n.values.length === 0) {
      // An empty IN list is a syntax error on most engines; its meaning is constant.
      this.write(n.negate ? "1 = 1" : "1 = 0");
      return;
    }
    this.operand(n.expr, Level.PREDICATE);
    this.write(n.negate ? " NOT IN " : " IN ");
    if (Array.isArray(n.values)) {
      const values = n.values as readonly ExprNode[];
      this.write("(");
      this.list(values, (v) => this.visit(v));
      this.write(")");
    } else this.subquery(n.values as QueryNode);
  }

  protected visitBetween(n: BetweenNode): void {
    this.operand(n.expr, Level.PREDICATE);
    this.write(n.negate ? " NOT BETWEEN " : " BETWEEN ");
    this.operand(n.low, Level.PREDICATE, true);
    this.write(" AND ");
    this.operand(n.high, Level.PREDICATE, true);
  }

  protected visitScalar(n: ScalarNode): void {
    this.subquery(n.query);
  }

  protected visitExists(n: ExistsNode): void {
    this.write(n.negate ? "NOT EXISTS " : "EXISTS ");
    this.subquery(n.query);
  }

  protected visitWindow(n: WindowNode): void {
    if (!this.dialect.capabilities.window) throw new NotSupportedError(`${this.dialect.name} has no window functions`);
    this.visit(n.func);
    this.write(" OVER (");
    const parts: (() => void)[] = [];
    if (n.partitionBy.length)
      parts.push(() => {
        this.write("PARTITION BY ");
        this.list(n.partitionBy, (p) => this.visit(p));
      });
    if (n.orderBy.length)
      parts.push(() => {
        this.write("ORDER BY ");
        this.list(n.orderBy, (o) => this.visitOrder(o));
      });
    if (n.frame) parts.push(() => this.write(n.frame!));
    this.list(parts, (p) => p(), " ");
    this.write(")");
  }

  protected visitTuple(n: TupleNode): void {
    this.write("(");
    this.list(n.items, (i) => this.visit(i));
    this.write(")");
  }

  protected visitExcluded(n: ColumnNode): void {
    this.write(`excluded.${this.quote(n.name)}`);
  }

  protected visitRaw(n: RawNode): void {
    n.strings.forEach((s, i) => {
      this.write(s);
      if (i >= n.values.length) return;
      const v = n.values[i];
      // A value written straight into raw SQL takes its type from the text around it.
      if (v.kind === "bind") this.bind(v.value, v.type, v, false);
      else this.visit(v);
    });
  }

  protected visitIdentifier(n: IdentifierNode): void {
    this.write(n.parts.map((p) => this.quote(p)).join("."));
  }

  protected visitStar(): void {
    this.write("*");
  }

  protected visitOrder(n: OrderNode): void {
    this.visit(n.expr);
    this.write(n.direction === "DESC" ? " DESC" : " ASC");
    if (n.nulls) this.write(` NULLS ${n.nulls}`);
  }

  // ---- FROM items -----------------------------------------------------------------------------

  protected visitTable(n: TableNode): void {
    this.write(this.tableName(n));
  }

  protected visitAlias(n: AliasNode): void {
    this.write(`${this.tableName(n.table)} AS ${this.quote(n.name)}`);
  }

  protected visitDerived(n: DerivedNode): void {
    if (n.lateral) {
      if (!this.dialect.capabilities.lateral) throw new NotSupportedError(`${this.dialect.name} has no LATERAL`);
      this.write("LATERAL ");
    }
    this.subquery(n.query);
    this.write(` AS ${this.quote(n.name)}`);
  }

  /** A CTE named in FROM; its body goes to the WITH clause. */
  protected visitCteRef(n: CteNode): void {
    this.write(this.quote(n.name));
  }
}

const INTEGER_KINDS = new Set(["integer", "smallint", "bigint"]);

/**
 * Division of two integer-typed operands: truncated toward zero on every engine (PostgreSQL and
 * SQLite do so natively for integers; MariaDB spells it DIV; SQLite binds JS numbers as REAL, so its
 * operands are cast).
 */
export function isIntegerDivision(n: BinaryNode): boolean {
  return n.op === "/" && INTEGER_KINDS.has(baseType(n.left.type).kind) && INTEGER_KINDS.has(baseType(n.right.type).kind);
}
