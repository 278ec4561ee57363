// What a Session reads for objects it holds: get() by primary key, explicit loading of a
// relationship, and refresh() — reloading expired or discarded attributes from the database.
import { relationshipValue } from "./attributes.js";
import { SessionStateError, UnmappedClassError } from "./errors.js";
import { loadRelationship } from "./loading.js";
import type { Mapper } from "./mapper.js";
import { EntityQuery } from "./query.js";
import type { Session } from "./session.js";
import type { SessionObjects } from "./session-objects.js";
import { keyEq } from "./keys.js";
import { viewOf, type InstanceState } from "./state.js";

/** `Session.get`: from the identity map without SQL when present, else one SELECT by key. */
export async function getByKey<T>(session: Session, objects: SessionObjects, mapper: Mapper, pk: unknown): Promise<T | undefined> {
  const dict = pkDict(mapper, pk);
  const found = objects.identityMap.get(mapper, mapper.identOf(dict));
  const hit = found && viewOf(found);
  // An object marked for deletion is still the session's until the delete is flushed (as in
  // SQLAlchemy): it is returned, without the autoflush a query would run.
  if (hit) {
    if (hit.isExpired) await loadExpired(session, objects, hit);
    return hit.obj as T;
  }
  // The mapper's statement by key, composed once: the key values are its parameters.
  const params: Record<string, unknown> = {};
  mapper.pkKeys.forEach((k, i) => (params[`pk${i}`] = dict[k]));
  return EntityQuery.byKey<T>(session, mapper).first(params);
}

function pkDict(mapper: Mapper, pk: unknown): Record<string, unknown> {
  if (mapper.pkKeys.length === 1 && (typeof pk !== "object" || pk === null || pk instanceof Date)) return { [mapper.pkKeys[0]]: pk };
  if (Array.isArray(pk)) return Object.fromEntries(mapper.pkKeys.map((k, i) => [k, pk[i]]));
  return pk as Record<string, unknown>;
}

/** `Session.load`: a relationship of a persistent object, loaded when it is not. */
export async function loadAttribute(session: Session, s: InstanceState, key: string): Promise<unknown> {
  const rel = s.mapper.relationships.get(key);
  if (!rel) throw new UnmappedClassError(`${s.mapper.name}.${key} is not a relationship`);
  if (!s.isLoaded(key) && s.status === "persistent")
    await session.run(async () => {
      await session.maybeAutoflush();
      if (!s.isLoaded(key) && s.status === "persistent") await loadRelationship(session, [s.obj], rel);
    });
  return relationshipValue(s, rel);
}

/**
 * `Session.refresh`: unflushed changes to the object (and to what its refresh-expire cascade
 * reaches, which expires) are discarded, never flushed: refresh does not autoflush.
 */
export async function refreshObject(session: Session, objects: SessionObjects, s: InstanceState): Promise<void> {
  if (s.status !== "persistent" || s.ident === undefined)
    throw new SessionStateError(`${s.mapper.name} is ${s.status}; only persistent objects can be refreshed`);
  const committed = s.committed ?? s.dict;
  const pk = Object.fromEntries(s.mapper.pkKeys.map((k) => [k, committed[k]]));
  objects.expireCascade(s);
  await session.noAutoflush(() => loadExpired(session, objects, s, pk));
}

/** Loads the expired attributes of a persistent object; its unflushed changes stay. */
async function loadExpired(session: Session, objects: SessionObjects, s: InstanceState, pk: Record<string, unknown> = s.committed ?? s.dict): Promise<void> {
  const table = s.mapper.table;
  const found = await new EntityQuery(session, s.mapper)
    .where(...s.mapper.pkKeys.map((k) => keyEq(table.column(k), pk[k])))
    .populateExisting()
    .noEager()
    .all();
  if (found.length === 0) {
    objects.expungeState(s);
    throw new SessionStateError(`${s.mapper.name} ${s.mapper.describeKey(pk)} no longer exists`);
  }
}
