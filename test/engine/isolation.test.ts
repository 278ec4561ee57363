// Transactions with an isolation level and read-only mode on every engine, portable
// DeadlockError / SerializationError, and engine.transaction(fn, { retries }) rerunning the
// callback on those errors only.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  DeadlockError,
  MetaData,
  NotSupportedError,
  RetryableError,
  SerializationError,
  TransactionError,
  UniqueViolationError,
  createEngine,
  insert,
  integer,
  select,
  update,
  type Engine,
  type IsolationLevel,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const acct = md.table("iso_acct", { id: integer().primaryKey(), balance: integer().notNull() });

/** Resolves once `n` callers arrived: lets two transactions reach a point together. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => (open = r));
  return () => {
    if (++arrived === n) open();
    return all;
  };
}

forEachEngine(import.meta.url, (ctx) => {
  const server = ctx.name !== "sqlite";
  let two: Engine;

  before(async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
    // MariaDB's SERIALIZABLE locks what it reads: a writer waits, here for one second only.
    two = server ? createEngine(ctx.url, { poolSize: 3, onConnect: ctx.name === "mariadb" ? ["SET SESSION innodb_lock_wait_timeout = 1"] : [] }) : ctx.engine;
  });

  const reset = async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(
        insert(acct).values([
          { id: 1, balance: 100 },
          { id: 2, balance: 100 },
        ]),
      );
    });
  };
  const balance = async (e: Engine, id: number) => (await e.execute(select(acct.c.balance).where(acct.c.id.eq(id)))).scalar();

  test("issue 13.7: READ COMMITTED sees a concurrent commit; REPEATABLE READ and SERIALIZABLE keep their snapshot", {
    skip: !server && "SQLite has one writer and serializable transactions only",
  }, async () => {
    for (const [isolation, seesCommit] of [
      ["READ COMMITTED", true],
      ["REPEATABLE READ", false],
      ["SERIALIZABLE", false],
    ] as [IsolationLevel, boolean][]) {
      await reset();
      const locks = ctx.name === "mariadb" && isolation === "SERIALIZABLE";
      const seen = await two.transaction(
        async (tx) => {
          const first = (await tx.execute(select(acct.c.balance).where(acct.c.id.eq(1)))).scalar();
          const write = two.execute(update(acct).set({ balance: 5 }).where(acct.c.id.eq(1)));
          if (locks) await assert.rejects(write, /Lock wait timeout/);
          else await write;
          const second = (await tx.execute(select(acct.c.balance).where(acct.c.id.eq(1)))).scalar();
          return [first, second];
        },
        { isolation },
      );
      assert.deepEqual(seen, [100, seesCommit ? 5 : 100], isolation);
    }
  });

  test("issue 13.7: a read-only transaction refuses writes (servers); SQLite refuses readOnly and weaker levels", async () => {
    await reset();
    if (!server) {
      await assert.rejects(
        ctx.engine.transaction(async () => undefined, { readOnly: true }),
        NotSupportedError,
      );
      await assert.rejects(
        ctx.engine.transaction(async () => undefined, { isolation: "READ COMMITTED" }),
        /SQLite runs every transaction SERIALIZABLE/,
      );
      assert.equal(await ctx.engine.transaction(async (tx) => (await tx.execute(select(acct.c.id))).rows.length, { isolation: "SERIALIZABLE" }), 2);
      return;
    }
    const err = await ctx.engine
      .transaction((tx) => tx.execute(update(acct).set({ balance: 0 })), { readOnly: true, isolation: "REPEATABLE READ" })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    assert.ok(err, "the write was refused");
    assert.match(err.message, /read-only|READ ONLY/i);
    assert.equal(await balance(ctx.engine, 1), 100);
    assert.equal(await ctx.engine.transaction(async (tx) => (await tx.execute(select(acct.c.id))).rows.length, { readOnly: true }), 2);
  });

  test("issue 13.7: an unknown isolation level and options on a nested transaction are refused", async () => {
    await assert.rejects(
      ctx.engine.transaction(async () => undefined, { isolation: "READ UNCOMMITTED; DROP TABLE x" as IsolationLevel }),
      /Unknown isolation level/,
    );
    await assert.rejects(
      ctx.engine.transaction((tx) => tx.connection.transaction(async () => undefined, { isolation: "SERIALIZABLE" })),
      TransactionError,
    );
  });

  test("issue 13.7: a deadlock is a DeadlockError (retryable); with retries both transactions complete", {
    skip: !server && "SQLite has one writer: no deadlock",
  }, async () => {
    await reset();
    const cross = (retries: number, attempts: number[]) => {
      const meet = barrier(2);
      const run = (first: number, second: number, k: number) =>
        two.transaction(
          async (tx) => {
            attempts[k]++;
            await tx.execute(
              update(acct)
                .set({ balance: acct.c.balance.add(1) })
                .where(acct.c.id.eq(first)),
            );
            if (attempts[k] === 1) await meet();
            await tx.execute(
              update(acct)
                .set({ balance: acct.c.balance.add(1) })
                .where(acct.c.id.eq(second)),
            );
          },
          { retries },
        );
      return Promise.allSettled([run(1, 2, 0), run(2, 1, 1)]);
    };
    const plain = await cross(0, [0, 0]);
    const failed = plain.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.equal(failed.length, 1, JSON.stringify(plain.map((r) => r.status)));
    assert.ok(failed[0].reason instanceof DeadlockError, String(failed[0].reason));
    assert.ok(failed[0].reason instanceof RetryableError && failed[0].reason.retryable);
    await reset();
    const attempts = [0, 0];
    const retried = await cross(2, attempts);
    assert.deepEqual(
      retried.map((r) => r.status),
      ["fulfilled", "fulfilled"],
    );
    assert.equal(attempts[0] + attempts[1], 3, "the victim ran once more");
    assert.equal(await balance(ctx.engine, 1), 102);
    assert.equal(await balance(ctx.engine, 2), 102);
  });

  test("issue 13.7: a serialization failure is a SerializationError; retries rerun the callback", {
    skip: ctx.name !== "postgres" && "MariaDB and SQLite serialize with locks (deadlocks instead)",
  }, async () => {
    await reset();
    const race = (retries: number, attempts: number[]) => {
      const meet = barrier(2);
      // Each reads the sum, then writes its own row: serializable only one at a time.
      const run = (id: number, k: number) =>
        two.transaction(
          async (tx) => {
            attempts[k]++;
            const rows = (await tx.execute(select(acct.c.balance))).rows;
            const sum = rows.reduce((s, r) => s + r.balance, 0);
            if (attempts[k] === 1) await meet();
            await tx.execute(update(acct).set({ balance: sum }).where(acct.c.id.eq(id)));
          },
          { isolation: "SERIALIZABLE", retries },
        );
      return Promise.allSettled([run(1, 0), run(2, 1)]);
    };
    const plain = await race(0, [0, 0]);
    const failed = plain.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.equal(failed.length, 1);
    assert.ok(failed[0].reason instanceof SerializationError, String(failed[0].reason));
    await reset();
    const attempts = [0, 0];
    const retried = await race(3, attempts);
    assert.deepEqual(
      retried.map((r) => r.status),
      ["fulfilled", "fulfilled"],
    );
    assert.equal(attempts[0] + attempts[1], 3);
    // Run one after the other: 200 then 300 (or 300 then 200).
    assert.deepEqual([await balance(ctx.engine, 1), await balance(ctx.engine, 2)].sort(), [200, 300]);
  });

  test("issue 13.7: retries rerun on retryable errors only: a unique violation ends the transaction at once", async () => {
    await reset();
    let calls = 0;
    await assert.rejects(
      ctx.engine.transaction(
        async (tx) => {
          calls++;
          await tx.execute(insert(acct).values({ id: 1, balance: 0 }));
        },
        { retries: 5 },
      ),
      UniqueViolationError,
    );
    assert.equal(calls, 1);
  });

  test("dispose", async () => {
    if (two !== ctx.engine) await two.dispose();
  });
});
