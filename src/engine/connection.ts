// A pooled connection and the transactions on it. Nested transactions are SAVEPOINTs.
import type { TransactionCharacteristics } from "../dialects/dialect.js";
import { CommitOutcomeUnknownError, ConnectionError, NotSupportedError, RetryableError, TransactionError } from "../errors.js";
import type { DriverConnection } from "./driver.js";
import { Executor, assertUsable, type EngineContext } from "./executor.js";
import type { Hold } from "./holds.js";
import type { Pool } from "./pool.js";

export class Connection extends Executor {
  private state: "open" | "released" = "open";
  private broken = false;
  /** The innermost open transaction, if any. */
  current?: Transaction;
  private savepointSeq = 0;

  constructor(
    protected readonly ctx: EngineContext,
    private readonly conn: DriverConnection,
    private readonly pool: Pool,
    /** The mark of the caller holding this connection (engine/holds.ts), when the pool keeps them. */
    private readonly hold?: Hold,
  ) {
    super();
  }

  protected driverConnection(): DriverConnection {
    assertUsable(this.state, "connection");
    return this.conn;
  }
  markBroken(): void {
    this.broken = true;
  }
  get isBroken(): boolean {
    return this.broken;
  }
  get sessionId(): number | undefined {
    return this.conn.sessionId;
  }
  get inTransaction(): boolean {
    return this.current !== undefined;
  }

  /**
   * BEGIN (with the isolation level and read-only mode asked for), or a SAVEPOINT when a
   * transaction is already open.
   */
  async begin(options: TransactionCharacteristics = {}): Promise<Transaction> {
    const parent = this.current;
    const characteristics = options.isolation !== undefined || options.readOnly === true;
    if (parent && characteristics)
      throw new TransactionError("isolation and readOnly belong to the outermost transaction: a nested transaction is a SAVEPOINT inside it");
    const savepoint = parent ? `arbor_sp_${++this.savepointSeq}` : undefined;
    if (savepoint) await this.runSql(`SAVEPOINT ${savepoint}`);
    else if (!characteristics) await this.runSql("BEGIN");
    else {
      const dialect = this.ctx.dialect;
      if (dialect.beginStatements === undefined)
        throw new NotSupportedError(`${dialect.name} does not support transaction isolation levels or read-only transactions`);
      for (const s of dialect.beginStatements(options)) await this.runSql(s);
    }
    const tx = new Transaction(this.ctx, this, parent, savepoint);
    this.current = tx;
    return tx;
  }

  /**
   * Runs `fn` in a transaction (or savepoint): committed when it returns, rolled back when it
   * throws. With `retries`, a transaction that failed with a RetryableError (DeadlockError,
   * SerializationError) is rolled back and `fn` runs again, up to that many more times; any other
   * error ends it at once.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const retries = options.retries ?? 0;
    if (!(Number.isInteger(retries) && retries >= 0)) throw new TransactionError(`retries must be a whole number of reruns, not ${retries}`);
    if (retries > 0 && this.current) throw new TransactionError("retries belong to the outermost transaction: a savepoint cannot be rerun alone");
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(fn, options);
      } catch (err) {
        if (!(err instanceof RetryableError) || attempt >= retries || this.broken) throw err;
        // A short, growing, jittered pause lets the transaction that won finish first.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  private async once<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionCharacteristics): Promise<T> {
    const tx = await this.begin(options);
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      if (tx.isActive) await tx.rollback().catch(() => undefined);
      throw err;
    }
    if (tx.isActive) await tx.commit();
    return result;
  }

  override atomically<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  /** Returns the connection to the pool, rolling back a transaction left open. */
  release(): Promise<void> {
    if (this.state === "released") return DONE;
    if (this.current && !this.broken) return this.rollbackAndRelease(this.current);
    this.releaseNow();
    return DONE;
  }

  private async rollbackAndRelease(current: Transaction): Promise<void> {
    let outer = current;
    while (outer.parent) outer = outer.parent;
    await outer.rollback().catch(() => (this.broken = true));
    if (this.state !== "released") this.releaseNow();
  }

  /** @internal Hands the driver connection back at once: only when no transaction is open. */
  releaseNow(): void {
    this.state = "released";
    if (this.hold !== undefined) this.pool.scope.release(this.hold);
    this.pool.release(this.conn, this.broken);
  }

  /** @internal */
  driver(): DriverConnection {
    return this.driverConnection();
  }
}

const DONE: Promise<void> = Promise.resolve();

/** `engine.transaction(fn, options)`: how the transaction is opened, and how often it may be rerun. */
export interface TransactionOptions extends TransactionCharacteristics {
  /** Reruns of `fn` after a DeadlockError or SerializationError (default 0). */
  readonly retries?: number;
}

/**
 * Runs single statements outside any transaction on a pooled connection (`Engine.execute`): the
 * engine takes the connection, runs one statement and hands it back with `broken` as learnt.
 */
export class Autocommit extends Executor {
  broken = false;
  constructor(
    protected readonly ctx: EngineContext,
    readonly conn: DriverConnection,
  ) {
    super();
  }
  protected driverConnection(): DriverConnection {
    return this.conn;
  }
  markBroken(): void {
    this.broken = true;
  }
}

export class Transaction extends Executor {
  private state: "open" | "done" = "open";

  constructor(
    protected readonly ctx: EngineContext,
    readonly connection: Connection,
    readonly parent: Transaction | undefined,
    /** Set for a nested transaction. */
    readonly savepoint: string | undefined,
  ) {
    super();
  }

  protected driverConnection() {
    assertUsable(this.state, "transaction");
    return this.connection.driver();
  }
  markBroken(): void {
    this.connection.markBroken();
  }

  get isActive(): boolean {
    return this.state === "open";
  }

  override atomically<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  /** A nested transaction (SAVEPOINT) inside this one. */
  async begin(): Promise<Transaction> {
    this.requireInnermost("begin");
    return this.connection.begin();
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.requireInnermost("begin");
    return this.connection.transaction(fn);
  }

  async commit(): Promise<void> {
    this.requireInnermost("commit");
    try {
      await this.runSql(this.savepoint ? `RELEASE SAVEPOINT ${this.savepoint}` : "COMMIT");
    } catch (err) {
      // A COMMIT that reached the server may have been applied before the connection died.
      if (this.savepoint || !(err instanceof ConnectionError)) throw err;
      throw new CommitOutcomeUnknownError(
        `The connection was lost during COMMIT, so whether the transaction committed is unknown: check before running it again (${err.message})`,
        { cause: err, code: err.code, sql: "COMMIT" },
      );
    } finally {
      this.finish();
    }
  }

  async rollback(): Promise<void> {
    if (this.state === "done") throw new TransactionError("The transaction is already finished");
    // Rolling back an outer transaction ends every savepoint inside it.
    while (this.connection.current && this.connection.current !== this) this.connection.current.finish();
    try {
      await this.runSql(this.savepoint ? `ROLLBACK TO SAVEPOINT ${this.savepoint}` : "ROLLBACK");
      if (this.savepoint) await this.runSql(`RELEASE SAVEPOINT ${this.savepoint}`);
    } finally {
      this.finish();
    }
  }

  private requireInnermost(what: string): void {
    assertUsable(this.state, "transaction");
    if (this.connection.current !== this) throw new TransactionError(`Cannot ${what} this transaction while a nested transaction inside it is open`);
  }

  /** @internal */
  finish(): void {
    this.state = "done";
    this.connection.current = this.parent;
  }
}
