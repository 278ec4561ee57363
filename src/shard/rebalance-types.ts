// The rebalance's vocabulary: moves, steps, options, progress, the report and its errors.
import { ArborError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import { describeKey, type GroupChecksum } from "./checksum.js";

/** One group to move: its root key, the shard holding it and the shard it belongs on. */
export interface Move {
  /** The group's name (its root table). */
  readonly group: string;
  readonly rootKey: unknown[];
  readonly from: string;
  readonly to: string;
}

/** Where `faultHook` is called during a move (for tests that interrupt a rebalance). */
export type RebalanceStep =
  /** Before anything is read. */
  | "copy:begin"
  /** Inside the target's transaction, after the inserts, before COMMIT. */
  | "copy:inserted"
  /** After the copy committed (or was found already done). */
  | "copy:committed"
  /** After the checksums agreed. */
  | "verify:done"
  /** Inside the source's transaction, after the deletes, before COMMIT. */
  | "delete:deleted"
  /** After the delete committed: the move is complete. */
  | "delete:committed";

export const REBALANCE_STEPS: readonly RebalanceStep[] = ["copy:begin", "copy:inserted", "copy:committed", "verify:done", "delete:deleted", "delete:committed"];

export type MoveOutcome = "moved" | "alreadyCopied" | "skipped";

export interface RebalanceProgress {
  /** "planned" once the plan is known; "move" after each move. */
  readonly phase: "planned" | "move";
  /** Moves finished (including skipped ones) and planned in all. */
  readonly done: number;
  readonly total: number;
  readonly moved: number;
  readonly alreadyCopied: number;
  readonly skipped: number;
  /** With "move": the last move of the batch just finished, and its outcome. */
  readonly move?: Move;
  readonly outcome?: MoveOutcome;
  /** With "move": every move of the batch just finished. */
  readonly batch?: readonly Move[];
  /** With "planned": the plan and the number of root rows scanned. */
  readonly plan?: readonly Move[];
  readonly scanned?: number;
}

export interface RebalanceOptions {
  /** The group to rebalance (or its root table's name); default every group of `from.metadata`. */
  group?: TableGroup | string;
  /** Plan only: read the root keys, change nothing. */
  dryRun?: boolean;
  onProgress?: (progress: RebalanceProgress) => void;
  /** Rows per INSERT statement when copying (default 500; fewer for wide tables). */
  batchSize?: number;
  /** Groups moved per batch: one transaction on each of source and target (default 500). */
  groupsPerBatch?: number;
  /** Reruns of a batch that failed on a deadlock or serialization failure (SQLite: busy), default 5. */
  retries?: number;
  /** At most this many groups per second (a pause after each batch); default unlimited. */
  throttle?: number;
  /** Called at each step of each batch with its first move; a throw (or rejection) interrupts the rebalance there. */
  faultHook?: (step: RebalanceStep, move: Move) => void | Promise<void>;
  /** Stops between moves (the report then says `aborted`). */
  signal?: AbortSignal;
}

/** The checksum both shards agreed on for a moved group. */
export interface MovedGroup extends Move {
  readonly checksum: string;
  readonly rows: number;
  readonly outcome: "moved" | "alreadyCopied";
}

export interface RebalanceReport {
  readonly dryRun: boolean;
  /** Every planned move, in order. */
  readonly plan: readonly Move[];
  /** Root rows scanned while planning. */
  readonly scanned: number;
  /** Groups this run left on their new shard only (including `alreadyCopied`). */
  readonly moved: number;
  /** Of `moved`: groups of which an earlier, interrupted run had left a copy on the target (replaced by a fresh one). */
  readonly alreadyCopied: number;
  /** Copies an interrupted run left in flight (groups still on their source) that this run removed first. */
  readonly staleCopies: number;
  /** Planned moves whose group was no longer on its source shard. */
  readonly skipped: number;
  /** Per moved group, the checksum source and target agreed on. */
  readonly checksums: readonly MovedGroup[];
  /** True when `signal` stopped the run before the plan was done. */
  readonly aborted: boolean;
}

/** A move failed; nothing is lost: the group is still whole on its source shard. */
export class RebalanceError extends ArborError {
  constructor(
    message: string,
    readonly move: Move,
    readonly step: RebalanceStep | "verify" | "delete",
    cause?: unknown,
  ) {
    super(message, { table: move.group, value: move.rootKey, cause });
  }
}

/** Source and target disagree about a group's rows (or the source changed while it moved). */
export class RebalanceChecksumError extends RebalanceError {
  constructor(
    move: Move,
    readonly source: GroupChecksum,
    readonly target: GroupChecksum,
    detail: string,
  ) {
    super(
      `Group ${move.group} ${describeKey(move.rootKey)}: ${detail} (shard ${move.from}: ${source.rows} rows, ${source.checksum.slice(0, 12)}; ` +
        `shard ${move.to}: ${target.rows} rows, ${target.checksum.slice(0, 12)}); the source was left in place`,
      move,
      "verify",
    );
  }
}

/** Another rebalance holds the run lock of one of the shards. */
export class RebalanceLockedError extends ArborError {
  constructor(override readonly shard: string) {
    super(
      `Another rebalance is running on shard ${JSON.stringify(shard)} (its run lock is held); wait for it to finish, or for its process to end, and run again`,
    );
  }
}

/** Reading a shard's root keys failed (unreachable, or without the schema's tables). */
export class RebalanceScanError extends ArborError {
  constructor(
    override readonly shard: string,
    group: TableGroup,
    cause: ArborError,
  ) {
    // SQLite, PostgreSQL and MariaDB spell a missing table so.
    const missing = /no such table|relation .* does not exist|table .* doesn't exist/i.test(cause.message);
    const hint = missing ? " (every shard needs the schema's tables)" : "";
    super(`Cannot read the root keys of ${group.name} on shard ${shard}: ${cause.message}${hint}`, { table: group.name, cause });
  }
}
