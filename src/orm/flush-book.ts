// What the unit of work (flush.ts) shares with the rest of the Session: the session's side it reads
// and changes (FlushBook, implemented by SessionObjects) and what an observer is shown of each
// flush's plan before it is written (the session trace).
import type { ForeignKey } from "../schema/table.js";
import type { Mapper } from "./mapper.js";
import type { Ordered } from "./organize.js";
import type { Relationship } from "./relationships.js";
import type { Ident, InstanceState } from "./state.js";

/** What a flush observer is shown of a plan, before anything is written (the session trace, orm/trace). */
export interface FlushPlanView {
  readonly saves: Ordered;
  readonly deletes: Ordered;
  /** Keys of post-update relationships. */
  readonly postUpdateKeys: ReadonlySet<ForeignKey>;
  isInsert(s: InstanceState): boolean;
  readonly associationRows: number;
}

export interface FlushObserver {
  flushPlan(plan: FlushPlanView): void;
}

/**
 * What the unit of work reads and changes of its session: the session's bookkeeping of objects
 * (SessionObjects, session-objects.ts). The flush changes the session only through these.
 */
export interface FlushBook {
  readonly pending: ReadonlySet<InstanceState>;
  /** Marked for deletion by `Session.delete`. */
  readonly deleted: ReadonlySet<InstanceState>;
  readonly observer: FlushObserver | undefined;
  /** Objects of the identity map with writes since their last load or flush. */
  modifiedStates(): InstanceState[];
  /** Follows save-update cascades from what is pending or modified; returns the objects it made pending. */
  cascadeChanges(): InstanceState[];
  /** Whether the delete cascade of `s` (marked for deletion) reaches `child` of `rel`. */
  cascadesTo(s: InstanceState, rel: Relationship, child: object): boolean;
  /** The members `rel` of `s` held when `Session.delete(s)` was called, when it was loaded then. */
  heldAtDelete(s: InstanceState, rel: Relationship): readonly object[] | undefined;
  find(mapper: Mapper, ident: Ident | undefined): InstanceState | undefined;
  objectsOf(mapper: Mapper): InstanceState[];
  loadRelationship(s: InstanceState, rel: Relationship): Promise<void>;
  /** A pending object will not be inserted: it leaves the pending set (false when it was not there). */
  unpend(s: InstanceState): boolean;
  /** The flush failed: objects it made pending leave, pending objects it dropped come back. */
  undoPending(cascaded: readonly InstanceState[], dropped: readonly InstanceState[]): void;
  // Once the flush's statements succeeded:
  flushedDrop(s: InstanceState): void;
  /** Inserted (as an UPDATE of `replaced`'s row when a row switch). */
  flushedInsert(s: InstanceState, replaced: InstanceState | undefined): void;
  flushedUpdate(s: InstanceState): void;
  flushedDelete(s: InstanceState): void;
  /** Every object marked for deletion is written: the deleted set empties. */
  flushedDeletes(): void;
}
