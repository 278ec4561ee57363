// The engine owns its statement caches: bounded (least recently used dropped first), counted, and
// never holding a statement too large to be worth keeping; on PostgreSQL each connection keeps at
// most `cache.prepared` statements prepared, deallocating the least recently used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, MetaData, createEngine, insert, integer, select, sql, text } from "../../src/index.js";
import { MAX_SHAPED_PARAMS } from "../../src/engine/plan-cache.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const item = md.table("pc_item", { id: integer().primaryKey(), name: text().notNull(), qty: integer() });

forEachEngine(import.meta.url, (ctx) => {
  test("issue 19: shapes are kept least-recently-used first, within the engine's bound, with counters", async () => {
    const engine = createEngine(ctx.url, { cache: { shapes: 2 } });
    try {
      await md.dropAll(engine);
      await md.createAll(engine);
      const a = (v: number) => select(item.c.id).where(item.c.id.eq(v));
      const b = (v: number) => select(item.c.name).where(item.c.id.eq(v));
      const c = (v: number) => select(item.c.qty).where(item.c.id.eq(v));
      const before = engine.cacheStats.shapes;
      await engine.execute(a(1));
      await engine.execute(b(1));
      await engine.execute(a(2)); // a is now the most recently used
      await engine.execute(c(1)); // evicts b, not a
      await engine.execute(a(3));
      const s = engine.cacheStats.shapes;
      assert.equal(s.limit, 2);
      assert.equal(s.size, 2);
      assert.equal(s.evictions - before.evictions, 1);
      assert.equal(s.hits - before.hits, 2, "a(2) and a(3) found a's compile");
      await engine.execute(b(2));
      assert.equal(engine.cacheStats.shapes.misses - s.misses, 1, "b was evicted and compiles again");
      assert.deepEqual(engine.cacheStats.statements.misses > 0, true);
    } finally {
      await md.dropAll(engine);
      await engine.dispose();
    }
  });

  test(`issue 19: a statement of more than ${MAX_SHAPED_PARAMS} parameters is neither shape-keyed nor prepared`, async () => {
    const engine = createEngine(ctx.url);
    try {
      await md.dropAll(engine);
      await md.createAll(engine);
      const rows = (from: number) => Array.from({ length: 400 }, (_, i) => ({ id: from + i, name: `n${i}`, qty: i }));
      const before = engine.cacheStats;
      for (const from of [0, 1000, 2000]) await engine.execute(insert(item).values(rows(from)));
      const after = engine.cacheStats;
      assert.equal(after.unshaped - before.unshaped, 3);
      assert.equal(after.shapes.size, before.shapes.size, "no shape kept for 1,200-parameter inserts");
      assert.equal(after.prepared.size, before.prepared.size, "no prepared-statement name given");
      assert.equal(Number((await engine.execute(select(sql`count(*)`.as("n")).from(item))).scalar()), 1200);
      if (ctx.name === "postgres") {
        const kept = await engine.withConnection(async (c) =>
          (await c.execute(sql`SELECT count(*) AS n FROM pg_prepared_statements WHERE length(statement) > ${5000}`)).scalar(),
        );
        assert.equal(kept, 0n);
      }
    } finally {
      await md.dropAll(engine);
      await engine.dispose();
    }
  });

  test("issue 19: PostgreSQL connections keep at most cache.prepared statements prepared, least recently used deallocated", async (t) => {
    if (ctx.name !== "postgres") return t.skip("prepared statements are kept by the PostgreSQL adapter only");
    const engine = createEngine(ctx.url, { poolSize: 1, cache: { prepared: 3 } });
    try {
      await md.dropAll(engine);
      await md.createAll(engine);
      await engine.execute(insert(item).values([{ id: 1, name: "one", qty: 5 }]));
      const shapes = [
        (v: number) => select(item.c.id).where(item.c.id.eq(v)),
        (v: number) => select(item.c.name).where(item.c.id.eq(v)),
        (v: number) => select(item.c.qty).where(item.c.id.eq(v)),
        (v: number) => select(item.c.id, item.c.name).where(item.c.id.eq(v)),
        (v: number) => select(item.c.id, item.c.qty).where(item.c.id.eq(v)),
      ];
      await engine.withConnection(async (c) => {
        for (let round = 0; round < 3; round++) for (const s of shapes) assert.equal((await c.execute(s(1))).rows.length, 1, "every run still answers");
        const n = (await c.execute(sql`SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE ${"arbor\\_%"}`)).scalar();
        assert.equal(n, 3n);
      });
      assert.equal(engine.cacheStats.prepared.limit, 3);
      assert.ok(engine.cacheStats.prepared.evictions > 0);
    } finally {
      await md.dropAll(engine);
      await engine.dispose();
    }
  });

  test("issue 19: cache bounds are checked", () => {
    assert.throws(() => createEngine(ctx.url, { cache: { shapes: -1 } }), ArgumentError);
    assert.throws(() => createEngine(ctx.url, { cache: { prepared: 1.5 } }), ArgumentError);
  });
});
