// node:sqlite adapter: Node's built-in SQLite (`DatabaseSync`, Node 22.5 and later), for
// `createEngine({ driver: nodeSqlite({ path }) })`. Written against the public Driver contract
// alone and kept to what mirrors the better-sqlite3 adapter: array rows, 64-bit integers as bigint
// when the result has such columns, the same session pragmas and the exact decimal sum the SQLite
// dialect compiles sum() of a numeric to. It needs `StatementSync#setReturnArrays`, `#columns` and
// `DatabaseSync#aggregate` (Node 22.16 / 24): an older node:sqlite is refused when connecting.
// Statements run to their end (no interrupt): a per-statement timeout is refused.
import { createRequire } from "node:module";
import type { Driver, DriverConnection, DriverResult, FieldInfo, QueryOptions } from "../../engine/driver.js";
import { ConnectionError, NotSupportedError } from "../../errors.js";
import { SQLITE_BIGINTS_HINT, sqliteDecimalAggregates, sqliteDecimalFunctions } from "./contract.js";

/** The parts of node:sqlite's `StatementSync` the adapter uses (Node's own types may be absent). */
interface StatementSync {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): Iterable<unknown>;
  columns(): { name: string }[];
  setReadBigInts(enabled: boolean): void;
  setReturnArrays(enabled: boolean): void;
}

/** The parts of node:sqlite's `DatabaseSync` the adapter uses. */
interface DatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
  aggregate(name: string, options: Readonly<Record<string, unknown>>): void;
  function(name: string, options: Readonly<Record<string, unknown>>, fn: (...args: unknown[]) => unknown): void;
  readonly isOpen?: boolean;
}

type DatabaseSyncClass = new (path: string, options?: Readonly<Record<string, unknown>>) => DatabaseSync;

export interface NodeSqliteOptions {
  /** The database file, or ":memory:" (one connection). */
  readonly path: string;
  /** Connections to a database file (default 1; an in-memory database has one). */
  readonly poolSize?: number;
  /** Milliseconds a statement waits for another connection's lock (default 5,000). */
  readonly busyTimeout?: number;
  /** Statements run on every new connection. */
  readonly onConnect?: readonly string[];
}

/** SQLite's extended result codes the SQLite dialect translates, by number (node:sqlite reports `errcode`). */
const CODES: Readonly<Record<number, string>> = {
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  14: "SQLITE_CANTOPEN",
  275: "SQLITE_CONSTRAINT_CHECK",
  517: "SQLITE_BUSY_SNAPSHOT",
  787: "SQLITE_CONSTRAINT_FOREIGNKEY",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
};

/** node:sqlite's error with the `code` better-sqlite3 would give, which the dialect reads. */
function named(err: unknown): unknown {
  const e = err as { errcode?: number; message?: string };
  const code = e.errcode === undefined ? undefined : CODES[e.errcode];
  if (code === undefined) return err;
  return Object.assign(new Error(e.message ?? String(err), { cause: err }), { code });
}

/** Every field gets the SQLite dialect's bigint hint when integers come back as bigint. */
function fieldsOf(stmt: StatementSync, bigints: boolean): FieldInfo[] {
  return stmt.columns().map((c) => ({ name: c.name, typeHint: bigints ? SQLITE_BIGINTS_HINT : undefined }));
}

const DDL = /^\s*(CREATE|ALTER|DROP)\b/i;

/**
 * node:sqlite binds a zero-length view of a zero-length ArrayBuffer (`Buffer.from(new
 * ArrayBuffer(0))`, what an empty blob often is) as NULL: such a value is rebound as a fresh empty
 * array, which it stores as the empty blob it is.
 */
function bindable(params: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p instanceof Uint8Array && p.byteLength === 0) (out ??= params.slice())[i] = new Uint8Array(0);
  }
  return out ?? params;
}

class NodeSqliteConnection implements DriverConnection {
  /** Statements by SQL text; DDL clears it, since it can change what a statement returns. */
  private readonly cache = new Map<string, StatementSync>();
  constructor(private readonly db: DatabaseSync) {}

  private prepare(sql: string): StatementSync {
    let stmt = this.cache.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      stmt.setReturnArrays(true);
      if (this.cache.size >= 500) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  querySync(sql: string, params: readonly unknown[], options: QueryOptions): DriverResult {
    try {
      const stmt = this.prepare(sql);
      const fields = fieldsOf(stmt, options.bigints);
      if (fields.length > 0) {
        stmt.setReadBigInts(options.bigints);
        const rows = stmt.all(...bindable(params)) as unknown[][];
        return { rows, fields, rowCount: rows.length };
      }
      if (DDL.test(sql)) this.cache.clear();
      const info = stmt.run(...bindable(params));
      return { rows: [], fields: [], rowCount: Number(info.changes), lastInsertId: info.lastInsertRowid };
    } catch (err) {
      throw named(err);
    }
  }

  async query(sql: string, params: readonly unknown[], options: QueryOptions): Promise<DriverResult> {
    return this.querySync(sql, params, options);
  }

  async *stream(sql: string, params: readonly unknown[], options: QueryOptions & { batchSize: number }): AsyncIterable<DriverResult> {
    // A statement of its own: an iterating statement cannot be reused until the iteration ends.
    let stmt: StatementSync;
    try {
      stmt = this.db.prepare(sql);
      stmt.setReturnArrays(true);
      stmt.setReadBigInts(options.bigints);
    } catch (err) {
      throw named(err);
    }
    const fields = fieldsOf(stmt, options.bigints);
    let batch: unknown[][] = [];
    try {
      for (const row of stmt.iterate(...bindable(params)) as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length >= options.batchSize) {
          yield { rows: batch, fields, rowCount: batch.length };
          batch = [];
        }
      }
    } catch (err) {
      throw named(err);
    }
    if (batch.length) yield { rows: batch, fields, rowCount: batch.length };
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.db.close();
  }

  get lost(): boolean {
    return this.db.isOpen === false;
  }
}

/** node:sqlite's DatabaseSync, or NotSupportedError when this Node has none (or one too old). */
function loadDatabaseSync(): DatabaseSyncClass {
  let mod: { DatabaseSync?: DatabaseSyncClass & { prototype: Partial<DatabaseSync> } };
  try {
    mod = createRequire(import.meta.url)("node:sqlite") as typeof mod;
  } catch (err) {
    throw new NotSupportedError(`node:sqlite is not available in Node ${process.versions.node} (it needs Node 22.5 or later)`, { cause: err });
  }
  const Db = mod.DatabaseSync;
  if (Db === undefined || typeof Db.prototype.aggregate !== "function")
    throw new NotSupportedError(`node:sqlite in Node ${process.versions.node} lacks DatabaseSync#aggregate and array rows (it needs Node 22.16 or 24)`);
  return Db;
}

/**
 * A driver over Node's built-in SQLite: `createEngine({ driver: nodeSqlite({ path: "app.db" }) })`.
 * Connections open lazily; on a Node without node:sqlite the first one fails with NotSupportedError.
 */
export function nodeSqlite(options: NodeSqliteOptions): Driver {
  const memory = options.path === ":memory:" || options.path === "";
  return {
    dialect: "sqlite",
    // One in-memory database lives in one connection; files serialise writes anyway.
    maxConnections: memory ? 1 : Math.max(1, options.poolSize ?? 1),
    async connect(): Promise<DriverConnection> {
      const Db = loadDatabaseSync();
      let db: DatabaseSync;
      try {
        db = new Db(memory ? ":memory:" : options.path, { enableForeignKeyConstraints: true, timeout: options.busyTimeout ?? 5000 });
      } catch (err) {
        throw new ConnectionError(`Could not open the SQLite database ${JSON.stringify(options.path)}: ${(err as Error).message}`, { cause: err });
      }
      try {
        // LIKE is case-sensitive on PostgreSQL and MariaDB (binary collation): make SQLite agree.
        db.exec("PRAGMA case_sensitive_like = ON");
        if (!memory) db.exec("PRAGMA journal_mode = WAL");
        // Exact decimal arithmetic (decimal.ts); integers arrive as BigInt so none is rounded.
        for (const { name, fn } of sqliteDecimalFunctions) db.function(name, { deterministic: true, useBigIntArguments: true }, fn);
        for (const { name, ...aggregate } of sqliteDecimalAggregates) db.aggregate(name, { ...aggregate, useBigIntArguments: true });
        for (const s of options.onConnect ?? []) db.exec(s);
      } catch (err) {
        db.close();
        throw new ConnectionError(`Could not set up the SQLite connection: ${(err as Error).message}`, { cause: err });
      }
      return new NodeSqliteConnection(db);
    },
  };
}
