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
