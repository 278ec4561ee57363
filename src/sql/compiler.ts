// The one SQL grammar. Dialects subclass Compiler and override a few hooks (quoting, placeholders,
// LIMIT, upsert, operators they spell differently); they never copy the grammar.
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { Dialect } from "../dialects/dialect.js";
import { resultColumns, type CompiledQuery, type ParamSlot } from "./compiled.js";
import type {
  BinaryNode,
  BindNode,
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
  OrderNode,
  QueryNode,
  SelectItem,
  SelectNode,
  SourceNode,
  StatementNode,
  UpdateNode,
} from "./nodes/index.js";
import { correlateNested, rewriteNested, type JsonSpelling } from "./nested-compile.js";
import { collectCtes, dmlExtraSources, fromList, sourcesOfFrom } from "./traverse.js";
import { baseType, type SqlType } from "./types.js";

type Visitors = { [K in NodeKind]: (c: Compiler, node: NodeOf<K>) => void };

const PRECEDENCE: Record<string, number> = {
  OR: 1, AND: 2, NOT: 3,
  "=": 4, "<>": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, LIKE: 4, "NOT LIKE": 4, ILIKE: 4, "NOT ILIKE": 4, IS: 4, "IS NOT": 4,
  "||": 5, "+": 6, "-": 6, "*": 7, "/": 7, "%": 7,
};

export class Compiler {
  protected sql = "";
  protected params: ParamSlot[] = [];
  /** The bind node each value slot came from, by slot: what lets a cached compile be re-bound. */
  protected paramSources: (BindNode | undefined)[] = [];
  /** FROM sources visible at each query level, innermost last (for correlation). */
  protected scopes: SourceNode[][] = [];
  /** CTEs already emitted in this statement's WITH clause. */
  protected emittedCtes = new Set<CteNode>();
  /** DDL cannot carry parameters: values are rendered as escaped literals. */
  protected inlineValues = false;
  protected warnings: string[] = [];
  /** How the dialect spells JSON aggregation; undefined where nested() is not supported. */
  protected readonly json: JsonSpelling | undefined = undefined;

  constructor(readonly dialect: Dialect) {}

  // ---- public entry points -------------------------------------------------------------------

  compile(node: StatementNode): CompiledQuery {
    this.visitStatement(node);
    return { sql: this.sql, params: this.params, columns: resultColumns(node), warnings: this.warnings };
  }

  /**
   * Compiles and tells, per parameter slot, the bind node its value came from; undefined for
   * named params and for constants the compiler adds itself.
   */
  compileTraced(node: StatementNode): { readonly compiled: CompiledQuery; readonly sources: readonly (BindNode | undefined)[] } {
    return { compiled: this.compile(node), sources: this.paramSources };
  }

  /** An expression with values inlined, for DDL (CHECK constraints, server defaults). */
  compileInline(node: ExprNode): string {
    this.inlineValues = true;
    this.visit(node);
    return this.sql;
  }

  // ---- hooks dialects override ----------------------------------------------------------------

  quote(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  /**
   * The placeholder for parameter `index`; `type` is the value's declared SQL type, undefined for a
   * value interpolated into raw SQL (whose surrounding text decides its type).
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

  protected visitBinary(n: BinaryNode): void {
    this.operand(n.left, n.op);
    this.write(` ${n.op} `);
    this.operand(n.right, n.op, true);
  }

  protected visitOrder(n: OrderNode): void {
    this.visit(n.expr);
    this.write(n.direction === "DESC" ? " DESC" : " ASC");
    if (n.nulls) this.write(` NULLS ${n.nulls}`);
  }

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

  protected visitExcluded(n: ColumnNode): void {
    this.write(`excluded.${this.quote(n.name)}`);
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
    if (!this.dialect.capabilities.returning[statement])
      throw new NotSupportedError(`${this.dialect.name} has no ${statement.toUpperCase()} … RETURNING`);
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

  /** LIMIT/OFFSET inside an aggregate. */
  protected aggregateBound(e: ExprNode): void {
    this.visit(e);
  }

  protected visitNested(n: NestedNode): void {
    if (!this.json) throw new NotSupportedError(`${this.dialect.name} cannot compile nested()`);
    const { query, warning } = correlateNested(n, this.scopes);
    if (warning && !this.warnings.includes(warning)) this.warnings.push(warning);
    this.visit(rewriteNested(query, n.one, this.json, (e) => this.nestedValue(e)));
  }

  // ---- machinery ------------------------------------------------------------------------------

  write(s: string): void {
    this.sql += s;
  }

  visit(node: Node): void {
    (Compiler.visitors[node.kind] as (c: Compiler, n: Node) => void)(this, node);
  }

  /** Emits a placeholder for a value that was checked when its bind node was built. */
  bind(value: unknown, type: SqlType, source?: BindNode, typed = true): void {
    if (this.inlineValues) {
      this.write(this.literal(value, type));
      return;
    }
    const base = baseType(type);
    this.params.push({ value: encodeBound(this.dialect, base, value) });
    this.paramSources.push(source);
    this.write(this.placeholder(this.params.length, typed ? base : undefined));
  }

  protected list<T>(items: readonly T[], each: (item: T) => void, sep = ", "): void {
    items.forEach((item, i) => {
      if (i) this.write(sep);
      each(item);
    });
  }

  /** Parenthesises an operand that binds looser than its parent operator. */
  protected operand(n: ExprNode, parentOp: string, right = false): void {
    const op = n.kind === "binary" || n.kind === "logical" ? n.op : n.kind === "unary" && n.op === "NOT" ? "NOT" : undefined;
    const wrap = op !== undefined && (PRECEDENCE[op] < PRECEDENCE[parentOp] || (right && PRECEDENCE[op] === PRECEDENCE[parentOp]));
    if (wrap) this.write("(");
    this.visit(n);
    if (wrap) this.write(")");
  }

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
    } else if (n.rows.length === 0 || n.columns.length === 0) {
      this.defaultValues(n.rows.length);
    } else {
      this.write(" VALUES ");
      this.list(n.rows, (row) => {
        this.write("(");
        this.list(row, (v) => this.visit(v));
        this.write(")");
      });
    }
    if (n.onConflict) this.onConflict(n);
    this.returning(n.returning, "insert");
    this.scopes.pop();
  }

  protected defaultValues(rows: number): void {
    if (rows > 1) throw new NotSupportedError("A multi-row INSERT needs at least one column");
    this.write(" DEFAULT VALUES");
  }

  protected visitUpdate(n: UpdateNode): void {
    this.scopes.push([n.table]);
    this.write(`UPDATE ${this.tableName(n.table)} SET `);
    this.assignments(n.set);
    const extra = dmlExtraSources(n.table, [...n.set.map((s) => s[1]), ...(n.where ? [n.where] : [])], n.from);
    if (extra.length) {
      this.scopes[this.scopes.length - 1].push(...extra.flatMap((f) => sourcesOfFrom(f)));
      this.write(" FROM ");
      this.list(extra, (f) => this.visit(f));
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
      if (extra.length)
        throw new ArgumentError(`DELETE FROM ${n.table.info.name} refers to other tables; use exists() or in() with a subquery`);
      this.write(" WHERE ");
      this.visit(n.where);
    }
    this.returning(n.returning, "delete");
    this.scopes.pop();
  }

  protected assignments(set: readonly (readonly [ColumnNode, ExprNode])[]): void {
    this.list(set, ([col, value]) => {
      this.write(`${this.quote(col.name)} = `);
      this.visit(value);
    });
  }

  tableName(n: { readonly info: { readonly name: string; readonly schema?: string } }): string {
    return n.info.schema ? `${this.quote(n.info.schema)}.${this.quote(n.info.name)}` : this.quote(n.info.name);
  }

  protected sourceRef(s: SourceNode): string {
    switch (s.kind) {
      case "table":
        return this.tableName(s);
      default:
        return this.quote(s.name);
    }
  }

  /** One table for every instance: building closures per compiler made construction cost ~9 µs. */
  private static readonly visitors: Visitors = {
    column: (c, n) => {
      c.write(`${c.sourceRef(n.source)}.${c.quote(n.name)}`);
    },
    bind: (c, n) => c.bind(n.value, n.type, n),
    param: (c, n) => {
      if (c.inlineValues) throw new ArgumentError(`param(${n.name}) cannot be used in DDL`);
      c.params.push({ name: n.name, type: n.type });
      c.paramSources.push(undefined);
      c.write(c.placeholder(c.params.length, baseType(n.type)));
    },
    binary: (c, n) => c.visitBinary(n),
    unary: (c, n) => {
      if (n.op === "IS NULL" || n.op === "IS NOT NULL") {
        c.operand(n.operand, "IS");
        c.write(` ${n.op}`);
      } else {
        c.write(n.op === "NOT" ? "NOT " : "-");
        c.operand(n.operand, n.op === "NOT" ? "NOT" : "*");
      }
    },
    logical: (c, n) => {
      if (n.items.length === 0) {
        c.write(n.op === "AND" ? "1 = 1" : "1 = 0");
        return;
      }
      c.list(n.items, (i) => c.operand(i, n.op), ` ${n.op} `);
    },
    func: (c, n) => {
      c.write(`${n.name}(`);
      if (n.distinct) c.write("DISTINCT ");
      c.list(n.args, (a) => c.visit(a));
      if (n.orderBy.length) {
        c.write(" ORDER BY ");
        c.list(n.orderBy, (o) => c.visitOrder(o));
      }
      if (n.limit) {
        c.write(" LIMIT ");
        c.aggregateBound(n.limit);
      }
      if (n.offset) {
        c.write(" OFFSET ");
        c.aggregateBound(n.offset);
      }
      c.write(")");
      if (n.filter) {
        c.write(" FILTER (WHERE ");
        c.visit(n.filter);
        c.write(")");
      }
    },
    cast: (c, n) => {
      c.write("CAST(");
      c.visit(n.expr);
      c.write(` AS ${c.castType(n.type)})`);
    },
    case: (c, n) => {
      c.write("CASE");
      for (const [cond, result] of n.whens) {
        c.write(" WHEN ");
        c.visit(cond);
        c.write(" THEN ");
        c.visit(result);
      }
      if (n.otherwise) {
        c.write(" ELSE ");
        c.visit(n.otherwise);
      }
      c.write(" END");
    },
    label: (c, n) => c.visit(n.expr),
    in: (c, n) => {
      if (Array.isArray(n.values) && n.values.length === 0) {
        // An empty IN list is a syntax error on most engines; its meaning is constant.
        c.write(n.negate ? "1 = 1" : "1 = 0");
        return;
      }
      c.operand(n.expr, "=");
      c.write(n.negate ? " NOT IN " : " IN ");
      if (Array.isArray(n.values)) {
        const values = n.values as readonly ExprNode[];
        c.write("(");
        c.list(values, (v) => c.visit(v));
        c.write(")");
      } else c.subquery(n.values as QueryNode);
    },
    between: (c, n) => {
      c.operand(n.expr, "=");
      c.write(n.negate ? " NOT BETWEEN " : " BETWEEN ");
      c.operand(n.low, "=");
      c.write(" AND ");
      c.operand(n.high, "=");
    },
    scalar: (c, n) => c.subquery(n.query),
    exists: (c, n) => {
      c.write(n.negate ? "NOT EXISTS " : "EXISTS ");
      c.subquery(n.query);
    },
    window: (c, n) => {
      if (!c.dialect.capabilities.window) throw new NotSupportedError(`${c.dialect.name} has no window functions`);
      c.visit(n.func);
      c.write(" OVER (");
      const parts: (() => void)[] = [];
      if (n.partitionBy.length)
        parts.push(() => {
          c.write("PARTITION BY ");
          c.list(n.partitionBy, (p) => c.visit(p));
        });
      if (n.orderBy.length)
        parts.push(() => {
          c.write("ORDER BY ");
          c.list(n.orderBy, (o) => c.visitOrder(o));
        });
      if (n.frame) parts.push(() => c.write(n.frame!));
      c.list(parts, (p) => p(), " ");
      c.write(")");
    },
    tuple: (c, n) => {
      c.write("(");
      c.list(n.items, (i) => c.visit(i));
      c.write(")");
    },
    excluded: (c, n) => c.visitExcluded(n.column),
    raw: (c, n) => {
      n.strings.forEach((s, i) => {
        c.write(s);
        if (i >= n.values.length) return;
        const v = n.values[i];
        // A value written straight into raw SQL takes its type from the text around it.
        if (v.kind === "bind") c.bind(v.value, v.type, v, false);
        else c.visit(v);
      });
    },
    identifier: (c, n) => c.write(n.parts.map((p) => c.quote(p)).join(".")),
    star: (c) => c.write("*"),
    nested: (c, n) => c.visitNested(n),
    order: (c, n) => c.visitOrder(n),
    table: (c, n) => c.write(c.tableName(n)),
    alias: (c, n) => c.write(`${c.tableName(n.table)} AS ${c.quote(n.name)}`),
    derived: (c, n) => {
      if (n.lateral) {
        if (!c.dialect.capabilities.lateral) throw new NotSupportedError(`${c.dialect.name} has no LATERAL`);
        c.write("LATERAL ");
      }
      c.subquery(n.query);
      c.write(` AS ${c.quote(n.name)}`);
    },
    cte: (c, n) => c.write(c.quote(n.name)),
    join: (c, n) => c.visitJoin(n),
    select: (c, n) => c.subquery(n),
    compound: (c, n) => c.subquery(n),
    insert: () => {
      throw new ArgumentError("INSERT cannot be nested in another statement");
    },
    update: () => {
      throw new ArgumentError("UPDATE cannot be nested in another statement");
    },
    delete: () => {
      throw new ArgumentError("DELETE cannot be nested in another statement");
    },
  };

  protected castType(type: SqlType): string {
    return this.dialect.typeName(baseType(type), { keyed: false, autoincrement: false });
  }
}

/** A checked value as the driver binds it; cached compiles re-bind through this too. */
export function encodeBound(dialect: Dialect, base: SqlType, value: unknown): unknown {
  return value === null || value === undefined ? null : dialect.encode(base, value);
}
