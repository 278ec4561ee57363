// What a Session is configured with and what it tells: options, events, and the state of one object.
import type { Registry } from "./mapper.js";
import type { Status } from "./state.js";

export interface SessionOptions {
  /** Flush pending changes before queries (default true). */
  autoflush?: boolean;
  /** Expire every object on commit so the next read sees the database (default true). */
  expireOnCommit?: boolean;
  /** Part of every identity key: the shard a sharded session reads from. */
  identityToken?: string;
  registry?: Registry;
  /**
   * When the session's transaction begins. "onWrite" (default): at the first flush that writes,
   * Core statement that is not a plain SELECT, locking SELECT, `beginNested()` or `begin()`; reads
   * before then run in autocommit, each seeing the latest committed data. "onFirstUse": before the
   * first statement of any kind (SQLAlchemy's autobegin), so every read shares the transaction's
   * snapshot (REPEATABLE READ on MariaDB, SERIALIZABLE anywhere) and its locks.
   */
  autobegin?: "onWrite" | "onFirstUse";
}

export type SessionEvent = "beforeFlush" | "afterFlush" | "beforeCommit" | "afterCommit" | "afterRollback";

export interface InstanceInfo {
  readonly status: Status;
  readonly identityKey: string | undefined;
  readonly modified: readonly string[];
  readonly expired: readonly string[];
  readonly loaded: readonly string[];
}
