// Per-instance ORM state, kept under a symbol on the object itself: attribute values, what was
// last loaded or flushed (to compute changes), the object's status and its identity.
import type { Mapper } from "./mapper.js";
import type { Session } from "./session.js";

export const STATE: unique symbol = Symbol("arbor.state");

export type Status = "transient" | "pending" | "persistent" | "deleted" | "detached";

export class InstanceState {
  /** Current attribute values (columns and relationships). */
  dict: Record<string, unknown>;
  /**
   * Column values as last loaded or flushed. Shares `dict` until the first write, so loading
   * copies nothing.
   */
  committed: Record<string, unknown> | null = null;
  status: Status = "transient";
  session: Session | undefined = undefined;
  /** Identity key string, set once persistent. */
  key: string | undefined = undefined;
  /** Attributes whose values are stale; reading one throws until refreshed. */
  expired: Set<string> | null = null;
  // Relationship keys whose values are loaded, and collection membership as last loaded or
  // flushed (for orphans and association rows). Small, and allocated on first use: loading tens
  // of thousands of objects should not allocate a Set and a Map for each.
  private loadedBits = 0;
  private snapshots: Record<string, readonly object[]> | null = null;
  /** A pending object deleted before it was ever flushed: cascades pass it by. */
  discarded = false;
  /** Column keys written since the last load/flush (a hint; flush compares values). */
  modified: Set<string> | null = null;

  constructor(
    readonly obj: object,
    public mapper: Mapper,
    dict?: Record<string, unknown>,
  ) {
    this.dict = dict ?? {};
  }

  // One bit per relationship (its place in the mapper): marking one loaded allocates nothing.
  isLoaded(key: string): boolean {
    return (this.loadedBits & this.mapper.relationshipBit(key)) !== 0;
  }
  markLoaded(key: string): void {
    this.loadedBits |= this.mapper.relationshipBit(key);
  }
  unload(key: string): void {
    this.loadedBits &= ~this.mapper.relationshipBit(key);
  }
  loadedKeys(): string[] {
    return [...this.mapper.relationships.keys()].filter((k) => this.isLoaded(k));
  }
  snapshot(key: string): readonly object[] | undefined {
    return this.snapshots?.[key];
  }
  setSnapshot(key: string, members: readonly object[]): void {
    (this.snapshots ??= {})[key] = members;
  }
  hasSnapshot(key: string): boolean {
    return this.snapshots !== null && key in this.snapshots;
  }

  /** Records a write; copies the committed snapshot away from `dict` on the first one. */
  noteWrite(key: string): void {
    if (this.committed === this.dict) this.committed = { ...this.dict };
    (this.modified ??= new Set()).add(key);
  }

  /** After a load or flush: what is in `dict` is now what the database holds. */
  markClean(): void {
    this.committed = this.dict;
    this.modified = null;
  }

  /** Expires columns (all but the primary key by default: an identity does not go stale). */
  expire(keys?: readonly string[]): void {
    const all = keys ?? this.mapper.columnKeys.filter((k) => !this.mapper.pkKeys.includes(k));
    this.expired ??= new Set();
    // What the database holds for these is unknown now: any later write counts as a change.
    if (this.committed === this.dict) this.committed = { ...this.dict };
    for (const k of all) {
      this.expired.add(k);
      if (this.committed) delete this.committed[k];
    }
    if (!keys) {
      for (const r of this.mapper.relationships.keys()) this.unload(r);
      this.modified = null;
    }
  }

  get isExpired(): boolean {
    return this.expired !== null && this.expired.size > 0;
  }
}

export function stateOf(obj: object): InstanceState | undefined {
  return (obj as { [STATE]?: InstanceState })[STATE];
}
