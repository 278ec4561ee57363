// The driver adapter contract: the only surface where a database client library is touched.
// Rows travel as arrays (cheapest for every client); the engine builds keyed rows itself.
import { createRequire } from "node:module";

export interface FieldInfo {
  readonly name: string;
  /** The engine's type tag for the column (PostgreSQL OID, MySQL column type), when it has one. */
  readonly typeHint?: number;
}

export interface DriverResult {
  readonly rows: unknown[][];
  readonly fields: readonly FieldInfo[];
  /** Rows changed by DML (or returned by a query). */
  readonly rowCount: number;
  readonly lastInsertId?: number | bigint;
  /** Values are already decoded (the driver applied `QueryOptions.decoderFor`). */
  readonly decoded?: boolean;
  /** The first error a decoder raised while the driver decoded (the caller rethrows it). */
  readonly decodeError?: unknown;
}

export interface QueryOptions {
  /** The result has 64-bit integer columns: ask the driver for exact integers (SQLite). */
  readonly bigints: boolean;
  /** The statement returns at most one row (a unique key pinned, or LIMIT 1). */
  readonly single?: boolean;
  /**
   * Column `index`'s decoder for the engine's type tag. A driver that can decode values while rows
   * arrive (overlapping the work with the server still sending) asks for each column's decoder
   * and sets `decoded` on its result; others ignore it and the engine decodes afterwards.
   */
  readonly decoderFor?: (index: number, typeHint: number | undefined) => ((raw: unknown) => unknown) | null;
  /**
   * A name the driver may keep this SQL prepared under, per connection, so the server parses and
   * plans it once (PostgreSQL). A name always stands for the same SQL text.
   */
  readonly name?: string;
  /**
   * Rows are keyed by the fields' names (raw SQL): a driver that caches a statement's fields must
   * report the names it has now, which DDL on another connection may have changed.
   */
  readonly byName?: boolean;
}

/** Where a driver that reads rows one by one hands each row over as it arrives (`queryEach`). */
export interface RowSink {
  /** Called once, before the first row, with the result's fields; `decoded` as in DriverResult. */
  begin(fields: readonly FieldInfo[], decoded: boolean): void;
  /** One array row. Returns false once the sink wants no more rows (the driver still reads them). */
  row(row: unknown[]): boolean;
}

export interface DriverConnection {
  query(sql: string, params: readonly unknown[], options: QueryOptions): Promise<DriverResult>;
  /**
   * Hands each row to `sink` as the driver parses it, accumulating none; the result has no rows.
   * Drivers that get a whole result at once leave it out and the engine loops over `query`'s rows.
   */
  queryEach?(sql: string, params: readonly unknown[], options: QueryOptions, sink: RowSink): Promise<DriverResult>;
  /** Embedded drivers answer synchronously: `executeSync` and the async fast path use this. */
  querySync?(sql: string, params: readonly unknown[], options: QueryOptions): DriverResult;
  /** Yields the result in batches without holding all of it in memory. */
  stream(sql: string, params: readonly unknown[], options: QueryOptions & { batchSize: number }): AsyncIterable<DriverResult>;
  close(): Promise<void>;
  /** A session identifier, for tests and diagnostics (PostgreSQL backend pid, MySQL connection id). */
  readonly sessionId?: number;
  /**
   * True once the client knows the connection is gone (e.g. the server closed it while it sat idle
   * in the pool); the pool discards such a connection instead of handing it out.
   */
  readonly lost?: boolean;
}

export interface Driver {
  connect(): Promise<DriverConnection>;
  /** Embedded drivers can open a connection synchronously (for `executeSync` on a fresh engine). */
  connectSync?(): DriverConnection;
  /** Largest useful pool size (1 for an in-memory SQLite database). */
  readonly maxConnections: number;
}

export interface DriverOptions {
  /** Pool size; defaults per dialect. */
  poolSize?: number;
  /**
   * Keep statements that run repeatedly prepared on the server (PostgreSQL; default true). Turn off
   * behind a pooler that does not keep a server session per client (PgBouncer in transaction mode).
   */
  prepare?: boolean;
  /** Statements run on every new connection. */
  onConnect?: readonly string[];
}

/** Loads an optional CommonJS peer dependency synchronously, with the same message. */
export function requirePeer<T>(name: string): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (err) {
    throw new Error(`Arbor needs the optional package "${name}" for this engine: npm install ${name}`, { cause: err });
  }
}

/** Loads an optional peer dependency with a message naming the package to install. */
export async function loadPeer<T>(name: string): Promise<T> {
  try {
    const mod = (await import(name)) as { default?: T };
    return (mod.default ?? mod) as T;
  } catch (err) {
    throw new Error(`Arbor needs the optional package "${name}" for this engine: npm install ${name}`, { cause: err });
  }
}
