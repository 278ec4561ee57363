// PGlite adapter: PostgreSQL compiled to WebAssembly, running in this process
// (`createEngine({ driver: pglite(db) })`). Written against the public Driver contract alone: the
// PostgreSQL dialect decodes what it returns, because it hands over the same raw text node-postgres
// does for the types Arbor decodes itself.
//
// What it lacks, by PGlite's nature: one session per database (one connection; the isolation tests
// that need a second session are skipped), no cancel (a statement runs to its end in the
// WebAssembly instance, so a per-statement `timeout` is refused with NotSupportedError), and no
// row-limited fetch in its API (a stream reads the result whole, then hands it over in batches).
import type { Driver, DriverConnection, DriverResult, FieldInfo, QueryOptions } from "../../engine/driver.js";
import { ConnectionError } from "../../errors.js";

/** PGlite's per-query options that the adapter sets. */
export interface PGliteQueryOptions {
  rowMode?: "array" | "object";
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

/** One result as PGlite returns it. */
export interface PGliteResults {
  readonly rows: unknown[];
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  readonly affectedRows?: number;
}

/**
 * What the adapter uses of a PGlite instance: described here rather than imported, so Arbor's
 * types need no PGlite install. A `PGlite` (or `PGliteWorker`) from @electric-sql/pglite fits.
 */
export interface PGliteLike {
  query<T>(query: string, params?: unknown[], options?: PGliteQueryOptions): Promise<PGliteResults & { rows: T[] }>;
  exec(query: string, options?: PGliteQueryOptions): Promise<PGliteResults[]>;
  readonly closed: boolean;
  isInTransaction(): boolean;
}

export interface PGliteAdapterOptions {
  /** Statements run when the engine first takes the session (and again after it discarded it). */
  readonly onConnect?: readonly string[];
}

const identity = (s: string): string => s;
/** OIDs whose raw text the PostgreSQL dialect decodes itself: bytea, int8, json, date, timestamp, timestamptz, numeric, jsonb. */
const RAW_OIDS = [17, 20, 114, 1082, 1114, 1184, 1700, 3802];
const PARSERS: Record<number, (value: string) => string> = Object.fromEntries(RAW_OIDS.map((oid) => [oid, identity]));
const OPTIONS: PGliteQueryOptions = { rowMode: "array", parsers: PARSERS };

function fieldsOf(res: PGliteResults): FieldInfo[] {
  return res.fields.map((f) => ({ name: f.name, typeHint: f.dataTypeID }));
}

function closed(): ConnectionError {
  return new ConnectionError("The PGlite database is closed");
}

class PGliteConnection implements DriverConnection {
  private open = true;
  constructor(private readonly db: PGliteLike) {}

  get lost(): boolean {
    return this.db.closed;
  }

  async query(sql: string, params: readonly unknown[], _options: QueryOptions): Promise<DriverResult> {
    if (!this.open || this.db.closed) throw closed();
    // Without values the simple protocol runs the text, which may hold several statements (as
    // node-postgres does); the last statement's result is the result.
    const res = params.length === 0 ? (await this.db.exec(sql, OPTIONS)).at(-1) : await this.db.query<unknown[]>(sql, [...params], OPTIONS);
    if (res === undefined) return { rows: [], fields: [], rowCount: 0 };
    const rows = res.rows as unknown[][];
    return { rows, fields: fieldsOf(res), rowCount: res.fields.length > 0 ? rows.length : (res.affectedRows ?? 0) };
  }

  async *stream(sql: string, params: readonly unknown[], options: QueryOptions & { batchSize: number }): AsyncIterable<DriverResult> {
    const { rows, fields } = await this.query(sql, params, options);
    for (let i = 0; i < rows.length; i += options.batchSize) {
      const batch = rows.slice(i, i + options.batchSize);
      yield { rows: batch, fields, rowCount: batch.length };
    }
  }

  async close(): Promise<void> {
    // The application owns the database: leave its one session as a fresh connection would find it.
    this.open = false;
    if (!this.db.closed && this.db.isInTransaction()) await this.db.exec("ROLLBACK").catch(() => undefined);
  }
}

/**
 * A driver over an open PGlite database: `createEngine({ driver: pglite(await PGlite.create()) })`.
 * The engine's pool holds its one session; the application keeps the database and closes it.
 */
export function pglite(db: PGliteLike, options: PGliteAdapterOptions = {}): Driver {
  return {
    dialect: "postgres",
    maxConnections: 1,
    async connect(): Promise<DriverConnection> {
      if (db.closed) throw closed();
      try {
        // A session given back mid-transaction (its connection was discarded) starts afresh.
        if (db.isInTransaction()) await db.exec("ROLLBACK");
        // UTC keeps timestamptz text in one offset form, as on Arbor's own PostgreSQL sessions.
        await db.exec("SET TimeZone = 'UTC'");
        for (const s of options.onConnect ?? []) await db.exec(s);
      } catch (err) {
        throw new ConnectionError(`Could not set up the PGlite session: ${(err as Error).message}`, { cause: err });
      }
      return new PGliteConnection(db);
    },
  };
}
