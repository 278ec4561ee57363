// better-sqlite3 adapter. The library is synchronous: `querySync` answers directly (the engine's
// `executeSync` and its async path both use it) and `query` wraps it for the shared async API.
// Prepared statements are cached per connection by SQL text, with what each one returns.
import type BetterSqlite3 from "better-sqlite3";
import { ArgumentError, ConnectionError, NotSupportedError } from "../../errors.js";
import {
  loadPeer,
  requirePeer,
  type Driver,
  type DriverConnection,
  type DriverOptions,
  type DriverResult,
  type FieldInfo,
  type QueryOptions,
} from "../../engine/driver.js";
import { SQLITE_BIGINTS_HINT as BIGINTS, sqliteDecimalAggregates, sqliteDecimalFunctions } from "./contract.js";

export { BIGINTS };

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], unknown[]>;

/** A prepared statement and what it returns; `columns()` and mode switches cost more than a lookup. */
interface Prepared {
  readonly stmt: Statement;
  readonly reader: boolean;
  /** DDL, which can change what cached statements return. */
  readonly ddl: boolean;
  /** The integer mode the statement is in (safeIntegers), once set. */
  bigints: boolean | undefined;
  /** Result fields per integer mode. */
  fields: FieldInfo[] | undefined;
  bigFields: FieldInfo[] | undefined;
  /** The schema version the fields of a statement keyed by names were read at (files only). */
  schema: number | undefined;
}

const DDL = /^\s*(CREATE|ALTER|DROP)\b/i;
const CACHE_SIZE = 500;

class SqliteConnection implements DriverConnection {
  private readonly cache = new Map<string, Prepared>();
  private version: Statement | undefined;
  constructor(
    readonly db: Database,
    /** A database file, which other connections can change; an in-memory database has one. */
    private readonly shared: boolean,
  ) {}

  /** The schema's version number, which every schema change on any connection increments. */
  private schemaVersion(): number {
    this.version ??= (this.db.prepare("PRAGMA schema_version") as Statement).pluck();
    return Number(this.version.get());
  }

  private prepare(sql: string): Prepared {
    let p = this.cache.get(sql);
    if (p === undefined) {
      const stmt = this.db.prepare(sql) as Statement;
      if (stmt.reader) stmt.raw(true);
      p = { stmt, reader: stmt.reader, ddl: DDL.test(sql), bigints: undefined, fields: undefined, bigFields: undefined, schema: undefined };
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(sql, p);
    }
    return p;
  }

  querySync(sql: string, params: readonly unknown[], options: QueryOptions): DriverResult {
    const p = this.prepare(sql);
    const stmt = p.stmt;
    if (p.reader) {
      const bigints = options.bigints;
      if (p.bigints !== bigints) stmt.safeIntegers((p.bigints = bigints));
      let rows: unknown[][];
      // get() skips building the list all() returns; worth it for primary-key lookups.
      if (options.single === true) {
        const row = stmt.get(...params) as unknown[] | undefined;
        rows = row === undefined ? [] : [row];
      } else rows = stmt.all(...params) as unknown[][];
      if (options.byName === true && this.shared && p.schema !== this.schemaVersion()) {
        // Another connection may have changed the schema (same width, other names): read again.
        p.fields = p.bigFields = undefined;
        p.schema = this.schemaVersion();
      }
      let fields = (bigints ? p.bigFields : p.fields) ?? this.readFields(p, bigints);
      // A row of another width means the schema changed under the statement: read the fields again.
      if (rows.length !== 0 && rows[0].length !== fields.length) fields = this.readFields(p, bigints);
      return { rows, fields, rowCount: rows.length };
    }
    if (p.ddl) for (const c of this.cache.values()) c.fields = c.bigFields = undefined;
    const info = stmt.run(...params);
    return { rows: [], fields: [], rowCount: info.changes, lastInsertId: info.lastInsertRowid };
  }

  private readFields(p: Prepared, bigints: boolean): FieldInfo[] {
    const fields = fieldsOf(p.stmt, bigints);
    if (bigints) p.bigFields = fields;
    else p.fields = fields;
    return fields;
  }

  async query(sql: string, params: readonly unknown[], options: QueryOptions): Promise<DriverResult> {
    return this.querySync(sql, params, options);
  }

  async *stream(sql: string, params: readonly unknown[], options: QueryOptions & { batchSize: number }): AsyncIterable<DriverResult> {
    // A fresh statement: an iterating statement cannot be reused until the iteration ends.
    const stmt = this.db.prepare(sql) as Statement;
    stmt.raw(true).safeIntegers(options.bigints);
    const fields = fieldsOf(stmt, options.bigints);
    let batch: unknown[][] = [];
    for (const row of stmt.iterate(...params) as IterableIterator<unknown[]>) {
      batch.push(row);
      if (batch.length >= options.batchSize) {
        yield { rows: batch, fields, rowCount: batch.length };
        batch = [];
      }
    }
    if (batch.length) yield { rows: batch, fields, rowCount: batch.length };
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.db.close();
  }

  async ping(): Promise<void> {
    if (!this.db.open) throw new Error("database connection is not open");
  }
}

/** Fields carry BIGINTS as their hint when integers come back as bigint (safeIntegers). */
function fieldsOf(stmt: Statement, bigints: boolean): FieldInfo[] {
  return stmt.columns().map((c) => ({ name: c.name, typeHint: bigints ? BIGINTS : undefined }));
}

/**
 * The database file an engine URL names, following SQLAlchemy: `sqlite:///relative.db`,
 * `sqlite:////absolute/path.db`, `sqlite://` and `sqlite:///:memory:` (in memory); also Arbor's
 * `sqlite::memory:`, `sqlite:relative.db` and `sqlite:/absolute.db`. Null for an in-memory database.
 */
export function sqliteFile(url: URL): string | null {
  let rest = url.href.slice(url.protocol.length);
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  let path = rest;
  if (rest.startsWith("//")) {
    const after = rest.slice(2);
    const slash = after.indexOf("/");
    const host = slash < 0 ? after : after.slice(0, slash);
    if (host !== "")
      throw new ArgumentError(
        `A sqlite URL names no host (${JSON.stringify(host)} in ${JSON.stringify(url.href)}): write sqlite:///relative/path.db or sqlite:////absolute/path.db`,
      );
    path = slash < 0 ? "" : after.slice(slash + 1);
  }
  let file: string;
  try {
    file = decodeURIComponent(path);
  } catch {
    throw new ArgumentError(`Malformed percent-encoding in the sqlite URL ${JSON.stringify(url.href)}`);
  }
  return file === "" || file === ":memory:" ? null : file;
}

/** better-sqlite3's Database, as far as Arbor uses it: anything else handed over as `client` is refused. */
function isDatabase(x: unknown): x is Database {
  const d = x as Partial<Database> | null;
  return typeof d === "object" && d !== null && typeof d.prepare === "function" && typeof d.aggregate === "function" && typeof d.pragma === "function";
}

/** What every connection needs, on a Database Arbor opened or one the application handed over. */
function setUp(db: Database, options: DriverOptions): void {
  db.pragma("foreign_keys = ON");
  // LIKE is case-sensitive on PostgreSQL and MariaDB (binary collation): make SQLite agree.
  db.pragma("case_sensitive_like = ON");
  // Exact decimal arithmetic (decimal.ts); integers arrive as BigInt so none is rounded.
  for (const { name, fn } of sqliteDecimalFunctions) db.function(name, { deterministic: true, safeIntegers: true }, fn);
  for (const { name, ...aggregate } of sqliteDecimalAggregates) db.aggregate(name, { ...aggregate, safeIntegers: true });
  for (const s of options.onConnect ?? []) db.exec(s);
}

function fromClient(made: unknown): SqliteConnection {
  if (!isDatabase(made)) throw new ArgumentError("The client option must give a better-sqlite3 Database (new Database(file)) on SQLite");
  if (!made.open) throw new ArgumentError(`The better-sqlite3 Database ${JSON.stringify(made.name)} handed over as client is closed`);
  return new SqliteConnection(made, !made.memory);
}

export function sqliteDriver(url: URL, options: DriverOptions): Driver {
  const file = sqliteFile(url);
  const client = options.client;
  if (client !== undefined) {
    // The application's own Database: its file, journal mode and busy timeout stay as it chose.
    return {
      maxConnections: Math.max(1, options.poolSize ?? 1),
      async connect(): Promise<DriverConnection> {
        const conn = fromClient(await client());
        setUp(conn.db, options);
        return conn;
      },
    };
  }
  const memory = file === null;
  const open = (Ctor: typeof BetterSqlite3): SqliteConnection => {
    let db: Database;
    try {
      db = new Ctor(file ?? ":memory:", options.driverOptions);
    } catch (err) {
      // A missing directory, a file that is not a database, no permission: nothing to talk to.
      throw new ConnectionError(`Could not open the SQLite database ${JSON.stringify(file ?? ":memory:")}: ${(err as Error).message}`, {
        cause: err,
        code: (err as { code?: string }).code,
      });
    }
    if (!memory) db.pragma("journal_mode = WAL");
    // better-sqlite3's own `timeout` option (driverOptions) sets the busy timeout otherwise.
    if (options.driverOptions?.timeout === undefined) db.pragma("busy_timeout = 5000");
    setUp(db, options);
    return new SqliteConnection(db, !memory);
  };
  return {
    // One in-memory database lives in one connection; files serialise writes anyway.
    maxConnections: memory ? 1 : Math.max(1, options.poolSize ?? 1),
    async connect(): Promise<DriverConnection> {
      refuseUnloadable();
      return open(await loadPeer<typeof BetterSqlite3>("better-sqlite3"));
    },
    connectSync(): DriverConnection {
      refuseUnloadable();
      return open(requirePeer<typeof BetterSqlite3>("better-sqlite3"));
    },
  };
}

/**
 * better-sqlite3 13 is built for Node 22+: on Node 20 loading it crashes the whole process with a
 * segmentation fault, which no error handler sees. Its version is read first and such a pairing
 * refused with an error that says which version to install.
 */
export function betterSqlite3Refusal(version: string, node: string): string | undefined {
  if (Number(node.split(".")[0]) >= 22 || Number(version.split(".")[0]) < 13) return undefined;
  return `better-sqlite3 ${version} needs Node 22 or later and would crash Node ${node} when loaded: install better-sqlite3@12 (npm install better-sqlite3@12), or upgrade Node`;
}

function refuseUnloadable(): void {
  let version: string;
  try {
    version = requirePeer<{ version: string }>("better-sqlite3/package.json").version;
  } catch {
    return; // not installed: loading it says so
  }
  const refusal = betterSqlite3Refusal(version, process.versions.node);
  if (refusal) throw new NotSupportedError(refusal);
}
