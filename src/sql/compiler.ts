// The one SQL grammar. The expression half lives in compile-expr.ts; this file adds statements,
// FROM handling and the dispatch table. Dialects subclass Compiler and override hook methods (one per
// node kind, plus quoting, placeholders, LIMIT, upsert …); they never copy the grammar.
import { ArgumentError, NotSupportedError } from "../errors.js";
import { resultColumns, type CompiledQuery } from "./compiled.js";
import { ExpressionCompiler, type ParamSource } from "./compile-expr.js";
import { rowCount } from "./insert-rows.js";
import { baseType } from "./types.js";
import type {
  ColumnNode,
  CompoundNode,
  CteNode,
  DeleteNode,
  ExprNode,
  InsertNode,
  JoinNode,
  NestedNode,
  Node,
  NodeKind,
  NodeOf,
  QueryNode,
  SelectItem,
  SelectNode,
  SourceNode,
  StatementNode,
  UpdateNode,
} from "./nodes/index.js";
import { lintFrom, requireFrom } from "./from-lint.js";
import { correlateNested, rewriteNested, type JsonSpelling } from "./nested-compile.js";
import { sourceLabel } from "./relate.js";
import { collectCtes, dmlExtraSources, fromList, sourcesOfFrom } from "./traverse.js";

type Visitors = { [K in NodeKind]: (c: Compiler, node: NodeOf<K>) => void };

export class Compiler extends ExpressionCompiler {
  /** FROM sources visible at each query level, innermost last (for correlation). */
  protected scopes: SourceNode[][] = [];
  /** CTEs already emitted in this statement's WITH clause. */
  protected emittedCtes = new Set<CteNode>();
  protected warnings: string[] = [];
  /** How the dialect spells JSON aggregation; undefined where nested() is not supported. */
  protected readonly json: JsonSpelling | undefined = undefined;

  // ---- public entry points -------------------------------------------------------------------

  compile(node: StatementNode): CompiledQuery {
    this.visitStatement(node);
    return { sql: this.sql, params: this.params, columns: resultColumns(node), warnings: this.warnings };
  }

  /**
   * Compiles and tells, per parameter slot, the bind node its value came from; undefined for
   * named params and for constants the compiler adds itself.
   */
  compileTraced(node: StatementNode): { readonly compiled: CompiledQuery; readonly sources: readonly ParamSource[] } {
    const sources: ParamSource[] = [];
    this.paramSources = sources;
    return { compiled: this.compile(node), sources };
  }

  /** An expression with values inlined, for DDL (CHECK constraints, server defaults). */
  compileInline(node: ExprNode): string {
    this.inlineValues = true;
    this.visit(node);
    return this.sql;
  }

  visit(node: Node): void {
    (Compiler.visitors[node.kind] as (c: Compiler, n: Node) => void)(this, node);
  }

  // ---- statement hooks dialects override -----------------------------------------------------

  protected limitOffset(limit: ExprNode | undefined, offset: ExprNode | undefined): void {
    if (limit) {
      this.write(" LIMIT ");
      this.visit(limit);
    }
    if (offset) {
      this.write(" OFFSET ");
      this.visit(offset);
    }
  }

  protected onConflict(n: InsertNode): void {
    const oc = n.onConflict!;
    this.write(" ON CONFLICT");
    if (oc.target.length) this.write(` (${oc.target.map((c) => this.quote(c.name)).join(", ")})`);
    if (oc.set.length === 0) {
      this.write(" DO NOTHING");
      return;
    }
    this.write(" DO UPDATE SET ");
    this.assignments(oc.set);
    if (oc.where) {
      this.write(" WHERE ");
      this.visit(oc.where);
    }
  }

  protected returning(items: readonly SelectItem[], statement: "insert" | "update" | "delete"): void {
    if (!items.length) return;
    if (!this.dialect.capabilities.returning[statement]) throw new NotSupportedError(`${this.dialect.name} has no ${statement.toUpperCase()} … RETURNING`);
    this.write(" RETURNING ");
    this.selectList(items);
  }

  protected forUpdate(): void {
    this.write(" FOR UPDATE");
  }

  /**
   * A value inside a nested row: dialects wrap types whose JSON form would lose something
   * (64-bit integers, decimals, timestamps, bytes) so that it decodes exactly as at top level.
   */
  protected nestedValue(expr: ExprNode): ExprNode {
    return expr;
  }

  protected visitNested(n: NestedNode): void {
    if (!this.json) throw new NotSupportedError(`${this.dialect.name} cannot compile nested()`);
    const { query, warning } = correlateNested(n, this.scopes);
    if (warning && !this.warnings.includes(warning)) this.warnings.push(warning);
    this.visit(rewriteNested(query, n.one, this.json, (e) => this.nestedValue(e)));
  }

  /** A data-changing statement met inside another one (as a subquery, say). */
  protected visitNestedDml(n: InsertNode | UpdateNode | DeleteNode): void {
    throw new ArgumentError(`${n.kind.toUpperCase()} cannot be nested in another statement`);
  }

  // ---- statements ---------------------------------------------------------------------------

  protected subquery(q: QueryNode): void {
    this.write("(");
    this.visitQuery(q);
    this.write(")");
  }

  protected visitStatement(node: StatementNode): void {
    this.withClause(node);
    switch (node.kind) {
      case "select":
      case "compound":
        return this.visitQuery(node);
      case "insert":
        return this.visitInsert(node);
      case "update":
        return this.visitUpdate(node);
      case "delete":
        return this.visitDelete(node);
      case "raw":
        return this.visit(node);
    }
  }

  protected withClause(node: StatementNode): void {
    const ctes = collectCtes(node).filter((c): c is CteNode => c.kind === "cte" && !this.emittedCtes.has(c));
    if (!ctes.length) return;
    if (!this.dialect.capabilities.cte) throw new NotSupportedError(`${this.dialect.name} has no WITH clause`);
    const recursive = ctes.some((c) => c.recursive);
    this.write(recursive ? "WITH RECURSIVE " : "WITH ");
    this.list(ctes, (c) => {
      this.emittedCtes.add(c);
      this.write(this.quote(c.name));
      if (c.columnNames.length) this.write(` (${c.columnNames.map((n) => this.quote(n)).join(", ")})`);
      this.write(" AS (");
      this.visitQuery(c.query());
      this.write(")");
    });
    this.write(" ");
  }

  protected visitQuery(q: QueryNode): void {
    if (q.kind === "select") this.visitSelect(q);
    else this.visitCompound(q);
  }

  protected visitSelect(n: SelectNode): void {
    const from = fromList(n, n.correlate ? this.scopes.flat() : []);
    requireFrom(n, from);
    lintFrom(n, from, n.from.length);
    this.scopes.push(from.flatMap((f) => sourcesOfFrom(f)));
    this.write(n.distinct ? "SELECT DISTINCT " : "SELECT ");
    if (n.items.length === 0) throw new ArgumentError("SELECT needs at least one column");
    this.selectList(n.items);
    if (from.length) {
      this.write(" FROM ");
      this.list(from, (f) => this.visit(f));
    }
    if (n.where) {
      this.write(" WHERE ");
      this.visit(n.where);
    }
    if (n.groupBy.length) {
      this.write(" GROUP BY ");
      this.list(n.groupBy, (g) => this.visit(g));
    }
    if (n.having) {
      this.write(" HAVING ");
      this.visit(n.having);
    }
    if (n.orderBy.length) {
      this.write(" ORDER BY ");
      this.list(n.orderBy, (o) => this.visitOrder(o));
    }
    this.limitOffset(n.limit, n.offset);
    if (n.forUpdate) this.forUpdate();
    this.scopes.pop();
  }

  protected selectList(items: readonly SelectItem[]): void {
    this.list(items, (item) => {
      const e = item.expr.kind === "label" ? item.expr.expr : item.expr;
      this.selectItem(e, item.key);
    });
  }

  /** One SELECT-list entry; aliased unless the column already has the key as its name. */
  protected selectItem(expr: ExprNode, key: string): void {
    this.visit(expr);
    if (!(expr.kind === "column" && expr.name === key)) this.write(` AS ${this.quote(key)}`);
  }

  protected visitCompound(n: CompoundNode): void {
    if ((n.op === "INTERSECT" || n.op === "EXCEPT") && !this.dialect.capabilities.intersectExcept)
      throw new NotSupportedError(`${this.dialect.name} has no ${n.op}`);
    this.list(n.queries, (q) => this.compoundMember(q), ` ${n.op} `);
    if (n.orderBy.length) {
      this.write(" ORDER BY ");
      this.list(n.orderBy, (o) => this.visitOrder(o));
    }
    this.limitOffset(n.limit, n.offset);
  }

  protected compoundMember(q: QueryNode): void {
    const needsParens = q.kind === "compound" || q.orderBy.length > 0 || q.limit !== undefined;
    if (needsParens) this.subquery(q);
    else this.visitQuery(q);
  }

  protected visitJoin(n: JoinNode): void {
    const caps = this.dialect.capabilities;
    if (n.type === "FULL" && !caps.fullJoin) throw new NotSupportedError(`${this.dialect.name} has no FULL JOIN`);
    if (n.type === "RIGHT" && !caps.rightJoin) throw new NotSupportedError(`${this.dialect.name} has no RIGHT JOIN`);
    this.visit(n.left);
    this.write(n.type === "CROSS" ? " CROSS JOIN " : n.type === "INNER" ? " JOIN " : ` ${n.type} JOIN `);
    this.visit(n.right);
    if (n.on) {
      this.write(" ON ");
      this.visit(n.on);
    }
  }

  protected visitInsert(n: InsertNode): void {
    this.scopes.push([n.table]);
    this.write(`INSERT INTO ${this.tableName(n.table)}`);
    if (n.columns.length) this.write(` (${n.columns.map((c) => this.quote(c.name)).join(", ")})`);
    if (n.query) {
      this.write(" ");
      this.visitQuery(n.query);
    } else if (n.columns.length === 0 || rowCount(n) === 0) {
      this.defaultValues(rowCount(n));
    } else {
      this.insertValues(n);
    }
    if (n.onConflict) this.onConflict(n);
    this.returning(n.returning, "insert");
    this.scopes.pop();
  }

  /**
   * The rows of an INSERT with columns and at least one row: ` VALUES (…), (…)`. A dialect may send
   * many checked cells another way (PostgreSQL: one array per column).
   */
  protected insertValues(n: InsertNode): void {
    this.write(" VALUES ");
    this.write(n.cells !== undefined ? this.cellRows(n.cells, n.columns) : this.nodeRows(n.rows, n.columns));
  }

  // Each row's text is joined from its cells' and the rows' at the end: thousands of rows written
  // piece by piece made a chain of partial strings per value for the collector.

  private nodeRows(rows: readonly (readonly ExprNode[])[], columns: readonly ColumnNode[]): string {
    const texts: string[] = [];
    const cells = new Array<string>(columns.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      for (let j = 0; j < row.length; j++) {
        const v = row[j];
        cells[j] = v.kind === "bind" ? this.valuesPlaceholder(v, columns[j]) : this.textOf(v);
      }
      texts.push(`(${cells.join(", ")})`);
    }
    return texts.join(", ");
  }

  /** Checked cells, row after row (nodes/insert.ts): a placeholder each, no node visited. */
  private cellRows(values: readonly unknown[], columns: readonly ColumnNode[]): string {
    const width = columns.length;
    const bases = columns.map((c) => baseType(c.type));
    const texts: string[] = [];
    const cells = new Array<string>(width);
    for (let k = 0; k < values.length; ) {
      for (let j = 0; j < width; j++, k++) cells[j] = this.cellPlaceholder(values, k, columns[j], bases[j]);
      texts.push(`(${cells.join(", ")})`);
    }
    return texts.join(", ");
  }

  protected defaultValues(rows: number): void {
    if (rows > 1) throw new NotSupportedError("A multi-row INSERT needs at least one column");
    this.write(" DEFAULT VALUES");
  }

  /**
   * How UPDATE names other tables: `UPDATE t SET c = … FROM x WHERE …` (PostgreSQL, SQLite), or as
   * more targets, `UPDATE t, x SET t.c = … WHERE …` (MariaDB's multi-table UPDATE).
   */
  protected readonly updateFrom: "from" | "targets" = "from";

  protected visitUpdate(n: UpdateNode): void {
    // Tables only a column reference names would join unconstrained: every row of the target could
    // be updated from an arbitrary row of theirs. They must be written in from().
    const stray = dmlExtraSources(n.table, [...n.set.map((s) => s[1]), ...(n.where ? [n.where] : [])], n.from).slice(n.from.length);
    if (stray.length)
      throw new ArgumentError(
        `UPDATE ${n.table.info.name} refers to ${stray.map((f) => sourcesOfFrom(f).map(sourceLabel).join(", ")).join(", ")}, which it does not name: add it with from() and relate it in where(), or use exists() / in() with a subquery`,
      );
    this.scopes.push([n.table, ...n.from.flatMap((f) => sourcesOfFrom(f))]);
    const targets = this.updateFrom === "targets" && n.from.length > 0;
    this.write(`UPDATE ${this.tableName(n.table)}`);
    if (targets) {
      this.write(", ");
      this.list(n.from, (f) => this.visit(f));
    }
    this.write(" SET ");
    this.assignments(n.set, targets);
    if (n.from.length && !targets) {
      this.write(" FROM ");
      this.list(n.from, (f) => this.visit(f));
    }
    if (n.where) {
      this.write(" WHERE ");
      this.visit(n.where);
    }
    this.returning(n.returning, "update");
    this.scopes.pop();
  }

  protected visitDelete(n: DeleteNode): void {
    this.scopes.push([n.table]);
    this.write(`DELETE FROM ${this.tableName(n.table)}`);
    if (n.where) {
      const extra = dmlExtraSources(n.table, [n.where], []);
      if (extra.length) throw new ArgumentError(`DELETE FROM ${n.table.info.name} refers to other tables; use exists() or in() with a subquery`);
      this.write(" WHERE ");
      this.visit(n.where);
    }
    this.returning(n.returning, "delete");
    this.scopes.pop();
  }

  /** SET items; `qualified` names the column's table, where several tables are updated. */
  protected assignments(set: readonly (readonly [ColumnNode, ExprNode])[], qualified = false): void {
    this.list(set, ([col, value]) => {
      this.write(`${qualified ? `${this.sourceRef(col.source)}.` : ""}${this.quote(col.name)} = `);
      this.visit(value);
    });
  }

  /** One table for every instance: building closures per compiler made construction cost ~9 µs. */
  private static readonly visitors: Visitors = {
    column: (c, n) => c.visitColumn(n),
    bind: (c, n) => c.visitBind(n),
    param: (c, n) => c.visitParam(n),
    binary: (c, n) => c.visitBinary(n),
    unary: (c, n) => c.visitUnary(n),
    logical: (c, n) => c.visitLogical(n),
    func: (c, n) => c.visitFunc(n),
    cast: (c, n) => c.visitCast(n),
    case: (c, n) => c.visitCase(n),
    label: (c, n) => c.visitLabel(n),
    in: (c, n) => c.visitIn(n),
    between: (c, n) => c.visitBetween(n),
    scalar: (c, n) => c.visitScalar(n),
    exists: (c, n) => c.visitExists(n),
    window: (c, n) => c.visitWindow(n),
    tuple: (c, n) => c.visitTuple(n),
    excluded: (c, n) => c.visitExcluded(n.column),
    raw: (c, n) => c.visitRaw(n),
    identifier: (c, n) => c.visitIdentifier(n),
    star: (c) => c.visitStar(),
    nested: (c, n) => c.visitNested(n),
    order: (c, n) => c.visitOrder(n),
    table: (c, n) => c.visitTable(n),
    alias: (c, n) => c.visitAlias(n),
    derived: (c, n) => c.visitDerived(n),
    cte: (c, n) => c.visitCteRef(n),
    join: (c, n) => c.visitJoin(n),
    select: (c, n) => c.subquery(n),
    compound: (c, n) => c.subquery(n),
    insert: (c, n) => c.visitNestedDml(n),
    update: (c, n) => c.visitNestedDml(n),
    delete: (c, n) => c.visitNestedDml(n),
  };
}
