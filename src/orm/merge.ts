// Session.merge: copies a detached or transient object's state onto the session's object with the
// same identity (loaded when not in the session, created when not in the database), following the
// `merge` cascade through loaded relationships the way SQLAlchemy does.
import { relatedObjects } from "./cascade.js";
import { loadRelationship } from "./loading.js";
import type { Session } from "./session.js";
import { viewOf, type InstanceState } from "./state.js";

/**
 * The session's counterpart of `s`. `memo` maps each source object already merged to its target,
 * so a graph with back-references is merged once per object.
 */
export async function mergeState(session: Session, s: InstanceState, memo: Map<InstanceState, InstanceState>): Promise<InstanceState> {
  const done = memo.get(s);
  if (done) return done;
  if (s.session === session && (s.status === "persistent" || s.status === "pending")) return s;
  const mapper = s.mapper;
  const ident = mapper.identOf(s.dict);
  const found = session.identityMap.get(mapper, ident);
  let target = found && viewOf(found);
  if (!target && ident !== undefined) {
    const loaded = await session.get(mapper.cls, Object.fromEntries(mapper.pkKeys.map((k) => [k, s.dict[k]])));
    target = loaded ? session.stateOf(loaded) : undefined;
  }
  if (!target) {
    target = viewOf(mapper.blank());
    for (const k of mapper.columnKeys) if (s.dict[k] !== undefined) target.dict[k] = s.dict[k];
    session.add(target.obj);
  } else {
    for (const k of mapper.columnKeys) {
      if (s.expired?.has(k) || s.dict[k] === undefined || target.dict[k] === s.dict[k]) continue;
      target.noteWrite(k);
      target.dict[k] = s.dict[k];
      target.unexpire(k);
    }
  }
  memo.set(s, target);
  for (const rel of mapper.relationships.values()) {
    if (!rel.cascade.has("merge") || !s.isLoaded(rel.key)) continue;
    // The target's current value first: what the merged value replaces (orphans, keys to clear).
    if (target.status === "persistent" && !target.isLoaded(rel.key)) await loadRelationship(session, [target.obj], rel);
    const merged: object[] = [];
    for (const o of relatedObjects(s, rel)) merged.push((await mergeState(session, session.stateOf(o), memo)).obj);
    const obj = target.obj as unknown as Record<string, unknown>;
    if (rel.isCollection) {
      const current = obj[rel.key] as object[];
      if (current.length !== merged.length || current.some((o, i) => o !== merged[i])) obj[rel.key] = merged;
    } else if (obj[rel.key] !== (merged[0] ?? null)) obj[rel.key] = merged[0] ?? null;
  }
  return target;
}
