// Regression: a JSON number no JS number holds was changed silently on reading. PostgreSQL's jsonb,
// MariaDB and SQLite keep {"id": 12345678901234567890} as written; JSON.parse read it as
// 12345678901234567000. Such a value is now refused, naming the number; a document whose numbers
// read back exactly (1.10 is 1.1, 0.30000000000000004 itself) still reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidValueError, MetaData, integer, json, select, sql, types } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const t = md.table("json_numbers", { id: integer().primaryKey(), doc: json() });

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a JSON number past a double's digits is refused, never rounded", async () => {
    await md.createAll(ctx.engine);
    try {
      const docs = ['{"id": 12345678901234567890}', '[1.10, 0.30000000000000004, "12345678901234567890"]', '{"x": 1e400}'];
      for (const [i, d] of docs.entries()) await ctx.engine.execute(sql`INSERT INTO json_numbers (id, doc) VALUES (${i + 1}, ${sql`${d}`})`);
      const read = (id: number) => ctx.engine.execute(select(t.c.doc).from(t).where(t.c.id.eq(id)));
      await assert.rejects(read(1), (e: unknown) => e instanceof InvalidValueError && /12345678901234567890/.test(e.message));
      assert.deepEqual((await read(2)).rows, [{ doc: [1.1, 0.30000000000000004, "12345678901234567890"] }]);
      await assert.rejects(read(3), InvalidValueError);
      // Read as text, the number is whole.
      const text = (await ctx.engine.execute(select(t.c.doc.cast(types.text).as("d")).from(t).where(t.c.id.eq(1)))).rows[0].d;
      assert.match(String(text), /12345678901234567890/);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });
});
