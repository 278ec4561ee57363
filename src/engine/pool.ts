// A small connection pool: lazily opened connections up to a maximum, a FIFO of waiters that give
// up after `acquireTimeout`, broken connections discarded instead of reused, and a call that could
// only be served by a connection its own caller holds refused at once (see holds.ts).
//
// Optional upkeep (each costs nothing unless set): connections closed past `maxLifetime` or after
// `idleTimeout` idle, a health check on checkout of a connection idle longer than `healthCheck`,
// and a warning for a connection held longer than `leakWarning` (with the stack that took it when
// `debug` is set).
import { ConnectionError, PoolTimeoutError, SelfDeadlockError, type PoolStats } from "../errors.js";
import type { Driver, DriverConnection } from "./driver.js";
import { HoldScope, describeStats, selfDeadlockMessage, type Hold, type HoldKind } from "./holds.js";

export interface PoolOptions {
  /** Milliseconds a caller waits for a connection before PoolTimeoutError (default 30,000; 0 waits forever). */
  acquireTimeout?: number;
  /** Milliseconds after which a connection is closed once it comes back to the pool. */
  maxLifetime?: number;
  /** Milliseconds a connection may sit idle before it is closed. */
  idleTimeout?: number;
  /** A connection idle longer than this many milliseconds is checked (a round trip) before it is handed out. */
  healthCheck?: number;
  /** Warn (process warning ARBOR_POOL_LEAK) about a connection held longer than this many milliseconds. */
  leakWarning?: number;
  /** Keep the stack that took each connection, for leak warnings. */
  debug?: boolean;
}

export const DEFAULT_ACQUIRE_TIMEOUT = 30_000;

function takenHere(): string | undefined {
  return new Error("Connection taken here").stack;
}

interface Waiter {
  readonly resolve: (c: DriverConnection) => void;
  readonly reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Checkout {
  readonly since: number;
  readonly stack: string | undefined;
  warned: boolean;
}

export class Pool {
  private readonly idle: DriverConnection[] = [];
  /** When each idle connection came back (kept only for idleTimeout / healthCheck). */
  private readonly idleSince: number[] = [];
  private readonly waiters: Waiter[] = [];
  private open = 0;
  /** When the connection popIdle last returned came back to the pool (with timesIdle). */
  private poppedSince = 0;
  private closed = false;
  /** Whether holds are made (from the first time the pool ran out: holds.ts says why). */
  private tracking = false;
  readonly scope = new HoldScope();
  private readonly acquireTimeout: number;
  private readonly timesIdle: boolean;
  private readonly born = new WeakMap<DriverConnection, number>();
  private readonly checkouts: Map<DriverConnection, Checkout> | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly driver: Driver,
    readonly size: number,
    private readonly translate: (err: unknown) => Error,
    private readonly options: PoolOptions = {},
  ) {
    this.acquireTimeout = options.acquireTimeout ?? DEFAULT_ACQUIRE_TIMEOUT;
    this.timesIdle = options.idleTimeout !== undefined || options.healthCheck !== undefined;
    this.checkouts = options.leakWarning !== undefined ? new Map() : undefined;
    const every = Math.min(options.idleTimeout ?? Infinity, options.maxLifetime ?? Infinity, options.leakWarning ?? Infinity);
    if (every !== Infinity) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(10, every / 2));
      this.sweeper.unref();
    }
  }

  /** An idle connection, if one is ready now: the synchronous fast path of `acquire`. */
  tryAcquire(): DriverConnection | undefined {
    if (this.closed) return undefined;
    // One that is due a health check goes the asynchronous way.
    if (this.options.healthCheck !== undefined && this.dueCheck()) return undefined;
    const c = this.popIdle();
    if (c !== undefined && this.checkouts !== undefined) this.checkedOut(c);
    return c;
  }

  private dueCheck(): boolean {
    const n = this.idleSince.length;
    return n !== 0 && performance.now() - this.idleSince[n - 1] > this.options.healthCheck!;
  }

  /** The most recently idled connection that is still alive; lost ones are discarded on the way. */
  private popIdle(): DriverConnection | undefined {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (this.timesIdle) this.poppedSince = this.idleSince.pop()!;
      if (!c.lost && !this.expired(c)) return c;
      // Closed by the server while idle (or past maxLifetime): discard it rather than fail the caller's next statement.
      this.discard(c);
    }
    return undefined;
  }

  private discard(c: DriverConnection): void {
    this.open--;
    void c.close().catch(() => undefined);
  }

  private get stats(): PoolStats {
    return { size: this.size, open: this.open, inUse: this.open - this.idle.length, idle: this.idle.length, waiting: this.waiters.length };
  }

  /** Whether taking one more connection leaves none free: from then on holds are made. */
  private exhaustedBy(taking: boolean): boolean {
    if (this.tracking) return true;
    const free = this.size - (this.open - this.idle.length) - (taking ? 1 : 0);
    if (free > 0) return false;
    this.tracking = true;
    return true;
  }

  /** A hold for a connection just taken (or about to be), when the pool tracks them. */
  hold(kind: HoldKind, taking = false): Hold | undefined {
    return this.exhaustedBy(taking) ? this.scope.make(this, kind) : undefined;
  }

  /** A hold marked ahead of its connection (Engine.claim), when the pool tracks holds. */
  claimHold(kind: HoldKind): Hold | undefined {
    return this.exhaustedBy(true) ? this.scope.makeClaim(this, kind) : undefined;
  }

  /** Raises SelfDeadlockError when every connection in use is held by the calling context. */
  private refuseSelfDeadlock(call: string): void {
    if (!this.tracking) return;
    const { count, innermost } = this.scope.mine(this);
    if (innermost !== undefined && count >= this.open - this.idle.length)
      throw new SelfDeadlockError(selfDeadlockMessage(call, innermost, this.stats), this.stats);
  }

  /** A connection now, without waiting: an idle one, or a new one from a driver that opens synchronously. */
  acquireSync(call = "executeSync()"): DriverConnection {
    if (this.closed) throw new ConnectionError("The engine has been disposed");
    const c = this.popIdle();
    if (c) return this.checkedOut(c);
    const connectSync = this.driver.connectSync;
    if (connectSync === undefined) throw new ConnectionError("This engine cannot open a connection synchronously");
    if (this.open >= this.size) {
      this.refuseSelfDeadlock(call);
      throw new ConnectionError(
        `All ${this.size} connection(s) are in use (an open transaction holds one): ${call} cannot wait (${describeStats(this.stats)})`,
      );
    }
    this.open++;
    try {
      return this.checkedOut(this.born1(connectSync.call(this.driver)));
    } catch (err) {
      this.open--;
      throw this.translate(err);
    }
  }

  async acquire(call = "this call"): Promise<DriverConnection> {
    if (this.closed) throw new ConnectionError("The engine has been disposed");
    // Taken before any await, while the caller's frames are still on the stack.
    const stack = this.options.debug ? takenHere() : undefined;
    for (let c = this.popIdle(); c; c = this.popIdle()) {
      const check = this.options.healthCheck;
      if (check === undefined || performance.now() - this.poppedSince <= check || (await this.healthy(c))) return this.checkedOut(c, stack);
    }
    if (this.open < this.size) return this.checkedOut(await this.connectNew(), stack);
    this.refuseSelfDeadlock(call);
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve: (c) => resolve(this.checkedOut(c, stack)), reject, timer: undefined };
      if (this.acquireTimeout > 0) {
        w.timer = setTimeout(() => {
          const stats = this.stats;
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(
            new PoolTimeoutError(
              `No connection became free within acquireTimeout (${this.acquireTimeout} ms) for ${call} (${describeStats(stats)}): ` +
                "a connection is held and not released (a transaction or stream left open, a Session not closed), or the pool is too small for the load",
              stats,
            ),
          );
        }, this.acquireTimeout);
      }
      this.waiters.push(w);
    });
  }

  private async connectNew(): Promise<DriverConnection> {
    this.open++;
    try {
      return this.born1(await this.driver.connect());
    } catch (err) {
      this.open--;
      // The slot is free again: a waiter may open it.
      this.serveWaiter();
      throw this.translate(err);
    }
  }

  private born1(c: DriverConnection): DriverConnection {
    if (this.options.maxLifetime !== undefined) this.born.set(c, performance.now());
    return c;
  }

  /** Whether an idle connection still answers; one that does not is discarded. */
  private async healthy(c: DriverConnection): Promise<boolean> {
    try {
      if (c.ping !== undefined) await c.ping();
      else await c.query("SELECT 1", [], { bigints: false });
      return true;
    } catch {
      this.discard(c);
      return false;
    }
  }

  private checkedOut(c: DriverConnection, stack?: string): DriverConnection {
    const checkouts = this.checkouts;
    if (checkouts !== undefined) checkouts.set(c, { since: performance.now(), stack: stack ?? (this.options.debug ? takenHere() : undefined), warned: false });
    return c;
  }

  release(conn: DriverConnection, broken = false): void {
    this.checkouts?.delete(conn);
    if (broken || this.closed || this.expired(conn)) {
      this.discard(conn);
      this.serveWaiter();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(conn);
      return;
    }
    this.idle.push(conn);
    if (this.timesIdle) this.idleSince.push(performance.now());
  }

  /** A slot freed up: open a connection for the first waiter. */
  private serveWaiter(): void {
    if (this.closed || this.open >= this.size) return;
    const waiter = this.waiters.shift();
    if (waiter === undefined) return;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    this.open++;
    this.driver.connect().then(
      (c) => waiter.resolve(this.born1(c)),
      (err) => {
        this.open--;
        waiter.reject(this.translate(err));
        this.serveWaiter();
      },
    );
  }

  private expired(c: DriverConnection): boolean {
    const max = this.options.maxLifetime;
    if (max === undefined) return false;
    const t = this.born.get(c);
    return t !== undefined && performance.now() - t >= max;
  }

  /** Closes idle connections past idleTimeout or maxLifetime; warns about connections held too long. */
  private sweep(): void {
    const now = performance.now();
    const idleTimeout = this.options.idleTimeout;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i];
      const idleTooLong = idleTimeout !== undefined && now - this.idleSince[i] >= idleTimeout;
      if (!idleTooLong && !this.expired(c) && !c.lost) continue;
      this.idle.splice(i, 1);
      if (this.timesIdle) this.idleSince.splice(i, 1);
      this.discard(c);
    }
    const limit = this.options.leakWarning;
    if (limit === undefined || this.checkouts === undefined) return;
    for (const co of this.checkouts.values()) {
      if (co.warned || now - co.since < limit) continue;
      co.warned = true;
      const where = co.stack ? `\n${co.stack}` : " (set debug: true to see the stack that took it)";
      process.emitWarning(`A pooled connection has been held for more than ${limit} ms without being released${where}`, { code: "ARBOR_POOL_LEAK" });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    for (const w of this.waiters.splice(0)) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(new ConnectionError("The engine has been disposed"));
    }
    const idle = this.idle.splice(0);
    this.idleSince.length = 0;
    this.open -= idle.length;
    await Promise.all(idle.map((c) => c.close().catch(() => undefined)));
  }

  get publicStats(): PoolStats {
    return this.stats;
  }
}
