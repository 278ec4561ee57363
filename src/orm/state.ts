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
  /** Relationship keys whose values are loaded (or initialised for new objects). */
  readonly loaded = new Set<string>();
  /** Collection membership as last loaded or flushed, for orphan detection and association rows. */
  readonly collectionSnapshots = new Map<string, readonly object[]>();
  /** Column keys written since the last load/flush (a hint; flush compares values). */
  modified: Set<string> | null = null;

  constructor(
    readonly obj: object,
    public mapper: Mapper,
    dict?: Record<string, unknown>,
  ) {
    this.dict = dict ?? {};
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
      for (const r of this.mapper.relationships.keys()) this.loaded.delete(r);
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
