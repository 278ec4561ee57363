// A Session's link to the database: the one connection it holds, its transaction, and the queue
// its operations run through. The transaction begins when the session asks for it (`begin`); until
// then each operation runs in autocommit on a connection taken for it and handed back when the
// last running operation ends, so a session that has only read holds no connection between
// operations. Operations run one at a time in call order (`run`): `Promise.all` over one session
// queues its calls on one connection instead of opening several.
import type { Connection, Transaction } from "../engine/connection.js";
import type { Claim, Engine } from "../engine/engine.js";

export class SessionLink {
  private conn?: Connection;
  /** The connection being taken from the pool, so concurrent callers wait for the same one. */
  private connecting?: Promise<Connection>;
  private outer?: Transaction;
  private beginning?: Promise<Transaction>;
  /** The last queued operation (settled, never rejecting), while any is queued or running. */
  private tail?: Promise<void>;
  /** Operations running now: the autocommit connection goes back to the pool when none is left. */
  private active = 0;
  /** Event listeners running now: their calls on the session run at once (they run inside an operation). */
  private inListener = 0;

  /** Marks the session's creator as the holder of the connections it takes (engine/holds.ts). */
  private readonly claim: Claim | undefined;
  constructor(private readonly engine: Engine) {
    this.claim = engine.claim();
  }

  /**
   * Runs `fn` after every operation called before it. Each public operation of the session goes
   * through here once, at its outermost level: code inside an operation calls the unqueued forms,
   * else it would wait for itself. Calls made by event listeners are part of the operation that
   * emitted the event and run at once. When no operation is left and no transaction is open, the
   * autocommit connection goes back to the pool.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inListener > 0) return this.track(fn);
    const prev = this.tail;
    const p = prev === undefined ? this.track(fn) : prev.then(() => this.track(fn));
    const settled = p.then(ignore, ignore);
    this.tail = settled;
    void settled.then(() => {
      if (this.tail === settled) this.tail = undefined;
    });
    return p;
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await fn();
    } finally {
      if (--this.active === 0 && this.outer === undefined && this.conn !== undefined) await this.release();
    }
  }

  /** Runs an event listener: what it calls on the session runs at once. */
  async listener(fn: () => void | Promise<void>): Promise<void> {
    this.inListener++;
    try {
      await fn();
    } finally {
      this.inListener--;
    }
  }

  /** The open transaction, begun (once, however many callers ask at the same time) if needed. */
  async begin(): Promise<Transaction> {
    if (this.outer) return this.outer;
    this.beginning ??= this.beginNow().finally(() => (this.beginning = undefined));
    return this.beginning;
  }

  private async beginNow(): Promise<Transaction> {
    const conn = await this.connection();
    try {
      return (this.outer = await conn.begin());
    } catch (err) {
      await this.release();
      throw err;
    }
  }

  /** The open transaction (not a savepoint), if any. */
  get transaction(): Transaction | undefined {
    return this.outer;
  }

  /** Forgets the open transaction, for the caller to end; its connection stays until `release`. */
  takeTransaction(): Transaction | undefined {
    const tx = this.outer;
    this.outer = undefined;
    return tx;
  }

  /** The connection, taken from the pool once however many callers ask at the same time. */
  connection(): Promise<Connection> {
    if (this.conn) return Promise.resolve(this.conn);
    this.connecting ??= this.engine.connect(this.claim).then(
      (c) => {
        this.connecting = undefined;
        this.conn = c;
        return c;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  get holdsConnection(): boolean {
    return this.conn !== undefined;
  }

  /** The session is closed: it takes no more connections, so its claim ends (engine/holds.ts). */
  endClaim(): void {
    this.engine.unclaim(this.claim);
  }

  /** Hands the connection back to the pool (rolling back a transaction still open on it). */
  async release(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    this.outer = undefined;
    if (c) await c.release();
  }
}

function ignore(): void {}
