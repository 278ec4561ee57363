// The Engine: a dialect, a pool and a compiled-statement cache. Statements are immutable, so a
// compiled form is cached per statement object and reused on every execution.
import type { Dialect, DialectName } from "../dialects/dialect.js";
import { ArgumentError, NotSupportedError, type PoolStats } from "../errors.js";
import type { CompiledQuery } from "../sql/compiled.js";
import type { StatementNode } from "../sql/nodes/index.js";
import type { RowType, Statement } from "../sql/statement.js";
import { Autocommit, Connection, type Transaction, type TransactionOptions } from "./connection.js";
import type { Driver, DriverConnection, DriverOptions } from "./driver.js";
import type { StatementOptions } from "./cancel.js";
import type { EngineContext, LogEntry, Logger, Params, StreamOptions } from "./executor.js";
import { type CacheOptions, type CacheStats, PlanCache } from "./plan-cache.js";
import type { Hold, HoldKind } from "./holds.js";
import { Pool, type PoolOptions } from "./pool.js";
import type { Result } from "./result.js";
import { dialectForUrl, dialectNamed } from "./url.js";

/** An async context's claim on a connection taken later (see `Engine.claim`). */
export type Claim = Hold;

export interface EngineOptions extends DriverOptions, PoolOptions {
  /** Log every statement with its parameters and timing: true for the console, or a function. */
  echo?: boolean | Logger;
  /** Bounds of the engine's statement caches (see `Engine.cacheStats`). */
  cache?: CacheOptions;
}

/**
 * An engine over a driver adapter the application supplies (`createEngine({ driver })`) instead of
 * one Arbor opens from a URL: PGlite, node:sqlite, or an adapter of your own (docs/dialects.md).
 */
export interface EngineTarget {
  readonly driver: Driver;
  /** The dialect the driver speaks: a built-in one by name, or a Dialect object. Default: `driver.dialect`. */
  readonly dialect?: Dialect | DialectName;
  /** What `engine.url` says (default `<dialect>:driver`); engines of distinct databases need distinct URLs for sharding. */
  readonly url?: string;
}

/** Options that configure the driver Arbor would open, which an adapter given as is takes on its own. */
const DRIVER_KEYS = ["poolSize", "prepare", "onConnect", "connectTimeout", "driverOptions", "client", "maxPrepared"] as const;

function consoleLogger(e: LogEntry): void {
  const params = e.params.length ? ` ${JSON.stringify(e.params, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}` : "";
  const status = e.error ? ` FAILED: ${e.error.message}` : ` (${e.rowCount ?? 0} rows)`;
  console.log(`[arbor] ${e.sql}${params} ${e.durationMs.toFixed(2)} ms${status}`);
}

export class Engine implements EngineContext {
  readonly logger?: Logger;
  /** Plans per statement, compiles per shape, prepared-statement names: this engine's own. */
  readonly plans: PlanCache;
  private readonly pool: Pool;
  /** One statement runner per pooled connection, made on its first use and reused by every call. */
  private readonly runners = new WeakMap<DriverConnection, Autocommit>();

  constructor(
    readonly dialect: Dialect,
    readonly url: URL,
    options: EngineOptions = {},
    /** A driver adapter given as is (`createEngine({ driver })`); otherwise the dialect's own, from the URL. */
    driver?: Driver,
  ) {
    this.logger = options.echo === true ? consoleLogger : options.echo || undefined;
    this.plans = new PlanCache(dialect, options.cache);
    driver ??= dialect.createDriver(url, { ...options, maxPrepared: options.maxPrepared ?? this.plans.preparedLimit });
    this.pool = new Pool(driver, driver.maxConnections, (err) => dialect.translateError(err), options);
  }

  compile(node: StatementNode | Statement<unknown>): CompiledQuery {
    return this.plans.planFor("statementNode" in node ? node.statementNode : node).compiled;
  }

  /**
   * A connection from the pool; release it when done. The async function that calls this is
   * marked as holding it (see engine/holds.ts), so a statement it sends to the engine while it
   * holds every connection is refused at once instead of waiting for itself.
   */
  connect(claim?: Claim): Promise<Connection> {
    return this.connectAs("connection", "engine.connect()", claim);
  }

  /**
   * Marks the calling async context as the holder of the connection a later `connect(claim)`
   * takes from inside other calls (a Session's, taken lazily): while that connection is held, a
   * statement this context sends to the engine with every connection taken is refused at once
   * (SelfDeadlockError) instead of waiting for itself. Call it synchronously from the caller.
   * Undefined while the pool does not track holders (engine/holds.ts).
   */
  claim(): Claim | undefined {
    const hold = this.pool.claimHold("connection");
    if (hold === undefined) return undefined;
    this.pool.scope.claim(hold);
    return hold;
  }

  /** Ends a claim (`claim()`): its holder will take no more connections through it. */
  unclaim(claim: Claim | undefined): void {
    if (claim !== undefined) this.pool.scope.unclaim();
  }

  private connectAs(kind: HoldKind, call: string, claim?: Claim): Promise<Connection> {
    // In the synchronous part of the call, so the mark lands in the caller's async context.
    let hold = claim;
    if (hold === undefined) {
      hold = this.pool.hold(kind, true);
      if (hold !== undefined) {
        this.pool.scope.enter(hold);
      }
    }
    return this.pool.acquire(call).then((c) => {
      if (hold !== undefined) this.pool.scope.activate(hold);
      return new Connection(this, c, this.pool, hold);
    });
  }

  /** Runs `fn` with a pooled connection, released afterwards. */
  withConnection<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return this.holding("callback", "engine.withConnection()", fn);
  }

  /** Runs `fn` on a pooled connection, as the holder of it (see engine/holds.ts). */
  private async holding<T>(kind: HoldKind, call: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const pool = this.pool;
    const raw = await pool.acquire(call);
    const hold: Hold | undefined = pool.hold(kind);
    const conn = new Connection(this, raw, pool, hold);
    try {
      if (hold === undefined) return await fn(conn);
      pool.scope.activate(hold);
      return await pool.scope.run(hold, () => fn(conn));
    } finally {
      await conn.release();
    }
  }

  /**
   * Runs one statement on a pooled connection (autocommit). `options.timeout` / `options.signal`
   * cancel it on the server (engine/cancel.ts).
   */
  execute<S extends Statement<unknown>>(stmt: S, params?: Params, options?: StatementOptions): Promise<Result<RowType<S>>> {
    // Hot path: an idle connection is taken synchronously and handed back synchronously (no
    // transaction can be open on it). An embedded driver answers at once, so its result is handed
    // over in a settled promise with no async frames in between.
    const idle = this.pool.tryAcquire();
    if (idle === undefined || idle.querySync === undefined || options !== undefined) return this.executeAsync(idle, stmt, params, options);
    const runner = this.autocommit(idle);
    try {
      return Promise.resolve(runner.executeSync(stmt, params));
    } catch (err) {
      return Promise.reject(err);
    } finally {
      this.pool.release(idle, runner.broken);
    }
  }

  private async executeAsync<S extends Statement<unknown>>(
    idle: DriverConnection | undefined,
    stmt: S,
    params?: Params,
    options?: StatementOptions,
  ): Promise<Result<RowType<S>>> {
    const runner = this.autocommit(idle ?? (await this.pool.acquire("engine.execute()")));
    try {
      return await runner.execute(stmt, params, options);
    } finally {
      this.pool.release(runner.conn, runner.broken);
    }
  }

  /** Runs a query on a pooled connection, calling `fn` with each row as it is read (see `Executor.forEach`). */
  async forEach<S extends Statement<unknown>>(stmt: S, fn: (row: RowType<S>) => void, params?: Params, options?: StatementOptions): Promise<number> {
    const runner = this.autocommit(await this.pool.acquire("engine.forEach()"));
    try {
      return await runner.forEach(stmt, fn, params, options);
    } finally {
      this.pool.release(runner.conn, runner.broken);
    }
  }

  /**
   * Runs one statement synchronously on an embedded engine (SQLite): same result as `execute`,
   * without a promise. Raises NotSupportedError on engines that talk to a server, and
   * ConnectionError when every connection is held (by `connect()` or an open transaction).
   */
  executeSync<S extends Statement<unknown>>(stmt: S, params?: Params): Result<RowType<S>> {
    if (this.pool.driver.connectSync === undefined) throw new NotSupportedError(`${this.dialect.name} answers asynchronously: use execute()`);
    const runner = this.autocommit(this.pool.acquireSync("engine.executeSync()"));
    try {
      return runner.executeSync(stmt, params);
    } finally {
      this.pool.release(runner.conn, runner.broken);
    }
  }

  /** The statement runner of a pooled connection, made once and reused by every call. */
  private autocommit(conn: DriverConnection): Autocommit {
    let runner = this.runners.get(conn);
    if (runner === undefined) this.runners.set(conn, (runner = new Autocommit(this, conn)));
    return runner;
  }

  /** Streams a query's rows; the connection is held until the iteration ends. */
  async *stream<S extends Statement<unknown>>(stmt: S, params?: Params, opts?: StreamOptions): AsyncIterable<RowType<S>> {
    const conn = await this.connectAs("stream", "engine.stream()");
    try {
      yield* conn.stream(stmt, params, opts);
    } finally {
      await conn.release();
    }
  }

  /** A transaction on a pooled connection: committed when `fn` returns, rolled back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.holding("transaction", "engine.transaction()", (c) => c.transaction(fn, options));
  }

  /** How the statement caches stand: hits, misses, sizes and evictions (bounds set by `cache` in the options). */
  get cacheStats(): CacheStats {
    return this.plans.stats;
  }

  /** How the pool stands: its size, connections open, in use, idle, and callers waiting. */
  get poolStats(): PoolStats {
    return this.pool.publicStats;
  }

  /** Closes every pooled connection. */
  dispose(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * `createEngine("sqlite::memory:")`, `createEngine("postgres://user@host/db")`,
 * `createEngine("mariadb://root@127.0.0.1/test")`, or over a driver adapter:
 * `createEngine({ driver: pglite(db) })`.
 */
export function createEngine(target: string | EngineTarget, options: EngineOptions = {}): Engine {
  if (typeof target === "string") {
    const { dialect, parsed } = dialectForUrl(target);
    return new Engine(dialect, parsed, options);
  }
  const { driver } = target;
  const named = target.dialect ?? driver.dialect;
  if (named === undefined) throw new ArgumentError("createEngine({ driver }): the driver names no dialect; pass { dialect } as well");
  const dialect = typeof named === "string" ? dialectNamed(named) : named;
  const given = DRIVER_KEYS.filter((k) => options[k] !== undefined);
  if (given.length > 0)
    throw new ArgumentError(`createEngine({ driver }): ${given.join(", ")} configure a driver Arbor opens; give the adapter its own settings instead`);
  let url: URL;
  try {
    url = new URL(target.url ?? `${dialect.name}:driver`);
  } catch {
    throw new ArgumentError(`createEngine({ driver }): not a URL: ${JSON.stringify(target.url)}`);
  }
  return new Engine(dialect, url, options, driver);
}
