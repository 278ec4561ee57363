// An INSERT needing more parameters than an engine takes in one statement runs as several
// statements in one transaction (or savepoint): all rows or none, RETURNING rows in order.
// (PostgreSQL sends a bulk INSERT's columns as arrays where it can, in a few parameters:
// bulk-insert-arrays.test.ts. The json column keeps these rows as VALUES there, to be split.)
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError,
  MetaData,
  createEngine,
  UniqueViolationError,
  deleteFrom,
  func,
  insert,
  integer,
  json,
  select,
  text,
  update,
  type LogEntry,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const wide = md.table("h2_split", { id: integer().primaryKey(), a: integer().notNull(), b: text().notNull(), c: integer(), d: json<{ k: number }>() });

/** Rows enough to need more than `maxParams` parameters at 5 per row. */
const rowsFor = (maxParams: number, from = 1) =>
  Array.from({ length: Math.ceil(maxParams / 5) + 25 }, (_, i) => ({
    id: from + i,
    a: i * 7,
    b: `r${i}`,
    c: i % 3 === 0 ? null : -i,
    d: i % 5 === 0 ? { k: i } : null,
  }));

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );
  const max = () => ctx.engine.dialect.capabilities.maxParams;
  const count = async () => Number((await ctx.engine.execute(select(func.count().as("n")).from(wide))).one().n);

  test("issue 20.19: an INSERT past the parameter limit is split, atomic, with RETURNING rows in order", async () => {
    await ctx.engine.execute(deleteFrom(wide));
    const rows = rowsFor(max());
    assert.ok(rows.length * 5 > max());
    const stmt = insert(wide).values(rows);
    const result = ctx.engine.dialect.capabilities.returning.insert
      ? await ctx.engine.execute(stmt.returning(wide.c.id, wide.c.b))
      : await ctx.engine.execute(stmt);
    if (ctx.engine.dialect.capabilities.returning.insert)
      assert.deepStrictEqual(
        result.rows,
        rows.map((r) => ({ id: r.id, b: r.b })),
      );
    assert.equal(result.rowCount, rows.length);
    assert.equal(await count(), rows.length);
    const back = await ctx.engine.execute(select(wide.c.id, wide.c.a, wide.c.b, wide.c.c, wide.c.d).orderBy(wide.c.id));
    assert.deepStrictEqual(back.rows, rows);
  });

  test("issue 20.19: a failure in the last part leaves nothing written (outside and inside a transaction)", async () => {
    await ctx.engine.execute(deleteFrom(wide));
    const rows = rowsFor(max());
    // The last row repeats the first row's key: the unique violation comes from the last statement.
    rows[rows.length - 1] = { ...rows[rows.length - 1], id: 1 };
    const engine = ctx.engine;
    await assert.rejects(engine.execute(insert(wide).values(rows)), UniqueViolationError);
    assert.equal(await count(), 0);

    await engine.withConnection(async (c) => {
      await c.transaction(async (tx) => {
        await tx.execute(insert(wide).values({ id: -1, a: 0, b: "kept" }));
        await assert.rejects(tx.execute(insert(wide).values(rows)), UniqueViolationError);
        // The savepoint rolled back only the split INSERT: the transaction goes on.
        assert.deepStrictEqual((await tx.execute(select(wide.c.id).from(wide))).rows, [{ id: -1 }]);
      });
    });
    assert.equal(await count(), 1);
  });

  test("issue 20.19: the parts run as separate statements within the limit; other oversized statements are refused clearly", async () => {
    await ctx.engine.execute(deleteFrom(wide));
    const seen: LogEntry[] = [];
    const logged = createEngine(ctx.url, { echo: (e) => seen.push(e) });
    try {
      // A fresh in-memory SQLite database has no tables yet.
      await logged.withConnection((c) => md.createAll(c, { ifNotExists: true }));
      await logged.execute(insert(wide).values(rowsFor(max(), 100)));
      const inserts = seen.filter((e) => e.sql.startsWith("INSERT"));
      assert.ok(inserts.length >= 2, `${inserts.length} INSERTs`);
      for (const e of inserts) assert.ok(e.params.length <= max(), `${e.params.length} parameters`);
      const ids = Array.from({ length: max() + 1 }, (_, i) => i);
      await assert.rejects(logged.execute(select(wide.c.id).where(wide.c.id.in(ids))), ArgumentError);
      await assert.rejects(logged.execute(update(wide).set({ a: 1 }).where(wide.c.id.in(ids))), ArgumentError);
    } finally {
      await logged.dispose();
    }
    if (ctx.name === "sqlite") {
      // executeSync splits too, inside a savepoint.
      ctx.engine.executeSync(deleteFrom(wide));
      const rows = rowsFor(max());
      const r = ctx.engine.executeSync(insert(wide).values(rows).returning(wide.c.id));
      assert.deepStrictEqual(
        r.rows,
        rows.map((x) => ({ id: x.id })),
      );
    }
  });
});
