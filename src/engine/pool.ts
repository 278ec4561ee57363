// A small connection pool: lazily opened connections up to a maximum, a FIFO of waiters, and
// broken connections discarded instead of reused.
import { ConnectionError } from "../errors.js";
import type { Driver, DriverConnection } from "./driver.js";

export class Pool {
  private readonly idle: DriverConnection[] = [];
  private readonly waiters: ((c: DriverConnection | Error) => void)[] = [];
  private open = 0;
  private closed = false;

  constructor(
    readonly driver: Driver,
    readonly size: number,
    private readonly translate: (err: unknown) => Error,
  ) {}

  /** An idle connection, if one is ready now: the synchronous fast path of `acquire`. */
  tryAcquire(): DriverConnection | undefined {
    return this.closed ? undefined : this.popIdle();
  }

  /** The most recently idled connection that is still alive; lost ones are discarded on the way. */
  private popIdle(): DriverConnection | undefined {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.lost) return c;
      // Closed by the server while idle: discard it rather than fail the caller's next statement.
      this.open--;
      void c.close().catch(() => undefined);
    }
    return undefined;
  }

  /** A connection now, without waiting: an idle one, or a new one from a driver that opens synchronously. */
  acquireSync(): DriverConnection {
    if (this.closed) throw new ConnectionError("The engine has been disposed");
    const c = this.popIdle();
    if (c) return c;
    const connectSync = this.driver.connectSync;
    if (connectSync === undefined) throw new ConnectionError("This engine cannot open a connection synchronously");
    if (this.open >= this.size) throw new ConnectionError(`All ${this.size} connection(s) are in use (an open transaction holds one): executeSync cannot wait`);
    this.open++;
    try {
      return connectSync.call(this.driver);
    } catch (err) {
      this.open--;
      throw this.translate(err);
    }
  }

  async acquire(): Promise<DriverConnection> {
    if (this.closed) throw new ConnectionError("The engine has been disposed");
    const c = this.popIdle();
    if (c) return c;
    if (this.open < this.size) {
      this.open++;
      try {
        return await this.driver.connect();
      } catch (err) {
        this.open--;
        throw this.translate(err);
      }
    }
    return new Promise((resolve, reject) => this.waiters.push((c) => (c instanceof Error ? reject(c) : resolve(c))));
  }

  release(conn: DriverConnection, broken = false): void {
    if (broken || this.closed) {
      this.open--;
      void conn.close().catch(() => undefined);
      const waiter = this.waiters.shift();
      if (waiter && !this.closed) {
        this.open++;
        this.driver.connect().then(waiter, (err) => {
          this.open--;
          waiter(this.translate(err));
        });
      }
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(conn);
    else this.idle.push(conn);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(new ConnectionError("The engine has been disposed"));
    const idle = this.idle.splice(0);
    this.open -= idle.length;
    await Promise.all(idle.map((c) => c.close().catch(() => undefined)));
  }

  get stats(): { open: number; idle: number; waiting: number } {
    return { open: this.open, idle: this.idle.length, waiting: this.waiters.length };
  }
}
