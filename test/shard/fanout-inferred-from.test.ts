// A table that only HAVING, GROUP BY or ORDER BY names is still read from every shard: FROM is
// inferred from every clause, and routing must see the same tables the compiler writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, ShardSet, ShardedEngine, createEngine, func, insert, integer, or, select, type Engine } from "../../src/index.js";

const md = new MetaData();
const cust = md.table("cust", { id: integer().primaryKey(), score: integer() });
md.table("cust_line", {
  id: integer().primaryKey(),
  custId: integer()
    .notNull()
    .named("cust_id")
    .references(() => cust.c.id, { grouping: true }),
});

test("issue 16: a table named only in HAVING fans out to every shard (it ran on one shard and counted 23 of 40 rows)", async () => {
  const engines: Record<string, Engine> = { a: createEngine("sqlite::memory:"), b: createEngine("sqlite::memory:"), c: createEngine("sqlite::memory:") };
  const one = createEngine("sqlite::memory:");
  try {
    for (const e of [...Object.values(engines), one]) await md.createAll(e);
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, score: i % 3 === 0 ? null : i }));
    const sharded = new ShardedEngine(new ShardSet(engines, { metadata: md }));
    await sharded.execute(insert(cust).values(rows));
    await one.execute(insert(cust).values(rows));
    const q = select(func.count().as("n")).having(or(func.sum(cust.c.id).ge(1), func.max(cust.c.score).isNull()));
    assert.deepEqual(sharded.shardsOf(q).sort(), ["a", "b", "c"]);
    assert.deepEqual((await sharded.execute(q)).rows, (await one.execute(q)).rows);
    assert.deepEqual((await sharded.execute(q)).rows, [{ n: 40 }]);
  } finally {
    for (const e of [...Object.values(engines), one]) await e.dispose();
  }
});
