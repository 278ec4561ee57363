// Turning rows into objects through the identity map, and loading relationships of objects
// already in the session (explicit lazy loading and the select-in strategy share this).
import { Collection } from "./collection.js";
import { and, or } from "../sql/functions.js";
import { select } from "../sql/select.js";
import type { Expr } from "../sql/expression.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import { stateOf, type InstanceState } from "./state.js";

/**
 * The object for a loaded row: the one already in the identity map (refreshed where expired),
 * or a new persistent instance that takes ownership of `row`.
 */
export function hydrate(session: Session, mapper: Mapper, row: Record<string, unknown>, populateExisting = false): object {
  const key = mapper.identityKey(row, session.identityToken);
  const existing = key ? session.identityMap.get(key) : undefined;
  if (existing) {
    refreshFrom(existing, row, populateExisting);
    return existing.obj;
  }
  const s = mapper.instantiate(row);
  const obj = s.obj;
  s.status = "persistent";
  s.session = session;
  s.key = key;
  s.committed = s.dict;
  if (key) session.identityMap.set(key, s);
  return obj;
}

/** Fills expired attributes (or all, with `all`) from a row; changed attributes are never overwritten. */
function refreshFrom(s: InstanceState, row: Record<string, unknown>, all: boolean): void {
  if (!all && s.expired === null) return;
  const changed = s.modified;
  const committed = s.committed === s.dict || s.committed === null ? null : s.committed;
  for (const k of s.mapper.columnKeys) {
    if (!(k in row)) continue;
    const wasExpired = s.expired?.has(k) ?? false;
    if (!all && !wasExpired) continue;
    if (changed?.has(k) && !wasExpired) continue;
    s.dict[k] = row[k];
    if (committed) committed[k] = row[k];
    s.expired?.delete(k);
  }
  if (s.expired?.size === 0) s.expired = null;
  if (all && !changed) s.committed = s.dict;
}

/**
 * Sets a relationship's loaded value on an object, as loaded from the database. A collection's
 * array becomes its membership snapshot: callers hand over an array they no longer change.
 */
export function setLoaded(s: InstanceState, rel: Relationship, value: object[] | object | null): void {
  if (s.isLoaded(rel.key) && s.modified?.has(rel.key)) return;
  if (rel.isCollection) {
    const items = value as object[];
    s.dict[rel.key] = Collection.of_(s.obj, rel, items);
    s.setSnapshot(rel.key, items);
  } else s.dict[rel.key] = value;
  s.markLoaded(rel.key);
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
  if (columns.length === 1) return columns[0].in(tuples.map((t) => t[0]) as never);
  return or(...tuples.map((t) => and(...columns.map((c, i) => c.eq(t[i] as never)))));
}

const BATCH = 500;

/**
 * Loads `rel` for every state in `states` with one query per batch of parents (select-in).
 * Many-to-one targets already in the identity map cost no SQL.
 */
export async function loadRelationship(session: Session, states: readonly InstanceState[], rel: Relationship): Promise<void> {
  const target = rel.target;
  const tt = target.table;
  const exec = await session.executor();
  const order = rel.options.orderBy?.() ?? tt.primaryKey;
  if (rel.direction === "manyToOne") {
    const wanted = new Map<string, InstanceState[]>();
    for (const s of states) {
      const fk = Object.fromEntries(rel.pairs.map(([pk, ck]) => [pk, s.dict[ck]]));
      const key = target.identityKey(fk, session.identityToken);
      if (!key) {
        setLoaded(s, rel, null);
        continue;
      }
      const hit = session.identityMap.get(key);
      if (hit && !hit.isExpired) setLoaded(s, rel, hit.obj);
      else wanted.set(key, [...(wanted.get(key) ?? []), s]);
    }
    const keys = [...wanted.values()].map((ss) => rel.pairs.map(([, ck]) => ss[0].dict[ck]));
    for (let i = 0; i < keys.length; i += BATCH) {
      const rows = (await exec.execute(select(tt).where(anyOf(rel.pairs.map(([pk]) => tt.column(pk)), keys.slice(i, i + BATCH))))).rows;
      for (const r of rows) hydrate(session, target, r as Record<string, unknown>);
    }
    for (const [key, ss] of wanted) for (const s of ss) setLoaded(s, rel, session.identityMap.get(key)?.obj ?? null);
    return;
  }
  if (rel.direction === "oneToMany") {
    const byParent = new Map<string, InstanceState>();
    for (const s of states) {
      const k = keyTuple(s.dict, rel.pairs.map(([pk]) => pk));
      if (k !== undefined) byParent.set(k, s);
    }
    const found = new Map<InstanceState, object[]>(states.map((s) => [s, []]));
    const parents = [...byParent.values()];
    for (let i = 0; i < parents.length; i += BATCH) {
      const batch = parents.slice(i, i + BATCH).map((s) => rel.pairs.map(([pk]) => s.dict[pk]));
      const stmt = select(tt).where(anyOf(rel.pairs.map(([, ck]) => tt.column(ck)), batch)).orderBy(...order);
      for (const r of (await exec.execute(stmt)).rows) {
        const obj = hydrate(session, target, r as Record<string, unknown>);
        const row = r as Record<string, unknown>;
        const parent = byParent.get(keyTuple(row, rel.pairs.map(([, ck]) => ck))!);
        if (parent) found.get(parent)!.push(obj);
      }
    }
    const back = rel.back;
    for (const s of states) {
      const items = found.get(s)!;
      setLoaded(s, rel, rel.isCollection ? items : (items[0] ?? null));
      // The children's side of the pair is known too: their parent is `s`.
      if (back && !back.isCollection) for (const o of items) if (!stateOf(o)!.isLoaded(back.key)) setLoaded(stateOf(o)!, back, s.obj);
    }
    return;
  }
  // Many-to-many through the association table.
  const sec = rel.options.secondary!;
  const { local, remote } = rel.secondaryPairs;
  const byParent = new Map<string, InstanceState>();
  for (const s of states) {
    const k = keyTuple(s.dict, local.map(([k]) => k));
    if (k !== undefined) byParent.set(k, s);
  }
  const found = new Map<InstanceState, object[]>(states.map((s) => [s, []]));
  const parents = [...byParent.values()];
  const linkKeys = local.map(([, sk]) => sk);
  for (let i = 0; i < parents.length; i += BATCH) {
    const batch = parents.slice(i, i + BATCH).map((s) => local.map(([k]) => s.dict[k]));
    const links = local.map(([, sk], j) => sec.column(sk).as(`link_${j}`));
    const stmt = select(tt, ...links)
      .join(sec, and(...remote.map(([k, sk]) => sec.column(sk).eq(tt.column(k)))))
      .where(anyOf(linkKeys.map((sk) => sec.column(sk)), batch))
      .orderBy(...order);
    for (const r of (await exec.execute(stmt)).rows) {
      const row = r as Record<string, unknown>;
      const linkVals = local.map((_, j) => row[`link_${j}`]);
      const entity: Record<string, unknown> = {};
      for (const k of target.columnKeys) entity[k] = row[k];
      const obj = hydrate(session, target, entity);
      const parent = byParent.get(keyTuple(Object.fromEntries(linkVals.map((v, j) => [j, v])), linkVals.map((_, j) => String(j)))!);
      if (parent) found.get(parent)!.push(obj);
    }
  }
  for (const s of states) setLoaded(s, rel, found.get(s)!);
}
