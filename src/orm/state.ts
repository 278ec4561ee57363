// Per-instance ORM state. What every object needs (values, session, status, identity, loaded
// relationships) lives on the object itself under symbol keys, which cannot clash with column
// names; the mapper lives on the class's prototype. Everything else (committed values once they
// differ from the current ones, expired and modified keys) lives in an `InstanceState` allocated
// on first need: a freshly loaded object is one allocation, and an object without an
// InstanceState is clean, unexpired and has its committed values in its dict. Collection snapshots
// (membership as last loaded or flushed) live on the collections themselves.
import { Collection } from "./collection.js";
import type { Mapper } from "./mapper.js";
import type { Session } from "./session.js";

export type Status = "transient" | "pending" | "persistent" | "deleted" | "detached";

/**
 * An identity within one table and session: the primary-key value itself for a single numeric
 * key (no string built per row), else a string (see `Mapper.identOf`).
 */
export type Ident = number | string;

/** Current attribute values (columns and relationships). */
export const DICT: unique symbol = Symbol("arbor.dict");
/** The mapper, on the mapped class's prototype. */
export const MAPPER: unique symbol = Symbol("arbor.mapper");
export const SESSION: unique symbol = Symbol("arbor.session");
export const STATUS: unique symbol = Symbol("arbor.status");
/** Identity in the session's identity map, set once persistent (kept when detached). */
export const IDENT: unique symbol = Symbol("arbor.ident");
/** One bit per relationship whose value is loaded (`Relationship.bit`). */
export const LOADED: unique symbol = Symbol("arbor.loaded");
/** The InstanceState, or null while the object is as loaded. */
export const STATE: unique symbol = Symbol("arbor.state");

export interface Entity {
  [DICT]: Record<string, unknown>;
  readonly [MAPPER]: Mapper;
  [SESSION]: Session | undefined;
  [STATUS]: Status;
  [IDENT]: Ident | undefined;
  [LOADED]: number;
  [STATE]: InstanceState | null;
}

/** Sets every own field, always in this order: all instances of a class share one hidden class. */
export function initEntity(o: Entity, dict: Record<string, unknown>, status: Status, session: Session | undefined, ident: Ident | undefined): void {
  o[DICT] = dict;
  o[SESSION] = session;
  o[STATUS] = status;
  o[IDENT] = ident;
  o[LOADED] = 0;
  o[STATE] = null;
}

/** A new object (transient, nothing committed): its state exists from the start. */
export function initNew(o: Entity): void {
  initEntity(o, {}, "transient", undefined, undefined);
  o[STATE] = new InstanceState(o, null);
}

export function entityOf(obj: object): Entity | undefined {
  const e = obj as Partial<Entity>;
  return e[MAPPER] === undefined || e[DICT] === undefined ? undefined : (obj as Entity);
}

export function isLoaded(o: Entity, key: string): boolean {
  return (o[LOADED] & o[MAPPER].relationshipBit(key)) !== 0;
}

/** Records a write; copies the committed values away from the dict on the first one. */
export function noteWrite(o: Entity, key: string): void {
  viewOf(o).noteWrite(key);
}

export class InstanceState {
  /** Column values as last loaded or flushed (null before the first insert); the dict itself until the first write. */
  committed: Record<string, unknown> | null;
  /**
   * Attributes whose values are stale; reading one throws until refreshed. After expiring
   * everything this is the mapper's shared set: change it only through `expire` and `unexpire`.
   */
  expired: ReadonlySet<string> | null = null;
  /** Whether `expired` is this object's own set (else shared, copied before a change). */
  private ownExpired = false;
  /**
   * Keys written since the last load/flush (a hint; flush compares values): one bit per key
   * (`Mapper.modBit`), and a Set only for keys past the bits. No Set per object written.
   */
  mods = 0;
  modsOther: Set<string> | null = null;
  /** A pending object deleted before it was ever flushed: cascades pass it by. */
  discarded = false;
  /** The identity token of the session that last held the object (a sharded session's shard), kept once detached. */
  token = "";
  /**
   * Per-walk and per-flush slots, valid only while `walk` / `linksOf` is the current walk or
   * flush's own token: a cascade marks what it has seen, a flush hangs each row's links to its
   * parents here, instead of a Set or Map keyed by thousands of objects.
   */
  walk: object | null = null;
  linksOf: object | null = null;
  links: unknown = null;

  constructor(
    readonly obj: Entity,
    committed: Record<string, unknown> | null,
  ) {
    this.committed = committed;
  }

  get dict(): Record<string, unknown> {
    return this.obj[DICT];
  }
  set dict(v: Record<string, unknown>) {
    this.obj[DICT] = v;
  }
  get mapper(): Mapper {
    return this.obj[MAPPER];
  }
  get status(): Status {
    return this.obj[STATUS];
  }
  set status(v: Status) {
    this.obj[STATUS] = v;
  }
  get session(): Session | undefined {
    return this.obj[SESSION];
  }
  set session(v: Session | undefined) {
    this.obj[SESSION] = v;
  }
  get ident(): Ident | undefined {
    return this.obj[IDENT];
  }
  set ident(v: Ident | undefined) {
    this.obj[IDENT] = v;
  }
  /** The identity key as a string: table, primary key and the session's identity token. */
  get key(): string | undefined {
    const id = this.obj[IDENT];
    return id === undefined ? undefined : this.mapper.keyString(id, this.session?.identityToken ?? this.token);
  }

  isLoaded(key: string): boolean {
    return isLoaded(this.obj, key);
  }
  markLoaded(key: string): void {
    this.obj[LOADED] |= this.mapper.relationshipBit(key);
  }
  /** `isLoaded` by the relationship's bit: no lookup by key. */
  isLoadedRel(rel: { readonly bit: number }): boolean {
    return (this.obj[LOADED] & rel.bit) !== 0;
  }
  markLoadedRel(rel: { readonly bit: number }): void {
    this.obj[LOADED] |= rel.bit;
  }
  loadedKeys(): string[] {
    return [...this.mapper.relationships.keys()].filter((k) => this.isLoaded(k));
  }
  /** A loaded collection's membership as last loaded or flushed (for orphans and association rows). */
  snapshot(key: string): readonly object[] | undefined {
    return Collection.snapshotOf(this.obj[DICT][key]);
  }

  /** The keys written since the last load or flush, or null when none: a view, made per call. */
  get modified(): ModifiedKeys | null {
    return this.mods === 0 && this.modsOther === null ? null : new ModifiedKeys(this);
  }

  /** Whether `key` was written since the last load or flush. */
  isModified(key: string): boolean {
    const bit = this.obj[MAPPER].modBit(key);
    return bit !== 0 ? (this.mods & bit) !== 0 : this.modsOther !== null && this.modsOther.has(key);
  }

  /** Records that `key` changed (no copy of the committed values: see noteWrite). */
  noteModified(key: string): void {
    const bit = this.obj[MAPPER].modBit(key);
    if (bit !== 0) this.mods |= bit;
    else (this.modsOther ??= new Set()).add(key);
  }

  noteWrite(key: string): void {
    if (this.committed === this.obj[DICT]) this.committed = { ...this.obj[DICT] };
    this.noteModified(key);
  }

  /** After a load or flush: what is in the dict is now what the database holds. */
  markClean(): void {
    this.committed = this.obj[DICT];
    this.mods = 0;
    this.modsOther = null;
  }

  /** Expires columns (all but the primary key by default: an identity does not go stale). */
  expire(keys?: readonly string[]): void {
    const o = this.obj;
    const mapper = o[MAPPER];
    if (keys === undefined) {
      // What the database holds is unknown now but for the key, so any later write counts as a
      // change; the set of expired keys is the mapper's, shared until one of them is refreshed.
      this.expired = mapper.expirableSet;
      this.ownExpired = false;
      const committed = this.committed;
      if (committed !== null) {
        const key: Record<string, unknown> = {};
        const pk = mapper.pkKeys;
        for (let i = 0; i < pk.length; i++) key[pk[i]] = committed[pk[i]];
        this.committed = key;
      }
      o[LOADED] = 0;
      this.mods = 0;
      this.modsOther = null;
      return;
    }
    const expired = this.ownSet();
    if (this.committed === o[DICT]) this.committed = { ...o[DICT] };
    const committed = this.committed;
    for (const k of keys) {
      expired.add(k);
      if (committed) delete committed[k];
    }
  }

  /** An expired attribute got its value (refreshed or written). */
  unexpire(key: string): void {
    const expired = this.expired;
    if (expired === null || !expired.has(key)) return;
    if (expired.size === 1) {
      this.expired = null;
      return;
    }
    this.ownSet().delete(key);
  }

  /** Puts back expired keys saved before a failed flush wrote some of them. */
  restoreExpired(keys: ReadonlySet<string> | null): void {
    this.expired = keys;
    this.ownExpired = keys !== null;
  }

  private ownSet(): Set<string> {
    if (this.expired !== null && this.ownExpired) return this.expired as Set<string>;
    const own = new Set(this.expired ?? []);
    this.expired = own;
    this.ownExpired = true;
    return own;
  }

  get isExpired(): boolean {
    return this.expired !== null && this.expired.size > 0;
  }
}

/** The state of an object known to be mapped, allocated on first need (a loaded object's committed values are its dict). */
export function viewOf(o: Entity): InstanceState {
  return (o[STATE] ??= new InstanceState(o, o[DICT]));
}

/** The state of a mapped object (undefined for anything else). */
export function stateOf(obj: object): InstanceState | undefined {
  const e = entityOf(obj);
  return e === undefined ? undefined : viewOf(e);
}

/** Whether an object has writes since its last load or flush. */
export function hasWrites(o: Entity): boolean {
  const s = o[STATE];
  return s !== null && (s.mods !== 0 || s.modsOther !== null);
}

export function isExpired(o: Entity): boolean {
  const s = o[STATE];
  return s !== null && s.isExpired;
}

/** The keys an object changed since its last load or flush, read-only, over its bits (InstanceState.modified). */
export class ModifiedKeys {
  constructor(private readonly s: InstanceState) {}

  has(key: string): boolean {
    return this.s.isModified(key);
  }

  get size(): number {
    let n = this.s.modsOther?.size ?? 0;
    for (let m = this.s.mods; m !== 0; m &= m - 1) n++;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    const keys = this.s.mapper.modKeys;
    for (let i = 0; i < keys.length; i++) if ((this.s.mods & (1 << i)) !== 0) yield keys[i];
    if (this.s.modsOther !== null) yield* this.s.modsOther;
  }
}
