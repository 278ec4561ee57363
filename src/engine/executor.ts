// Running compiled statements on one driver connection: parameter filling, error translation,
// logging, row building and streaming. Connection and Transaction both build on this; the plans
// it runs come from the engine's cache (plan-cache.ts, plan.ts).
import type { Dialect } from "../dialects/dialect.js";
import { ConnectionError, NotSupportedError, TransactionError, type ArborError } from "../errors.js";
import type { StatementShape } from "../sql/cache-key.js";
import type { CompiledQuery } from "../sql/compiled.js";
import type { StatementNode } from "../sql/nodes/index.js";
import type { RowType, Statement } from "../sql/statement.js";
import { Guard, type StatementOptions } from "./cancel.js";
import { EachSink } from "./each.js";
import type { DriverConnection, DriverResult, QueryOptions } from "./driver.js";
import type { Plan, Params } from "./plan.js";
import type { PlanCache } from "./plan-cache.js";
import type { Result } from "./result.js";
import { executeSplit, executeSplitSync, inTransaction, tooManyParams } from "./split-insert.js";

export type { Params } from "./plan.js";

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
  /** The engine's plans (one per statement, one compile per shape, prepared names). */
  readonly plans: PlanCache;
}

export interface StreamOptions extends StatementOptions {
  /** Rows fetched per round trip (default 500). */
  readonly batchSize?: number;
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
    return this.ctx.plans.planFor("statementNode" in stmt ? stmt.statementNode : stmt).compiled;
  }

  /** @internal The engine's plan of a statement. */
  planOf(node: StatementNode): Plan {
    return this.ctx.plans.planFor(node);
  }

  /**
   * @internal Plans a statement about to run here whose shape its caller knows without walking it
   * (the ORM's queries of one shape: orm/query-shapes.ts); see `PlanCache.planAhead`.
   */
  planAhead(node: StatementNode, shape: StatementShape): void {
    this.ctx.plans.planAhead(node, shape);
  }

  /**
   * Runs one statement. `options.timeout` / `options.signal` cancel it on the server
   * (TimeoutError / AbortError; see engine/cancel.ts).
   */
  execute<S extends Statement<unknown>>(stmt: S, params?: Params, options?: StatementOptions): Promise<Result<RowType<S>>> {
    try {
      const ctx = this.ctx;
      const plan = ctx.plans.planFor(stmt.statementNode);
      const values = plan.fill(ctx.dialect, params);
      if (values.length > ctx.dialect.capabilities.maxParams) return executeSplit<RowType<S>>(this, stmt.statementNode, values.length, params);
      const conn = this.driverConnection();
      if (options !== undefined) return this.runAsync(conn, plan, values, new Guard(conn, options, false));
      // An embedded driver answers at once: its result goes out in a settled promise.
      if (isSync(conn)) return Promise.resolve(this.runSync(conn, plan, values));
      return this.runAsync(conn, plan, values);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal Runs `fn` all or nothing: in a transaction, or a savepoint inside an open one. */
  atomically<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    return inTransaction(this, fn);
  }

  private async runAsync<R>(conn: DriverConnection, plan: Plan, values: readonly unknown[], guard?: Guard): Promise<Result<R>> {
    const started = this.clock();
    let res: DriverResult;
    try {
      res =
        guard === undefined
          ? await conn.query(plan.sql, values, plan.driverOptions())
          : await guard.run(() => conn.query(plan.sql, values, isSync(conn) ? plan.options : plan.driverOptions()));
    } catch (err) {
      throw this.fail(err, plan.sql, values, started, guard);
    }
    return plan.result(this.logged(plan.sql, values, started, res));
  }

  /**
   * Runs a statement on an embedded engine (SQLite) without a promise: the same result as
   * `execute`. Engines that talk to a server raise NotSupportedError.
   */
  executeSync<S extends Statement<unknown>>(stmt: S, params?: Params): Result<RowType<S>> {
    const ctx = this.ctx;
    const plan = ctx.plans.planFor(stmt.statementNode);
    const values = plan.fill(ctx.dialect, params);
    const conn = this.driverConnection();
    if (!isSync(conn)) throw new NotSupportedError(`${ctx.dialect.name} answers asynchronously: use execute()`);
    if (values.length > ctx.dialect.capabilities.maxParams) return executeSplitSync<RowType<S>>(this, stmt.statementNode, values.length, params);
    return this.runSync(conn, plan, values);
  }

  private runSync<R>(conn: SyncDriverConnection, plan: Plan, values: readonly unknown[]): Result<R> {
    const started = this.clock();
    let res: DriverResult;
    try {
      res = conn.querySync(plan.sql, values, plan.options);
    } catch (err) {
      throw this.fail(err, plan.sql, values, started);
    }
    return plan.result(this.logged(plan.sql, values, started, res));
  }

  /**
   * Runs a query and calls `fn` with each row as the driver reads it, keeping none: on PostgreSQL
   * the rows are built (and `fn` runs) while the server is still sending the rest. Resolves with
   * the row count. An error thrown by `fn` stops the calls; the result is still read to its end
   * (the connection stays usable) and the promise rejects with that error.
   */
  async forEach<S extends Statement<unknown>>(stmt: S, fn: (row: RowType<S>) => void, params?: Params, options?: StatementOptions): Promise<number> {
    const conn = this.driverConnection();
    if (conn.queryEach === undefined) {
      const result = await this.execute(stmt, params, options);
      for (const row of result.rows) fn(row);
      return result.rows.length;
    }
    const ctx = this.ctx;
    const plan = ctx.plans.planFor(stmt.statementNode);
    const values = plan.fill(ctx.dialect, params);
    if (values.length > ctx.dialect.capabilities.maxParams) throw tooManyParams(ctx.dialect, values.length, "use execute()");
    const started = this.clock();
    const sink = new EachSink(plan, fn as (row: unknown) => void);
    const guard = options === undefined ? undefined : new Guard(conn, options, false);
    const queryEach = conn.queryEach.bind(conn);
    let res: DriverResult;
    try {
      const each = () => queryEach(plan.sql, values, plan.driverOptions(), sink);
      res = await (guard === undefined ? each() : guard.run(each));
    } catch (err) {
      throw this.fail(err, plan.sql, values, started, guard);
    }
    this.logged(plan.sql, values, started, res);
    if (res.decodeError !== undefined) throw res.decodeError;
    if (sink.failed) throw sink.error;
    return sink.count;
  }

  /**
   * Streams rows in batches from the server (cursor / driver stream / SQLite iterator).
   * `timeout` (for the whole iteration) and `signal` cancel the statement running on the server
   * and are checked between batches on every engine.
   */
  async *stream<S extends Statement<unknown>>(stmt: S, params?: Params, opts: StreamOptions = {}): AsyncIterable<RowType<S>> {
    const plan = this.ctx.plans.planFor(stmt.statementNode);
    const values = plan.fill(this.ctx.dialect, params);
    if (values.length > this.ctx.dialect.capabilities.maxParams) throw tooManyParams(this.ctx.dialect, values.length, "use execute()");
    const conn = this.driverConnection();
    const started = this.clock();
    const guard = opts.timeout === undefined && opts.signal === undefined ? undefined : new Guard(conn, opts, true);
    guard?.arm();
    try {
      for await (const batch of conn.stream(plan.sql, values, { ...plan.options, batchSize: opts.batchSize ?? 500 })) {
        const stop = guard?.check();
        if (stop !== undefined) throw stop;
        const shape = plan.shapeFor(batch.fields);
        for (const r of batch.rows) yield shape.build(r) as RowType<S>;
      }
      this.logged(plan.sql, values, started, undefined);
    } catch (err) {
      throw this.fail(err, plan.sql, values, started, guard);
    } finally {
      await guard?.disarm();
    }
  }

  /** Runs SQL text as is: for DDL and statements Arbor builds itself. Never pass user values here. */
  async runSql(sql: string): Promise<DriverResult> {
    return this.run(sql, [], NO_BIGINTS);
  }

  protected async run(sql: string, values: readonly unknown[], opts: QueryOptions): Promise<DriverResult> {
    const conn = this.driverConnection();
    const started = this.clock();
    let res: DriverResult;
    try {
      res = await conn.query(sql, values, opts);
    } catch (err) {
      throw this.fail(err, sql, values, started);
    }
    return this.logged(sql, values, started, res);
  }

  /** When a statement started, for its log entry: read only when there is a logger. */
  private clock(): number {
    return this.ctx.logger === undefined ? 0 : performance.now();
  }

  /** Logs a statement that ran (a stream logs no row count) and hands its result on. */
  private logged<T extends DriverResult | undefined>(sql: string, values: readonly unknown[], started: number, res: T): T {
    const logger = this.ctx.logger;
    // A copy: a statement's values array is shared by its runs (Plan.fill), and a logger may redact in place.
    if (logger !== undefined) logger({ sql, params: values.slice(), durationMs: performance.now() - started, rowCount: res?.rowCount });
    return res;
  }

  /** Translates a failure to Arbor's error, discards a lost connection and logs it: every run path ends here on error. */
  private fail(err: unknown, sql: string, values: readonly unknown[], started: number, guard?: Guard): ArborError {
    const translated = this.ctx.dialect.translateError(err, sql);
    const e = guard === undefined ? translated : guard.translate(translated);
    if (e instanceof ConnectionError) this.markBroken();
    const logger = this.ctx.logger;
    if (logger !== undefined) logger({ sql, params: values.slice(), durationMs: performance.now() - started, error: e });
    return e;
  }
}

type SyncDriverConnection = DriverConnection & Required<Pick<DriverConnection, "querySync">>;
function isSync(conn: DriverConnection): conn is SyncDriverConnection {
  return conn.querySync !== undefined;
}

const NO_BIGINTS: QueryOptions = { bigints: false };

export function assertUsable(state: "open" | "released" | "done", what: string): void {
  if (state !== "open") throw new TransactionError(`This ${what} is ${state === "released" ? "released" : "finished"} and cannot be used`);
}
