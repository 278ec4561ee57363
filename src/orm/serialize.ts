// Entities as JSON-ready data (`JSON.stringify(entity)` calls `toJSON`): loaded columns and loaded
// relationships, recursively. Nothing is loaded and nothing is dropped silently: an expired
// attribute raises ExpiredAttributeError, a relationship not loaded is absent, and a relationship
// leading back to an object already being written out (a back-reference) is left out whole —
// a to-one is absent rather than null, a collection absent rather than short.
import { ExpiredAttributeError } from "./errors.js";
import { DICT, LOADED, MAPPER, stateOf, type Entity } from "./state.js";

/** A column value as JSON gives it back: bigint as its decimal string, bytes as base64; Dates go through their own toJSON. */
function jsonValue(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  return v;
}

/** The plain form of `obj`; `path` holds the objects being written out above it. */
export function entityJSON(obj: Entity, path: Set<Entity> = new Set()): Record<string, unknown> {
  const mapper = obj[MAPPER];
  const s = stateOf(obj)!;
  if (s.expired !== null && s.expired.size > 0) {
    const keys = [...s.expired].sort().join(", ");
    throw new ExpiredAttributeError(
      `${mapper.name} ${mapper.describeKey(obj[DICT])} has expired attributes (${keys}): refresh or load it before serialising it`,
      { table: mapper.table.name, column: [...s.expired][0] },
    );
  }
  const dict = obj[DICT];
  const out: Record<string, unknown> = {};
  for (const k of mapper.columnKeys) if (dict[k] !== undefined) out[k] = jsonValue(dict[k]);
  if (obj[LOADED] === 0) return out;
  path.add(obj);
  for (const rel of mapper.relationships.values()) {
    if ((obj[LOADED] & rel.bit) === 0) continue;
    const v = dict[rel.key] as Entity | Entity[] | null | undefined;
    if (v === null || v === undefined) out[rel.key] = rel.isCollection ? [] : null;
    else if (Array.isArray(v)) {
      if (v.some((o) => path.has(o))) continue;
      out[rel.key] = v.map((o) => entityJSON(o, path));
    } else if (!path.has(v)) out[rel.key] = entityJSON(v, path);
  }
  path.delete(obj);
  return out;
}
