// The unit of work's ordering, kept apart from persistence: tables in foreign-key order (cycles
// broken by post-updates), and rows of a self-referential table in dependency levels.
import type { ForeignKey } from "../schema/table.js";
import type { Mapper } from "./mapper.js";
import type { InstanceState } from "./state.js";

export interface TableOrder {
  /** Parents before children. */
  readonly mappers: readonly Mapper[];
  /** Foreign keys that close a cycle between tables: written by a post-update. */
  readonly deferred: ReadonlySet<ForeignKey>;
}

/** Sorts the mappers so that every referenced table comes first; cyclic keys are deferred. */
export function sortMappers(mappers: readonly Mapper[]): TableOrder {
  const byTable = new Map(mappers.map((m) => [m.table, m] as const));
  const order: Mapper[] = [];
  const deferred = new Set<ForeignKey>();
  const state = new Map<Mapper, "visiting" | "done">();
  const visit = (m: Mapper): void => {
    state.set(m, "visiting");
    for (const fk of m.table.foreignKeys) {
      const target = byTable.get(fk.target);
      if (!target || target === m) continue;
      const s = state.get(target);
      if (s === "visiting") deferred.add(fk);
      else if (s === undefined) visit(target);
    }
    state.set(m, "done");
    order.push(m);
  };
  for (const m of mappers) if (!state.has(m)) visit(m);
  return { mappers: order, deferred };
}

/**
 * Splits rows of one table into levels so that a row comes after the rows it references in the
 * same table. `parentsOf` gives those same-table parents; edges that would form a cycle are
 * returned for a post-update instead.
 */
export function levels(rows: readonly InstanceState[], parentsOf: (s: InstanceState) => readonly InstanceState[]): { levels: InstanceState[][]; broken: [InstanceState, InstanceState][] } {
  const inSet = new Set(rows);
  const depth = new Map<InstanceState, number>();
  const onPath = new Set<InstanceState>();
  const broken: [InstanceState, InstanceState][] = [];
  const visit = (s: InstanceState): number => {
    const known = depth.get(s);
    if (known !== undefined) return known;
    onPath.add(s);
    let d = 0;
    for (const p of parentsOf(s)) {
      if (!inSet.has(p) || p === s) continue;
      if (onPath.has(p)) {
        broken.push([s, p]);
        continue;
      }
      d = Math.max(d, visit(p) + 1);
    }
    onPath.delete(s);
    depth.set(s, d);
    return d;
  };
  for (const r of rows) visit(r);
  const out: InstanceState[][] = [];
  for (const r of rows) (out[depth.get(r)!] ??= []).push(r);
  return { levels: out.filter(Boolean), broken };
}
