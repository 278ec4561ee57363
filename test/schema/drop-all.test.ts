// Regression: on SQLite, dropAll failed with a foreign-key violation when tables whose foreign keys
// form a cycle still held rows referring round it (SQLite cannot drop a foreign key before its
// table). Every engine now drops them, and foreign keys are enforced again afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ForeignKeyViolationError, MetaData, insert, integer, update, type AnyColumn, type Table } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

function cycle(): { md: MetaData; a: Table; b: Table } {
  const md = new MetaData();
  const a: Table = md.table("h11_cy_a", {
    id: integer().primaryKey(),
    bId: integer()
      .named("b_id")
      .references((): AnyColumn => b.column("id")),
  });
  const b: Table = md.table("h11_cy_b", {
    id: integer().primaryKey(),
    aId: integer()
      .named("a_id")
      .references((): AnyColumn => a.column("id")),
  });
  return { md, a, b };
}

forEachEngine(import.meta.url, (ctx) => {
  test("regression: dropAll drops tables whose cyclic foreign keys hold rows, and foreign keys hold afterwards", async () => {
    const { md, a, b } = cycle();
    await md.dropAll(ctx.engine);
    await md.createAll(ctx.engine);
    await ctx.engine.execute(insert(a).values({ id: 1, bId: null }));
    await ctx.engine.execute(insert(b).values({ id: 1, aId: 1 }));
    await ctx.engine.execute(update(a).set({ bId: 1 }).where(a.c.id.eq(1)));
    await md.dropAll(ctx.engine);
    // Gone: creating them again works, and the same connection enforces foreign keys again.
    await md.createAll(ctx.engine);
    await assert.rejects(ctx.engine.execute(insert(b).values({ id: 2, aId: 99 })), ForeignKeyViolationError);
    await md.dropAll(ctx.engine);
  });

  test("regression: dropAll of a cycle inside a transaction", async () => {
    const { md, a, b } = cycle();
    await md.createAll(ctx.engine);
    await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(a).values({ id: 1, bId: null }));
      await tx.execute(insert(b).values({ id: 1, aId: 1 }));
      await tx.execute(update(a).set({ bId: 1 }).where(a.c.id.eq(1)));
      await md.dropAll(tx);
    });
    await md.createAll(ctx.engine);
    await md.dropAll(ctx.engine);
  });
});
