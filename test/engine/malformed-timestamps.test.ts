// A timestamp column holding text that is no date and time, written by raw SQL (SQLite keeps any
// text; MariaDB stores a zero date outside strict NO_ZERO_DATE mode), is refused on reading, naming
// the column. Regression: SQLite's 2024-02-30 10:00:00 was read as March 1 (`new Date` rolls the day
// over) and MariaDB's 0000-00-00 00:00:00 as an invalid Date.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidValueError, MetaData, integer, select, sql, timestamptz } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const t = md.table("mt_rows", { id: integer().primaryKey(), at: timestamptz() });

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a stored timestamp that is no date and time is refused, never rolled over or read as an invalid Date", async (tc) => {
    const bad = { sqlite: ["2024-02-30 10:00:00", "x"], postgres: [], mariadb: ["0000-00-00 00:00:00"] }[ctx.name];
    if (bad.length === 0) return tc.skip("PostgreSQL stores no such value");
    await md.createAll(ctx.engine);
    try {
      for (const text of bad) {
        await ctx.engine.execute(sql`DELETE FROM mt_rows`);
        if (ctx.name === "mariadb")
          // As a client without strict date modes writes it (Arbor's own sessions refuse zero dates).
          await ctx.engine.withConnection(async (c) => {
            await c.runSql("SET @arbor_mode = @@SESSION.sql_mode, SESSION sql_mode = ''");
            await c.runSql(`INSERT INTO mt_rows (id, at) VALUES (1, '${text}')`);
            await c.runSql("SET SESSION sql_mode = @arbor_mode");
          });
        else await ctx.engine.execute(sql`INSERT INTO mt_rows (id, at) VALUES (${1}, ${text})`);
        await assert.rejects(
          ctx.engine.execute(select(t.c.at).from(t)),
          (e: unknown) => e instanceof InvalidValueError && /"at"/.test((e as Error).message),
          text,
        );
      }
      // A real instant written the same way still reads.
      await ctx.engine.execute(sql`DELETE FROM mt_rows`);
      await ctx.engine.execute(sql`INSERT INTO mt_rows (id, at) VALUES (${1}, ${"2024-02-29 10:00:00"})`);
      assert.deepEqual((await ctx.engine.execute(select(t.c.at).from(t))).rows, [{ at: new Date("2024-02-29T10:00:00Z") }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });
});
