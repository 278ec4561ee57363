// Attribute access on mapped objects: columns read from and write to the instance state;
// relationships raise when not loaded and keep both sides of a bidirectional pair in sync.
import { cascadeOnAttach } from "./attach.js";
import { Collection } from "./collection.js";
import { ExpiredAttributeError, NotLoadedError } from "./errors.js";
import { memberOf } from "./members.js";
import type { Relationship } from "./relationships.js";
import { DICT, LOADED, STATE, noteWrite, viewOf, type Entity, type InstanceState } from "./state.js";

/** An empty list, shared: a new collection's items and membership when last flushed (neither is changed in place). */
const NONE: readonly never[] = [];

function describe(s: InstanceState): string {
  return `${s.mapper.name}${s.key ? ` ${s.mapper.describeKey(s.dict)}` : ""}`;
}

export function defineColumnAccessors(proto: object, keys: readonly string[]): void {
  for (const key of keys) {
    Object.defineProperty(proto, key, {
      configurable: true,
      enumerable: true,
      get(this: Entity) {
        const s = this[STATE];
        if (s !== null && s.expired !== null && s.expired.has(key)) {
          throw new ExpiredAttributeError(`${describe(s)}.${key} has expired; await session.refresh(obj) or load it again`, {
            table: s.mapper.table.name,
            column: key,
          });
        }
        return this[DICT][key];
      },
      set(this: Entity, value: unknown) {
        noteWrite(this, key);
        this[DICT][key] = value;
        this[STATE]!.unexpire(key);
      },
    });
  }
}

/** The value of a relationship, initialising an empty one on objects that are not yet persistent. */
export function relationshipValue(s: InstanceState, rel: Relationship): unknown {
  if (s.isLoadedRel(rel)) return s.dict[rel.key];
  if (s.status === "transient" || s.status === "pending") {
    const v = rel.isCollection ? Collection.of_(s.obj, rel, NONE, Collection.snapshotOf(s.dict[rel.key]) ?? NONE) : null;
    s.dict[rel.key] = v;
    s.markLoadedRel(rel);
    return v;
  }
  throw new NotLoadedError(`${describe(s)}.${rel.key} is not loaded: await session.load(obj, ${JSON.stringify(rel.key)}) or query with a loader option`, {
    table: s.mapper.table.name,
  });
}

export function defineRelationshipAccessor(proto: object, rel: Relationship): void {
  Object.defineProperty(proto, rel.key, {
    configurable: true,
    enumerable: true,
    get(this: Entity) {
      if ((this[LOADED] & rel.bit) !== 0) return this[DICT][rel.key];
      return relationshipValue(viewOf(this), rel);
    },
    set(this: Entity, value: unknown) {
      const s = viewOf(this);
      if (rel.isCollection) {
        const old = s.isLoadedRel(rel) ? ((s.dict[rel.key] as object[] | null) ?? []) : [];
        const next = (value as object[] | null) ?? [];
        const inOld = memberOf(old);
        const inNext = memberOf(next);
        for (const o of next) if (!inOld(o)) cascadeOnAttach(s.obj, rel, o);
        for (const o of old) if (!inNext(o)) syncBackOnRemove(s.obj, rel, o);
        // The membership last loaded or flushed carries over to the new array.
        const coll = Collection.of_(s.obj, rel, next, Collection.snapshotOf(s.dict[rel.key]) ?? []);
        s.dict[rel.key] = coll;
        s.markLoadedRel(rel);
        for (const o of next) if (!inOld(o)) syncBackOnAdd(s.obj, rel, o);
      } else {
        if (value) cascadeOnAttach(s.obj, rel, value as object);
        setReference(s, rel, (value as object | null) ?? null, true);
      }
    },
  });
}

function stateOfObj(o: object): InstanceState {
  return viewOf(o as Entity);
}

/** Flags a relationship of `owner` as changed so the flush looks at it. */
function noteChange(s: InstanceState, rel: Relationship): void {
  s.noteModified(rel.key);
}

/** Raw collection membership changes, without re-syncing the other side. */
function rawAdd(owner: object, rel: Relationship, item: object): void {
  const s = stateOfObj(owner);
  if (!s.isLoadedRel(rel) && s.status !== "transient" && s.status !== "pending") return;
  const coll = relationshipValue(s, rel) as object[];
  if (!Collection.has_(coll, item)) {
    coll[coll.length] = item; // not Array.prototype.push.call: see Collection.push
    noteChange(s, rel);
  }
}
function rawRemove(owner: object, rel: Relationship, item: object): void {
  const s = stateOfObj(owner);
  if (!s.isLoadedRel(rel)) return;
  const coll = s.dict[rel.key] as object[];
  const at = coll.indexOf(item);
  if (at >= 0) {
    Collection.changed_(coll);
    Array.prototype.splice.call(coll, at, 1);
    noteChange(s, rel);
  }
}

/** Sets a to-one reference; with `sync`, moves `s.obj` between the collections of the old and new target. */
export function setReference(s: InstanceState, rel: Relationship, value: object | null, sync: boolean): void {
  const old = s.isLoadedRel(rel) ? (s.dict[rel.key] as object | null) : null;
  s.dict[rel.key] = value;
  s.markLoadedRel(rel);
  noteChange(s, rel);
  const back = rel.back;
  if (!sync || !back || old === value) return;
  if (back.isCollection) {
    if (old) rawRemove(old, back, s.obj);
    if (value) rawAdd(value, back, s.obj);
  } else {
    if (old && stateOfObj(old).dict[back.key] === s.obj) setReference(stateOfObj(old), back, null, false);
    if (value) setReference(stateOfObj(value), back, s.obj, false);
  }
}

/** `owner.rel` gained `item`: point the mirror attribute of `item` at `owner`. */
export function syncBackOnAdd(owner: object, rel: Relationship, item: object): void {
  noteChange(stateOfObj(owner), rel);
  const back = rel.back;
  if (!back) return;
  const is = stateOfObj(item);
  if (back.isCollection) rawAdd(item, back, owner);
  else {
    const prev = is.isLoadedRel(back) ? (is.dict[back.key] as object | null) : null;
    if (prev && prev !== owner) rawRemove(prev, rel, item);
    setReference(is, back, owner, false);
  }
}

/** `owner.rel` lost `item`: clear the mirror attribute if it still points at `owner`. */
export function syncBackOnRemove(owner: object, rel: Relationship, item: object): void {
  noteChange(stateOfObj(owner), rel);
  const back = rel.back;
  if (!back) return;
  const is = stateOfObj(item);
  if (back.isCollection) rawRemove(item, back, owner);
  else if (is.isLoadedRel(back) && is.dict[back.key] === owner) setReference(is, back, null, false);
}
