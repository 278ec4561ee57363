// Casts between text and booleans, integers, decimals and dates, as PostgreSQL does them, on every
// engine: a text that is not a value of the target type is refused, never read as another value.
//
// Regressions: SQLite read CAST('true' AS boolean) as false, CAST('4x' AS integer) as 4,
// CAST('1.255' AS numeric(10, 2)) as 1.255, CAST('2024-02-30' AS date) as itself, and printed
// CAST(true AS text) as "1.0"; MariaDB read 'true' as false and printed true as "1".
import { test } from "node:test";
import assert from "node:assert/strict";
import { DatabaseError, InvalidValueError, MetaData, NotSupportedError, insert, integer, select, sql, types, value } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

forEachEngine(import.meta.url, (ctx) => {
  const refused = (e: unknown) => e instanceof InvalidValueError || e instanceof DatabaseError;

  test("regression: a boolean cast to text is 'true' or 'false' (SQLite printed 1.0, MariaDB 1)", async () => {
    assert.deepEqual((await ctx.engine.execute(select(value(true, types.boolean).cast(types.text).as("v")))).rows[0], { v: "true" });
    assert.deepEqual((await ctx.engine.execute(select(value(1, types.integer).eq(2).cast(types.text).as("v")))).rows[0], { v: "false" });
  });

  test("regression: a boolean cast to text evaluates the boolean once (MariaDB's CASE evaluated it twice, and rand() < 0.5 printed neither)", async () => {
    const md = new MetaData();
    const rows = md.table("tc_rows", { n: integer().primaryKey() });
    await md.createAll(ctx.engine);
    await ctx.engine.execute(insert(rows).values(Array.from({ length: 400 }, (_, n) => ({ n }))));
    const coin = { sqlite: sql`random() % 2 = 0`, postgres: sql`random() < 0.5`, mariadb: sql`rand() < 0.5` }[ctx.name].typed(types.boolean);
    const q = select(coin.cast(types.text).as("v")).from(rows);
    if (ctx.name === "mariadb")
      assert.equal(
        ctx.engine.dialect.createCompiler().compile(q.statementNode).sql,
        "SELECT ELT(((rand() < 0.5) <> 0) + 1, 'false', 'true') AS `v` FROM `tc_rows`",
      );
    const printed = (await ctx.engine.execute(q)).rows.map((r) => r.v);
    // Evaluated twice, a quarter of the rows (false, then true) printed NULL: about 100 of 400.
    assert.deepEqual(
      printed.filter((v) => v !== "true" && v !== "false"),
      [],
    );
    assert.ok(printed.includes("true") && printed.includes("false"), "both values appear");
    assert.deepEqual((await ctx.engine.execute(select(value(null, types.boolean).cast(types.text).as("v")))).rows[0], { v: null });
    await md.dropAll(ctx.engine);
  });

  test("regression: a text cast to a boolean reads PostgreSQL's words (SQLite read 'true' as false); MariaDB refuses the cast", async () => {
    const cases: [string, boolean][] = [
      [" TRUE ", true],
      ["yes", true],
      ["on", true],
      ["1", true],
      ["f", false],
      ["of", false],
      ["No", false],
      ["0", false],
    ];
    for (const [text, want] of cases) {
      const q = value(text, types.text).cast(types.boolean).as("v");
      if (ctx.name === "mariadb") await assert.rejects(ctx.engine.execute(select(q)), NotSupportedError);
      else assert.deepEqual((await ctx.engine.execute(select(q))).rows[0], { v: want }, text);
    }
    if (ctx.name !== "mariadb") await assert.rejects(ctx.engine.execute(select(value("x", types.text).cast(types.boolean).as("v"))), refused);
  });

  test("regression: a text cast to an integer, a decimal or a date is parsed whole (SQLite read '4x' as 4)", async () => {
    assert.deepEqual((await ctx.engine.execute(select(value(" -42 ", types.text).cast(types.integer).as("v")))).rows[0], { v: -42 });
    assert.deepEqual((await ctx.engine.execute(select(value("9223372036854775807", types.text).cast(types.bigint).as("v")))).rows[0], {
      v: 9223372036854775807n,
    });
    assert.deepEqual((await ctx.engine.execute(select(value("1.255", types.text).cast(types.numeric(10, 2)).as("v")))).rows[0], { v: "1.26" });
    assert.deepEqual((await ctx.engine.execute(select(value("2024-02-29", types.text).cast(types.date).as("v")))).rows, [{ v: "2024-02-29" }]);
  });

  test("regression: a malformed text cast to an integer or a date is an error (MariaDB read '4x' as 4 and '2024-02-30' as NULL with a warning)", async () => {
    await assert.rejects(ctx.engine.execute(select(value("4x", types.text).cast(types.integer).as("v"))), refused);
    await assert.rejects(ctx.engine.execute(select(value("2024-02-30", types.text).cast(types.date).as("v"))), refused);
  });
});
