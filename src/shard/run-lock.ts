// One rebalance at a time: a run holds a lock on every shard it touches, released when it ends or
// its process dies. PostgreSQL: a session advisory lock keyed by the schema; MariaDB: GET_LOCK named
// after the database; a SQLite file: a write transaction held open on a lock file beside it.
import { sqliteFile } from "../dialects/sqlite/driver.js";
import type { Connection } from "../engine/connection.js";
import { createEngine, type Engine } from "../engine/engine.js";
import { RetryableError } from "../errors.js";
import { sql } from "../sql/sql-tag.js";
import { RebalanceLockedError } from "./rebalance-types.js";

/** "Arb0": the first half of PostgreSQL's two-key advisory lock; the schema's hash is the second. */
const PG_LOCK_CLASS = 0x41726230;

/** Engines a rebalance in this process holds (the databases' locks do not see a process's own second run on SQLite). */
const held = new Set<Engine>();

export interface RunLock {
  release(): Promise<void>;
}

async function lockOne(name: string, engine: Engine): Promise<() => Promise<void>> {
  if (held.has(engine)) throw new RebalanceLockedError(name);
  const dialect = engine.dialect.name;
  if (dialect === "sqlite") {
    const file = sqliteFile(engine.url);
    if (file === null) {
      held.add(engine);
      return async () => void held.delete(engine);
    }
    const lockEngine = createEngine(`sqlite:${file}.rebalance-lock`, { driverOptions: { timeout: 0 } });
    let conn: Connection | undefined;
    try {
      conn = await lockEngine.connect();
      await conn.runSql("BEGIN IMMEDIATE");
    } catch (err) {
      await conn?.release();
      await lockEngine.dispose();
      if (err instanceof RetryableError) throw new RebalanceLockedError(name);
      throw err;
    }
    held.add(engine);
    const c = conn;
    return async () => {
      held.delete(engine);
      await c.runSql("ROLLBACK").catch(() => undefined);
      await c.release();
      await lockEngine.dispose();
    };
  }
  const conn = await engine.connect();
  try {
    const got =
      dialect === "postgres"
        ? await conn.execute(sql`SELECT pg_try_advisory_lock(${PG_LOCK_CLASS}, hashtext(current_schema())) AS ok`)
        : await conn.execute(sql`SELECT GET_LOCK(CONCAT(${"arbor_rebalance:"}, DATABASE()), 0) AS ok`);
    const ok = got.rows[0]?.ok;
    if (ok !== true && Number(ok) !== 1) throw new RebalanceLockedError(name);
  } catch (err) {
    await conn.release();
    throw err;
  }
  held.add(engine);
  return async () => {
    held.delete(engine);
    try {
      if (dialect === "postgres") await conn.execute(sql`SELECT pg_advisory_unlock(${PG_LOCK_CLASS}, hashtext(current_schema()))`);
      else await conn.execute(sql`SELECT RELEASE_LOCK(CONCAT(${"arbor_rebalance:"}, DATABASE()))`);
    } finally {
      await conn.release();
    }
  };
}

/** Takes the run lock of every shard, or releases what it took and throws RebalanceLockedError. */
export async function lockRun(engines: ReadonlyMap<string, Engine>): Promise<RunLock> {
  const releases: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const r of releases.splice(0).reverse()) await r().catch(() => undefined);
  };
  try {
    for (const [name, engine] of engines) releases.push(await lockOne(name, engine));
  } catch (err) {
    await release();
    throw err;
  }
  return { release };
}
