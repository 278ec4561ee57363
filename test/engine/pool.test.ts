// The pool's upkeep: connections closed past maxLifetime or after idleTimeout, a health check on
// checkout that discards a connection the server dropped, and a warning (with the stack that took
// it, in debug mode) for a connection held longer than leakWarning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEngine, sql, type Engine } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server session that answers the next statement. */
const sessionOf = (engine: Engine) => engine.withConnection(async (c) => c.sessionId);

forEachEngine(import.meta.url, (ctx) => {
  const server = ctx.name !== "sqlite";
  const skip = !server && "an in-memory SQLite database lives in its one connection";

  test("issue 13.8: a connection past maxLifetime is not handed out again; the next call opens another", { skip }, async () => {
    const engine = createEngine(ctx.url, { poolSize: 1, maxLifetime: 150 });
    try {
      const first = await sessionOf(engine);
      assert.equal(await sessionOf(engine), first, "reused while young");
      await pause(200);
      // Retired by the sweeper, or at checkout, whichever comes first.
      assert.notEqual(await sessionOf(engine), first);
      assert.ok(engine.poolStats.open <= 1);
      // Held past its lifetime: closed when it comes back.
      const conn = await engine.connect();
      await pause(200);
      await conn.release();
      assert.equal(engine.poolStats.open, 0);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.8: an idle connection is closed after idleTimeout", { skip }, async () => {
    const engine = createEngine(ctx.url, { poolSize: 2, idleTimeout: 100 });
    try {
      await Promise.all([engine.execute(sql`SELECT 1 AS n`), engine.execute(sql`SELECT 2 AS n`)]);
      assert.ok(engine.poolStats.idle >= 1);
      await pause(400);
      assert.deepEqual(engine.poolStats, { size: 2, open: 0, inUse: 0, idle: 0, waiting: 0 });
      assert.equal((await engine.execute(sql`SELECT 3 AS n`)).rows.length, 1);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.8: the health check on checkout discards a connection the server dropped while idle", { skip }, async () => {
    // The client is not told (no 'lost' flag): only the round trip on checkout finds out.
    const engine = createEngine(ctx.url, { poolSize: 1, healthCheck: 0 });
    try {
      const first = (await sessionOf(engine))!;
      await ctx.engine.withConnection(async (c) => {
        if (ctx.name === "postgres") await c.execute(sql`SELECT pg_terminate_backend(${first}::int)`);
        else await c.runSql(`KILL ${Number(first)}`);
      });
      // Straight away, before the client may have read the close.
      const res = await engine.execute(sql`SELECT 5 AS n`);
      assert.deepEqual(res.rows, [{ n: 5 }]);
      assert.notEqual(await sessionOf(engine), first);
    } finally {
      await engine.dispose();
    }
  });

  test("issue 13.8: a connection held past leakWarning is reported once, with the stack that took it in debug mode", async () => {
    const engine =
      ctx.name === "sqlite"
        ? createEngine("sqlite::memory:", { leakWarning: 50, debug: true })
        : createEngine(ctx.url, { poolSize: 1, leakWarning: 50, debug: true });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const conn = await engine.connect();
      await pause(250);
      await conn.release();
      const leaks = warnings.filter((w) => (w as Error & { code?: string }).code === "ARBOR_POOL_LEAK");
      assert.equal(leaks.length, 1, leaks.map((w) => w.message).join("\n"));
      assert.match(leaks[0].message, /held for more than 50 ms/);
      assert.match(leaks[0].message, /Connection taken here/);
      assert.match(leaks[0].message, /pool\.test\.ts/);
    } finally {
      process.off("warning", onWarning);
      await engine.dispose();
    }
  });
});
