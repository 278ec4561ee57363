// The Session's connection and transaction handling, on every engine: what goes on the wire for
// reads and writes (counted with the engine's statement log), concurrent calls on one session,
// connections handed back after failures and by `await using`, and ORM queries run again with
// other param() values without composing anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Session, SessionStateError, UniqueViolationError, createEngine, insert, param, select, types, update, type Engine } from "../../src/index.js";
import { Composer } from "../../src/orm/eager.js";
import { md, registry, Customer, Counter, Tag, customerT, counterT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { StatementLog } from "../support/statements.js";

const log = new StatementLog();
const SELECT_CUSTOMER = /^SELECT "customer"\."id", "customer"\."name", .* FROM "customer" WHERE "customer"\."id" = \?/;

forEachEngine(
  import.meta.url,
  (ctx) => {
    /**
     * A fresh engine (its own pool, so its figures are this test's) over freshly created tables
     * holding customers 1–3 and counter 1; the log is cleared after the setup.
     */
    const withEngine = async (fn: (engine: Engine) => Promise<void>) => {
      const engine = createEngine(ctx.url, { echo: log.logger });
      try {
        await engine.withConnection(async (c) => {
          await md.dropAll(c);
          await md.createAll(c);
          await c.execute(insert(customerT).values([{ name: "Ann" }, { name: "Bob" }, { name: "Cy" }]));
          await c.execute(insert(counterT).values({ id: 1, value: 0, version: 1 }));
        });
        log.clear();
        await fn(engine);
      } finally {
        await engine.dispose();
      }
    };

    test("issue 12: a session that has only read answers a point load in one round trip; the transaction begins at the first write", async () => {
      await withEngine(async (engine) => {
        const s = new Session(engine, { registry });
        const ann = (await s.get(Customer, 1))!;
        assert.equal(ann.name, "Ann");
        const wire = log.take();
        assert.equal(wire.length, 1, wire.join("\n"));
        assert.match(wire[0], SELECT_CUSTOMER);
        // Between operations a session that has only read holds no connection.
        assert.deepEqual([s.inTransaction, s.holdsConnection, engine.poolStats.idle], [false, false, engine.poolStats.open]);
        // Found again without SQL; commit and close with nothing written send nothing.
        assert.equal(await s.get(Customer, 1), ann);
        await s.commit();
        assert.deepEqual(log.take(), []);

        ann.name = "Anne";
        await s.commit();
        assert.deepEqual(log.take(), [
          "BEGIN",
          "SAVEPOINT arbor_sp_N",
          'UPDATE "customer" SET "name" = ? WHERE "customer"."id" = ?',
          "RELEASE SAVEPOINT arbor_sp_N",
          "COMMIT",
        ]);
        assert.deepEqual([s.inTransaction, s.holdsConnection], [false, false]);
        await s.close();
        assert.deepEqual(log.take(), []);
        assert.deepEqual((await engine.execute(select(customerT.c.name).where(customerT.c.id.eq(1)))).rows, [{ name: "Anne" }]);
      });
    });

    test("issue 12: autobegin onFirstUse begins before the first read and rolls back at close (SQLAlchemy's autobegin)", async () => {
      await withEngine(async (engine) => {
        const s = new Session(engine, { registry, autobegin: "onFirstUse" });
        await s.get(Customer, 1);
        assert.equal(s.inTransaction, true);
        await s.close();
        const wire = log.take();
        assert.deepEqual([wire.length, wire[0], wire[2]], [3, "BEGIN", "ROLLBACK"]);
        assert.match(wire[1], SELECT_CUSTOMER);
        assert.deepEqual(engine.poolStats.idle, engine.poolStats.open);
      });
    });

    test("issue 12: Promise.all of three queries on one session runs them in call order on one connection and leaves it idle", {
      timeout: 20_000,
    }, async () => {
      await withEngine(async (engine) => {
        const opened = engine.poolStats.open;
        const s = new Session(engine, { registry });
        const [a, bs, rows] = await Promise.all([
          s.get(Customer, 1),
          s.query(Customer).where(Customer.c.id.gt(1)).orderBy(Customer.c.id).all(),
          s.execute(select(customerT.c.name).orderBy(customerT.c.id)),
        ]);
        assert.deepEqual([a!.name, bs.map((c) => c.name), rows.rows.map((r) => r.name)], ["Ann", ["Bob", "Cy"], ["Ann", "Bob", "Cy"]]);
        const wire = log.take();
        assert.equal(wire.length, 3);
        assert.match(wire[0], SELECT_CUSTOMER);
        assert.match(wire[1], /WHERE "customer"\."id" > \?/);
        assert.equal(wire[2], 'SELECT "customer"."name" FROM "customer" ORDER BY "customer"."id" ASC');
        // No connection was opened beyond the one the setup left idle, and it is idle again.
        assert.deepEqual(engine.poolStats, { size: engine.poolStats.size, open: opened, inUse: 0, idle: opened, waiting: 0 });

        // Writes and transaction ends queue the same way: the read after commit() sees the commit.
        const c2 = await s.get(Counter, 1);
        c2!.value = 5;
        const [, , after] = await Promise.all([s.flush(), s.commit(), s.execute(select(counterT.c.value))]);
        assert.deepEqual(after.rows, [{ value: 5 }]);
        assert.deepEqual([s.inTransaction, engine.poolStats], [false, { size: engine.poolStats.size, open: opened, inUse: 0, idle: opened, waiting: 0 }]);
        await s.close();
      });
    });

    test("issue 12: close() queued behind running work waits for it, then hands the connection back", { timeout: 20_000 }, async () => {
      await withEngine(async (engine) => {
        const s = new Session(engine, { registry });
        s.add(new Tag({ label: "x" }));
        const flushed = s.flush();
        const closed = s.close();
        await flushed;
        await closed;
        assert.deepEqual(log.take().slice(-2), ["RELEASE SAVEPOINT arbor_sp_N", "ROLLBACK"]);
        assert.equal(engine.poolStats.idle, engine.poolStats.open);
        await assert.rejects(s.get(Customer, 1), SessionStateError);
      });
    });

    test("issue 12: a session whose commit() threw keeps its transaction until close(), which hands the connection back", async () => {
      await withEngine(async (engine) => {
        const s = new Session(engine, { registry });
        s.add(new Tag({ label: "dup" }));
        await s.commit();
        s.add(new Tag({ label: "dup" }));
        await assert.rejects(s.commit(), UniqueViolationError);
        // The failed flush was rolled back to its savepoint; the transaction waits for rollback or close.
        assert.deepEqual([s.inTransaction, s.holdsConnection], [true, true]);
        await s.close();
        assert.deepEqual([s.inTransaction, s.holdsConnection], [false, false]);
        assert.equal(log.entries[log.entries.length - 1], "ROLLBACK");
        assert.deepEqual(engine.poolStats, { size: engine.poolStats.size, open: engine.poolStats.open, inUse: 0, idle: engine.poolStats.open, waiting: 0 });
        // The pool's one connection (SQLite) or any other serves the engine again.
        assert.deepEqual((await engine.execute(select(Tag.c.label))).rows, [{ label: "dup" }]);
      });
    });

    test("issue 12: await using closes the session when the block ends, rolling back what was not committed", async () => {
      await withEngine(async (engine) => {
        assert.equal(typeof Session.prototype[Symbol.asyncDispose], "function");
        let kept: Session;
        {
          await using s = new Session(engine, { registry });
          kept = s;
          s.add(new Tag({ label: "never committed" }));
          await s.flush();
          assert.equal(s.inTransaction, true);
        }
        assert.equal(log.entries[log.entries.length - 1], "ROLLBACK");
        await assert.rejects(kept.get(Customer, 1), SessionStateError);
        assert.equal(engine.poolStats.idle, engine.poolStats.open);
        assert.deepEqual((await engine.execute(select(Tag.c.label))).rows, []);
        // Leaving the block by an exception closes it too.
        await assert.rejects(async () => {
          await using s = new Session(engine, { registry });
          kept = s;
          await s.flush();
          s.add(new Tag({ label: "x" }));
          await s.flush();
          throw new Error("boom");
        }, /boom/);
        assert.equal(kept.holdsConnection, false);
        assert.equal(engine.poolStats.idle, engine.poolStats.open);
      });
    });

    test("issue 12: an ORM query with param() composes once, runs with other values and, bound to another session, composes nothing", async (t) => {
      await withEngine(async (engine) => {
        const compose = t.mock.method(Composer.prototype, "prepare");
        // Compositions are shared by queries of one shape: start from none.
        registry.mapperOf(Customer).queryShapes = undefined;
        const s = new Session(engine, { registry });
        const byId = s.query(Customer).where(Customer.c.id.eq(param("id", types.integer)));
        assert.equal((await byId.one({ id: 1 })).name, "Ann");
        assert.equal((await byId.one({ id: 2 })).name, "Bob");
        assert.equal((await byId.first({ id: 3 }))!.name, "Cy");
        assert.equal(await byId.first({ id: 99 }), undefined);
        assert.deepEqual(
          (await byId.all({ id: 2 })).map((c) => c.name),
          ["Bob"],
        );
        // One composition per way of running it (one() reads two rows, first() one, all() every).
        assert.equal(compose.mock.callCount(), 3);
        const wire = log.take();
        assert.equal(wire.length, 5);
        assert.equal(new Set(wire.slice(0, 2)).size, 1);
        for (const sql of wire) assert.match(sql, SELECT_CUSTOMER);
        await s.close();

        const s2 = new Session(engine, { registry });
        assert.equal((await byId.bind(s2).one({ id: 3 })).name, "Cy");
        assert.equal(compose.mock.callCount(), 3);
        assert.equal(s2.inspect(await byId.bind(s2).one({ id: 3 })).status, "persistent");
        await s2.close();
        // A param without a value is refused, naming it.
        const s3 = new Session(engine, { registry });
        await assert.rejects(byId.bind(s3).one(), /\bid\b/);
        await s3.close();
        compose.mock.restore();
      });
    });

    test("issue 12: on MariaDB, onFirstUse reads share one REPEATABLE READ snapshot; onWrite reads each see the latest commit", {
      skip: ctx.name !== "mariadb" && "the snapshot difference shows on MariaDB's default isolation (REPEATABLE READ)",
    }, async () => {
      await withEngine(async (engine) => {
        const value = select(counterT.c.value).where(counterT.c.id.eq(1));
        for (const [autobegin, expected] of [
          ["onFirstUse", 0],
          ["onWrite", 7],
        ] as const) {
          await engine.execute(update(counterT).set({ value: 0 }));
          const s = new Session(engine, { registry, autobegin });
          assert.deepEqual((await s.execute(value)).rows, [{ value: 0 }]);
          await engine.execute(update(counterT).set({ value: 7 }));
          assert.deepEqual((await s.execute(value)).rows, [{ value: expected }], autobegin);
          await s.close();
        }
      });
    });
  },
  { echo: log.logger },
);
