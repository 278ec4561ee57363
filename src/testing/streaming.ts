// Streaming: every row in order in batches, a stream left early frees its connection, a stream
// inside a transaction reads that transaction's writes, and a failing stream ends in a typed error.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DatabaseError, MetaData, deleteFrom, insert, integer, sql, select, text, types } from "../index.js";
import type { Suite } from "./context.js";

const COUNT = 1000;

export function streamingTests(suite: Suite): void {
  describe("streaming", { skip: suite.skipped("streaming") }, () => {
    const md = new MetaData();
    const t = md.table(`${suite.prefix}st`, { id: integer().primaryKey(), s: text().notNull() });
    before(async () => {
      await md.dropAll(suite.engine);
      await md.createAll(suite.engine);
      await suite.engine.execute(insert(t).values(Array.from({ length: COUNT }, (_, i) => ({ id: i + 1, s: `row ${i + 1}` }))));
    });
    after(() => md.dropAll(suite.engine));
    const all = () => select(t.c.id, t.c.s).from(t).orderBy(t.c.id);

    test("a stream yields every row in order, across many batches", async () => {
      let next = 1;
      for await (const row of suite.engine.stream(all(), undefined, { batchSize: 64 })) {
        assert.deepEqual(row, { id: next, s: `row ${next}` });
        next++;
      }
      assert.equal(next, COUNT + 1);
    });

    test("a stream of no rows ends at once", async () => {
      let n = 0;
      for await (const _ of suite.engine.stream(all().where(t.c.id.lt(0)))) n++;
      assert.equal(n, 0);
    });

    test("a stream left early releases its connection, which then serves other statements", async () => {
      const before = suite.engine.poolStats.inUse;
      let n = 0;
      for await (const _ of suite.engine.stream(all(), undefined, { batchSize: 10 })) if (++n === 25) break;
      assert.equal(n, 25);
      assert.equal(suite.engine.poolStats.inUse, before);
      const count = await suite.engine.execute(select(sql`count(*)`.typed(types.integer).as("n")).from(t));
      assert.deepEqual(count.rows, [{ n: COUNT }]);
    });

    test("a stream inside a transaction reads the transaction's own writes", async () => {
      await suite.engine
        .transaction(async (tx) => {
          await tx.execute(deleteFrom(t).where(t.c.id.gt(10)));
          const ids: number[] = [];
          for await (const row of tx.stream(all(), undefined, { batchSize: 3 })) ids.push(row.id);
          assert.deepEqual(
            ids,
            Array.from({ length: 10 }, (_, i) => i + 1),
          );
          throw new Rollback();
        })
        .catch((err: unknown) => {
          if (!(err instanceof Rollback)) throw err;
        });
      const count = await suite.engine.execute(select(sql`count(*)`.typed(types.integer).as("n")).from(t));
      assert.deepEqual(count.rows, [{ n: COUNT }], "the rollback restored the rows");
    });

    test("a stream of a statement the engine refuses ends in a DatabaseError, and the engine goes on", async () => {
      const bad = select(sql`no_such_column_here`.typed(types.integer).as("x")).from(t);
      await assert.rejects(async () => {
        for await (const _ of suite.engine.stream(bad)) assert.fail("no row expected");
      }, DatabaseError);
      const one = await suite.engine.execute(all().where(t.c.id.eq(1)));
      assert.deepEqual(one.rows, [{ id: 1, s: "row 1" }]);
    });
  });
}

/** Thrown to roll a transaction back on purpose. */
class Rollback extends Error {}
