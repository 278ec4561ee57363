// Per-statement `timeout` and `signal` on execute, forEach and stream: the statement is cancelled
// on the server (PostgreSQL cancel request, MariaDB KILL QUERY), the call fails with TimeoutError
// or AbortError within a bounded time, and the connection (a pool of one) is usable afterwards.
// better-sqlite3 cannot interrupt a statement: a timeout on execute is refused, a signal is
// honoured before the statement starts, and streams stop between batches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AbortError, NotSupportedError, TimeoutError, createEngine, sql, type Engine } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

/** The error `p` rejects with (failing when it resolves), and how long it took. */
async function timed(p: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const started = performance.now();
  try {
    await p;
  } catch (err) {
    return { err: err as Error, ms: performance.now() - started };
  }
  assert.fail("expected the call to fail");
}

forEachEngine(import.meta.url, (ctx) => {
  const server = ctx.name !== "sqlite";
  const skip = !server && "better-sqlite3 cannot interrupt a running statement";
  /** A statement that runs for about five seconds on the server. */
  const slow = () => (ctx.name === "postgres" ? sql`SELECT pg_sleep(5) AS x` : sql`SELECT SLEEP(5) AS x`);
  const one = (): Engine => createEngine(ctx.url, { poolSize: 1 });

  test("issue 13.4: execute with a timeout is cancelled on the server and fails with TimeoutError; the connection is reused", {
    skip,
    timeout: 60_000,
  }, async () => {
    const engine = one();
    try {
      const before = (await engine.withConnection(async (c) => c.sessionId))!;
      const { err, ms } = await timed(engine.execute(slow(), undefined, { timeout: 200 }));
      assert.ok(err instanceof TimeoutError, `${err.name}: ${err.message}`);
      assert.match(err.message, /timeout \(200 ms\)/);
      assert.ok(ms >= 150 && ms < 3000, `failed after ${ms} ms`);
      // The same server session answers the next statement.
      assert.equal(await engine.withConnection(async (c) => c.sessionId), before);
      assert.equal((await engine.execute(sql`SELECT 7 AS n`)).rows.length, 1);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.4: an AbortSignal cancels execute on the server (AbortError with the reason)", { skip, timeout: 60_000 }, async () => {
    const engine = one();
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error("user went away")), 150);
      const { err, ms } = await timed(engine.execute(slow(), undefined, { signal: ac.signal }));
      assert.ok(err instanceof AbortError, `${err.name}: ${err.message}`);
      assert.match(err.message, /user went away/);
      assert.ok(ms < 3000, `failed after ${ms} ms`);
      assert.equal((await engine.execute(sql`SELECT 7 AS n`)).rows.length, 1);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.4: a timeout inside a transaction fails that statement; the transaction rolls back and the connection stays", {
    skip,
    timeout: 60_000,
  }, async () => {
    const engine = one();
    try {
      const { err } = await timed(engine.transaction((tx) => tx.execute(slow(), undefined, { timeout: 150 })));
      assert.ok(err instanceof TimeoutError, `${err.name}: ${err.message}`);
      assert.equal(await engine.transaction(async (tx) => (await tx.execute(sql`SELECT 1 AS n`)).rows.length), 1);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.4: forEach with a timeout fails with TimeoutError", { skip, timeout: 60_000 }, async () => {
    const engine = one();
    try {
      const { err, ms } = await timed(engine.forEach(slow(), () => undefined, undefined, { timeout: 150 }));
      assert.ok(err instanceof TimeoutError, `${err.name}: ${err.message}`);
      assert.ok(ms < 3000, `failed after ${ms} ms`);
      assert.equal((await engine.execute(sql`SELECT 7 AS n`)).rows.length, 1);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.4: a stream past its timeout stops with TimeoutError, a signal with AbortError; the pool of one is usable", { timeout: 60_000 }, async () => {
    const engine = ctx.name === "sqlite" ? ctx.engine : one();
    const many =
      ctx.name === "postgres"
        ? sql`SELECT g AS n FROM generate_series(1, 1000000) g`
        : ctx.name === "mariadb"
          ? sql`SELECT seq AS n FROM seq_1_to_1000000`
          : sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000) SELECT n FROM s`;
    try {
      let n = 0;
      const { err, ms } = await timed(
        (async () => {
          for await (const _ of engine.stream(many, undefined, { batchSize: 100, timeout: 1000 })) {
            // A slow consumer: the deadline passes mid-iteration.
            if (++n % 100 === 0) await new Promise((r) => setTimeout(r, 5));
          }
        })(),
      );
      assert.ok(err instanceof TimeoutError, `${err.name}: ${err.message}`);
      assert.ok(n > 0 && n < 1_000_000, `stopped after ${n} rows`);
      // Generous: a loaded machine delays the side connection that sends KILL QUERY.
      assert.ok(ms < 30_000, `failed after ${ms} ms`);
      const ac = new AbortController();
      let m = 0;
      const aborted = await timed(
        (async () => {
          for await (const _ of engine.stream(many, undefined, { batchSize: 100, signal: ac.signal })) if (++m === 250) ac.abort();
        })(),
      );
      assert.ok(aborted.err instanceof AbortError, `${aborted.err.name}: ${aborted.err.message}`);
      assert.ok(m >= 250 && m <= 400, `stopped after ${m} rows`);
      assert.equal((await engine.execute(sql`SELECT 7 AS n`)).rows.length, 1);
    } finally {
      if (engine !== ctx.engine) await engine.dispose();
    }
  });

  test("issue 13.4: an already aborted signal runs nothing", { timeout: 60_000 }, async () => {
    const ac = new AbortController();
    ac.abort();
    const { err } = await timed(ctx.engine.execute(sql`SELECT 1 AS n`, undefined, { signal: ac.signal }));
    assert.ok(err instanceof AbortError, `${err.name}: ${err.message}`);
  });

  test("issue 13.4: SQLite refuses a per-statement timeout on execute (better-sqlite3 has no interrupt)", {
    skip: server && "servers cancel",
    timeout: 60_000,
  }, async () => {
    const { err } = await timed(ctx.engine.execute(sql`SELECT 1 AS n`, undefined, { timeout: 100 }));
    assert.ok(err instanceof NotSupportedError, `${err.name}: ${err.message}`);
    assert.match(err.message, /no interrupt/);
  });
});
