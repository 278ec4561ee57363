import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, integer, text, insert, select, func } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const item = md.table("item", { id: integer().primaryKey().autoincrement(), name: text().notNull() });

forEachEngine(import.meta.url, (ctx) => {
  test("creates, inserts with RETURNING and selects back", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.createAll(c);
      const ins = await c.execute(
        insert(item)
          .values([{ name: "a" }, { name: "b" }])
          .returning(item.c.id),
      );
      assert.deepEqual(ins.rows, [{ id: 1 }, { id: 2 }]);
      const rows = (await c.execute(select(item.c.name).orderBy(item.c.id.desc()))).rows;
      assert.deepEqual(rows, [{ name: "b" }, { name: "a" }]);
      assert.equal((await c.execute(select(func.count().as("n")).from(item))).scalar(), 2);
      await md.dropAll(c);
    });
  });
});
