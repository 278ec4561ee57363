// Walking cascades: the objects reachable from one object through loaded relationships that
// carry a given cascade (expunge, refresh-expire, merge…). Unloaded relationships are not loaded.
import type { Cascade, Relationship } from "./relationships.js";
import { stateOf, type InstanceState } from "./state.js";

/** The current members of a loaded relationship (nothing when it is not loaded). */
export function relatedObjects(s: InstanceState, rel: Relationship): object[] {
  if (!s.isLoadedRel(rel)) return [];
  const v = s.dict[rel.key];
  return rel.isCollection ? [...((v as object[] | null) ?? [])] : v ? [v as object] : [];
}

/**
 * Every object reached from `root` (not `root` itself) along relationships with `cascade`,
 * depth first, each once. As in SQLAlchemy, a refresh-expire cascade passes pending objects by
 * unless the relationship also carries delete-orphan.
 */
export function cascadeIterator(root: InstanceState, cascade: Cascade): InstanceState[] {
  const seen = new Set<InstanceState>([root]);
  const out: InstanceState[] = [];
  const visit = (s: InstanceState): void => {
    for (const rel of s.mapper.relationships.values()) {
      if (!rel.cascade.has(cascade)) continue;
      const skipPending = cascade === "refresh-expire" && !rel.cascade.has("delete-orphan");
      for (const o of relatedObjects(s, rel)) {
        const os = stateOf(o);
        if (!os || seen.has(os)) continue;
        if (skipPending && os.status === "pending") continue;
        seen.add(os);
        out.push(os);
        visit(os);
      }
    }
  };
  visit(root);
  return out;
}
