// A Session's identity map: per table, identity → the one object holding that row. A single
// numeric primary key is its own identity, so loading builds no key string per row; the identity
// token (a sharded session's shard) belongs to the session and so to every key in its map.
import type { Mapper } from "./mapper.js";
import type { Entity, Ident } from "./state.js";

/** The identity map read-only: what loaders, merge and observers see (the session's bookkeeping writes it). */
export interface IdentityView {
  of(mapper: Mapper): ReadonlyMap<Ident, Entity>;
  get(mapper: Mapper, ident: Ident | undefined): Entity | undefined;
  readonly size: number;
  maps(): IterableIterator<ReadonlyMap<Ident, Entity>>;
}

// Keyed by table, as identity keys always were: classes mapped to one table share identities.
export class IdentityMap implements IdentityView {
  private readonly byTable = new Map<object, Map<Ident, Entity>>();

  /** The map of one mapper's objects (created empty on first use): loaders look it up once per batch. */
  of(mapper: Mapper): Map<Ident, Entity> {
    let m = this.byTable.get(mapper.table);
    if (m === undefined) this.byTable.set(mapper.table, (m = new Map()));
    return m;
  }

  get(mapper: Mapper, ident: Ident | undefined): Entity | undefined {
    return ident === undefined ? undefined : this.byTable.get(mapper.table)?.get(ident);
  }

  set(mapper: Mapper, ident: Ident, obj: Entity): void {
    this.of(mapper).set(ident, obj);
  }

  /** Removes `ident` when it maps to `obj` (or to anything, without `obj`). */
  delete(mapper: Mapper, ident: Ident | undefined, obj?: Entity): void {
    if (ident === undefined) return;
    const m = this.byTable.get(mapper.table);
    if (m !== undefined && (obj === undefined || m.get(ident) === obj)) m.delete(ident);
  }

  get size(): number {
    let n = 0;
    for (const m of this.byTable.values()) n += m.size;
    return n;
  }

  /** The per-table maps, for loops over every object. */
  maps(): IterableIterator<Map<Ident, Entity>> {
    return this.byTable.values();
  }

  clear(): void {
    this.byTable.clear();
  }
}
