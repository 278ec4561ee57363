// better-sqlite3 adapter. The library is synchronous; calls are wrapped in promises so every
// engine shares one async API. Prepared statements are cached per connection by SQL text.
import type BetterSqlite3 from "better-sqlite3";
import { loadPeer, type Driver, type DriverConnection, type DriverOptions, type DriverResult, type FieldInfo, type QueryOptions } from "../../engine/driver.js";

/** The type hint of every field when integers come back as bigint. */
export const BIGINTS = 1;

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], unknown[]>;

class SqliteConnection implements DriverConnection {
  private readonly cache = new Map<string, Statement>();
  /** Result fields per prepared statement and integer mode: `columns()` costs more than a lookup. */
  private readonly fields = new Map<Statement, [FieldInfo[] | undefined, FieldInfo[] | undefined]>();
  constructor(private readonly db: Database) {}

  private fieldsFor(stmt: Statement, bigints: boolean): FieldInfo[] {
    let pair = this.fields.get(stmt);
    if (!pair) this.fields.set(stmt, (pair = [undefined, undefined]));
    const at = bigints ? 1 : 0;
    return (pair[at] ??= fieldsOf(stmt, bigints));
  }

  private prepare(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql) as Statement;
      if (this.cache.size > 500) {
        const oldest = this.cache.keys().next().value!;
        this.fields.delete(this.cache.get(oldest)!);
        this.cache.delete(oldest);
      }
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  async query(sql: string, params: readonly unknown[], options: QueryOptions): Promise<DriverResult> {
    const stmt = this.prepare(sql);
    if (stmt.reader) {
      stmt.raw(true).safeIntegers(options.bigints);
      const rows = stmt.all(...params) as unknown[][];
      // A row of another width means the schema changed under the statement: read the fields again.
      let fields = this.fieldsFor(stmt, options.bigints);
      if (rows.length && rows[0].length !== fields.length) {
        this.fields.delete(stmt);
        fields = this.fieldsFor(stmt, options.bigints);
      }
      return { rows, fields, rowCount: rows.length };
    }
    // DDL can change what cached statements return.
    if (/^\s*(CREATE|ALTER|DROP)\b/i.test(sql)) this.fields.clear();
    const info = stmt.run(...params);
    return { rows: [], fields: [], rowCount: info.changes, lastInsertId: info.lastInsertRowid };
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
    this.fields.clear();
    this.db.close();
  }
}

/** Fields carry BIGINTS as their hint when integers come back as bigint (safeIntegers). */
function fieldsOf(stmt: Statement, bigints: boolean): FieldInfo[] {
  return stmt.columns().map((c) => ({ name: c.name, typeHint: bigints ? BIGINTS : undefined }));
}

export function sqliteDriver(url: URL, options: DriverOptions): Driver {
  const file = decodeURIComponent(url.pathname || url.host);
  const memory = file === "" || file === ":memory:";
  return {
    // One in-memory database lives in one connection; files serialise writes anyway.
    maxConnections: memory ? 1 : Math.max(1, options.poolSize ?? 1),
    async connect(): Promise<DriverConnection> {
      const Ctor = await loadPeer<typeof BetterSqlite3>("better-sqlite3");
      const db = new Ctor(memory ? ":memory:" : file);
      db.pragma("foreign_keys = ON");
      // LIKE is case-sensitive on PostgreSQL and MariaDB (binary collation): make SQLite agree.
      db.pragma("case_sensitive_like = ON");
      if (!memory) db.pragma("journal_mode = WAL");
      db.pragma("busy_timeout = 5000");
      for (const s of options.onConnect ?? []) db.exec(s);
      return new SqliteConnection(db);
    },
  };
}
