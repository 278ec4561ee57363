// The session trace's JSON format (version 1): what `SessionTrace.toJSON()` returns and the
// animation page replays. Plain data only, every value rendered by values.ts, so the trace can be
// written to a file, embedded in a page or compared in a test.
import type { RenderedValue } from "./values.js";

export const TRACE_FORMAT = "arbor-session-trace";
export const TRACE_VERSION = 1;

export type Lane = "transient" | "pending" | "persistent" | "deleted" | "detached";

export interface SessionTraceJSON {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  /** The engine's dialect name. */
  readonly dialect: string;
  readonly tables: readonly TraceTable[];
  /** Every object the trace saw, in the order it first saw them; steps refer to them by id. */
  readonly objects: readonly TraceObject[];
  readonly steps: readonly TraceStep[];
  /** Every statement sent, in order; `TraceStep.sql` indexes into it. */
  readonly statements: readonly TraceStatement[];
  readonly flushes: readonly TraceFlush[];
  /** Database contents, deduplicated; `TraceStep.rows` indexes into it. */
  readonly databases: readonly TraceDatabase[];
  /** Source lines of the application files named by steps' `code`. */
  readonly sources: Readonly<Record<string, readonly string[]>>;
}

export interface TraceTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
}

export interface TraceObject {
  readonly id: number;
  readonly class: string;
  readonly table: string;
  /** The name the application gave it (`trace.name({ alice })`), if any. */
  readonly name?: string;
}

export type StepKind =
  | "name" // objects named by the application (they enter the picture as transient)
  | "mark" // a point the application marked (a change the session does not see, say)
  | "call" // a session operation begins
  | "sql" // a statement was sent
  | "plan" // a flush worked out what to write, in what order
  | "event" // a session event: flush, commit, rollback
  | "done"; // a session operation ended (or failed)

export interface TraceStep {
  readonly index: number;
  readonly kind: StepKind;
  /** What happens, in a few words: "session.add()", "INSERT INTO customer", "flush plan". */
  readonly title: string;
  readonly detail?: string;
  /** The operation this step belongs to (its "call" step's index). */
  readonly op?: number;
  /** The application line being run. */
  readonly code?: { readonly file: string; readonly line: number };
  /** Index into `statements` for a "sql" step. */
  readonly sql?: number;
  /** Index into `flushes` for steps of a flush; `action` the plan action running. */
  readonly flush?: number;
  readonly action?: number;
  readonly error?: string;
  readonly state: SessionSnapshot;
  /** Index into `databases`: the rows as last read (after the step, or before it for SQL run mid-operation). */
  readonly rows: number;
  /** Objects an operation brought into the identity map, as a tree along loaded relationships. */
  readonly loaded?: readonly LoadedNode[];
}

export interface SessionSnapshot {
  readonly objects: readonly ObjectSnapshot[];
  /** Identity key → object id. */
  readonly identityMap: readonly (readonly [string, number])[];
  readonly new: readonly number[];
  readonly dirty: readonly number[];
  readonly deleted: readonly number[];
  readonly transaction: TransactionSnapshot;
}

export interface TransactionSnapshot {
  readonly open: boolean;
  /** Open SAVEPOINT names, outermost first. */
  readonly savepoints: readonly string[];
}

export interface ObjectSnapshot {
  readonly id: number;
  readonly lane: Lane;
  /** Persistent and listed in `session.deleted`: its DELETE is not flushed yet. */
  readonly markedDeleted: boolean;
  readonly identityKey?: string;
  /** Loaded column values (expired ones left out). */
  readonly values: Readonly<Record<string, RenderedValue>>;
  /** Columns changed since the last load or flush, with the value the database holds. */
  readonly dirty: Readonly<Record<string, RenderedValue>>;
  readonly expired: readonly string[];
  /** Loaded relationships: key → ids of the related objects (a reference is a list of 0 or 1). */
  readonly related: Readonly<Record<string, readonly number[]>>;
}

export interface LoadedNode {
  readonly id: number;
  /** Children through loaded one-to-many relationships: key → nodes. */
  readonly children: Readonly<Record<string, readonly LoadedNode[]>>;
}

export interface TraceStatement {
  readonly sql: string;
  readonly params: readonly RenderedValue[];
  /** Rows affected (writes) or returned (reads), when the driver says. */
  readonly rowCount?: number;
  readonly error?: string;
  /** The step that shows it. */
  readonly step: number;
}

export interface TraceFlush {
  readonly actions: readonly FlushAction[];
  /** Why the actions are in this order, in sentences. */
  readonly notes: readonly string[];
}

export interface FlushAction {
  readonly verb: "insert" | "update" | "delete" | "post-update" | "clear-keys" | "associations";
  readonly table: string;
  /** Object ids, in the order written. */
  readonly objects: readonly number[];
  /** Why here: the foreign keys that put it after (saves) or before (deletes) other actions. */
  readonly reason: string;
}

export interface TraceDatabase {
  /** Table name → rows (values rendered), ordered by primary key. */
  readonly [table: string]: readonly (readonly RenderedValue[])[];
}
