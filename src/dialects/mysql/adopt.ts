// Connections of the application's own (`client` option) on MariaDB/MySQL. mysql2 fixes how it
// decodes values when a connection opens, so Arbor cannot set that afterwards: it checks that the
// connection was opened with `mysqlClientOptions()` and refuses it, naming each setting, otherwise.
import type * as mysql from "mysql2";
import { connectWithin, loadPeer, type Driver, type DriverConnection, type DriverOptions } from "../../engine/driver.js";
import { ArgumentError } from "../../errors.js";
import { MysqlConnection, startSession, typedParameters } from "./driver.js";

/** mysql2's ConnectionConfig, as far as Arbor reads it. */
interface OwnConfig {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  readonly socketPath?: string;
  readonly ssl?: unknown;
  readonly supportBigNumbers?: boolean;
  readonly bigNumberStrings?: boolean;
  readonly decimalNumbers?: boolean;
  readonly dateStrings?: unknown;
  readonly jsonStrings?: boolean;
  readonly timezone?: string;
  readonly multipleStatements?: boolean;
  readonly namedPlaceholders?: boolean;
  readonly nestTables?: unknown;
  readonly typeCast?: unknown;
  readonly queryFormat?: unknown;
  readonly disableEval?: boolean;
  readonly clientFlags?: number;
}

type OwnConnection = mysql.Connection & { config?: OwnConfig; release?: () => void };

/** mysql2's CLIENT_FOUND_ROWS capability flag. */
const FOUND_ROWS = 0x2;

/** What a connection's settings lack for Arbor to read its values exactly, one line each. */
export function unfitSettings(c: OwnConfig): string[] {
  const out: string[] = [];
  if (c.supportBigNumbers !== true || c.bigNumberStrings !== true)
    out.push("supportBigNumbers and bigNumberStrings must be true (64-bit integers and decimals as strings)");
  if (c.decimalNumbers === true) out.push("decimalNumbers must be off (it reads decimals as rounded numbers)");
  if (c.dateStrings !== true) out.push("dateStrings must be true (dates as text, never shifted by a time zone)");
  if (c.jsonStrings !== true) out.push("jsonStrings must be true (JSON decoded once, by Arbor)");
  if (c.timezone !== "Z" && c.timezone !== "+00:00") out.push(`timezone must be "Z" (it is ${JSON.stringify(c.timezone)})`);
  if (c.disableEval !== true) out.push("disableEval must be true (any column label, __proto__ included, is read safely)");
  if (((c.clientFlags ?? 0) & FOUND_ROWS) === 0) out.push("the FOUND_ROWS flag must be on (UPDATE counts matched rows: version counters rely on it)");
  if (c.multipleStatements === true) out.push("multipleStatements must be off");
  if (c.namedPlaceholders === true) out.push("namedPlaceholders must be off (Arbor binds by position)");
  if (c.nestTables !== undefined && c.nestTables !== false) out.push("nestTables must be unset");
  if (c.typeCast !== true) out.push("typeCast must be left at its default");
  if (c.queryFormat !== undefined) out.push("queryFormat must be unset");
  return out;
}

function isConnection(c: unknown): c is OwnConnection {
  const o = c as Partial<OwnConnection> | null;
  return typeof o === "object" && o !== null && typeof o.execute === "function" && typeof o.query === "function" && typeof o.config === "object";
}

/** mysql2/promise wraps the callback connection Arbor drives: unwrap it. */
function unwrap(made: unknown): unknown {
  const inner = (made as { connection?: unknown } | null)?.connection;
  return isConnection(inner) ? inner : made;
}

async function adopt(given: unknown, options: DriverOptions): Promise<DriverConnection> {
  const made = unwrap(given);
  if (!isConnection(made))
    throw new ArgumentError(
      "The client option must give a mysql2 connection (a PoolConnection from pool.getConnection(), or a connected Connection; callback or promise API) on MariaDB/MySQL",
    );
  const conn = made;
  const config = conn.config ?? {};
  const unfit = unfitSettings(config);
  if (unfit.length) {
    conn.release?.();
    throw new ArgumentError(
      `The mysql2 connection handed over as client was opened without settings Arbor needs to read values exactly; create its pool with { ...mysqlClientOptions(), … }:\n- ${unfit.join("\n- ")}`,
    );
  }
  let wrapped: MysqlConnection | undefined;
  const markLost = () => {
    if (wrapped) wrapped.lost = true;
  };
  conn.on("error", markLost);
  conn.on("end", markLost);
  const limit = await startSession(conn, options);
  const m = await loadPeer<typeof mysql>("mysql2");
  // KILL QUERY goes over a connection of Arbor's own to the same server, as the same user.
  const side = async () => {
    const c = m.createConnection({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      socketPath: config.socketPath,
      ssl: config.ssl as mysql.ConnectionOptions["ssl"],
    });
    c.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => c.connect((err) => (err ? reject(err) : resolve())));
    return c;
  };
  const giveBack = (destroy: boolean) => {
    conn.removeListener("error", markLost);
    conn.removeListener("end", markLost);
    if (destroy) conn.destroy();
    else if (conn.release !== undefined) conn.release();
    else conn.end(() => undefined);
  };
  wrapped = new MysqlConnection(conn, conn.threadId ?? 0, limit, side, typedParameters(m), giveBack);
  return wrapped;
}

/** A driver over the application's own mysql2 connections. */
export function adoptingDriver(client: () => Promise<unknown>, options: DriverOptions): Driver {
  return {
    maxConnections: Math.max(1, options.poolSize ?? 10),
    connect: () =>
      connectWithin(
        options.connectTimeout,
        "MariaDB/MySQL (the application's client)",
        async () => adopt(await client(), options),
        () => undefined,
      ),
  };
}
