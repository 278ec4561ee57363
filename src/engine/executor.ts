// Running compiled statements on one driver connection: parameter filling, error translation,
// logging, row building and streaming. Connection and Transaction both build on this.
import type { Dialect } from "../dialects/dialect.js";
import { ArgumentError, ConnectionError, TransactionError, type ArborError } from "../errors.js";
import type { CompiledQuery, ResultColumn } from "../sql/compiled.js";
import type { StatementNode } from "../sql/nodes/index.js";
import type { RowType, Statement } from "../sql/statement.js";
import { baseType, checkValue } from "../sql/types.js";
import type { DriverConnection, DriverResult, FieldInfo } from "./driver.js";
import { Result, RowShape } from "./result.js";

export interface LogEntry {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly durationMs: number;
  readonly rowCount?: number;
  readonly error?: ArborError;
}
export type Logger = (entry: LogEntry) => void;

/** What an executor needs from its engine. */
export interface EngineContext {
  readonly dialect: Dialect;
  readonly logger?: Logger;
  compile(node: StatementNode): CompiledQuery;
}

export type Params = Readonly<Record<string, unknown>>;

const shapes = new WeakMap<CompiledQuery, { hints: string; shape: RowShape }>();

function shapeFor(ctx: EngineContext, compiled: CompiledQuery, fields: readonly FieldInfo[]): RowShape {
  const hints = fields.map((f) => f.typeHint ?? "").join(",");
  const cached = shapes.get(compiled);
  if (cached && cached.hints === hints) return cached.shape;
  const shape = new RowShape(ctx.dialect, compiled, fields);
  shapes.set(compiled, { hints, shape });
  return shape;
}

function hasBigint(columns: readonly ResultColumn[] | null): boolean {
  return columns === null || columns.some((c) => baseType(c.type).kind === "bigint");
}

export abstract class Executor {
  protected abstract readonly ctx: EngineContext;
  /** The driver connection, or an error explaining why this executor cannot be used. */
  protected abstract driverConnection(): DriverConnection;
  /** Called with connection-level failures so the owner discards the connection. */
  abstract markBroken(): void;

  get dialect(): Dialect {
    return this.ctx.dialect;
  }

  compile(stmt: Statement<unknown> | StatementNode): CompiledQuery {
    return this.ctx.compile("statementNode" in stmt ? stmt.statementNode : stmt);
  }

  async execute<S extends Statement<unknown>>(stmt: S, params?: Params): Promise<Result<RowType<S>>> {
    const compiled = this.compile(stmt);
    const values = fillParams(this.ctx.dialect, compiled, params);
    const res = await this.run(compiled.sql, values, { bigints: hasBigint(compiled.columns) });
    const shape = shapeFor(this.ctx, compiled, res.fields);
    const rows = res.rows.length ? res.rows.map((r) => shape.build(r)) : [];
    return new Result(rows as RowType<S>[], res.rowCount, shape, res.lastInsertId);
  }

  /** Streams rows in batches from the server (cursor / driver stream / SQLite iterator). */
  async *stream<S extends Statement<unknown>>(stmt: S, params?: Params, opts: { batchSize?: number } = {}): AsyncIterable<RowType<S>> {
    const compiled = this.compile(stmt);
    const values = fillParams(this.ctx.dialect, compiled, params);
    const conn = this.driverConnection();
    const started = performance.now();
    try {
      for await (const batch of conn.stream(compiled.sql, values, { bigints: hasBigint(compiled.columns), batchSize: opts.batchSize ?? 500 })) {
        const shape = shapeFor(this.ctx, compiled, batch.fields);
        for (const r of batch.rows) yield shape.build(r) as RowType<S>;
      }
      this.ctx.logger?.({ sql: compiled.sql, params: values, durationMs: performance.now() - started });
    } catch (err) {
      throw this.fail(err, compiled.sql, values, started);
    }
  }

  /** Runs SQL text as is: for DDL and statements Arbor builds itself. Never pass user values here. */
  async runSql(sql: string): Promise<DriverResult> {
    return this.run(sql, [], { bigints: false });
  }

  protected async run(sql: string, values: readonly unknown[], opts: { bigints: boolean }): Promise<DriverResult> {
    const conn = this.driverConnection();
    const started = performance.now();
    let res: DriverResult;
    try {
      res = await conn.query(sql, values, opts);
    } catch (err) {
      throw this.fail(err, sql, values, started);
    }
    this.ctx.logger?.({ sql, params: values, durationMs: performance.now() - started, rowCount: res.rowCount });
    return res;
  }

  private fail(err: unknown, sql: string, values: readonly unknown[], started: number): ArborError {
    const e = this.ctx.dialect.translateError(err, sql);
    if (e instanceof ConnectionError) this.markBroken();
    this.ctx.logger?.({ sql, params: values, durationMs: performance.now() - started, error: e });
    return e;
  }
}

function fillParams(dialect: Dialect, compiled: CompiledQuery, params: Params | undefined): unknown[] {
  return compiled.params.map((slot) => {
    if ("value" in slot) return slot.value;
    if (!params || !(slot.name in params))
      throw new ArgumentError(`No value given for parameter ${JSON.stringify(slot.name)}`, { column: slot.name });
    const v = params[slot.name];
    if (v === null || v === undefined) return null;
    return dialect.encode(baseType(slot.type), checkValue(slot.type, v, slot.site ?? { column: slot.name }));
  });
}

export function assertUsable(state: "open" | "released" | "done", what: string): void {
  if (state !== "open") throw new TransactionError(`This ${what} is ${state === "released" ? "released" : "finished"} and cannot be used`);
}
