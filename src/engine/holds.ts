// Who holds the pool's connections, as seen from the calling async context: how a call that could
// only be served by a connection its own caller holds is told from one that merely has to wait.
//
// A `Hold` marks an async context (and everything it starts) as holding one pooled connection:
// engine.transaction() and withConnection() run their callback under it, engine.stream() and
// engine.connect() mark the async function that called them (AsyncLocalStorage.enterWith, in the
// synchronous part of the call). Holds chain to the holds already in force, and lapse when their
// connection is released, so a mark left behind in a context is harmless. A claim (a Session's,
// marked when it is made and taken when it first needs a connection) skips the claims in force that
// hold nothing yet: Sessions made together are siblings, not one another's callers.
//
// Cost: on Node 20 an AsyncLocalStorage in use turns on promise hooks for the whole process
// (every promise then costs more). So the pool makes holds only from the first time it runs out
// of connections (with the default pool of one for SQLite, at the first transaction, stream or
// connect()), and the storage is disabled again whenever no hold is live: statements sent while
// no connection is held by a transaction, stream or connect() pay nothing. A Session's claim
// keeps it enabled until the session is closed.
import { AsyncLocalStorage } from "node:async_hooks";
import type { PoolStats } from "../errors.js";

export type HoldKind = "transaction" | "stream" | "connection" | "callback";

export class Hold {
  /** Holding a connection now (set by HoldScope.activate / release). */
  active = false;
  constructor(
    /** The pool the held connection came from. */
    readonly owner: object,
    readonly kind: HoldKind,
    /** The hold in force where this one was taken. */
    readonly parent: Hold | undefined,
    /** Marked ahead of its connection (Engine.claim: a Session's). */
    readonly claimed = false,
  ) {}
}

export class HoldScope {
  private readonly als = new AsyncLocalStorage<Hold>();
  /** Holds active now, and claims made (see the cost note above). */
  private live = 0;
  private claims = 0;

  activate(hold: Hold): void {
    if (hold.active) return;
    hold.active = true;
    this.live++;
  }

  release(hold: Hold): void {
    if (!hold.active) return;
    hold.active = false;
    if (--this.live === 0 && this.claims === 0) this.als.disable();
  }

  /** A hold marked now and taken later (Engine.claim): keeps the storage enabled from now on. */
  claim(hold: Hold): void {
    this.claims++;
    this.als.enterWith(hold);
  }

  /**
   * A claim's holder is done with it (a Session closed): with no claim and no hold left the storage
   * is disabled again, so promises stop paying for it (a pool of one kept it on for good after its
   * first Session).
   */
  unclaim(): void {
    if (this.claims === 0) return;
    if (--this.claims === 0 && this.live === 0) this.als.disable();
  }

  /** Whether holds or claims are live, so the storage is in use (tests read it). */
  get inUse(): boolean {
    return this.live > 0 || this.claims > 0;
  }

  /** A hold on a connection of `owner`, chained to the holds of the calling context. */
  make(owner: object, kind: HoldKind): Hold {
    return new Hold(owner, kind, this.als.getStore());
  }

  /**
   * A claim's hold (Engine.claim), chained past the claims in force that hold no connection yet:
   * two Sessions made together and then used side by side wait for each other, neither being the
   * other's caller (the second was refused as a self-deadlock while the first held its
   * transaction). A claim made while another already holds stays chained to it, so a Session
   * opened while its creator's earlier one holds the only connection is still refused at once.
   */
  makeClaim(owner: object, kind: HoldKind): Hold {
    let parent = this.als.getStore();
    while (parent !== undefined && parent.claimed && !parent.active) parent = parent.parent;
    return new Hold(owner, kind, parent, true);
  }

  run<T>(hold: Hold, fn: () => T): T {
    return this.als.run(hold, fn);
  }

  /** Marks the rest of the calling async function (and what it starts) as holding. */
  enter(hold: Hold): void {
    this.als.enterWith(hold);
  }

  /** The live holds on `owner`'s connections in force here: how many, and the innermost. */
  mine(owner: object): { count: number; innermost: Hold | undefined } {
    let count = 0;
    let innermost: Hold | undefined;
    for (let h = this.als.getStore(); h !== undefined; h = h.parent) {
      if (!h.active || h.owner !== owner) continue;
      count++;
      innermost ??= h;
    }
    return { count, innermost };
  }
}

export function describeStats(s: PoolStats): string {
  return `pool size ${s.size}, in use ${s.inUse}, idle ${s.idle}, waiting ${s.waiting}`;
}

/** The message of a self-deadlock: what holds the connection, what was called, and the fix. */
export function selfDeadlockMessage(call: string, hold: Hold, stats: PoolStats): string {
  const every = stats.size === 1 ? "the only connection" : `all ${stats.size} connections`;
  let what: string;
  let remedy: string;
  switch (hold.kind) {
    case "transaction":
      what = `inside engine.transaction(), whose transaction holds ${every} of the pool`;
      remedy = "run the statement on the transaction instead (tx.execute(...), tx.stream(...), tx.transaction(...) for a savepoint)";
      break;
    case "callback":
      what = `inside engine.withConnection(), whose connection is ${every} of the pool`;
      remedy = "run the statement on the connection passed to the callback";
      break;
    case "stream":
      what = `while iterating engine.stream(), which holds ${every} of the pool until the iteration ends`;
      remedy = "read the rows first (or stream inside engine.transaction() and use tx.execute(...))";
      break;
    case "connection":
      what = `while a Connection from engine.connect() (a Session holds one while its transaction is open) holds ${every} of the pool`;
      remedy = "run the statement on that connection or session, or release it first (conn.release(), session.commit() / close())";
      break;
  }
  return `${call} was called ${what}: it could only run on a connection its own caller holds, and would wait forever. Fix: ${remedy}, or raise poolSize (not possible for sqlite::memory:). (${describeStats(stats)})`;
}
