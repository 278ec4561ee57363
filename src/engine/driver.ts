// The driver adapter contract: the only surface where a database client library is touched.
// Rows travel as arrays (cheapest for every client); the engine builds keyed rows itself.
import { createRequire } from "node:module";
import type { DialectName } from "../dialects/dialect.js";
import { ArborError, ConnectTimeoutError, ConnectionError } from "../errors.js";

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
  /** One round trip proving the connection still answers (the pool's health check); `SELECT 1` otherwise. */
  ping?(): Promise<void>;
  /**
   * Asks the server to cancel the statement running on this connection (PostgreSQL cancel
   * request, MariaDB KILL QUERY from a side connection), resolving once the request was made. The
   * statement then fails and the connection stays usable. Drivers that cannot leave it out: a
   * per-statement `timeout` is then refused with NotSupportedError.
   */
  cancel?(): Promise<void>;
  /** A session identifier, for tests and diagnostics (PostgreSQL backend pid, MySQL connection id). */
  readonly sessionId?: number;
  /**
   * True once the client knows the connection is gone (e.g. the server closed it while it sat idle
   * in the pool); the pool discards such a connection instead of handing it out.
   */
  readonly lost?: boolean;
}

export interface Driver {
  /** The dialect this driver speaks, so `createEngine({ driver })` needs no other (adapters given as is). */
  readonly dialect?: DialectName;
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
  /**
   * Statements one connection keeps prepared at most (default 2000, or the engine's
   * `cache.prepared`): past it the least recently used is deallocated on the server. On MariaDB/MySQL
   * also at most 8,191 / poolSize (half the server's default max_prepared_stmt_count, which every
   * connection shares).
   */
  maxPrepared?: number;
  /** Statements run on every new connection. */
  onConnect?: readonly string[];
  /**
   * Milliseconds to establish a connection (TCP, TLS and the server's greeting and login) before
   * ConnectTimeoutError; default 10,000, 0 waits forever.
   */
  connectTimeout?: number;
  /**
   * Options handed to the client library as they are, over what Arbor derives from the URL (TLS
   * settings, socket paths, keepalive, …): pg `ClientConfig`, mysql2 `ConnectionOptions`,
   * better-sqlite3 `Options`. Settings Arbor relies on (row modes, type parsing, time zone,
   * charset) are not overridable.
   */
  driverOptions?: Readonly<Record<string, unknown>>;
  /**
   * Connections of the application's own instead of ones Arbor opens from the URL (which still
   * names the dialect and, for PostgreSQL, `?schema=`): called for each connection the pool opens.
   * PostgreSQL: return a `PoolClient` from your `pg.Pool` (released back to it when Arbor's
   * pool drops the connection) or a connected `pg.Client` (ended). Arbor sets TimeZone UTC, jit off
   * and the search_path on the session and passes its type parsers with every query.
   * SQLite: return a better-sqlite3 `Database` (closed when Arbor's pool drops it; with a poolSize
   * above 1, a new one each call). Its file, journal mode and busy timeout stay as you opened it;
   * Arbor turns foreign keys and case-sensitive LIKE on and registers its decimal sum.
   * MariaDB/MySQL: return a mysql2 `PoolConnection` (released back to your pool) or a connected
   * `Connection` (ended). mysql2 fixes at connect time how it decodes values, so its pool must be
   * created with `mysqlClientOptions()` spread in; a connection without them is refused, naming
   * each setting. Arbor sets the session's collation, time zone, sql_mode and limits.
   */
  client?: () => Promise<unknown>;
}

export const DEFAULT_CONNECT_TIMEOUT = 10_000;

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

function timedOut(target: string, limit: number, cause?: unknown): ConnectTimeoutError {
  return new ConnectTimeoutError(`Could not connect to ${target} within connectTimeout (${limit} ms): the server did not complete the connection`, { cause });
}

/**
 * Runs a driver's whole connect sequence (socket, TLS, greeting, login, session setup) within
 * `connectTimeout`: past it `abandon` tears the half-open client down and the caller gets
 * ConnectTimeoutError. Any other failure while connecting is a ConnectionError naming the target
 * (a server of another kind on that port answers with bytes the client cannot read).
 */
export async function connectWithin<T>(ms: number | undefined, target: string, open: () => Promise<T>, abandon: () => void): Promise<T> {
  const limit = ms ?? DEFAULT_CONNECT_TIMEOUT;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late =
    limit > 0
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            abandon();
            reject(timedOut(target, limit));
          }, limit);
        })
      : undefined;
  try {
    return await (late === undefined ? open() : Promise.race([open(), late]));
  } catch (err) {
    if (err instanceof ArborError) throw err;
    abandon();
    const e = err as { message?: string; code?: string };
    // The client library's own timer (set to the same limit) may fire first.
    if (e.code === "ETIMEDOUT" && limit > 0) throw timedOut(target, limit, err);
    throw new ConnectionError(`Could not connect to ${target}: ${e.message ?? String(err)}`, { cause: err, code: e.code });
  } finally {
    clearTimeout(timer);
  }
}
