// Regression: SQLite's upper() and lower() changed only ASCII letters (upper('é') stayed 'é', so
// ILIKE 'É%' missed 'élan'), where PostgreSQL and MariaDB map every letter. The expected texts are
// PostgreSQL's (C.UTF-8): each character mapped on its own, 'ß' kept, 'İ' lowered to 'i', no final sigma.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, func, insert, integer, select, text } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const t = md.table("text_case", { id: integer().primaryKey(), s: text().notNull() });

forEachEngine(import.meta.url, (ctx) => {
  test("regression: upper() and lower() map every letter, as PostgreSQL does (SQLite mapped only ASCII)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(
        insert(t).values([
          { id: 1, s: "é ß ǆ ı i ΣΑΣ ﬁ" },
          { id: 2, s: "É ß ǅ İ I ΣΑΣ" },
          { id: 3, s: "élan" },
        ]),
      );
      const rows = (await ctx.engine.execute(select(func.upper(t.c.s).as("u"), func.lower(t.c.s).as("l")).from(t).where(t.c.id.lt(3)).orderBy(t.c.id))).rows;
      assert.deepEqual(rows, [
        { u: "É ß Ǆ I I ΣΑΣ ﬁ", l: "é ß ǆ ı i σασ ﬁ" },
        { u: "É ß Ǆ İ I ΣΑΣ", l: "é ß ǆ i i σασ" },
      ]);
      const found = (await ctx.engine.execute(select(t.c.id).from(t).where(t.c.s.ilike("ÉL%")))).rows;
      assert.deepEqual(found, [{ id: 3 }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });
});
