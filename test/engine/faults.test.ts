// Connections killed at random (pg_terminate_backend, MariaDB KILL CONNECTION, from a separate
// admin connection) while many callers run reads, writes and transactions through one engine.
// Pinned: every call settles within a bound (none hangs); every transaction that resolved is in the
// database afterwards; one that rejected left nothing, unless its error is
// CommitOutcomeUnknownError (the connection died while COMMIT was on its way, so the server may
// have applied it); and the pool serves every caller again once the killing stops.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  CommitOutcomeUnknownError,
  ConnectionError,
  MetaData,
  PoolTimeoutError,
  TransactionError,
  createEngine,
  insert,
  integer,
  select,
  sql,
  text,
  update,
  type Engine,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const entry = md.table("fault_entry", { id: integer().primaryKey(), worker: integer().notNull(), note: text().notNull() });
const counter = md.table("fault_counter", { id: integer().primaryKey(), n: integer().notNull() });

const RUN_MS = Number(process.env.ARBOR_FAULT_MS ?? 10_000);
const WORKERS = 24;
/** No call may take longer than this, kill or not (acquireTimeout is 5 s, connectTimeout 5 s). */
const BOUND_MS = 20_000;

/** Resolves with what `p` settles to; a call still pending after `ms` fails the test. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Errors a killed connection may cause; anything else is a defect. */
function expected(err: unknown): boolean {
  return err instanceof ConnectionError || err instanceof PoolTimeoutError || err instanceof TransactionError;
}

forEachEngine(import.meta.url, (ctx) => {
  const skip = ctx.name === "sqlite" && "an embedded database has no connection to kill";

  before(async () => {
    if (skip) return;
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(insert(counter).values({ id: 1, n: 0 }));
    });
  });

  test("issue 13: connections killed at random during mixed work: no hang, no lost committed write, a usable pool", {
    skip,
    timeout: RUN_MS + 60_000,
  }, async () => {
    const marker = `arbor_fault_${process.pid}`;
    const engine: Engine = createEngine(ctx.url, {
      poolSize: 8,
      acquireTimeout: 5000,
      connectTimeout: 5000,
      onConnect: ctx.name === "postgres" ? [`SET application_name = '${marker}'`] : [],
    });
    // The killer's own connection: one, opened before the work starts, never a target.
    const admin = createEngine(ctx.url, { poolSize: 1 });
    const adminId = await admin.withConnection(async (c) => Number(c.sessionId));
    const victims = async (): Promise<number[]> => {
      const rows =
        ctx.name === "postgres"
          ? (await admin.execute(sql`SELECT pid AS id FROM pg_stat_activity WHERE application_name = ${marker}`)).rows
          : (await admin.execute(sql`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> ${adminId}`)).rows;
      return (rows as { id: number | string }[]).map((r) => Number(r.id));
    };

    const committed: number[] = [];
    const rolledBack: number[] = [];
    /** The ids of each transaction whose COMMIT outcome is unknown (all of them or none committed). */
    const unknown: number[][] = [];
    const unexpected: unknown[] = [];
    let nextId = 1;
    let kills = 0;
    let ops = 0;
    let failures = 0;
    const stopAt = Date.now() + RUN_MS;

    const worker = async (w: number) => {
      while (Date.now() < stopAt) {
        const kind = Math.random();
        try {
          if (kind < 0.35) {
            await within(BOUND_MS, "a read", engine.execute(select(entry.c.id).where(entry.c.worker.eq(w)).limit(20)));
          } else if (kind < 0.55) {
            // A one-statement write in its own transaction.
            const id = nextId++;
            try {
              await within(
                BOUND_MS,
                "a write",
                engine.transaction((tx) => tx.execute(insert(entry).values({ id, worker: w, note: `one ${id}` }))),
              );
              committed.push(id);
            } catch (err) {
              if (err instanceof CommitOutcomeUnknownError) unknown.push([id]);
              else rolledBack.push(id);
              throw err;
            }
          } else {
            // Several statements, a read between them and a contended update, then COMMIT.
            const ids = [nextId++, nextId++, nextId++];
            try {
              await within(
                BOUND_MS,
                "a transaction",
                engine.transaction(async (tx) => {
                  await tx.execute(insert(entry).values(ids.slice(0, 2).map((id) => ({ id, worker: w, note: `tx ${id}` }))));
                  await tx.execute(select(entry.c.id).where(entry.c.id.in(ids)));
                  await tx.execute(
                    update(counter)
                      .set({ n: counter.c.n.add(1) })
                      .where(counter.c.id.eq(1)),
                  );
                  await tx.execute(insert(entry).values({ id: ids[2], worker: w, note: `tx ${ids[2]}` }));
                }),
              );
              committed.push(...ids);
            } catch (err) {
              if (err instanceof CommitOutcomeUnknownError) unknown.push(ids);
              else rolledBack.push(...ids);
              throw err;
            }
          }
          ops++;
        } catch (err) {
          failures++;
          if (!expected(err)) unexpected.push(err);
        }
      }
    };

    const killer = async () => {
      while (Date.now() < stopAt) {
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
        const ids = await victims();
        if (ids.length === 0) continue;
        const id = ids[Math.floor(Math.random() * ids.length)];
        try {
          if (ctx.name === "postgres") await admin.execute(sql`SELECT pg_terminate_backend(${id}::int)`);
          else await admin.withConnection((c) => c.runSql(`KILL CONNECTION ${id}`));
          kills++;
        } catch (err) {
          // The connection may have ended between listing and killing (MariaDB: unknown thread id).
          if (!(err instanceof Error && /Unknown thread id/i.test(err.message))) throw err;
        }
      }
    };

    try {
      await Promise.all([killer(), ...Array.from({ length: WORKERS }, (_, w) => worker(w))]);
      assert.deepEqual(unexpected, [], "only connection, pool and transaction errors");
      assert.ok(kills > 0, "connections were killed");
      assert.ok(ops > 0 && failures > 0, `work ran and some of it failed (${ops} ok, ${failures} failed, ${kills} kills)`);

      // The pool serves every caller again: more concurrent calls than connections, all succeed.
      await new Promise((r) => setTimeout(r, 200));
      const again = await within(
        BOUND_MS,
        "calls after the kills",
        Promise.all(Array.from({ length: 24 }, () => engine.transaction((tx) => tx.execute(select(counter.c.n))))),
      );
      assert.equal(again.length, 24);

      // Read back with a connection of another engine.
      const present = new Set(((await ctx.engine.execute(select(entry.c.id))).rows as { id: number }[]).map((r) => Number(r.id)));
      const lost = committed.filter((id) => !present.has(id));
      assert.deepEqual(lost, [], "every committed write is present");
      const ghosts = rolledBack.filter((id) => present.has(id));
      assert.deepEqual(ghosts, [], "no write of a transaction that failed before COMMIT is present");
      // A transaction whose COMMIT outcome is unknown either committed whole or not at all.
      for (const ids of unknown) assert.equal(new Set(ids.map((id) => present.has(id))).size, 1, `atomic: ${ids}`);
      const tally = `${ops} ok, ${failures} failed, ${kills} kills, ${committed.length} rows committed, ${unknown.length} transactions with an unknown outcome (${unknown.filter((ids) => present.has(ids[0])).length} of them committed)`;
      assert.ok(committed.length > 0, tally);
      console.log(`# ${ctx.name}: ${tally}`);
    } finally {
      await engine.dispose();
      await admin.dispose();
    }
  });
});
