// Turning rows into objects through the identity map, and loading relationships of objects
// already in the session (explicit lazy loading and the select-in strategy share this). Objects
// are made as the driver reads the rows (Executor.forEach).
import { Collection } from "./collection.js";
import { and, or } from "../sql/functions.js";
import { select } from "../sql/select.js";
import type { Expr } from "../sql/expression.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import { DICT, LOADED, MAPPER, STATE, isExpired, isLoaded, viewOf, type Entity, type Ident } from "./state.js";
import { keyEq, keyIn } from "./keys.js";

/**
 * The object for a loaded row: the one already in the identity map (refreshed where expired),
 * or a new persistent instance that takes ownership of `row`, admitted to the session's identity
 * map. `objects` is the session's map for `mapper` (`session.identityMap.of(mapper)`), looked up
 * once per batch of rows by the caller.
 */
export function hydrateIn(
  session: Session,
  mapper: Mapper,
  objects: ReadonlyMap<Ident, Entity>,
  row: Record<string, unknown>,
  populateExisting: boolean,
): Entity {
  const ident = mapper.identOf(row);
  if (ident === undefined) return mapper.load(row, session, undefined);
  const existing = objects.get(ident);
  if (existing !== undefined) {
    refreshFrom(existing, row, populateExisting);
    return existing;
  }
  const obj = mapper.load(row, session, ident);
  session.admit(mapper, ident, obj);
  return obj;
}

/** Fills expired attributes (or all, with `all`) from a row; changed attributes are never overwritten. */
function refreshFrom(o: Entity, row: Record<string, unknown>, all: boolean): void {
  if (!all && !isExpired(o)) return;
  const s = viewOf(o);
  const expired = s.expired;
  const changed = s.modified;
  const dict = o[DICT];
  const committed = s.committed === dict || s.committed === null ? null : s.committed;
  const keys = o[MAPPER].columnKeys;
  let refreshed = 0;
  for (const k of keys) {
    if (!(k in row)) continue;
    const wasExpired = expired !== null && expired.has(k);
    if (!all && !wasExpired) continue;
    if (changed?.has(k) && !wasExpired) continue;
    dict[k] = row[k];
    if (committed) committed[k] = row[k];
    if (wasExpired) refreshed++;
  }
  if (expired !== null && refreshed > 0) {
    // Usually the row has every column: the whole (possibly shared) set goes at once.
    if (refreshed === expired.size) s.expired = null;
    else for (const k of keys) if (k in row && expired.has(k)) s.unexpire(k);
  }
  // Nothing written and nothing stale: the dict is what the database holds again.
  if ((all || s.expired === null) && !changed) s.committed = dict;
}

/**
 * Sets a relationship's loaded value on an object, as loaded from the database. A collection's
 * array becomes its membership snapshot: callers hand over an array they no longer change.
 */
export function setLoaded(o: Entity, rel: Relationship, value: object[] | object | null): void {
  const bit = rel.bit;
  const s = o[STATE];
  if ((o[LOADED] & bit) !== 0 && s !== null && s.modified?.has(rel.key)) return;
  if (rel.isCollection) {
    const items = value as object[];
    o[DICT][rel.key] = Collection.of_(o, rel, items, items);
  } else o[DICT][rel.key] = value;
  o[LOADED] |= bit;
}

function keyTuple(values: Record<string, unknown>, keys: readonly string[]): string | undefined {
  let out = "";
  for (const k of keys) {
    const v = values[k];
    if (v === null || v === undefined) return undefined;
    out += "\u0000" + (typeof v === "bigint" ? `${v}n` : String(v));
  }
  return out;
}

/** A condition matching any of `tuples` on `columns` (IN for one column, OR of ANDs for more). */
function anyOf(columns: readonly Expr<unknown>[], tuples: readonly unknown[][]): Expr<boolean> {
  if (columns.length === 1)
    return keyIn(
      columns[0],
      tuples.map((t) => t[0]),
    );
  return or(...tuples.map((t) => and(...columns.map((c, i) => keyEq(c, t[i])))));
}

const BATCH = 500;

/**
 * Loads `rel` for every object in `objs` with one query per batch of parents (select-in).
 * Many-to-one targets already in the identity map cost no SQL.
 */
export async function loadRelationship(session: Session, objs: readonly Entity[], rel: Relationship): Promise<void> {
  const target = rel.target;
  const tt = target.table;
  const exec = await session.reader();
  const order = rel.options.orderBy?.() ?? tt.primaryKey;
  if (rel.direction === "manyToOne") {
    const objects = session.identityMap.of(target);
    const wanted = new Map<Ident, Entity[]>();
    for (const o of objs) {
      const fk: Record<string, unknown> = {};
      for (const [pk, ck] of rel.pairs) fk[pk] = o[DICT][ck];
      const ident = target.identOf(fk);
      if (ident === undefined) {
        setLoaded(o, rel, null);
        continue;
      }
      const hit = objects.get(ident);
      if (hit && !isExpired(hit)) setLoaded(o, rel, hit);
      else {
        const list = wanted.get(ident);
        if (list) list.push(o);
        else wanted.set(ident, [o]);
      }
    }
    const keys = [...wanted.values()].map((os) => rel.pairs.map(([, ck]) => os[0][DICT][ck]));
    for (let i = 0; i < keys.length; i += BATCH) {
      const stmt = select(tt).where(
        anyOf(
          rel.pairs.map(([pk]) => tt.column(pk)),
          keys.slice(i, i + BATCH),
        ),
      );
      await exec.forEach(stmt, (r) => hydrateIn(session, target, objects, r as Record<string, unknown>, false));
    }
    for (const [ident, os] of wanted) for (const o of os) setLoaded(o, rel, objects.get(ident) ?? null);
    return;
  }
  if (rel.direction === "oneToMany") {
    const parentKeys = rel.pairs.map(([pk]) => pk);
    const childKeys = rel.pairs.map(([, ck]) => ck);
    const byParent = new Map<string, Entity>();
    for (const o of objs) {
      const k = keyTuple(o[DICT], parentKeys);
      if (k !== undefined) byParent.set(k, o);
    }
    const found = new Map<Entity, Entity[]>(objs.map((o) => [o, []]));
    const parents = [...byParent.values()];
    const objects = session.identityMap.of(target);
    for (let i = 0; i < parents.length; i += BATCH) {
      const batch = parents.slice(i, i + BATCH).map((o) => parentKeys.map((pk) => o[DICT][pk]));
      const stmt = select(tt)
        .where(
          anyOf(
            childKeys.map((ck) => tt.column(ck)),
            batch,
          ),
        )
        .orderBy(...order);
      await exec.forEach(stmt, (r) => {
        const row = r as Record<string, unknown>;
        const obj = hydrateIn(session, target, objects, row, false);
        const parent = byParent.get(keyTuple(row, childKeys)!);
        if (parent) found.get(parent)!.push(obj);
      });
    }
    const back = rel.back;
    for (const o of objs) {
      const items = found.get(o)!;
      setLoaded(o, rel, rel.isCollection ? items : (items[0] ?? null));
      // The children's side of the pair is known too: their parent is `o`.
      if (back && !back.isCollection) for (const c of items) if (!isLoaded(c, back.key)) setLoaded(c, back, o);
    }
    return;
  }
  // Many-to-many through the association table.
  const sec = rel.options.secondary!;
  const { local, remote } = rel.secondaryPairs;
  const localKeys = local.map(([k]) => k);
  const byParent = new Map<string, Entity>();
  for (const o of objs) {
    const k = keyTuple(o[DICT], localKeys);
    if (k !== undefined) byParent.set(k, o);
  }
  const found = new Map<Entity, Entity[]>(objs.map((o) => [o, []]));
  const parents = [...byParent.values()];
  const linkKeys = local.map(([, sk]) => sk);
  const linkLabels = local.map((_, j) => `link_${j}`);
  const objects = session.identityMap.of(target);
  for (let i = 0; i < parents.length; i += BATCH) {
    const batch = parents.slice(i, i + BATCH).map((o) => localKeys.map((k) => o[DICT][k]));
    const links = local.map(([, sk], j) => sec.column(sk).as(linkLabels[j]));
    const stmt = select(tt, ...links)
      .join(sec, and(...remote.map(([k, sk]) => sec.column(sk).eq(tt.column(k)))))
      .where(
        anyOf(
          linkKeys.map((sk) => sec.column(sk)),
          batch,
        ),
      )
      .orderBy(...order);
    await exec.forEach(stmt, (r) => {
      const row = r as Record<string, unknown>;
      const entity: Record<string, unknown> = {};
      for (const k of target.columnKeys) entity[k] = row[k];
      const obj = hydrateIn(session, target, objects, entity, false);
      const parent = byParent.get(keyTuple(row, linkLabels)!);
      if (parent) found.get(parent)!.push(obj);
    });
  }
  for (const o of objs) setLoaded(o, rel, found.get(o)!);
}
