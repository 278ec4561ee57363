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
import { relationshipValue } from "./attributes.js";
import { DuplicateIdentityError, SessionStateError, UnmappedClassError } from "./errors.js";
import { UnitOfWork, type FlushObserver } from "./flush.js";
import { IdentityMap } from "./identity.js";
import { loadRelationship } from "./loading.js";
import { cascadeIterator, relatedObjects } from "./cascade.js";
import { mergeState } from "./merge.js";
import { registry as defaultRegistry, type Mapper, type Registry } from "./mapper.js";
import { SessionLink } from "./link.js";
import { EntityQuery } from "./query.js";
import type { AnyClass, Relationship } from "./relationships.js";
import { SESSION, STATE, STATUS, hasWrites, stateOf, viewOf, type InstanceState, type Status } from "./state.js";

export interface SessionOptions {
  /** Flush pending changes before queries (default true). */
  autoflush?: boolean;
  /** Expire every object on commit so the next read sees the database (default true). */
  expireOnCommit?: boolean;
  /** Part of every identity key: the shard a sharded session reads from. */
  identityToken?: string;
  registry?: Registry;
  /**
   * When the session's transaction begins. "onWrite" (default): at the first flush that writes,
   * Core statement that is not a plain SELECT, locking SELECT, `beginNested()` or `begin()`; reads
   * before then run in autocommit, each seeing the latest committed data. "onFirstUse": before the
   * first statement of any kind (SQLAlchemy's autobegin), so every read shares the transaction's
   * snapshot (REPEATABLE READ on MariaDB, SERIALIZABLE anywhere) and its locks.
   */
  autobegin?: "onWrite" | "onFirstUse";
}

export type SessionEvent = "beforeFlush" | "afterFlush" | "beforeCommit" | "afterCommit" | "afterRollback";
type Listener = (session: Session) => void | Promise<void>;

interface SavepointFrame {
  readonly tx: Transaction;
  readonly inserted: number;
  readonly deleted: number;
  readonly updated: number;
  readonly pending: ReadonlySet<InstanceState>;
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

export interface InstanceInfo {
  readonly status: Status;
  readonly identityKey: string | undefined;
  readonly modified: readonly string[];
  readonly expired: readonly string[];
  readonly loaded: readonly string[];
}

export class Session {
  readonly registry: Registry;
  readonly identityToken: string;
  autoflush: boolean;
  readonly expireOnCommit: boolean;
  readonly autobegin: "onWrite" | "onFirstUse";
  /** Per table, identity → the one object holding that row. */
  readonly identityMap = new IdentityMap();
  /** Added and not yet flushed, in the order they were added. */
  readonly pendingStates = new Set<InstanceState>();
  /** Marked for deletion and not yet flushed. */
  readonly deletedStates = new Set<InstanceState>();
  /** Per object passed to delete(): the members of its loaded delete-cascade collections then. */
  private readonly cascadeAtDelete = new WeakMap<InstanceState, ReadonlyMap<Relationship, readonly object[]>>();
  /** Flushed in the current transaction: undone by rollback. */
  txInserted: InstanceState[] = [];
  txDeleted: InstanceState[] = [];
  /** Shown each flush's plan before it is written (set by a SessionTrace, orm/trace). */
  flushObserver: FlushObserver | undefined = undefined;
  /** Persistent objects a flush wrote (or re-keyed) in the current transaction. */
  txUpdated: InstanceState[] = [];
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
    const s = this.stateOf(obj);
    s.discarded = false;
    if (s.session && s.session !== this && s.status !== "detached")
      throw new SessionStateError(`${s.mapper.name} ${s.mapper.describeKey(s.dict)} belongs to another session`);
    switch (s.status) {
      case "transient":
        s.status = "pending";
        s.session = this;
        this.pendingStates.add(s);
        break;
      case "detached": {
        const other = this.identityMap.get(s.mapper, s.ident);
        if (other && other !== s.obj)
          throw new DuplicateIdentityError(`Another ${s.mapper.name} with key ${s.mapper.describeKey(s.dict)} is already in this session; use merge()`);
        s.status = "persistent";
        s.session = this;
        if (s.ident !== undefined) this.identityMap.set(s.mapper, s.ident, s.obj);
        break;
      }
      case "persistent":
      case "pending":
        this.deletedStates.delete(s);
        break;
      case "deleted":
        throw new SessionStateError(`${s.mapper.name} ${s.mapper.describeKey(s.dict)} was deleted in this transaction`);
    }
    this.cascadeAdd(s);
    return obj;
  }

  addAll(objs: Iterable<object>): void {
    for (const o of objs) this.add(o);
  }

  /** Follows save-update cascades from `s` to related objects that are not yet in the session. */
  cascadeAdd(s: InstanceState, seen = new Set<InstanceState>()): void {
    if (seen.has(s)) return;
    seen.add(s);
    for (const rel of s.mapper.relationships.values()) {
      if (!s.isLoaded(rel.key) || !rel.cascade.has("save-update")) continue;
      const v = s.dict[rel.key];
      for (const o of rel.isCollection ? ((v as object[]) ?? []) : v ? [v as object] : []) {
        const os = this.stateOf(o);
        if (os.discarded) continue;
        if (os.status === "transient") {
          os.status = "pending";
          os.session = this;
          this.pendingStates.add(os);
        }
        if (os.session === this) this.cascadeAdd(os, seen);
      }
    }
  }

  /** Marks a persistent object for deletion at the next flush (a pending one is simply removed). */
  delete(obj: object): void {
    this.requireOpen();
    const s = this.stateOf(obj);
    if (s.status === "pending") {
      // Never inserted: it and the pending objects its delete cascade reaches just leave, and
      // save-update cascades do not bring them back until they are added again.
      this.expungeState(s);
      s.discarded = true;
      for (const rel of s.mapper.relationships.values()) {
        if (!rel.cascade.has("delete") || rel.direction !== "oneToMany" || !s.isLoaded(rel.key)) continue;
        const v = s.dict[rel.key];
        for (const child of rel.isCollection ? [...((v as object[]) ?? [])] : v ? [v as object] : [])
          if (this.stateOf(child).status === "pending" && this.stateOf(child).session === this) this.delete(child);
      }
      return;
    }
    if (s.status !== "persistent" || s.session !== this)
      throw new SessionStateError(`${s.mapper.name} is ${s.status}, not persistent in this session; it cannot be deleted`);
    this.deletedStates.add(s);
    // The delete cascade reaches what the collections hold now, as SQLAlchemy's delete() does: a
    // child moved in afterwards is not deleted with the parent (its move then fails the flush).
    const members = new Map<Relationship, readonly object[]>();
    for (const rel of s.mapper.relationships.values())
      if (rel.direction === "oneToMany" && rel.cascade.has("delete") && s.isLoaded(rel.key)) members.set(rel, relatedObjects(s, rel));
    this.cascadeAtDelete.set(s, members);
  }

  /**
   * @internal Whether the delete cascade of `s` (marked for deletion) reaches `child` of `rel`:
   * a member at delete() time, or — for a collection loaded since — a member as loaded. Objects
   * reached by a cascade (not passed to delete()) cascade to all their members.
   */
  cascadesTo(s: InstanceState, rel: Relationship, child: object): boolean {
    const members = this.cascadeAtDelete.get(s);
    if (!members || !this.deletedStates.has(s)) return true;
    return (members.get(rel) ?? s.snapshot(rel.key) ?? [child]).includes(child);
  }

  /**
   * Removes an object from the session: it becomes detached (or transient if never flushed), and
   * so do the objects its `expunge` cascade reaches through loaded relationships.
   */
  expunge(obj: object): void {
    const s = this.stateOf(obj);
    if (s.session !== this) throw new SessionStateError(`${s.mapper.name} is not in this session`);
    const reached = cascadeIterator(s, "expunge").filter((c) => c.session === this);
    this.expungeState(s);
    for (const c of reached) this.expungeState(c);
  }

  private expungeState(s: InstanceState): void {
    this.pendingStates.delete(s);
    this.deletedStates.delete(s);
    this.identityMap.delete(s.mapper, s.ident, s.obj);
    s.status = s.ident !== undefined ? "detached" : "transient";
    s.session = undefined;
    s.token = this.identityToken;
  }

  // ---- reading --------------------------------------------------------------------------------

  /** By primary key: from the identity map without SQL when present, else one SELECT. */
  async get<C extends AnyClass>(cls: C, pk: unknown): Promise<InstanceType<C> | undefined> {
    this.requireOpen();
    const mapper = this.mapperOf(cls);
    const dict = this.pkDict(mapper, pk);
    const found = this.identityMap.get(mapper, mapper.identOf(dict));
    const hit = found && viewOf(found);
    // An object marked for deletion is still the session's until the delete is flushed (as in
    // SQLAlchemy): it is returned, without the autoflush a query would run.
    if (hit) {
      if (hit.isExpired) await this.loadExpired(hit);
      return hit.obj as InstanceType<C>;
    }
    // The mapper's statement by key, composed once: the key values are its parameters.
    const params: Record<string, unknown> = {};
    mapper.pkKeys.forEach((k, i) => (params[`pk${i}`] = dict[k]));
    return EntityQuery.byKey<InstanceType<C>>(this, mapper).first(params);
  }

  private pkDict(mapper: Mapper, pk: unknown): Record<string, unknown> {
    if (mapper.pkKeys.length === 1 && (typeof pk !== "object" || pk === null || pk instanceof Date)) return { [mapper.pkKeys[0]]: pk };
    if (Array.isArray(pk)) return Object.fromEntries(mapper.pkKeys.map((k, i) => [k, pk[i]]));
    return pk as Record<string, unknown>;
  }

  /** A query for entities of `cls`: `session.query(Customer).where(...).all()`. */
  query<C extends AnyClass>(cls: C): EntityQuery<InstanceType<C>> {
    this.requireOpen();
    return new EntityQuery<InstanceType<C>>(this, this.mapperOf(cls));
  }

  /** Loads a relationship of a persistent object (explicit lazy loading). */
  async load<T extends object, K extends keyof T & string>(obj: T, key: K): Promise<T[K]> {
    const s = this.stateOf(obj);
    const rel = s.mapper.relationships.get(key);
    if (!rel) throw new UnmappedClassError(`${s.mapper.name}.${key} is not a relationship`);
    if (!s.isLoaded(key) && s.status === "persistent")
      await this.run(async () => {
        await this.maybeAutoflush();
        if (!s.isLoaded(key) && s.status === "persistent") await loadRelationship(this, [s.obj], rel);
      });
    return relationshipValue(s, rel) as T[K];
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
    if (keys !== undefined) return s.expire(keys);
    const reached = cascadeIterator(s, "refresh-expire").filter((c) => c.session === this);
    s.expire();
    for (const c of reached) {
      if (c.status === "pending") this.expungeState(c);
      else if (c.status === "persistent") c.expire();
    }
  }

  expireAll(): void {
    for (const m of this.identityMap.maps()) for (const o of m.values()) viewOf(o).expire();
  }

  /**
   * Reloads an object from the database. Unflushed changes to it (and to what its refresh-expire
   * cascade reaches, which expires) are discarded, never flushed: refresh does not autoflush.
   * Relationships are unloaded afterwards.
   */
  async refresh(obj: object): Promise<void> {
    const s = this.stateOf(obj);
    if (s.status !== "persistent" || s.ident === undefined)
      throw new SessionStateError(`${s.mapper.name} is ${s.status}; only persistent objects can be refreshed`);
    const committed = s.committed ?? s.dict;
    const pk = Object.fromEntries(s.mapper.pkKeys.map((k) => [k, committed[k]]));
    this.expire(obj);
    await this.noAutoflush(() => this.loadExpired(s, pk));
  }

  /** Loads the expired attributes of a persistent object; its unflushed changes stay. */
  private async loadExpired(s: InstanceState, pk: Record<string, unknown> = s.committed ?? s.dict): Promise<void> {
    const table = s.mapper.table;
    const found = await new EntityQuery(this, s.mapper)
      .where(...s.mapper.pkKeys.map((k) => table.column(k).eq(pk[k] as never)))
      .populateExisting()
      .noEager()
      .all();
    if (found.length === 0) {
      this.expungeState(s);
      throw new SessionStateError(`${s.mapper.name} ${s.mapper.describeKey(pk)} no longer exists`);
    }
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
      status: this.deletedStates.has(s) ? "persistent" : s.status,
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
    return [...this.pendingStates].map((s) => s.obj);
  }
  get dirty(): object[] {
    return this.modifiedStates()
      .filter((s) => !this.deletedStates.has(s) && this.isModified(s.obj))
      .map((s) => s.obj);
  }
  get deleted(): object[] {
    return [...this.deletedStates].map((s) => s.obj);
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
      if (this.pendingStates.size || this.deletedStates.size || this.hasModified()) await this.executor();
      const uow = new UnitOfWork(this);
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
    for (const s of this.txDeleted) this.detach(s);
    this.txInserted = [];
    this.txDeleted = [];
    this.txUpdated = [];
    if (this.expireOnCommit) this.expireAll();
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
    this.restoreAfterRollback({ inserted: 0, deleted: 0, updated: 0, pending: new Set() }, expire ? "all" : "none");
    await this.emit("afterRollback");
  }

  /**
   * Undoes the session's side of what happened since `mark`. A rolled-back transaction expires
   * every object; a rolled-back savepoint only those changed since it opened — written by a flush
   * inside it, or with unflushed changes — as SQLAlchemy does: the others still hold their rows.
   */
  private restoreAfterRollback(mark: Omit<SavepointFrame, "tx">, expire: "all" | "changed" | "none"): void {
    const changed = new Set(this.txUpdated.splice(mark.updated));
    // Deleted objects come back, except those inserted in this transaction too: they leave below.
    const inserted = new Set(this.txInserted.slice(mark.inserted));
    for (const s of this.txDeleted.splice(mark.deleted)) {
      if (inserted.has(s)) continue;
      s.status = "persistent";
      s.session = this;
      if (s.ident !== undefined) this.identityMap.set(s.mapper, s.ident, s.obj);
    }
    for (const s of this.txInserted.splice(mark.inserted)) {
      this.identityMap.delete(s.mapper, s.ident, s.obj);
      s.ident = undefined;
      s.status = "transient";
      s.session = undefined;
    }
    for (const s of this.pendingStates) {
      if (mark.pending.has(s)) continue;
      this.pendingStates.delete(s);
      s.status = "transient";
      s.session = undefined;
    }
    // Unflushed changes are discarded too: those objects expire.
    for (const s of this.modifiedStates()) changed.add(s);
    this.deletedStates.clear();
    if (expire === "all") this.expireAll();
    else if (expire === "changed") for (const s of changed) if (s.status === "persistent" && s.session === this) s.expire();
  }

  /** Opens a SAVEPOINT (flushing first); roll it back to undo the database and the session since. */
  async beginNested(): Promise<SessionSavepoint> {
    this.requireOpen();
    return this.run(async () => {
      await this.flushNow();
      const outer = await this.executor();
      const tx = await outer.begin();
      const frame: SavepointFrame = {
        tx,
        inserted: this.txInserted.length,
        deleted: this.txDeleted.length,
        updated: this.txUpdated.length,
        pending: new Set(this.pendingStates),
      };
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
      this.restoreAfterRollback(sp.frame, "changed");
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
    const token = this.identityToken;
    for (const m of this.identityMap.maps())
      for (const o of m.values()) {
        o[STATUS] = "detached";
        o[SESSION] = undefined;
        // A detached object's identity key still names the shard it came from (or none).
        const st = o[STATE];
        if (st !== null) st.token = token;
        else if (token !== "") viewOf(o).token = token;
      }
    this.identityMap.clear();
    for (const s of this.pendingStates) {
      s.status = "transient";
      s.session = undefined;
    }
    this.pendingStates.clear();
    this.closed = true;
  }

  private detach(s: InstanceState): void {
    this.identityMap.delete(s.mapper, s.ident, s.obj);
    s.status = "detached";
    s.session = undefined;
    s.token = this.identityToken;
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
    if (this.autoflush && !this.flushing && (this.pendingStates.size || this.deletedStates.size || this.hasModified())) await this.flushNow();
  }

  private hasModified(): boolean {
    for (const m of this.identityMap.maps()) for (const o of m.values()) if (hasWrites(o)) return true;
    return false;
  }

  /** Objects in the identity map with writes since their last load or flush. */
  modifiedStates(): InstanceState[] {
    const out: InstanceState[] = [];
    for (const m of this.identityMap.maps()) for (const o of m.values()) if (hasWrites(o)) out.push(viewOf(o));
    return out;
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
    const s = stateOf(obj);
    if (!s) throw new UnmappedClassError(`${obj?.constructor?.name ?? typeof obj} is not a mapped class`);
    return s;
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
