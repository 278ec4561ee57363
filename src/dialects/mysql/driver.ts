// mysql2 adapter for MariaDB and MySQL: server-side prepared statements (execute), rows as arrays,
// 64-bit integers and decimals as strings and dates as text so nothing is rounded or shifted.
import type * as mysql from "mysql2";
import { aggregates, changesLimits, GROUP_CONCAT_MAX_LEN, refuseCutValues } from "./truncation.js";
import {
  connectWithin,
  loadPeer,
  type Driver,
  type DriverConnection,
  type DriverOptions,
  type DriverResult,
  type FieldInfo,
  type QueryOptions,
} from "../../engine/driver.js";
import { ArgumentError, NotSupportedError } from "../../errors.js";
import { adoptingDriver } from "./adopt.js";
import { mysqlClientOptions } from "./client-options.js";
import { ExactDecimal, TypedNull } from "./decimal.js";

type MysqlModule = typeof mysql;
/** How mysql2 is made to send a value with its own type (see typedParameters). */
export interface TypedParameters {
  /** A DECIMAL parameter. */
  decimal(text: string | null): unknown;
  /** A BIGINT parameter. */
  bigint(value: bigint | null): unknown;
}
type Field = { name: string; columnType?: number; type?: number; extendedFormat?: string };

/** MySQL's JSON column type code; MariaDB's JSON is LONGTEXT marked only in extended metadata. */
const JSON_TYPE = 245;

export class MysqlConnection implements DriverConnection {
  lost = false;
  constructor(
    private readonly conn: mysql.Connection,
    readonly sessionId: number,
    /** The largest value the session returns whole (see truncation.ts). */
    private limit: number,
    /** Opens a side connection (for KILL QUERY). */
    private readonly side: () => Promise<mysql.Connection>,
    /** Makes mysql2's DECIMAL and BIGINT parameters (see typedParameters). */
    private readonly typed: TypedParameters,
    /** Hands a connection taken from the application's own pool back to it (instead of end()). */
    private readonly giveBack?: (destroy: boolean) => void,
  ) {}

  /** Reads the session's limits again (after a statement that may have changed them). */
  private async readLimit(): Promise<void> {
    this.limit = await sessionLimit((s) => new Promise((resolve, reject) => this.conn.query(s, (err, rows) => (err ? reject(err) : resolve(rows)))));
  }

  /**
   * A statement with values runs as a server-side prepared statement (execute): mysql2's query()
   * would splice the values into the SQL text with backslash escapes, which a session with
   * NO_BACKSLASH_ESCAPES reads differently. Without values the text protocol takes it as is.
   */
  private command(sql: string, params: readonly unknown[], callback?: (err: Error | null, result: unknown, fields: Field[] | undefined) => void): mysql.Query {
    const options = { sql, values: this.bindable(params), rowsAsArray: true };
    if (params.length) return callback ? this.conn.execute(options, callback) : this.conn.execute(options);
    const text = { sql, rowsAsArray: true };
    return callback ? this.conn.query(text, callback) : this.conn.query(text);
  }

  /**
   * The values as mysql2 sends them: an exact decimal (the dialect's encode) as a DECIMAL parameter,
   * a bigint as a BIGINT one, a NULL of either with its type. mysql2 sends a bigint as a string,
   * which MariaDB reads as a DOUBLE in arithmetic (a BIGINT column + '1' gave 9007199254740992 for
   * 9007199254740993 + 1), and an untyped NULL makes the arithmetic around it a DOUBLE.
   */
  private bindable(params: readonly unknown[]): unknown[] {
    let out: unknown[] | undefined;
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (p instanceof ExactDecimal) (out ??= params.slice())[i] = this.typed.decimal(p.text);
      else if (typeof p === "bigint") (out ??= params.slice())[i] = this.typed.bigint(p);
      else if (p instanceof TypedNull) (out ??= params.slice())[i] = p.kind === "decimal" ? this.typed.decimal(null) : this.typed.bigint(null);
    }
    return out ?? (params as unknown[]);
  }

  /** Set after a KILL QUERY: see `absorbKill`. */
  private killed = false;

  /** KILL QUERY from a side connection: the statement fails with errno 1317, the connection lives on. */
  async cancel(): Promise<void> {
    const side = await this.side();
    try {
      await new Promise<void>((resolve, reject) => side.query(`KILL QUERY ${Number(this.sessionId)}`, (err) => (err ? reject(err) : resolve())));
      this.killed = true;
    } finally {
      side.destroy();
    }
  }

  /**
   * A KILL QUERY that reaches a connection whose statement already finished on the server stays
   * pending and interrupts the next one: a no-op statement takes it first.
   */
  private async absorbKill(): Promise<void> {
    this.killed = false;
    await new Promise<void>((resolve) => this.conn.query("DO 0", () => resolve()));
  }

  ping(): Promise<void> {
    return new Promise((resolve, reject) => this.conn.ping((err) => (err ? reject(err) : resolve())));
  }

  query(sql: string, params: readonly unknown[], _options: QueryOptions): Promise<DriverResult> {
    if (this.killed) return this.absorbKill().then(() => this.query(sql, params, _options));
    const done = new Promise<DriverResult>((resolve, reject) => {
      this.command(sql, params, (err, result, fields) => {
        if (err) return reject(err);
        if (Array.isArray(result)) {
          const rows = result as unknown[][];
          if (rows.length !== 0 && aggregates(sql)) {
            try {
              refuseCutValues(rows, this.limit, sql);
            } catch (e) {
              return reject(e);
            }
          }
          resolve({ rows, fields: fieldsOf(fields), rowCount: rows.length });
        } else {
          const r = result as { affectedRows: number; insertId: number };
          resolve({ rows: [], fields: [], rowCount: r.affectedRows, lastInsertId: r.insertId });
        }
      });
    });
    if (!changesLimits(sql)) return done;
    return done.then(async (res) => {
      await this.readLimit();
      return res;
    });
  }

  async *stream(sql: string, params: readonly unknown[], options: QueryOptions & { batchSize: number }): AsyncIterable<DriverResult> {
    if (this.killed) await this.absorbKill();
    // Rows stream as they arrive; the socket is paused while a batch is consumed.
    const q = this.command(sql, params);
    const stream = q.stream({ highWaterMark: options.batchSize });
    const finished = endOnLoss(this.conn, q, stream);
    let fields: FieldInfo[] = [];
    q.on("fields", (f: Field[]) => (fields = fieldsOf(f)));
    // mysql2 tells a command without a callback nothing when the connection is lost (it emits
    // 'error' on the connection only): the stream would wait forever. End it with that error.
    const lost = (err: Error) => stream.destroy(err);
    this.conn.on("error", lost);
    try {
      const check = aggregates(sql);
      let batch: unknown[][] = [];
      for await (const row of stream as AsyncIterable<unknown[]>) {
        batch.push(row);
        if (batch.length >= options.batchSize) {
          if (check) refuseCutValues(batch, this.limit, sql);
          yield { rows: batch, fields, rowCount: batch.length };
          batch = [];
        }
      }
      if (check) refuseCutValues(batch, this.limit, sql);
      if (batch.length) yield { rows: batch, fields, rowCount: batch.length };
    } finally {
      this.conn.removeListener("error", lost);
      // Left early: stop the rest of the result on the server rather than read it all first.
      if (!finished() && !this.lost && !this.killed) await this.cancel().catch(() => undefined);
    }
  }

  close(): Promise<void> {
    if (this.giveBack) {
      this.giveBack(this.lost || this.killed);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      if (this.lost) {
        this.conn.destroy();
        return resolve();
      }
      // A server that stopped answering would keep end() waiting: give it a moment, then drop the socket.
      const late = setTimeout(() => {
        this.conn.destroy();
        resolve();
      }, 2000);
      this.conn.end(() => {
        clearTimeout(late);
        resolve();
      });
    });
  }
}

/** Gives a new session the settings Arbor relies on; returns the largest value it returns whole. */
export async function startSession(conn: mysql.Connection, options: DriverOptions): Promise<number> {
  const exec = (s: string) => new Promise<unknown>((resolve, reject) => conn.query(s, (err, rows) => (err ? reject(err) : resolve(rows))));
  // The connection's collation matches the tables' (no-pad binary) so expressions mixing
  // literals, casts and columns (as JSON_ARRAY does in nested results) agree.
  await exec("SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin");
  // group_concat_max_len (1 MiB by default) would cut nested results: see truncation.ts.
  // max_recursive_iterations (1000 by default) stops a recursive CTE early with only a
  // warning, so its rows would come back incomplete: lifted to the largest value.
  await exec(
    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', " +
      `group_concat_max_len = ${GROUP_CONCAT_MAX_LEN}, max_recursive_iterations = 4294967295`,
  );
  for (const s of options.onConnect ?? []) await exec(s);
  return sessionLimit(exec);
}

/** The largest value the session returns whole: the smaller of its two limits. */
async function sessionLimit(exec: (sql: string) => Promise<unknown>): Promise<number> {
  const rows = (await exec("SELECT @@group_concat_max_len AS g, @@max_allowed_packet AS m")) as { g: number | string; m: number | string }[];
  return Math.min(Number(rows[0].g), Number(rows[0].m));
}

/**
 * Every stream ends in rows or an error. mysql2 leaves a query stream open forever when its connection dies mid-result (killed, network
 * lost): the stream is failed with the connection's error instead, so the caller's loop ends.
 */
function endOnLoss(conn: mysql.Connection, q: NodeJS.EventEmitter, stream: NodeJS.ReadableStream & { destroy(err?: Error): void }): () => boolean {
  // A stream stopped early drops its listener on the query, whose later failure (the KILL QUERY
  // of a timeout) would otherwise go to the connection and stall it.
  let done = false;
  q.on("error", () => (done = true));
  q.on("end", () => (done = true));
  const lost = (err?: Error & { fatal?: boolean }) => {
    // mysql2 also reports here the failure of a statement left unread (a stream stopped early):
    // only a fatal error means the connection is gone.
    if (err !== undefined && err.fatal !== true) return;
    const e = err ?? Object.assign(new Error("Connection lost: the server closed the connection"), { code: "PROTOCOL_CONNECTION_LOST", fatal: true });
    stream.destroy(e);
  };
  conn.once("error", lost);
  conn.once("end", lost);
  stream.once("close", () => {
    conn.removeListener("error", lost);
    conn.removeListener("end", lost);
  });
  return () => done;
}

/** Query parameters Arbor reads itself; every other one is handed to mysql2 as an option. */
const OWN_PARAMS = new Set(["socket"]);

/**
 * mysql2's connection options from the URL: host, port, user, password, database, `?socket=`,
 * and every other query parameter as a mysql2 option of that name (`?connectTimeout=5000`,
 * `?ssl={"rejectUnauthorized":true}`; numbers, booleans and JSON are parsed), then
 * `driverOptions`, then the settings Arbor relies on.
 */
export function mysqlConfig(url: URL, options: DriverOptions): mysql.ConnectionOptions {
  const fromQuery: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) if (!OWN_PARAMS.has(k)) fromQuery[k] = queryValue(k, v);
  let user: string;
  let password: string;
  let database: string;
  try {
    user = decodeURIComponent(url.username || "root");
    password = decodeURIComponent(url.password);
    database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  } catch {
    throw new ArgumentError(`Malformed percent-encoding in the engine URL ${url.protocol}//${url.host}`);
  }
  return {
    host: url.hostname || "127.0.0.1",
    port: url.port ? Number(url.port) : 3306,
    user,
    password,
    database: database || undefined,
    socketPath: url.searchParams.get("socket") ?? undefined,
    connectTimeout: options.connectTimeout === 0 ? undefined : options.connectTimeout,
    maxPreparedStatements: preparedPerConnection(options),
    ...fromQuery,
    ...options.driverOptions,
    ...mysqlClientOptions(),
  };
}

/**
 * The server's max_prepared_stmt_count (16,382 by default) counts every connection's prepared
 * statements together, and mysql2 keeps up to 16,000 per connection: a pool that runs many distinct
 * statements reached it ("Can't create more than max_prepared_stmt_count statements"), after which
 * no connection of any client could prepare one. Each connection keeps at most `maxPrepared`, and
 * the pool as a whole at most half the server's default.
 */
export const SERVER_PREPARED_LIMIT = 16_382;
export function preparedPerConnection(options: DriverOptions): number {
  const share = Math.floor(SERVER_PREPARED_LIMIT / 2 / Math.max(1, options.poolSize ?? 10));
  return Math.max(1, Math.min(options.maxPrepared ?? 2000, share));
}

function queryValue(key: string, v: string): unknown {
  if (v === "true" || v === "false") return v === "true";
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v.startsWith("{") || v.startsWith("[")) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      throw new ArgumentError(`The URL parameter ${key} is not valid JSON: ${v}`);
    }
  }
  return v;
}

function fieldsOf(fields: Field[] | undefined): FieldInfo[] {
  return (fields ?? []).map((f) => ({ name: f.name, typeHint: f.extendedFormat === "json" ? JSON_TYPE : (f.columnType ?? f.type) }));
}

/**
 * @internal mysql2's DECIMAL and BIGINT parameters. An older mysql2 cannot send them: a decimal is
 * then refused rather than sent as text, and a bigint is sent as text only while a DOUBLE holds it
 * exactly (|n| ≤ 2^53), and refused past that.
 */
export function typedParameters(m: MysqlModule): TypedParameters {
  const typed = (m as { TypedParameter?: MysqlModule["TypedParameter"] }).TypedParameter;
  if (typed !== undefined) return { decimal: (text) => typed.NEWDECIMAL(text), bigint: (n) => typed.BIGINT(n) };
  const upgrade = (what: string) => new NotSupportedError(`Binding ${what} exactly needs mysql2 3.24 or later (its TypedParameter): upgrade mysql2`);
  return {
    decimal(text) {
      if (text === null) return null;
      throw upgrade("an unconstrained numeric");
    },
    bigint(n) {
      if (n === null) return null;
      if (n > 2n ** 53n || n < -(2n ** 53n)) throw upgrade(`the bigint ${n} (past 2^53)`);
      return n.toString();
    },
  };
}

export function mysqlDriver(url: URL, options: DriverOptions): Driver {
  const config = mysqlConfig(url, options);
  if (options.client !== undefined) return adoptingDriver(options.client, options);
  return {
    maxConnections: Math.max(1, options.poolSize ?? 10),
    async connect(): Promise<DriverConnection> {
      const m = await loadPeer<MysqlModule>("mysql2");
      const conn = m.createConnection(config);
      // A connection the server closes while idle emits 'error' or 'end': mark it lost so the pool
      // discards it; a query in flight reports the failure itself.
      let wrapped: MysqlConnection | undefined;
      const markLost = () => {
        if (wrapped) wrapped.lost = true;
      };
      conn.on("error", markLost);
      conn.on("end", markLost);
      const target = config.socketPath ? `MariaDB/MySQL at ${config.socketPath}` : `MariaDB/MySQL at ${config.host}:${config.port}`;
      const limit = await connectWithin(
        options.connectTimeout,
        target,
        async () => {
          await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
          return startSession(conn, options);
        },
        () => conn.destroy(),
      );
      const side = () =>
        connectWithin(
          options.connectTimeout,
          target,
          async () => {
            const c = m.createConnection(config);
            c.on("error", () => undefined);
            await new Promise<void>((resolve, reject) => c.connect((err) => (err ? reject(err) : resolve())));
            return c;
          },
          () => undefined,
        );
      wrapped = new MysqlConnection(conn, conn.threadId ?? 0, limit, side, typedParameters(m));
      return wrapped;
    },
  };
}
