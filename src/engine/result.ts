// Results: rows are plain objects keyed by the SELECT list's keys, values restored to their
// declared TypeScript types by decoders chosen once per statement shape, not per row.
import type { Decoder, Dialect } from "../dialects/dialect.js";
import { ArgumentError, MultipleResultsError, NoResultError } from "../errors.js";
import { resultColumns, type CompiledQuery, type ResultColumn } from "../sql/compiled.js";
import type { Expr } from "../sql/expression.js";
import type { ExprNode, StatementNode } from "../sql/nodes/index.js";
import { types, type SqlType } from "../sql/types.js";
import type { FieldInfo } from "./driver.js";
import { nestedDecoder, nestedKeys } from "./nested.js";
import { rowBuilder, type RowBuilder } from "./row-builder.js";

/** Builds rows for one compiled statement and one set of driver field types. */
export class RowShape {
  private byNodeMap: Map<ExprNode, string> | undefined;

  constructor(
    readonly keys: readonly string[],
    readonly decoders: readonly (Decoder | null)[],
    /** The statement's result columns (or the statement to take them from), for targeting rows by expression. */
    private readonly columns: readonly ResultColumn[] | null | StatementNode,
    /** The driver has decoded the values already (see QueryOptions.decoderFor). */
    readonly decoded: boolean,
    /** One row object from a driver's array row. */
    readonly build: RowBuilder = rowBuilder(keys, decoders),
  ) {}

  /** The shape of a compiled statement's rows for these driver fields. */
  static of(dialect: Dialect, compiled: CompiledQuery, fields: readonly FieldInfo[], decoded = false): RowShape {
    const cols = compiled.columns;
    const keys = cols ? cols.map((c) => c.key) : fields.map((f) => f.name);
    const typesOf: SqlType[] = cols ? cols.map((c) => c.type) : fields.map(() => types.unknown);
    const decoders = decoded ? typesOf.map(() => null) : typesOf.map((t, i) => decoderFor(dialect, t, fields[i]?.typeHint, keys[i]));
    return new RowShape(keys, decoders, cols, decoded);
  }

  /**
   * The same shape serving another statement of the same shape (sql/cache-key.ts): same keys,
   * decoders and builder, that statement's own expressions for `keyOf`.
   */
  forStatement(node: StatementNode): RowShape {
    return new RowShape(this.keys, this.decoders, node, this.decoded, this.build);
  }

  /** Every selected expression (nested ones too) with its key; built when first asked for. */
  private get byNode(): Map<ExprNode, string> {
    if (this.byNodeMap !== undefined) return this.byNodeMap;
    const byNode = new Map<ExprNode, string>();
    const from = this.columns;
    const columns = from === null || Array.isArray(from) ? from : resultColumns(from as StatementNode);
    for (const c of columns ?? []) {
      byNode.set(c.expr, c.key);
      if (c.expr.kind === "label") byNode.set(c.expr.expr, c.key);
      if (c.type.kind === "nested") nestedKeys(c.type, byNode);
    }
    return (this.byNodeMap = byNode);
  }

  /** The row key under which an expression (or the column a label wraps) was selected. */
  keyOf(expr: Expr<unknown> | string): string {
    if (typeof expr === "string") return expr;
    const byNode = this.byNode;
    const k = byNode.get(expr.node) ?? (expr.node.kind === "label" ? byNode.get(expr.node.expr) : undefined);
    if (k === undefined) {
      const key = (expr as { key?: unknown }).key;
      if (typeof key === "string" && this.keys.includes(key)) return key;
      throw new ArgumentError(`The result has no column for this expression`);
    }
    return k;
  }
}

/** The decoder for a declared type, custom types wrapped around their base type's decoder. */
export function decoderFor(dialect: Dialect, type: SqlType, hint: number | undefined, key?: string): Decoder | null {
  if (type.kind === "nested") return nestedDecoder(dialect, type);
  if (!type.custom) return dialect.decoder(type, hint, key);
  const spec = type.custom;
  const inner = decoderFor(dialect, spec.base, hint, key);
  return inner ? (v) => spec.fromDb(inner(v)) : (v) => spec.fromDb(v);
}

export class Result<R> implements Iterable<R> {
  constructor(
    readonly rows: R[],
    /** Rows changed by INSERT/UPDATE/DELETE, or rows returned. */
    readonly rowCount: number,
    private readonly shape: RowShape,
    readonly lastInsertId?: number | bigint,
  ) {}

  /** The same columns with other rows: for results merged from several databases. */
  withRows(rows: R[], rowCount: number = rows.length, lastInsertId?: number | bigint): Result<R> {
    return new Result(rows, rowCount, this.shape, lastInsertId);
  }

  [Symbol.iterator](): Iterator<R> {
    return this.rows[Symbol.iterator]();
  }

  all(): R[] {
    return this.rows;
  }
  first(): R | undefined {
    return this.rows[0];
  }
  /** Exactly one row, or NoResultError / MultipleResultsError. */
  one(): R {
    if (this.rows.length === 0) throw new NoResultError("Expected one row, got none");
    if (this.rows.length > 1) throw new MultipleResultsError(`Expected one row, got ${this.rows.length}`);
    return this.rows[0];
  }
  /** At most one row. */
  oneOrNone(): R | undefined {
    if (this.rows.length > 1) throw new MultipleResultsError(`Expected at most one row, got ${this.rows.length}`);
    return this.rows[0];
  }
  /** The first column of the first row (undefined without rows). */
  scalar(): R[keyof R] | undefined {
    const row = this.rows[0];
    return row === undefined ? undefined : ((row as Record<string, unknown>)[this.shape.keys[0]] as R[keyof R]);
  }
  /** The first column of every row. */
  scalars(): R[keyof R][] {
    const k = this.shape.keys[0];
    return this.rows.map((r) => (r as Record<string, unknown>)[k] as R[keyof R]);
  }
  /** The key of `expr` in the rows: targeting by column object rather than by label. */
  key(expr: Expr<unknown>): keyof R & string {
    return this.shape.keyOf(expr) as keyof R & string;
  }
  /** `row`'s value for `expr`, targeted by column object (nested rows too). */
  get<T>(row: R | object, expr: Expr<T>): T {
    return (row as Record<string, unknown>)[this.shape.keyOf(expr)] as T;
  }
  get keys(): readonly string[] {
    return this.shape.keys;
  }
}
