// Typed errors. Each names what is at fault (table, column, value, constraint) so a caller can
// react to the kind of failure without parsing driver messages.

export interface ErrorContext {
  table?: string;
  column?: string;
  value?: unknown;
  constraint?: string;
  sql?: string;
  cause?: unknown;
}

export class ArborError extends Error {
  readonly table?: string;
  readonly column?: string;
  readonly value?: unknown;
  readonly constraint?: string;
  readonly sql?: string;
  /** The shard the failure happened on, set (and prefixed to the message) by sharded engines and sessions. */
  shard?: string;

  constructor(message: string, ctx: ErrorContext = {}) {
    super(message, ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.name = new.target.name;
    this.table = ctx.table;
    this.column = ctx.column;
    this.value = ctx.value;
    this.constraint = ctx.constraint;
    this.sql = ctx.sql;
  }
}

/** A statement or schema names something that does not exist or is malformed. */
export class ArgumentError extends ArborError {}

/** A column key that the table does not have. */
export class UnknownColumnError extends ArgumentError {}

/** A table name that the MetaData does not hold. */
export class UnknownTableError extends ArgumentError {}

/** A value that does not fit the type of its column. */
export class InvalidValueError extends ArborError {}

/** A construct the dialect cannot express (e.g. FULL JOIN on MariaDB). */
export class NotSupportedError extends ArborError {}

/** A statement compiled fine but the database rejected it. */
export class DatabaseError extends ArborError {
  readonly code?: string;
  constructor(message: string, ctx: ErrorContext & { code?: string } = {}) {
    super(message, ctx);
    this.code = ctx.code;
  }
}

/** An integrity constraint was violated; `constraint` names it when the engine says which. */
export class IntegrityError extends DatabaseError {}
export class UniqueViolationError extends IntegrityError {}
export class ForeignKeyViolationError extends IntegrityError {}
export class NotNullViolationError extends IntegrityError {}
export class CheckViolationError extends IntegrityError {}

/**
 * The server cut a result value short (MariaDB/MySQL cut aggregated text at group_concat_max_len
 * and max_allowed_packet with only a warning), so the result cannot be complete.
 */
export class TruncatedResultError extends DatabaseError {}

/** The connection to the database was lost or could not be made. */
export class ConnectionError extends DatabaseError {}

/** No connection was established within `connectTimeout` (the server accepted nothing, or said nothing). */
export class ConnectTimeoutError extends ConnectionError {}

/**
 * The connection was lost while COMMIT was on its way: the server may have made the transaction
 * durable before the answer was lost, so whether it committed is unknown. Check before rerunning.
 */
export class CommitOutcomeUnknownError extends ConnectionError {}

/**
 * A failure that running the same transaction again may not meet (deadlock, serialization
 * failure): `engine.transaction(fn, { retries })` reruns `fn` on these and on nothing else.
 */
export class RetryableError extends DatabaseError {
  readonly retryable = true;
}

/** The engine chose this transaction as the victim of a deadlock and rolled it back. */
export class DeadlockError extends RetryableError {}

/** A SERIALIZABLE (or REPEATABLE READ) transaction conflicted with a concurrent one and was rolled back. */
export class SerializationError extends RetryableError {}

/** A statement ran past its `timeout` and was cancelled on the server; the connection stays usable. */
export class TimeoutError extends DatabaseError {}

/** A statement was cancelled through its `signal`; the connection stays usable. */
export class AbortError extends DatabaseError {}

/** How the pool stood when a caller could not get a connection. */
export interface PoolStats {
  readonly size: number;
  readonly open: number;
  readonly inUse: number;
  readonly idle: number;
  readonly waiting: number;
}

/** No connection could be had from the pool: `stats` says how it stood. */
export class PoolError extends ArborError {
  constructor(
    message: string,
    readonly stats: PoolStats,
  ) {
    super(message);
  }
}

/** Every connection stayed in use for `acquireTimeout`. */
export class PoolTimeoutError extends PoolError {}

/**
 * The call could only be served by a connection its own caller holds (a statement on the engine
 * inside that engine's transaction, or while iterating its stream, with every connection taken):
 * it would wait for itself forever, so it is refused at once.
 */
export class SelfDeadlockError extends PoolError {}

/** `.one()` found no row. */
export class NoResultError extends ArborError {}

/** `.one()` found more than one row. */
export class MultipleResultsError extends ArborError {}

/** Misuse of a transaction (commit after rollback, use after release, ...). */
export class TransactionError extends ArborError {}

export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? "Invalid" : value.toISOString()})`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (value === null || value === undefined || typeof value !== "object") return String(value);
  return Object.prototype.toString.call(value);
}

/**
 * A migration failed. `migration` names it, `operation` the operation that failed (when one did),
 * and `applied` the operations of it that had run and stay applied (only where DDL is not
 * transactional: MariaDB; elsewhere the migration was rolled back and `applied` is empty).
 */
export class MigrationError extends ArborError {
  constructor(
    message: string,
    readonly migration: string,
    readonly operation: string | undefined,
    readonly applied: readonly string[],
    ctx: ErrorContext = {},
  ) {
    super(message, ctx);
  }
}

/** Another `migrate` run holds the migration lock longer than this one would wait. */
export class MigrationLockError extends ArborError {}
