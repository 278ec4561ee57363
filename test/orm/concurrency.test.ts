// Optimistic concurrency with a version column, on PostgreSQL and MariaDB: concurrent sessions
// incrementing the same few versioned rows lose no update (a stale write raises StaleDataError and
// is retried), and the stale write of two sessions is reported naming entity and key.
// SQLite is skipped: its in-memory database has one connection, so sessions cannot overlap.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { Session, SessionStateError, StaleDataError, insert, select } from "../../src/index.js";
import { md, registry, Counter, counterT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { Gen } from "../support/random.js";

const WORKERS = 8;
const INCREMENTS = Number(process.env.ARBOR_CONCURRENCY_INCREMENTS ?? 25);
const SEED = Number(process.env.ARBOR_CONCURRENCY_SEED ?? 4242);

const qCounters = select(counterT.c.id, counterT.c.value, counterT.c.version).orderBy(counterT.c.id);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

forEachEngine(
  import.meta.url,
  (ctx) => {
    const skip = ctx.name === "sqlite" ? "SQLite's in-memory database has a single connection: sessions cannot run concurrently" : false;
    const open: Session[] = [];
    const session = () => {
      const s = new Session(ctx.engine, { registry });
      open.push(s);
      return s;
    };
    // A failing case must not leave a transaction open: its locks would block dropping the namespace.
    afterEach(async () => {
      for (const x of open.splice(0)) await x.close();
    });
    /** Fresh tables with counters written by plain Core: `versions` maps id → initial version. */
    const reset = async (versions: Record<number, number>) => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
        for (const [id, version] of Object.entries(versions)) await c.execute(insert(counterT).values({ id: Number(id), value: 0, version }));
      });
    };

    test(`${WORKERS} sessions × ${INCREMENTS} increments of three versioned rows: no lost update, stale writes retried`, { skip }, async (t) => {
      const initial: Record<number, number> = { 1: 1, 2: 5, 3: 10 };
      await reset(initial);
      const ids = [1, 2, 3];
      const succeeded: Record<number, number> = { 1: 0, 2: 0, 3: 0 };
      let stale = 0;
      let attempts = 0;
      const started = performance.now();

      const worker = async (w: number) => {
        const g = new Gen(SEED + w);
        const s = session();
        for (let n = 0; n < INCREMENTS; n++) {
          const id = g.pick(ids);
          for (let tries = 1; ; tries++) {
            assert.ok(tries <= 200, `worker ${w} could not increment counter ${id} in 200 attempts`);
            attempts++;
            const counter = (await s.get(Counter, id))!;
            assert.equal(counter.id, id);
            const seen = counter.value;
            counter.value = seen + 1;
            // Give the others a chance to write the row between this load and this commit.
            if (g.bool(0.5)) await sleep(g.int(0, 3));
            try {
              await s.commit();
            } catch (err) {
              if (!(err instanceof StaleDataError)) throw err;
              assert.equal(err.table, "counter");
              assert.match(err.message, new RegExp(`^UPDATE of Counter \\(id=${id}\\) expected to match 1 row\\(s\\), matched 0`));
              // The failed flush left the object as it was: our value, the version we read.
              assert.deepEqual([counter.value, s.inspect(counter).modified], [seen + 1, ["value"]]);
              stale++;
              await s.rollback();
              continue;
            }
            succeeded[id]++;
            break;
          }
        }
        await s.close();
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

      const rows = (await ctx.engine.execute(qCounters)).rows;
      assert.deepEqual(
        rows,
        ids.map((id) => ({ id, value: succeeded[id], version: initial[id] + succeeded[id] })),
      );
      assert.equal(succeeded[1] + succeeded[2] + succeeded[3], WORKERS * INCREMENTS);
      assert.equal(attempts, WORKERS * INCREMENTS + stale);
      // The versions did their job: some writes were stale (else this test could not tell).
      assert.ok(stale > 0, "no StaleDataError happened: the sessions never raced");
      t.diagnostic(`${ctx.name}: ${WORKERS * INCREMENTS} increments, ${stale} stale writes retried, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });

    test("two sessions load the same row, the first commits: the second's commit raises StaleDataError naming entity and key", { skip }, async () => {
      await reset({ 1: 1 });
      const s1 = session();
      const s2 = session();
      const a = (await s1.get(Counter, 1))!;
      const b = (await s2.get(Counter, 1))!;
      assert.notEqual(a, b);
      a.value = 10;
      await s1.commit();
      b.value = 20;
      const err = await s2.commit().then(
        () => assert.fail("the stale commit succeeded"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StaleDataError, `a StaleDataError, got ${err}`);
      assert.equal(err.message, "UPDATE of Counter (id=1) expected to match 1 row(s), matched 0: the row was changed or deleted by someone else");
      assert.equal(err.table, "counter");
      // The row holds the first session's write; the second session's object is as before its flush.
      assert.deepEqual((await ctx.engine.execute(qCounters)).rows, [{ id: 1, value: 10, version: 2 }]);
      assert.deepEqual([b.value, b.version, s2.inspect(b).modified, s2.inspect(b).status], [20, 1, ["value"], "persistent"]);
      assert.equal(s2.inTransaction, true);
      // Rolled back and reloaded, the second session can write on top of the first.
      await s2.rollback();
      assert.ok((await s2.get(Counter, 1)) === b);
      assert.deepEqual([b.value, b.version], [10, 2]);
      b.value += 1;
      await s2.commit();
      assert.deepEqual((await ctx.engine.execute(qCounters)).rows, [{ id: 1, value: 11, version: 3 }]);
    });

    test("deleting a row another session changed, or changing one it deleted: StaleDataError", { skip }, async () => {
      await reset({ 1: 1, 2: 1 });
      const s1 = session();
      const s2 = session();
      // 1: s1 changes it, s2 (holding the old version) deletes it.
      const a1 = (await s1.get(Counter, 1))!;
      const b1 = (await s2.get(Counter, 1))!;
      a1.value = 5;
      await s1.commit();
      s2.delete(b1);
      await assert.rejects(
        s2.commit(),
        (e: unknown) => e instanceof StaleDataError && /^DELETE of Counter \(id=1\) expected to match 1 row\(s\), matched 0/.test((e as Error).message),
      );
      assert.deepEqual([s2.inspect(b1).status, s2.deleted.length], ["persistent", 1]);
      await s2.rollback();
      // 2: s1 deletes it, s2 changes it.
      const a2 = (await s1.get(Counter, 2))!;
      const b2 = (await s2.get(Counter, 2))!;
      s1.delete(a2);
      await s1.commit();
      b2.value = 7;
      await assert.rejects(
        s2.commit(),
        (e: unknown) => e instanceof StaleDataError && /^UPDATE of Counter \(id=2\) expected to match 1 row\(s\), matched 0/.test((e as Error).message),
      );
      await s2.rollback();
      assert.deepEqual((await ctx.engine.execute(qCounters)).rows, [{ id: 1, value: 5, version: 2 }]);
      // The expired object's row is gone: get() says so once (the object leaves), then finds nothing.
      await assert.rejects(
        s2.get(Counter, 2),
        (e: unknown) => e instanceof SessionStateError && /Counter \(id=2\) no longer exists/.test((e as Error).message),
      );
      assert.equal(s2.inspect(b2).status, "detached");
      assert.equal(await s2.get(Counter, 2), undefined);
    });
  },
  { poolSize: 12 },
);
