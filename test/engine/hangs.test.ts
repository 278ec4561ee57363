// Calls that used to wait forever, each pinned to end within a bounded time: a statement sent to
// the engine while its own caller holds every connection (refused at once, naming the case and the
// fix), a pool that stays exhausted (PoolTimeoutError after acquireTimeout), and the pool's upkeep
// options (max lifetime, idle timeout, health check, leak warning).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConnectionError,
  MetaData,
  Model,
  PoolTimeoutError,
  Registry,
  SelfDeadlockError,
  Session,
  createEngine,
  insert,
  integer,
  select,
  sql,
  text,
  type Engine,
  type EngineOptions,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const item = md.table("hang_item", { id: integer().primaryKey(), name: text().notNull() });
const registry = new Registry();
class Item extends Model(item) {}
registry.map(Item);

/** Resolves with what `p` settles to, or fails the test when it takes longer than `ms`. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error `p` rejects with (failing when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail("expected the call to fail");
}

forEachEngine(import.meta.url, (ctx) => {
  let one: Engine;
  // A long acquire timeout: a refusal well before it was made at once, not by the timer.
  const fresh = (options: EngineOptions = {}) => createEngine(ctx.url, { poolSize: 1, acquireTimeout: 10_000, ...options });

  before(async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(insert(item).values([1, 2, 3].map((id) => ({ id, name: `n${id}` }))));
    });
  });

  // An in-memory SQLite database lives in the engine's one connection: such tests use ctx.engine.
  const single = () => (ctx.name === "sqlite" ? ctx.engine : (one ??= fresh()));

  test("issue 13.1: engine.execute inside engine.transaction with a pool of one is refused at once, naming the fix", async () => {
    const engine = single();
    let waited = 0;
    const err = await within(
      5000,
      rejection(
        engine.transaction(async () => {
          const started = performance.now();
          try {
            return await engine.execute(select(item.c.id));
          } finally {
            waited = performance.now() - started;
          }
        }),
      ),
    );
    assert.ok(err instanceof SelfDeadlockError, String(err));
    assert.match(err.message, /engine\.execute\(\) was called inside engine\.transaction\(\)/);
    assert.match(err.message, /tx\.execute/);
    assert.match(err.message, /pool size 1, in use 1, idle 0, waiting 0/);
    assert.deepEqual(err.stats, { size: 1, open: 1, inUse: 1, idle: 0, waiting: 0 });
    assert.ok(waited < 2000, `refused at once, not after the acquire timeout (${waited} ms)`);
    // The pool is usable afterwards.
    assert.equal((await engine.execute(select(item.c.id))).rows.length, 3);
  });

  test("issue 13.1: engine.execute while iterating engine.stream with a pool of one is refused at once", async () => {
    const engine = single();
    const err = await within(
      5000,
      rejection(
        (async () => {
          for await (const row of engine.stream(select(item.c.id).orderBy(item.c.id))) await engine.execute(select(item.c.id).where(item.c.id.eq(row.id)));
        })(),
      ),
    );
    assert.ok(err instanceof SelfDeadlockError, String(err));
    assert.match(err.message, /while iterating engine\.stream\(\)/);
    assert.equal((await engine.execute(select(item.c.id))).rows.length, 3);
  });

  test("issue 13.1: engine.execute while a Session holds the only connection is refused at once", async () => {
    const engine = single();
    const session = new Session(engine, { registry });
    try {
      // A write begins the session's transaction, which holds the connection until commit.
      session.add(new Item({ id: 100 + Math.floor(Math.random() * 1e6), name: "held" }));
      await session.flush();
      const err = await within(5000, rejection(engine.execute(select(item.c.id))));
      assert.ok(err instanceof SelfDeadlockError, String(err));
      assert.match(err.message, /Connection from engine\.connect\(\)/);
      assert.match(err.message, /session\.commit\(\) \/ close\(\)/);
    } finally {
      await session.close();
    }
    assert.equal((await engine.execute(select(item.c.id))).rows.length, 3);
  });

  test("issue 13.1: engine.execute after a Session's commit() threw (the session still open) is refused at once", { timeout: 30_000 }, async () => {
    const engine = single();
    const session = new Session(engine, { registry });
    try {
      // Row 1 exists: the flush inside commit() fails and the session keeps its transaction.
      session.add(new Item({ id: 1, name: "duplicate" }));
      await assert.rejects(session.commit());
      assert.equal(session.holdsConnection, true);
      const err = await within(5000, rejection(engine.execute(select(item.c.id))));
      assert.ok(err instanceof SelfDeadlockError, String(err));
      assert.match(err.message, /session\.commit\(\) \/ close\(\)/);
    } finally {
      await session.close();
    }
    assert.equal((await engine.execute(select(item.c.id))).rows.length, 3);
  });

  test("issue 13.1: a transaction inside a transaction on the engine is refused at once", async () => {
    const engine = single();
    const err = await within(5000, rejection(engine.transaction(() => engine.transaction(async (tx) => tx.execute(select(item.c.id))))));
    assert.ok(err instanceof SelfDeadlockError, String(err));
    assert.match(err.message, /engine\.transaction\(\) was called inside engine\.transaction\(\)/);
  });

  test("issue 13.1: a pool held by another caller fails with PoolTimeoutError after acquireTimeout, with stats", async () => {
    const engine = ctx.name === "sqlite" ? createEngine("sqlite::memory:", { acquireTimeout: 150 }) : fresh({ acquireTimeout: 150 });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      // Another caller: the transaction's callback waits on a promise this test resolves.
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const other = engine.transaction(async () => {
        entered();
        await held;
      });
      await inside;
      const started = performance.now();
      const err = await within(5000, rejection(engine.execute(sql`SELECT 1`)));
      const waited = performance.now() - started;
      assert.ok(err instanceof PoolTimeoutError, String(err));
      assert.match(err.message, /acquireTimeout \(150 ms\) for engine\.execute\(\) \(pool size 1, in use 1, idle 0, waiting 1\)/);
      assert.ok(waited >= 140 && waited < 4000, `waited ${waited} ms`);
      assert.equal(engine.poolStats.waiting, 0, "the timed-out caller left the queue");
      release();
      await other;
      assert.equal((await engine.execute(sql`SELECT 1`)).rows.length, 1);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.1: a caller waiting while another caller holds the connection gets it when released", async () => {
    const engine = single();
    const order: string[] = [];
    await Promise.all([
      engine.transaction(async (tx) => {
        await new Promise((r) => setTimeout(r, 30));
        await tx.execute(select(item.c.id));
        order.push("tx");
      }),
      (async () => {
        await new Promise((r) => setTimeout(r, 5));
        await engine.execute(select(item.c.id));
        order.push("execute");
      })(),
    ]);
    assert.deepEqual(order, ["tx", "execute"]);
  });

  test("issue 13.3: a stream whose connection is killed ends in a ConnectionError; a pool of one works afterwards", {
    skip: ctx.name === "sqlite" && "an embedded database has no connection to kill",
  }, async () => {
    const marker = `h8_kill_${process.pid}_${Date.now()}`;
    const engine = fresh({ acquireTimeout: 3000, onConnect: ctx.name === "postgres" ? [`SET application_name = '${marker}'`] : [] });
    try {
      const big =
        ctx.name === "postgres"
          ? sql`SELECT g AS n FROM generate_series(1, 2000000) g`
          : // Rows come slowly (a short sleep each), so few are in flight when the connection dies.
            sql`SELECT seq AS n, ${marker} AS m, SLEEP(0.0002) AS s FROM seq_1_to_2000000`;
      const kill = async () => {
        if (ctx.name === "postgres") {
          await ctx.engine.execute(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${marker}`);
        } else {
          // A prepared statement shows its SQL with placeholders: find it in this test's database.
          const ids = (
            await ctx.engine.execute(
              sql`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE ${"%seq_1_to_2000000%"} AND ID <> CONNECTION_ID()`,
            )
          ).rows as { id: number | string }[];
          assert.equal(ids.length, 1);
          await ctx.engine.withConnection((c) => c.runSql(`KILL ${Number(ids[0].id)}`));
        }
      };
      let n = 0;
      const err = await within(
        10_000,
        rejection(
          (async () => {
            for await (const _ of engine.stream(big, undefined, { batchSize: 100 })) {
              if (++n === 300) await kill();
              // Let the socket be read while rows are consumed.
              if (n % 5000 === 0) await new Promise((r) => setImmediate(r));
            }
          })(),
        ),
      );
      assert.ok(err instanceof ConnectionError, `${err.name}: ${err.message}`);
      assert.ok(n >= 300 && n < 2_000_000, `stopped after ${n} rows`);
      // The broken connection was discarded: the pool of one opens a fresh one.
      assert.equal((await within(5000, engine.execute(select(item.c.id)))).rows.length, 3);
    } finally {
      await engine.dispose();
    }
  });

  test("dispose", async () => {
    await one?.dispose();
  });
});

test("issue 13.1: a SQLite file engine (one connection by default) refuses engine.execute inside engine.transaction at once", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-hang-"));
  const engine = createEngine(`sqlite:///${join(dir, "one.db")}`);
  try {
    const err = await within(5000, rejection(engine.transaction(() => engine.execute(sql`SELECT 1 AS one`))));
    assert.ok(err instanceof SelfDeadlockError, String(err));
    assert.match(err.message, /pool size 1/);
    assert.equal((await engine.execute(sql`SELECT 1 AS one`)).rows.length, 1);
  } finally {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
