// A Session's bookkeeping of its objects: the identity map, the pending and deleted sets, and what
// the current transaction flushed (undone by a rollback). Every change of an object's place in a
// session goes through here: the Session's operations, the unit of work through `FlushBook`
// (flush.ts), loaders through `admit`. Others read it through `SessionObjectsView`.
import { cascadeIterator, relatedObjects } from "./cascade.js";
import { DuplicateIdentityError, SessionStateError, UnmappedClassError } from "./errors.js";
import type { FlushBook, FlushObserver } from "./flush-book.js";
import { IdentityMap, type IdentityView } from "./identity.js";
import { loadRelationship } from "./loading.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import { LOADED, SESSION, STATE, STATUS, hasWrites, stateOf, viewOf, type Entity, type Ident, type InstanceState } from "./state.js";

/** What the session holds, read-only: for observers of a session (the session trace). */
export interface SessionObjectsView {
  /** Added and not yet flushed, in the order they were added. */
  readonly pending: ReadonlySet<InstanceState>;
  /** Marked for deletion and not yet flushed. */
  readonly deleted: ReadonlySet<InstanceState>;
  readonly identityMap: IdentityView;
}

/** Where a rollback brings the session back to: the transaction's start, or a savepoint's. */
export interface RollbackMark {
  readonly inserted: number;
  readonly deleted: number;
  readonly updated: number;
  readonly pending: ReadonlySet<InstanceState>;
}

/** An empty list, shared. */
const NONE: readonly never[] = [];

/** The state of a mapped object; anything else is refused. */
export function requireState(obj: object): InstanceState {
  const s = stateOf(obj);
  if (!s) throw new UnmappedClassError(`${obj?.constructor?.name ?? typeof obj} is not a mapped class`);
  return s;
}

export class SessionObjects implements FlushBook, SessionObjectsView {
  /** Per table, identity → the one object holding that row. */
  readonly identityMap = new IdentityMap();
  private readonly pendingSet = new Set<InstanceState>();
  private readonly deletedSet = new Set<InstanceState>();
  /** Per object passed to delete(): the members of its loaded delete-cascade collections then. */
  private readonly cascadeAtDelete = new WeakMap<InstanceState, ReadonlyMap<Relationship, readonly object[]>>();
  /** Flushed in the current transaction: undone by rollback. */
  private txInserted: InstanceState[] = [];
  private txDeleted: InstanceState[] = [];
  /** Persistent objects a flush wrote (or re-keyed) in the current transaction. */
  private txUpdated: InstanceState[] = [];
  /** Shown each flush's plan before it is written (set by a SessionTrace, orm/trace). */
  observer: FlushObserver | undefined = undefined;

  constructor(private readonly session: Session) {}

  get pending(): ReadonlySet<InstanceState> {
    return this.pendingSet;
  }
  get deleted(): ReadonlySet<InstanceState> {
    return this.deletedSet;
  }

  // ---- the session's operations -----------------------------------------------------------------

  /** `Session.add` for one object: pending, re-attached or un-deleted, then its save-update cascade. */
  add(s: InstanceState): void {
    const session = this.session;
    s.discarded = false;
    if (s.session && s.session !== session && s.status !== "detached")
      throw new SessionStateError(`${s.mapper.name} ${s.mapper.describeKey(s.dict)} belongs to another session`);
    switch (s.status) {
      case "transient":
        this.makePending(s);
        break;
      case "detached": {
        const other = this.identityMap.get(s.mapper, s.ident);
        if (other && other !== s.obj)
          throw new DuplicateIdentityError(`Another ${s.mapper.name} with key ${s.mapper.describeKey(s.dict)} is already in this session; use merge()`);
        s.status = "persistent";
        s.session = session;
        if (s.ident !== undefined) this.identityMap.set(s.mapper, s.ident, s.obj);
        break;
      }
      case "persistent":
      case "pending":
        this.deletedSet.delete(s);
        break;
      case "deleted":
        throw new SessionStateError(`${s.mapper.name} ${s.mapper.describeKey(s.dict)} was deleted in this transaction`);
    }
    this.cascadeAdd(s);
  }

  private makePending(s: InstanceState): void {
    s.status = "pending";
    s.session = this.session;
    this.pendingSet.add(s);
  }

  /**
   * Follows save-update cascades from `s` to related objects that are not yet in the session;
   * `made` collects the objects it makes pending. `walk` marks what this walk has seen (a token
   * on each object, not a Set of them).
   */
  private cascadeAdd(s: InstanceState, walk: object = {}, made?: InstanceState[]): void {
    if (s.walk === walk) return;
    s.walk = walk;
    const rels = s.mapper.relationshipList;
    const loaded = s.obj[LOADED];
    for (let r = 0; r < rels.length; r++) {
      const rel = rels[r];
      if ((loaded & rel.bit) === 0 || !rel.cascade.has("save-update")) continue;
      // The value read in place, not copied: nothing here changes a collection.
      const v = s.dict[rel.key];
      if (rel.isCollection) {
        const items = (v as object[] | null) ?? NONE;
        for (let i = 0; i < items.length; i++) this.cascadeAddTo(items[i], walk, made);
      } else if (v) this.cascadeAddTo(v as object, walk, made);
    }
  }

  private cascadeAddTo(o: object, walk: object, made: InstanceState[] | undefined): void {
    const os = requireState(o);
    if (os.discarded) return;
    if (os.status === "transient") {
      this.makePending(os);
      made?.push(os);
    }
    if (os.session === this.session) this.cascadeAdd(os, walk, made);
  }

  /** `Session.delete` for one object. */
  delete(s: InstanceState): void {
    const session = this.session;
    if (s.status === "pending") {
      // Never inserted: it and the pending objects its delete cascade reaches just leave, and
      // save-update cascades do not bring them back until they are added again.
      this.expungeState(s);
      s.discarded = true;
      for (const rel of s.mapper.relationships.values()) {
        if (!rel.cascade.has("delete") || rel.direction !== "oneToMany" || !s.isLoadedRel(rel)) continue;
        for (const child of relatedObjects(s, rel)) {
          const cs = requireState(child);
          if (cs.status === "pending" && cs.session === session) this.delete(cs);
        }
      }
      return;
    }
    if (s.status !== "persistent" || s.session !== session)
      throw new SessionStateError(`${s.mapper.name} is ${s.status}, not persistent in this session; it cannot be deleted`);
    this.deletedSet.add(s);
    // The delete cascade reaches what the collections hold now, as SQLAlchemy's delete() does: a
    // child moved in afterwards is not deleted with the parent (its move then fails the flush).
    const members = new Map<Relationship, readonly object[]>();
    for (const rel of s.mapper.relationships.values())
      if (rel.direction === "oneToMany" && rel.cascade.has("delete") && s.isLoadedRel(rel)) members.set(rel, relatedObjects(s, rel));
    this.cascadeAtDelete.set(s, members);
  }

  /** `Session.expunge`: `s` and what its expunge cascade reaches leave the session. */
  expunge(s: InstanceState): void {
    if (s.session !== this.session) throw new SessionStateError(`${s.mapper.name} is not in this session`);
    const reached = cascadeIterator(s, "expunge").filter((c) => c.session === this.session);
    this.expungeState(s);
    for (const c of reached) this.expungeState(c);
  }

  /** One object leaves the session: detached, or transient if never flushed. */
  expungeState(s: InstanceState): void {
    this.pendingSet.delete(s);
    this.deletedSet.delete(s);
    this.identityMap.delete(s.mapper, s.ident, s.obj);
    s.status = s.ident !== undefined ? "detached" : "transient";
    s.session = undefined;
    s.token = this.session.identityToken;
  }

  /**
   * `Session.expire` of a whole object: its refresh-expire cascade expires related persistent
   * objects too, and related pending ones leave the session.
   */
  expireCascade(s: InstanceState): void {
    const reached = cascadeIterator(s, "refresh-expire").filter((c) => c.session === this.session);
    s.expire();
    for (const c of reached) {
      if (c.status === "pending") this.expungeState(c);
      else if (c.status === "persistent") c.expire();
    }
  }

  expireAll(): void {
    // forEach, not for…of: once per commit over every object, mostly before V8 optimises it, and
    // an unoptimised for…of allocates an iterator result per object.
    for (const m of this.identityMap.maps()) m.forEach((o) => viewOf(o).expire());
  }

  /** @internal Loaders: a row just loaded becomes the session's object for its identity. */
  admit(mapper: Mapper, ident: Ident, obj: Entity): void {
    this.identityMap.set(mapper, ident, obj);
  }

  // ---- what changed -------------------------------------------------------------------------------

  /** Objects in the identity map with writes since their last load or flush. */
  modifiedStates(): InstanceState[] {
    const out: InstanceState[] = [];
    for (const m of this.identityMap.maps()) m.forEach((o) => hasWrites(o) && out.push(viewOf(o)));
    return out;
  }

  /** Whether a flush has anything to do. */
  hasChanges(): boolean {
    if (this.pendingSet.size || this.deletedSet.size) return true;
    for (const m of this.identityMap.maps()) for (const o of m.values()) if (hasWrites(o)) return true;
    return false;
  }

  // ---- the unit of work (FlushBook) ---------------------------------------------------------------

  cascadeChanges(): InstanceState[] {
    const made: InstanceState[] = [];
    const walk = {};
    const from = [...this.pendingSet, ...this.modifiedStates()];
    for (let i = 0; i < from.length; i++) if (from[i].session === this.session) this.cascadeAdd(from[i], walk, made);
    return made;
  }

  /**
   * Whether the delete cascade of `s` (marked for deletion) reaches `child` of `rel`: a member
   * at delete() time, or — for a collection loaded since — a member as loaded. Objects reached
   * by a cascade (not passed to delete()) cascade to all their members.
   */
  cascadesTo(s: InstanceState, rel: Relationship, child: object): boolean {
    const members = this.cascadeAtDelete.get(s);
    if (!members || !this.deletedSet.has(s)) return true;
    return (members.get(rel) ?? s.snapshot(rel.key) ?? [child]).includes(child);
  }

  heldAtDelete(s: InstanceState, rel: Relationship): readonly object[] | undefined {
    return this.deletedSet.has(s) ? this.cascadeAtDelete.get(s)?.get(rel) : undefined;
  }

  find(mapper: Mapper, ident: Ident | undefined): InstanceState | undefined {
    const found = this.identityMap.get(mapper, ident);
    return found && viewOf(found);
  }

  objectsOf(mapper: Mapper): InstanceState[] {
    return [...this.identityMap.of(mapper).values()].map((o) => viewOf(o));
  }

  loadRelationship(s: InstanceState, rel: Relationship): Promise<void> {
    return loadRelationship(this.session, [s.obj], rel);
  }

  unpend(s: InstanceState): boolean {
    return this.pendingSet.delete(s);
  }

  undoPending(cascaded: readonly InstanceState[], dropped: readonly InstanceState[]): void {
    for (const s of cascaded) {
      this.pendingSet.delete(s);
      if (s.status === "pending") {
        s.status = "transient";
        s.session = undefined;
      }
    }
    for (const s of dropped) if (!cascaded.includes(s)) this.pendingSet.add(s);
  }

  flushedDrop(s: InstanceState): void {
    s.status = "transient";
    s.session = undefined;
  }

  flushedInsert(s: InstanceState, replaced: InstanceState | undefined): void {
    this.pendingSet.delete(s);
    if (replaced) {
      replaced.status = "deleted";
      this.identityMap.delete(replaced.mapper, replaced.ident);
      this.txDeleted.push(replaced);
    }
    s.status = "persistent";
    s.ident = s.mapper.identOf(s.dict);
    if (s.ident !== undefined) this.identityMap.set(s.mapper, s.ident, s.obj);
    this.txInserted.push(s);
  }

  flushedUpdate(s: InstanceState): void {
    this.txUpdated.push(s);
    const ident = s.mapper.identOf(s.dict);
    if (ident !== undefined && ident !== s.ident) {
      this.identityMap.delete(s.mapper, s.ident, s.obj);
      s.ident = ident;
      this.identityMap.set(s.mapper, ident, s.obj);
    }
  }

  flushedDelete(s: InstanceState): void {
    this.deletedSet.delete(s);
    this.identityMap.delete(s.mapper, s.ident, s.obj);
    s.status = "deleted";
    this.txDeleted.push(s);
  }

  flushedDeletes(): void {
    this.deletedSet.clear();
  }

  // ---- transactions ---------------------------------------------------------------------------------

  /** Where the session stands now, for a savepoint to roll back to. */
  mark(): RollbackMark {
    return { inserted: this.txInserted.length, deleted: this.txDeleted.length, updated: this.txUpdated.length, pending: new Set(this.pendingSet) };
  }

  /** The transaction committed: objects whose DELETE was flushed become detached. */
  committed(): void {
    for (const s of this.txDeleted) {
      this.identityMap.delete(s.mapper, s.ident, s.obj);
      s.status = "detached";
      s.session = undefined;
      s.token = this.session.identityToken;
    }
    this.txInserted = [];
    this.txDeleted = [];
    this.txUpdated = [];
  }

  /**
   * Undoes the session's side of what happened since `mark`. A rolled-back transaction expires
   * every object; a rolled-back savepoint only those changed since it opened — written by a flush
   * inside it, or with unflushed changes — as SQLAlchemy does: the others still hold their rows.
   */
  rolledBack(mark: RollbackMark, expire: "all" | "changed" | "none"): void {
    const changed = new Set(this.txUpdated.splice(mark.updated));
    // Deleted objects come back, except those inserted in this transaction too: they leave below.
    const inserted = new Set(this.txInserted.slice(mark.inserted));
    for (const s of this.txDeleted.splice(mark.deleted)) {
      if (inserted.has(s)) continue;
      s.status = "persistent";
      s.session = this.session;
      if (s.ident !== undefined) this.identityMap.set(s.mapper, s.ident, s.obj);
    }
    for (const s of this.txInserted.splice(mark.inserted)) {
      this.identityMap.delete(s.mapper, s.ident, s.obj);
      s.ident = undefined;
      s.status = "transient";
      s.session = undefined;
    }
    for (const s of this.pendingSet) {
      if (mark.pending.has(s)) continue;
      this.pendingSet.delete(s);
      s.status = "transient";
      s.session = undefined;
    }
    // Unflushed changes are discarded too: those objects expire.
    for (const s of this.modifiedStates()) changed.add(s);
    this.deletedSet.clear();
    if (expire === "all") this.expireAll();
    else if (expire === "changed") for (const s of changed) if (s.status === "persistent" && s.session === this.session) s.expire();
  }

  /** The session closed: every object leaves it, persistent ones detached, pending ones transient. */
  closed(): void {
    const token = this.session.identityToken;
    for (const m of this.identityMap.maps())
      m.forEach((o) => {
        o[STATUS] = "detached";
        o[SESSION] = undefined;
        // A detached object's identity key still names the shard it came from (or none).
        const st = o[STATE];
        if (st !== null) st.token = token;
        else if (token !== "") viewOf(o).token = token;
      });
    this.identityMap.clear();
    for (const s of this.pendingSet) {
      s.status = "transient";
      s.session = undefined;
    }
    this.pendingSet.clear();
  }
}
