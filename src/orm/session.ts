// The Session: an identity map and a unit of work over one connection and transaction at a time.
// Objects move transient → pending → persistent → deleted / detached; flush writes changes in
// foreign-key order; commit and rollback end the transaction and bring the objects along.
//
// Connections (link.ts): the transaction begins on the first write (or on first use, `autobegin:
// "onFirstUse"`); until then each operation runs in autocommit on a connection taken for it, and
// operations of one session run one at a time in call order on one connection.
import type { Engine } from "../engine/engine.js";
import type { Transaction } from "../engine/connection.js";
import type { Executor, Params } from "../engine/executor.js";
import type { Result } from "../engine/result.js";
import type { RowType, Statement } from "../sql/statement.js";
import { SessionStateError } from "./errors.js";
import type { FlushObserver } from "./flush-book.js";
import { UnitOfWork } from "./flush.js";
import type { IdentityView } from "./identity.js";
import { mergeState } from "./merge.js";
import { registry as defaultRegistry, type Mapper, type Registry } from "./mapper.js";
import { SessionLink } from "./link.js";
import { EntityQuery } from "./query.js";
import type { AnyClass } from "./relationships.js";
import { getByKey, loadAttribute, refreshObject } from "./session-loading.js";
import { SessionObjects, requireState, type RollbackMark, type SessionObjectsView } from "./session-objects.js";
import type { InstanceInfo, SessionEvent, SessionOptions } from "./session-options.js";
import type { Entity, Ident, InstanceState } from "./state.js";

export type { InstanceInfo, SessionEvent, SessionOptions } from "./session-options.js";

type Listener = (session: Session) => void | Promise<void>;

interface SavepointFrame extends RollbackMark {
  readonly tx: Transaction;
}

/** A SAVEPOINT of the session; rolling back restores the session's objects too. */
export class SessionSavepoint {
  constructor(
    private readonly session: Session,
    // Not for applications: the session frame this savepoint restores.
    readonly frame: SavepointFrame,
  ) {}
  commit(): Promise<void> {
    return this.session.endSavepoint(this, true);
  }
  rollback(): Promise<void> {
    return this.session.endSavepoint(this, false);
  }
}

export class Session {
  readonly registry: Registry;
  readonly identityToken: string;
  autoflush: boolean;
  readonly expireOnCommit: boolean;
  readonly autobegin: "onWrite" | "onFirstUse";
  private readonly book = new SessionObjects(this);
  private readonly link: SessionLink;
  private readonly frames: SavepointFrame[] = [];
  private listeners = new Map<SessionEvent, Listener[]>();
  private closed = false;
  private flushing = false;

  constructor(
    readonly engine: Engine,
    options: SessionOptions = {},
  ) {
    this.registry = options.registry ?? defaultRegistry;
    this.identityToken = options.identityToken ?? "";
    this.autoflush = options.autoflush ?? true;
    this.expireOnCommit = options.expireOnCommit ?? true;
    this.autobegin = options.autobegin ?? "onWrite";
    this.link = new SessionLink(engine);
  }

  // ---- objects in and out ---------------------------------------------------------------------

  /** Adds a new object (pending), re-attaches a detached one, or un-deletes one; cascades to related objects. */
  add<T extends object>(obj: T): T {
    this.requireOpen();
    this.book.add(this.stateOf(obj));
    return obj;
  }

  addAll(objs: Iterable<object>): void {
    for (const o of objs) this.add(o);
  }

  /** Marks a persistent object for deletion at the next flush (a pending one is simply removed). */
  delete(obj: object): void {
    this.requireOpen();
    this.book.delete(this.stateOf(obj));
  }

  /**
   * Removes an object from the session: it becomes detached (or transient if never flushed), and
   * so do the objects its `expunge` cascade reaches through loaded relationships.
   */
  expunge(obj: object): void {
    this.book.expunge(this.stateOf(obj));
  }

  /** Per table, identity → the one object holding that row (read-only: the session keeps it). */
  get identityMap(): IdentityView {
    return this.book.identityMap;
  }

  /** The pending and deleted sets and the identity map, read-only (for observers such as the session trace). */
  get objects(): SessionObjectsView {
    return this.book;
  }

  /** @internal Loaders: a row just loaded becomes the session's object for its identity. */
  admit(mapper: Mapper, ident: Ident, obj: Entity): void {
    this.book.admit(mapper, ident, obj);
  }

  // ---- reading --------------------------------------------------------------------------------

  /** By primary key: from the identity map without SQL when present, else one SELECT. */
  async get<C extends AnyClass>(cls: C, pk: unknown): Promise<InstanceType<C> | undefined> {
    this.requireOpen();
    return getByKey<InstanceType<C>>(this, this.book, this.mapperOf(cls), pk);
  }

  /** A query for entities of `cls`: `session.query(Customer).where(...).all()`. */
  query<C extends AnyClass>(cls: C): EntityQuery<InstanceType<C>> {
    this.requireOpen();
    return new EntityQuery<InstanceType<C>>(this, this.mapperOf(cls));
  }

  /** Loads a relationship of a persistent object (explicit lazy loading). */
  async load<T extends object, K extends keyof T & string>(obj: T, key: K): Promise<T[K]> {
    return (await loadAttribute(this, this.stateOf(obj), key)) as T[K];
  }

  /**
   * Runs a Core statement in the session's transaction (after autoflush). A plain SELECT before
   * the transaction has begun runs in autocommit (see `autobegin`); anything else begins it.
   */
  async execute<S extends Statement<unknown>>(stmt: S, params?: Params): Promise<Result<RowType<S>>> {
    return this.run(async () => {
      await this.maybeAutoflush();
      const exec = isPlainRead(stmt) ? await this.reader() : await this.executor();
      return exec.execute(stmt, params);
    });
  }

  // ---- state ------------------------------------------------------------------------------------

  /**
   * Expires attributes (all by default): the next read must come from the database. Expiring a
   * whole object follows its `refresh-expire` cascade: related persistent objects expire too and
   * related pending ones leave the session.
   */
  expire(obj: object, keys?: readonly string[]): void {
    const s = this.stateOf(obj);
    if (keys !== undefined) s.expire(keys);
    else this.book.expireCascade(s);
  }

  expireAll(): void {
    this.book.expireAll();
  }

  /**
   * Reloads an object from the database. Unflushed changes to it (and to what its refresh-expire
   * cascade reaches, which expires) are discarded, never flushed: refresh does not autoflush.
   * Relationships are unloaded afterwards.
   */
  async refresh(obj: object): Promise<void> {
    return refreshObject(this, this.book, this.stateOf(obj));
  }

  /**
   * Copies the state of `obj` (detached or transient) onto the session's object with the same
   * identity, loading it if needed, and returns that object; `obj` itself is not attached. The
   * `merge` cascade carries on through loaded relationships: related objects are merged too and
   * the merged object's relationship is set to them (loaded first, so removals are seen).
   */
  async merge<T extends object>(obj: T): Promise<T> {
    this.requireOpen();
    await this.run(() => this.maybeAutoflush());
    return this.noAutoflush(async () => (await mergeState(this, this.stateOf(obj), new Map())).obj as unknown as T);
  }

  inspect(obj: object): InstanceInfo {
    const s = this.stateOf(obj);
    return {
      status: this.book.deleted.has(s) ? "persistent" : s.status,
      identityKey: s.key,
      modified: s.mapper.columnKeys.filter((k) => s.committed !== null && s.committed !== s.dict && !s.expired?.has(k) && s.committed[k] !== s.dict[k]),
      expired: [...(s.expired ?? [])],
      loaded: s.loadedKeys(),
    };
  }

  /** Whether `obj` has unflushed column changes. */
  isModified(obj: object): boolean {
    const s = this.stateOf(obj);
    return (
      s.status === "pending" || this.inspect(obj).modified.length > 0 || (s.modified !== null && [...s.modified].some((k) => s.mapper.relationships.has(k)))
    );
  }

  get new(): object[] {
    return [...this.book.pending].map((s) => s.obj);
  }
  get dirty(): object[] {
    return this.book
      .modifiedStates()
      .filter((s) => !this.book.deleted.has(s) && this.isModified(s.obj))
      .map((s) => s.obj);
  }
  get deleted(): object[] {
    return [...this.book.deleted].map((s) => s.obj);
  }

  // ---- transactions -----------------------------------------------------------------------------

  /** Writes pending changes in one SAVEPOINT: on failure the database and the session are as before. */
  async flush(): Promise<void> {
    this.requireOpen();
    return this.run(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    this.requireOpen();
    if (this.flushing) return;
    this.flushing = true;
    try {
      await this.emit("beforeFlush");
      // A flush with changes writes: its transaction begins first, so the rows it reads to work
      // out the writes (children of a deleted parent, say) are read in the transaction writing them.
      if (this.book.hasChanges()) await this.executor();
      const uow = new UnitOfWork(this.book);
      let work: boolean;
      try {
        work = await uow.prepare();
      } catch (err) {
        // Nothing was written; undo what preparing changed (cascaded and dropped objects).
        uow.restore();
        throw err;
      }
      if (!work) return;
      await uow.run(await this.executor());
      await this.emit("afterFlush");
    } finally {
      this.flushing = false;
    }
  }

  /** Flushes and commits; the connection goes back to the pool. Without a transaction (nothing written) no SQL is sent. */
  async commit(): Promise<void> {
    this.requireOpen();
    return this.run(() => this.commitNow());
  }

  private async commitNow(): Promise<void> {
    this.requireOpen();
    await this.flushNow();
    await this.emit("beforeCommit");
    if (this.link.transaction) {
      // Open savepoints are released into the transaction, innermost first.
      for (const f of this.frames.splice(0).reverse()) if (f.tx.isActive) await f.tx.commit();
      const tx = this.link.takeTransaction()!;
      try {
        await tx.commit();
      } finally {
        await this.link.release();
      }
    }
    this.book.committed();
    if (this.expireOnCommit) this.book.expireAll();
    await this.emit("afterCommit");
  }

  /**
   * Rolls the transaction back and the session with it: pending objects become transient,
   * objects deleted in the transaction come back, persistent objects expire.
   */
  async rollback(expire = true): Promise<void> {
    this.requireOpen();
    return this.run(() => this.rollbackNow(expire));
  }

  private async rollbackNow(expire: boolean): Promise<void> {
    this.requireOpen();
    const tx = this.link.takeTransaction();
    this.frames.length = 0;
    if (tx) {
      try {
        await tx.rollback();
      } catch {
        // A dead connection has rolled back already.
      } finally {
        await this.link.release();
      }
    }
    this.book.rolledBack({ inserted: 0, deleted: 0, updated: 0, pending: new Set() }, expire ? "all" : "none");
    await this.emit("afterRollback");
  }

  /** Opens a SAVEPOINT (flushing first); roll it back to undo the database and the session since. */
  async beginNested(): Promise<SessionSavepoint> {
    this.requireOpen();
    return this.run(async () => {
      await this.flushNow();
      const outer = await this.executor();
      const tx = await outer.begin();
      const frame: SavepointFrame = { ...this.book.mark(), tx };
      this.frames.push(frame);
      return new SessionSavepoint(this, frame);
    });
  }

  /** Begins the transaction now (it otherwise begins as `autobegin` says); a no-op when one is open. */
  async begin(): Promise<void> {
    this.requireOpen();
    await this.run(() => this.executor());
  }

  /** Runs `fn` inside a SAVEPOINT: released when it returns, rolled back (with the session) when it throws. */
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const sp = await this.beginNested();
    try {
      const r = await fn();
      await sp.commit();
      return r;
    } catch (err) {
      if (this.frames.includes(sp.frame)) await sp.rollback();
      throw err;
    }
  }

  /** @internal */
  async endSavepoint(sp: SessionSavepoint, commit: boolean): Promise<void> {
    return this.run(() => this.endSavepointNow(sp, commit));
  }

  private async endSavepointNow(sp: SessionSavepoint, commit: boolean): Promise<void> {
    const at = this.frames.indexOf(sp.frame);
    if (at < 0) throw new SessionStateError("This savepoint is no longer active");
    if (commit) await this.flushNow();
    // Savepoints opened inside this one end with it: released into it, or rolled back with it.
    const inner = this.frames.splice(at + 1).reverse();
    this.frames.length = at;
    if (commit) {
      for (const f of inner) if (f.tx.isActive) await f.tx.commit();
      await sp.frame.tx.commit();
    } else {
      await sp.frame.tx.rollback();
      this.book.rolledBack(sp.frame, "changed");
    }
  }

  /**
   * Ends the transaction (rolling back) and detaches every object, after the operations already
   * queued. The connection always goes back to the pool, whatever failed before.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    return this.run(() => this.closeNow());
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    // The transaction ends; what was loaded stays readable on the now detached objects.
    try {
      if (this.link.transaction) await this.rollbackNow(false);
    } finally {
      await this.link.release();
    }
    this.book.closed();
    this.closed = true;
    this.link.endClaim();
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  on(event: SessionEvent, fn: Listener): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn);
    this.listeners.set(event, list);
    return () => list.splice(list.indexOf(fn), 1);
  }

  private async emit(event: SessionEvent): Promise<void> {
    const list = this.listeners.get(event);
    if (!list?.length) return;
    for (const fn of list) await this.link.listener(() => fn(this));
  }

  /** Runs `fn` with autoflush off. */
  async noAutoflush<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.autoflush;
    this.autoflush = false;
    try {
      return await fn();
    } finally {
      this.autoflush = before;
    }
  }

  /** @internal */
  async maybeAutoflush(): Promise<void> {
    if (this.autoflush && !this.flushing && this.book.hasChanges()) await this.flushNow();
  }

  /** @internal Shows `observer` each flush's plan before it is written (the session trace); returns the undo. */
  observeFlushes(observer: FlushObserver): () => void {
    this.book.observer = observer;
    return () => {
      if (this.book.observer === observer) this.book.observer = undefined;
    };
  }

  /** @internal Runs `fn` after the operations called before it, one at a time (see `SessionLink.run`). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.link.run(fn);
  }

  /** The innermost transaction (a savepoint when one is open), beginning one if needed. */
  async executor(): Promise<Transaction> {
    this.requireOpen();
    const tx = await this.link.begin();
    return this.frames.length ? this.frames[this.frames.length - 1].tx : tx;
  }

  /**
   * @internal Where reads run: the open transaction (its innermost savepoint), else — unless the
   * session begins on first use — the session's connection in autocommit.
   */
  async reader(): Promise<Executor> {
    this.requireOpen();
    const tx = this.link.transaction;
    if (tx) return this.frames.length ? this.frames[this.frames.length - 1].tx : tx;
    if (this.autobegin === "onFirstUse") return this.executor();
    return this.link.connection();
  }

  /** True while a transaction is open. */
  get inTransaction(): boolean {
    return this.link.transaction !== undefined;
  }

  /** True while the session holds a pooled connection (in a transaction, or during an operation). */
  get holdsConnection(): boolean {
    return this.link.holdsConnection;
  }

  stateOf(obj: object): InstanceState {
    return requireState(obj);
  }

  mapperOf(cls: AnyClass): Mapper {
    return this.registry.mapperOf(cls);
  }

  private requireOpen(): void {
    if (this.closed) throw new SessionStateError("The session is closed");
  }

  /** `await using session = new Session(engine)`: closed when the block ends. */
  declare [Symbol.asyncDispose]: () => Promise<void>;
}

// Defined only where the runtime has the symbol (Node 20.4+): no polyfill, no stray "undefined" key.
if (typeof Symbol.asyncDispose === "symbol")
  Object.defineProperty(Session.prototype, Symbol.asyncDispose, {
    configurable: true,
    writable: true,
    value(this: Session): Promise<void> {
      return this.close();
    },
  });

/** A SELECT (or set operation) that takes no locks: it may run in autocommit before the transaction begins. */
function isPlainRead(stmt: Statement<unknown>): boolean {
  const node = stmt.statementNode;
  return node.kind === "compound" || (node.kind === "select" && !node.forUpdate);
}
