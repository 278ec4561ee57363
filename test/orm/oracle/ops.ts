// The oracle's op language: a scenario is data, run by runner.ts through Arbor and by
// sa_runner.py through SQLAlchemy. Objects are named by labels; attributes and rows by column
// names (the database's, which both mappings share).
import type { ClassName } from "./model.js";

export type Value = string | number | null;

export type Op =
  /** A transient object (not added). */
  | { op: "new"; cls: ClassName; as: string; attrs: Record<string, Value> }
  | { op: "add"; obj: string }
  | { op: "delete"; obj: string }
  /** A column attribute. */
  | { op: "set"; obj: string; attr: string; value: Value }
  /** A many-to-one (or one-to-one) relationship. */
  | { op: "setRef"; obj: string; rel: string; to: string | null }
  /**
   * Collection append; appending a child that has another parent moves it. Arbor's runner loads
   * the collection first where SQLAlchemy would lazy-load it (also for remove and removeAt).
   */
  | { op: "append"; obj: string; rel: string; child: string }
  | { op: "remove"; obj: string; rel: string; child: string }
  /** Removes the collection's member at `index` (nothing when there is none). */
  | { op: "removeAt"; obj: string; rel: string; index: number }
  /** Loads a relationship (Arbor: session.load; SQLAlchemy: attribute access, lazy load). */
  | { op: "load"; obj: string; rel: string }
  | { op: "get"; cls: ClassName; id: number; as: string }
  | { op: "flush" }
  | { op: "commit" }
  | { op: "rollback" }
  /** Savepoints are named; one that is no longer open (ended, or its transaction ended) counts as missing. */
  | { op: "savepoint"; as: string }
  | { op: "rollbackSavepoint"; sp: string }
  | { op: "releaseSavepoint"; sp: string }
  | { op: "expunge"; obj: string }
  | { op: "expire"; obj: string; attrs?: string[] }
  | { op: "expireAll" }
  | { op: "refresh"; obj: string }
  | { op: "merge"; obj: string; as: string }
  | { op: "autoflush"; on: boolean }
  /** Flushes (autoflush), then runs an UPDATE by primary key outside the ORM, in the session's transaction. */
  | { op: "exec"; table: string; id: number; set: Record<string, Value> }
  /** Closes the session; the next op opens a new one. */
  | { op: "close" };

export type SeedRow = readonly [string, Record<string, Value>] | readonly [string, { id: number }, Record<string, Value>];

export interface Scenario {
  readonly name: string;
  /**
   * Rows written (and committed) before the session opens, keyed by column name: [table, row]
   * inserts, [table, { id }, changes] updates (for rows that reference each other).
   */
  readonly seed?: readonly SeedRow[];
  readonly ops: readonly Op[];
  /**
   * After an op fails with a flush error, roll back (SQLAlchemy requires it; see differences.ts);
   * an op that loads (get, load, append, remove, removeAt) and so failed in its autoflush then
   * runs again, so it and the ops after it find what they need.
   */
  readonly rollbackOnFlushError?: boolean;
}

/** The error kind both runners report for an op naming a label that holds no object (or no open savepoint). */
export const NO_OBJECT = "noObject";

export interface ObjState {
  status: string;
  key: string | null;
  expired: string[];
  values: Record<string, unknown>;
  rels: Record<string, string[] | string | null>;
}

export interface SessionState {
  objs: Record<string, ObjState>;
  idmap: Record<string, string | null>;
  new: (string | null)[];
  deleted: (string | null)[];
}

export interface AuditRow {
  table: string;
  op: string;
  pk: string;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
}

export interface DbDump {
  rows: Record<string, Record<string, unknown>[]>;
  audit: AuditRow[];
}

export interface Step {
  op: string;
  result?: string | null;
  error?: string;
  message?: string;
  /** The runner rolled back after this op's flush error (rollbackOnFlushError). */
  rolledBack?: boolean;
  /** The error kind of the read run again after that rollback, if it failed too. */
  retryError?: string;
  state: SessionState;
  db?: DbDump;
}

export interface Outcome {
  name: string;
  steps: Step[];
  db: DbDump;
  /** Cut short by a normaliser: its last step is not the scenario's last. */
  truncated?: boolean;
}

/** The flush-class errors after which a scenario with rollbackOnFlushError rolls back. */
export const FLUSH_ERRORS = new Set(["integrity", "stale", "cycle", "identity", "flush"]);
