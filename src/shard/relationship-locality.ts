// Whether a relationship's rows live on the shard of the object it is loaded from. A group's rows
// share a shard, so a relationship along the grouping key (or joining root key to root key) is
// answered by that shard, and so is one to a table outside every group (each shard holds it
// whole). Any other relationship between group members (a reviewer, a referrer: another group's
// row) would be looked up on the wrong shard and come back empty or short, so loading it is refused.
import type { Mapper } from "../orm/mapper.js";
import type { LoaderOption } from "../orm/options.js";
import type { Relationship } from "../orm/relationships.js";
import type { ShardSet } from "./shards.js";

/** Why loading `rel` from one shard could miss rows another shard holds, or undefined. */
export function crossShardRelationship(shards: ShardSet, rel: Relationship): string | undefined {
  const name = `${rel.owner.name}.${rel.key}`;
  const target = rel.target.table;
  if (!shards.metadata.groupOf(target)) return undefined;
  if (rel.kind === "manyToMany") return `${name} reaches group members through an association table, which may hold rows of other groups on other shards`;
  if (rel.grouping) return undefined;
  const owner = rel.owner.table;
  if (!shards.metadata.groupOf(owner) || shards.groupOf(owner) !== shards.groupOf(target))
    return `${name} leads from outside ${target.name}'s table group into it, so its rows may sit on any shard`;
  // Root key to root key: both rows are in one group whatever else the join says.
  const a = shards.rootKeyColumns(owner);
  const b = shards.rootKeyColumns(target);
  const joined = (x: readonly string[], y: readonly string[]) => x.every((k, i) => rel.pairs.some(([p, c]) => p === k && c === y[i]));
  if (joined(a, b) || joined(b, a)) return undefined;
  return `${name} joins ${owner.name} to ${target.name} on (${rel.pairs.map(([p, c]) => `${p} = ${c}`).join(", ")}), not on the group's root key, so the row it finds may belong to another group on another shard`;
}

/**
 * The first relationship a query of `mapper` would load from one shard although its rows may be on
 * another: those its options name with an eager strategy, and those loaded eagerly by default.
 */
export function crossShardLoad(shards: ShardSet, mapper: Mapper, lookup: (o: LoaderOption) => Mapper, options: readonly LoaderOption[]): string | undefined {
  for (const o of options) {
    if (o.strategy === "lazy" || o.strategy === "raise") continue;
    let m = lookup(o);
    for (const key of o.path) {
      const rel = m.relationships.get(key);
      if (!rel) break;
      const why = crossShardRelationship(shards, rel);
      if (why) return why;
      m = rel.target;
    }
  }
  const seen = new Set<Mapper>();
  const walk = (m: Mapper): string | undefined => {
    if (seen.has(m)) return undefined;
    seen.add(m);
    for (const rel of m.relationships.values()) {
      if (rel.defaultStrategy === "lazy" || rel.defaultStrategy === "raise") continue;
      const why = crossShardRelationship(shards, rel) ?? walk(rel.target);
      if (why) return why;
    }
    return undefined;
  };
  return walk(mapper);
}
