// Aggregates over exact decimals stay exact on every engine: SQLite's own sum() adds doubles.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { InvalidValueError, MetaData, deleteFrom, func, insert, integer, numeric, select, sqliteDialect } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";
import { decimalSum, scaledText, toScaled } from "../../src/dialects/sqlite/decimal.js";

const md = new MetaData();
const ledger = md.table("h2_ledger", {
  id: integer().primaryKey(),
  grp: integer().notNull(),
  big: numeric(20, 2),
  small: numeric(10, 2),
  wide: numeric(30, 10),
});

test("issue 20.11: the decimal accumulator reads every stored form exactly", () => {
  const cases: [unknown, string][] = [
    ["123456789012345678.91", "123456789012345678.91"],
    [2.3, "2.3"],
    [-0.05, "-0.05"],
    [1e-7, "0.0000001"],
    [1.5e21, "1500000000000000000000"],
    [12n, "12"],
    [" -7.50 ", "-7.50"],
    ["0", "0"],
  ];
  for (const [v, text] of cases) assert.equal(scaledText(toScaled(v)), text, String(v));
  assert.throws(() => toScaled("abc"), InvalidValueError);
  let acc = decimalSum.start();
  for (const v of ["0.10", 0.2, null, 3n]) acc = decimalSum.step(acc, v);
  assert.equal(decimalSum.result(acc), "3.30");
  assert.equal(decimalSum.result(decimalSum.inverse(acc, 3n)), "0.30");
  assert.equal(decimalSum.result(decimalSum.start()), null);
  assert.match(
    sqliteDialect.createCompiler().compile(select(func.sum(ledger.c.big).as("s")).statementNode).sql,
    /^SELECT arbor_decimal_sum\("h2_ledger"\."big"\)/,
  );
});

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );

  test("issue 20.11: sum() over numeric(20, 2) keeps every digit", async () => {
    await ctx.engine.execute(deleteFrom(ledger));
    await ctx.engine.execute(
      insert(ledger).values([
        { id: 1, grp: 1, big: "123456789012345678.91", small: "0.10", wide: "12345678901234567890.1234567891" },
        { id: 2, grp: 1, big: "0.01", small: "0.20", wide: "0.0000000009" },
        { id: 3, grp: 2, big: "-99999999999999999.99", small: "99999999.99", wide: "-1" },
        { id: 4, grp: 2, big: null, small: "-0.01", wide: null },
        { id: 5, grp: 2, big: "0.03", small: null, wide: "0.5" },
      ]),
    );
    const totals = await ctx.engine.execute(select(func.sum(ledger.c.big).as("big"), func.sum(ledger.c.small).as("small"), func.sum(ledger.c.wide).as("wide")));
    assert.deepStrictEqual(totals.rows, [{ big: "23456789012345678.96", small: "100000000.28", wide: "12345678901234567889.6234567900" }]);

    const byGroup = await ctx.engine.execute(select(ledger.c.grp, func.sum(ledger.c.big).as("big")).groupBy(ledger.c.grp).orderBy(ledger.c.grp));
    assert.deepStrictEqual(byGroup.rows, [
      { grp: 1, big: "123456789012345678.92" },
      { grp: 2, big: "-99999999999999999.96" },
    ]);

    const none = await ctx.engine.execute(select(func.sum(ledger.c.big).as("big")).where(ledger.c.id.gt(100)));
    assert.deepStrictEqual(none.rows, [{ big: null }]);

    const running = await ctx.engine.execute(
      select(
        ledger.c.id,
        func
          .sum(ledger.c.big)
          .over({ orderBy: [ledger.c.id] })
          .as("run"),
      ).orderBy(ledger.c.id),
    );
    assert.deepStrictEqual(
      running.rows.map((r) => r.run),
      ["123456789012345678.91", "123456789012345678.92", "23456789012345678.93", "23456789012345678.93", "23456789012345678.96"],
    );
    const sliding = await ctx.engine.execute(
      select(
        ledger.c.id,
        func
          .sum(ledger.c.big)
          .over({ orderBy: [ledger.c.id], frame: { unit: "ROWS", start: { preceding: 1 }, end: "CURRENT ROW" } })
          .as("win"),
      ).orderBy(ledger.c.id),
    );
    assert.deepStrictEqual(
      sliding.rows.map((r) => r.win),
      ["123456789012345678.91", "123456789012345678.92", "-99999999999999999.98", "-99999999999999999.99", "0.03"],
    );
  });
});
