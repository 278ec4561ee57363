// node-postgres adapter. Type parsers hand the raw text of 64-bit integers, numerics, dates,
// timestamps, JSON and bytea to Arbor's codecs, which know the declared column type.
import net from "node:net";
import type pg from "pg";
import {
  connectWithin,
  loadPeer,
  type Driver,
  type DriverConnection,
  type DriverOptions,
  type DriverResult,
  type FieldInfo,
  type QueryOptions,
  type RowSink,
} from "../../engine/driver.js";
import { ConnectionError } from "../../errors.js";

type PgModule = typeof pg;

/** OIDs whose text form Arbor decodes itself. */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;
const RAW = new Set<number>([OID.bytea, OID.int8, OID.json, OID.date, OID.timestamp, OID.timestamptz, OID.numeric, OID.jsonb]);
const identity = (s: string): string => s;
/** pg's own type parsers and query class, once the module is loaded. */
let pgTypes: PgModule["types"];
let PgQuery: PgModule["Query"];

class PgConnection implements DriverConnection {
  private cursorSeq = 0;
  lost = false;
  constructor(
    private readonly client: pg.Client,
    readonly sessionId: number,
    /** Whether statement names are passed on (pg then prepares each named SQL once per connection). */
    private readonly prepare: boolean,
    /** Statements kept prepared here at most; the least recently used is deallocated past it. */
    private readonly maxPrepared: number,
    /** Sends a cancel request for this connection's running statement. */
    readonly cancel: () => Promise<void>,
    /** Hands a client taken from the application's own pg.Pool back to it (instead of end()). */
    private readonly giveBack?: (destroy: boolean) => void,
  ) {}
  /** Names whose prepared plan no longer fits its tables. */
  private readonly stale = new Set<string>();
  /** Names prepared on this connection, least recently used first. */
  private readonly kept = new Map<string, true>();
  /**
   * The server still holds the last unnamed statement run with values (it lingers until the next
   * unnamed Parse or simple query). A statement prepared under a name while it lingers costs the
   * server about twice the CPU on every later run (measured on PostgreSQL 15: bench/peers/cpu-w2.mjs,
   * docs/performance.md), so it is dropped first.
   */
  private unnamed = false;

  async query(sql: string, params: readonly unknown[], options: QueryOptions): Promise<DriverResult> {
    // One row has nothing to overlap with: decode it afterwards, without per-query parsers.
    const choose = options.single === true ? undefined : options.decoderFor;
    const arrival = choose === undefined ? undefined : new ArrivalParsers(choose);
    const res = await this.named(options, params.length, (name) =>
      this.client.query({ name, text: sql, values: params as unknown[], rowMode: "array", types: arrival ?? BASE_TYPES }),
    );
    if (params.length === 0 && DEALLOCATES.test(sql)) this.forgetPrepared(sql);
    // Raw SQL without parameters may hold several statements: pg then answers with one result
    // each, and the last one is the statement's result.
    const last = Array.isArray(res) ? (res[res.length - 1] as pg.QueryResult) : res;
    const rows = last.rows as unknown[][];
    const fields = fieldsOf(last.fields);
    const rowCount = last.rowCount ?? rows.length;
    if (arrival === undefined) return { rows, fields, rowCount };
    return { rows, fields, rowCount, decoded: true, decodeError: arrival.error };
  }

  /** No transaction is open (pg's record of the server's last ReadyForQuery status). */
  private get idle(): boolean {
    return (this.client as unknown as { _txStatus?: string })._txStatus === "I";
  }

  /**
   * Runs `send` under the statement's prepared-statement name, if it has one here. When the table
   * changed under the prepared statement (dropped and created with other column types) the name
   * stays unused on this connection, and the statement runs again unnamed, at once outside a
   * transaction; inside one the failure aborted it, so the caller gets it. PostgreSQL checks the
   * plan before sending any row, so nothing was handed over by the failed run.
   */
  private async named<T>(options: QueryOptions, values: number, send: (name: string | undefined) => Promise<T>): Promise<T> {
    const name = options.name;
    if (name === undefined || !this.prepare || this.stale.has(name)) return this.sendUnnamed(values, send);
    // An empty simple query drops the unnamed statement (a round trip once per name and connection).
    if (this.unnamed && !this.parsed(name)) {
      await this.client.query("");
      this.unnamed = false;
    }
    try {
      const res = await send(name);
      await this.keep(name);
      return res;
    } catch (err) {
      if (missingPlan(err, name)) {
        // Deallocated behind pg's back (DISCARD ALL from a pooler, an admin script): prepare it
        // again, at once outside a transaction; inside one the failure aborted it.
        this.forget(name);
        if (!this.idle) throw err;
        return send(name);
      }
      if (!stalePlan(err)) throw err;
      this.stale.add(name);
      if (!this.idle) throw err;
      return this.sendUnnamed(values, send);
    }
  }

  /** pg sends SQL with values as an unnamed statement (which then lingers), without as a simple query (which drops it). */
  private sendUnnamed<T>(values: number, send: (name: undefined) => Promise<T>): Promise<T> {
    this.unnamed = values > 0;
    return send(undefined);
  }

  /** pg has sent (or will not send again) the Parse of this name on this connection. */
  private parsed(name: string): boolean {
    const s = this.statements;
    return s.parsedStatements[name] !== undefined || s.submittedNamedStatements[name] !== undefined;
  }

  /** Marks `name` used; past the bound, deallocates the least recently used on the server. */
  private async keep(name: string): Promise<void> {
    const kept = this.kept;
    kept.delete(name);
    kept.set(name, true);
    while (kept.size > this.maxPrepared) {
      const oldest = kept.keys().next().value!;
      kept.delete(oldest);
      this.forget(oldest);
      // Names come from the engine's plan cache (arbor_N); anything else is left alone.
      if (/^arbor_\d+$/.test(oldest)) await this.client.query(`DEALLOCATE "${oldest}"`);
    }
  }

  /** pg's records of what it prepared on this connection (it sends no Parse for a name it knows). */
  private get statements(): { parsedStatements: Record<string, string>; submittedNamedStatements: Record<string, string> } {
    return (this.client as unknown as { connection: { parsedStatements: Record<string, string>; submittedNamedStatements: Record<string, string> } })
      .connection;
  }

  private forget(name: string): void {
    this.kept.delete(name);
    const s = this.statements;
    delete s.parsedStatements[name];
    delete s.submittedNamedStatements[name];
  }

  /** After DEALLOCATE / DISCARD ALL run here, pg must prepare the statements it dropped again. */
  private forgetPrepared(sql: string): void {
    const m = DEALLOCATES.exec(sql)!;
    const one = m[1] === undefined ? undefined : m[1].replace(/^"|"$/g, "");
    if (one !== undefined && one.toUpperCase() !== "ALL") return this.forget(one);
    const s = this.statements;
    this.kept.clear();
    for (const k of Object.keys(s.parsedStatements)) delete s.parsedStatements[k];
    for (const k of Object.keys(s.submittedNamedStatements)) delete s.submittedNamedStatements[k];
  }

  queryEach(sql: string, params: readonly unknown[], options: QueryOptions, sink: RowSink): Promise<DriverResult> {
    return this.named(options, params.length, (name) => this.each(sql, params, options, sink, name));
  }

  private each(sql: string, params: readonly unknown[], options: QueryOptions, sink: RowSink, name: string | undefined): Promise<DriverResult> {
    const arrival = options.decoderFor === undefined ? undefined : new ArrivalParsers(options.decoderFor);
    // A query with a 'row' listener and no callback keeps no rows: each goes to the sink as its
    // message is parsed, and is garbage once the sink is done with it.
    const query = new PgQuery({ name, text: sql, values: params as unknown[], rowMode: "array", types: arrival ?? BASE_TYPES } as pg.QueryConfig);
    let begun = false;
    let wanted = true;
    query.on("row", (row: unknown[], result?: pg.ResultBuilder) => {
      if (!wanted || arrival?.error !== undefined) return;
      if (!begun) {
        begun = true;
        sink.begin(fieldsOf(result?.fields ?? []), arrival !== undefined);
      }
      wanted = sink.row(row);
    });
    return new Promise((resolve, reject) => {
      query.on("error", reject);
      query.on("end", (result: pg.ResultBuilder) => {
        const fields = fieldsOf(result.fields ?? []);
        resolve({ rows: [], fields, rowCount: result.rowCount ?? 0, decoded: arrival !== undefined, decodeError: arrival?.error });
      });
      this.client.query(query);
    });
  }

  async *stream(sql: string, params: readonly unknown[], options: QueryOptions & { batchSize: number }): AsyncIterable<DriverResult> {
    // A server-side cursor: the server holds the result; each FETCH brings one batch.
    // Cursors live in a transaction; open one when the caller has not.
    const name = `arbor_cursor_${++this.cursorSeq}`;
    const ownTx = (this.client as unknown as { _txStatus?: string })._txStatus !== "T";
    if (ownTx) await this.client.query("BEGIN");
    let done = false;
    try {
      await this.client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, values: params as unknown[] });
      for (;;) {
        const res = await this.client.query({ text: `FETCH ${options.batchSize} FROM ${name}`, rowMode: "array", types: BASE_TYPES });
        if (res.rows.length) yield { rows: res.rows as unknown[][], fields: fieldsOf(res.fields), rowCount: res.rows.length };
        if (res.rows.length < options.batchSize) break;
      }
      await this.client.query(`CLOSE ${name}`);
      done = true;
    } finally {
      if (ownTx) await this.client.query(done ? "COMMIT" : "ROLLBACK").catch(() => undefined);
      else if (!done) await this.client.query(`CLOSE ${name}`).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.giveBack !== undefined) return this.giveBack(this.lost);
    await this.client.end().catch(() => undefined);
  }

  async ping(): Promise<void> {
    await this.client.query("SELECT 1");
  }
}

/** The base parser of a column: Arbor's codecs take the raw text of RAW types, pg parses the rest. */
function baseParser(oid: number, format: string | undefined): (text: string) => unknown {
  return RAW.has(oid) ? identity : pgTypes.getTypeParser(oid, (format ?? "text") as "text");
}

/** Passed with every query, so a client configured by the application (`client` option) decodes as Arbor's do. */
const BASE_TYPES = { getTypeParser: baseParser };

/**
 * Type parsers for one query that apply Arbor's decoders as each row arrives: node-postgres parses
 * a row when its message comes in, so decoding (JSON.parse and type restoration of nested
 * columns above all) overlaps with the server still producing the rest. pg asks for one parser
 * per result field, in field order. A decoder that throws must not throw inside pg's socket
 * handler: the first failure is kept and the query's caller gets it.
 */
class ArrivalParsers {
  private index = 0;
  error: unknown = undefined;
  constructor(private readonly choose: NonNullable<QueryOptions["decoderFor"]>) {}

  getTypeParser = (oid: number, format?: string): ((text: string) => unknown) => {
    const base = baseParser(oid, format);
    const decode = this.choose(this.index++, oid);
    if (decode === null) return base;
    const fail = (err: unknown): null => {
      this.error ??= err;
      return null;
    };
    if (base === identity)
      return (text) => {
        try {
          return decode(text);
        } catch (err) {
          return fail(err);
        }
      };
    return (text) => {
      try {
        return decode(base(text));
      } catch (err) {
        return fail(err);
      }
    };
  };
}

/** PostgreSQL refusing a prepared statement whose result columns changed type since it was prepared. */
function stalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "0A000" && /cached plan must not change result type/.test(e.message ?? "");
}

/** A prepared statement the server no longer has (SQLSTATE 26000 naming it). */
function missingPlan(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "26000" && (e.message ?? "").includes(`"${name}"`);
}

/** `DEALLOCATE [PREPARE] name | ALL` (group 1: the name or ALL) and `DISCARD ALL`. */
const DEALLOCATES = /^\s*(?:DEALLOCATE\s+(?:PREPARE\s+)?("[^"]+"|\w+)|DISCARD\s+ALL)\s*;?\s*$/i;

/** Sends PostgreSQL's CancelRequest for `client`'s backend on a connection of its own. */
function cancelTarget(client: pg.Client): () => Promise<void> {
  const c = client as unknown as { processID: number | null; secretKey: number | null; host: string; port: number };
  return () =>
    new Promise<void>((resolve) => {
      if (c.processID === null || c.secretKey === null) return resolve();
      const socket = c.host.startsWith("/") ? net.connect(`${c.host}/.s.PGSQL.${c.port}`) : net.connect(c.port, c.host);
      socket.setTimeout(5000, () => socket.destroy());
      socket.on("connect", () => {
        const msg = Buffer.alloc(16);
        msg.writeInt32BE(16, 0);
        msg.writeInt32BE(80877102, 4);
        msg.writeInt32BE(c.processID!, 8);
        msg.writeInt32BE(c.secretKey!, 12);
        socket.end(msg);
      });
      // The server closes the socket once it has passed the request on.
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
    });
}

function fieldsOf(fields: readonly { name: string; dataTypeID: number }[]): FieldInfo[] {
  return fields.map((f) => ({ name: f.name, typeHint: f.dataTypeID }));
}

/** A client the application hands over (`client` option): a pg.PoolClient or a connected pg.Client. */
type OwnClient = pg.Client & { release?: (err?: Error | boolean) => void };

/**
 * Adopts a client the application opened: the session gets the settings Arbor's own connections
 * start with (they stay on a pooled client when it goes back to the application's pool).
 */
async function adopt(client: OwnClient, schema: string | null, options: DriverOptions): Promise<DriverConnection> {
  let wrapped: PgConnection | undefined;
  const markLost = () => {
    if (wrapped) wrapped.lost = true;
  };
  client.on("error", markLost);
  const settings = ["SET TimeZone = 'UTC'", "SET jit = off", ...(schema ? [`SET search_path = ${schema}`] : [])];
  for (const s of settings) await client.query(s);
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
  for (const s of options.onConnect ?? []) await client.query(s);
  const giveBack = (destroy: boolean) => {
    client.removeListener("error", markLost);
    if (client.release !== undefined) client.release(destroy || undefined);
    else void client.end().catch(() => undefined);
  };
  wrapped = new PgConnection(client, pid, options.prepare !== false, options.maxPrepared ?? 2000, cancelTarget(client), giveBack);
  return wrapped;
}

export function postgresDriver(url: URL, options: DriverOptions): Driver {
  return {
    maxConnections: Math.max(1, options.poolSize ?? 10),
    async connect(): Promise<DriverConnection> {
      const pgm = await loadPeer<PgModule>("pg");
      pgTypes = pgm.types;
      PgQuery = pgm.Query;
      const conn = new URL(url);
      const schema = conn.searchParams.get("schema");
      conn.searchParams.delete("schema");
      if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name ${JSON.stringify(schema)}`);
      if (options.client !== undefined) {
        const own = options.client;
        return connectWithin(
          options.connectTimeout,
          "PostgreSQL (the application's client)",
          async () => adopt((await own()) as OwnClient, schema, options),
          () => undefined,
        );
      }
      const client = new pgm.Client({
        ...options.driverOptions,
        connectionString: conn.toString(),
        types: {
          getTypeParser: baseParser as typeof pgTypes.getTypeParser,
        },
        // UTC keeps timestamptz text in one offset form; JIT only slows the short queries ORMs send.
        options: `-c TimeZone=UTC -c jit=off${schema ? ` -c search_path=${schema}` : ""}`,
      });
      // An idle client that loses its server emits 'error' (and 'end'): the connection is marked
      // lost so the pool discards it; a query in flight reports the failure itself.
      let wrapped: PgConnection | undefined;
      const markLost = () => {
        if (wrapped) wrapped.lost = true;
      };
      client.on("error", markLost);
      client.on("end", markLost);
      const target = `PostgreSQL at ${client.host}:${client.port}`;
      let setUp = false;
      const pid = await connectWithin(
        options.connectTimeout,
        target,
        async () => {
          try {
            await client.connect();
          } catch (err) {
            // pg reads the greeting of a server of another kind as a stream of odd messages.
            const msg = (err as Error).message ?? "";
            if (/unexpected|Unknown message|copyData/i.test(msg))
              throw new ConnectionError(`Could not connect to ${target}: the server there does not speak the PostgreSQL protocol (${msg})`, { cause: err });
            throw err;
          }
          const id = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
          for (const s of options.onConnect ?? []) await client.query(s);
          setUp = true;
          return id;
        },
        () => {
          if (!setUp) void client.end().catch(() => undefined);
        },
      );
      wrapped = new PgConnection(client, pid, options.prepare !== false, options.maxPrepared ?? 2000, cancelTarget(client));
      return wrapped;
    },
  };
}
