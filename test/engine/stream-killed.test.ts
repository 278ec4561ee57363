// A stream whose server connection is killed part-way ends with a ConnectionError (it used to wait
// forever on MariaDB, whose driver told only the connection), and the pool replaces the connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectionError, createEngine, sql } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

forEachEngine(
  import.meta.url,
  (ctx) => {
    test("issue 20.7 / 13.3: a stream whose connection is killed ends in a ConnectionError, not a hang", { timeout: 30_000 }, async (t) => {
      if (ctx.name === "sqlite") return t.skip("an embedded database has no connection to kill");
      const admin = createEngine(ctx.url);
      const rows =
        ctx.name === "mariadb"
          ? sql`SELECT seq, REPEAT('x', 100) AS pad FROM seq_1_to_2000000 WHERE seq > ${0}`
          : sql`SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 2000000) AS g WHERE g > ${0}`;
      let read = 0;
      try {
        await assert.rejects(
          ctx.engine.withConnection(async (c) => {
            const id = Number(c.sessionId);
            assert.ok(id > 0);
            for await (const _ of c.stream(rows, undefined, { batchSize: 100 })) {
              if (++read === 2000) {
                if (ctx.name === "mariadb") await admin.withConnection((a) => a.runSql(`KILL ${id}`));
                else await admin.execute(sql`SELECT pg_terminate_backend(${id}::int)`);
              }
              // Let the socket deliver the server's close while rows are still being consumed.
              if (read % 500 === 0) await new Promise((r) => setImmediate(r));
            }
          }),
          (e: unknown) => {
            assert.ok(e instanceof ConnectionError, String(e));
            // Said once: the driver's own "Connection lost" is not prefixed again.
            assert.doesNotMatch(e.message, /connection lost.*connection lost/i);
            return true;
          },
        );
        assert.ok(read >= 2000 && read < 2_000_000, `rows read before the error: ${read}`);
        // The pool discarded the killed connection: the next statement gets a fresh one.
        assert.deepEqual(
          (await ctx.engine.execute(sql`SELECT 1 AS one`)).rows.map((r) => Number(r.one)),
          [1],
        );
      } finally {
        await admin.dispose();
      }
    });
  },
  { poolSize: 1 },
);
