// Per-statement `timeout` and `signal`: when either fires while a statement runs, the driver asks
// the server to cancel it (PostgreSQL cancel request, MariaDB KILL QUERY from a side connection),
// the statement fails with TimeoutError or AbortError, and the connection stays usable. The call
// waits for the cancel request to be delivered before it settles, so it cannot land on the next
// statement sent on that connection.
//
// better-sqlite3 runs a statement to its end on the main thread and has no interrupt: nothing can
// fire during it, so a `signal` is honoured before it starts, and a `timeout` is refused with
// NotSupportedError. Streams check both between batches on every engine.
import { AbortError, ConnectionError, NotSupportedError, TimeoutError, type ArborError } from "../errors.js";
import type { DriverConnection } from "./driver.js";

export interface StatementOptions {
  /** Milliseconds before the statement is cancelled on the server (TimeoutError). */
  readonly timeout?: number;
  /** Cancels the statement on the server when it aborts (AbortError). */
  readonly signal?: AbortSignal;
}

export class Guard {
  private reason: "timeout" | "abort" | undefined;
  private cancelling: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly deadline: number;
  /** The error `check` stopped a stream with. */
  private made: ArborError | undefined;
  private readonly onAbort = () => this.fire("abort");

  constructor(
    private readonly conn: DriverConnection,
    private readonly options: StatementOptions,
    /** Streams stop between batches, so they need no server-side cancel. */
    between: boolean,
  ) {
    const { timeout, signal } = options;
    if (timeout !== undefined && !(timeout > 0)) throw new NotSupportedError(`A statement timeout must be a positive number of milliseconds, not ${timeout}`);
    if (signal?.aborted) throw this.error("abort");
    if (timeout !== undefined && conn.cancel === undefined && !between)
      throw new NotSupportedError(
        "This driver cannot cancel a running statement (it runs to its end, with no interrupt: better-sqlite3, node:sqlite, PGlite): a per-statement timeout is refused; streams honour one between batches",
      );
    this.deadline = timeout === undefined ? Infinity : performance.now() + timeout;
  }

  /** Runs the driver call with the timer and the signal armed. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.arm();
    try {
      return await call();
    } finally {
      await this.disarm();
    }
  }

  arm(): void {
    const { timeout, signal } = this.options;
    if (timeout !== undefined && this.conn.cancel !== undefined)
      this.timer = setTimeout(() => this.fire("timeout"), Math.max(0, this.deadline - performance.now()));
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  async disarm(): Promise<void> {
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener("abort", this.onAbort);
    if (this.cancelling !== undefined) await this.cancelling;
  }

  private fire(reason: "timeout" | "abort"): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    if (this.conn.cancel !== undefined) this.cancelling = this.conn.cancel().catch(() => undefined);
  }

  /** For streams, between batches: the error to stop with, if the deadline passed or the signal aborted. */
  check(): ArborError | undefined {
    // Also cancels on the server: a driver stream stopped early otherwise reads the rest first.
    if (this.reason === undefined) {
      if (this.options.signal?.aborted) this.fire("abort");
      else if (performance.now() >= this.deadline) this.fire("timeout");
    }
    return this.reason === undefined ? undefined : (this.made = this.error(this.reason));
  }

  /** The failure of a guarded call: TimeoutError / AbortError when the guard cancelled it. */
  translate(err: ArborError): ArborError {
    if (this.reason === undefined || err instanceof ConnectionError || err === this.made) return err;
    return this.error(this.reason, err);
  }

  private error(reason: "timeout" | "abort", cause?: unknown): ArborError {
    if (reason === "timeout") return new TimeoutError(`The statement ran past its timeout (${this.options.timeout} ms) and was cancelled`, { cause });
    const why = this.options.signal?.reason;
    const said = why instanceof Error ? `: ${why.message}` : why === undefined ? "" : `: ${String(why)}`;
    return new AbortError(`The statement was cancelled by its signal${said}`, { cause: cause ?? why });
  }
}
