// Transactions: commit and rollback, savepoints (a failed statement inside one leaves the outer
// transaction usable), isolation levels (honoured with their visibility rules, or refused with
// NotSupportedError), read-only transactions, and reruns on retryable errors.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  DatabaseError,
  MetaData,
  NotSupportedError,
  SerializationError,
  UniqueViolationError,
  deleteFrom,
  insert,
  integer,
  select,
  update,
  type Engine,
  type IsolationLevel,
  type TransactionCharacteristics,
} from "../index.js";
import type { Suite } from "./context.js";

/** Thrown to roll a transaction back on purpose. */
class Rollback extends Error {}

const rolledBack = (err: unknown): void => {
  if (!(err instanceof Rollback)) throw err;
};

/** The NotSupportedError a dialect raises for these characteristics, or undefined when it honours them. */
function refusal(engine: Engine, tx: TransactionCharacteristics): NotSupportedError | undefined {
  try {
    engine.dialect.beginStatements?.(tx);
    if (engine.dialect.beginStatements === undefined && (tx.isolation !== undefined || tx.readOnly)) return new NotSupportedError("no beginStatements");
    return undefined;
  } catch (err) {
    if (err instanceof NotSupportedError) return err;
    throw err;
  }
}

export function transactionTests(suite: Suite): void {
  const md = new MetaData();
  const t = md.table(`${suite.prefix}tx`, { id: integer().primaryKey(), v: integer().notNull() });
  const ids = () => select(t.c.id).from(t).orderBy(t.c.id);
  const vOf = (id: number) => select(t.c.v).from(t).where(t.c.id.eq(id));
  const reset = async () => {
    await suite.engine.execute(deleteFrom(t));
    await suite.engine.execute(insert(t).values({ id: 1, v: 100 }));
  };

  describe("transactions", { skip: suite.skipped("transactions") }, () => {
    before(async () => {
      await md.dropAll(suite.engine);
      await md.createAll(suite.engine);
    });
    after(() => md.dropAll(suite.engine));

    test("a transaction commits when its callback returns", async () => {
      await reset();
      await suite.engine.transaction((tx) => tx.execute(insert(t).values({ id: 2, v: 1 })));
      assert.deepEqual((await suite.engine.execute(ids())).rows, [{ id: 1 }, { id: 2 }]);
    });

    test("a transaction rolls back when its callback throws", async () => {
      await reset();
      await suite.engine
        .transaction(async (tx) => {
          await tx.execute(insert(t).values({ id: 2, v: 1 }));
          await tx.execute(update(t).set({ v: 0 }).where(t.c.id.eq(1)));
          throw new Rollback();
        })
        .catch(rolledBack);
      assert.deepEqual((await suite.engine.execute(ids())).rows, [{ id: 1 }]);
      assert.deepEqual((await suite.engine.execute(vOf(1))).rows, [{ v: 100 }]);
    });

    test("a savepoint rolled back undoes its own writes only", async () => {
      await reset();
      await suite.engine.transaction(async (tx) => {
        await tx.execute(insert(t).values({ id: 2, v: 1 }));
        const sp = await tx.begin();
        await sp.execute(insert(t).values({ id: 3, v: 1 }));
        await sp.rollback();
        await tx
          .transaction(async (inner) => {
            await inner.execute(insert(t).values({ id: 4, v: 1 }));
            throw new Rollback();
          })
          .catch(rolledBack);
        await tx.transaction((inner) => inner.execute(insert(t).values({ id: 5, v: 1 })));
      });
      assert.deepEqual((await suite.engine.execute(ids())).rows, [{ id: 1 }, { id: 2 }, { id: 5 }]);
    });

    test("a statement failing inside a savepoint leaves the transaction usable", async () => {
      await reset();
      await suite.engine.transaction(async (tx) => {
        await assert.rejects(
          tx.transaction((sp) => sp.execute(insert(t).values({ id: 1, v: 0 }))),
          UniqueViolationError,
        );
        await tx.execute(insert(t).values({ id: 2, v: 2 }));
      });
      assert.deepEqual((await suite.engine.execute(ids())).rows, [{ id: 1 }, { id: 2 }]);
    });

    test("retries rerun the callback after a retryable error, and only then", async () => {
      await reset();
      let runs = 0;
      await suite.engine.transaction(
        async (tx) => {
          await tx.execute(
            update(t)
              .set({ v: t.c.v.add(1) })
              .where(t.c.id.eq(1)),
          );
          if (++runs === 1) throw new SerializationError("a conflict, on purpose");
        },
        { retries: 2 },
      );
      assert.equal(runs, 2);
      assert.deepEqual((await suite.engine.execute(vOf(1))).rows, [{ v: 101 }], "the first run was rolled back");
      runs = 0;
      await assert.rejects(
        suite.engine.transaction(
          async () => {
            runs++;
            throw new Rollback();
          },
          { retries: 2 },
        ),
        Rollback,
      );
      assert.equal(runs, 1);
    });

    const levels: IsolationLevel[] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];
    for (const isolation of levels)
      test(`isolation ${isolation} runs, or is refused with NotSupportedError`, { skip: suite.skipped("isolation") }, async () => {
        await reset();
        const refused = refusal(suite.engine, { isolation });
        const run = suite.engine.transaction(async (tx) => (await tx.execute(vOf(1))).rows, { isolation });
        if (refused) {
          await assert.rejects(run, NotSupportedError);
          return;
        }
        assert.deepEqual(await run, [{ v: 100 }]);
      });

    for (const isolation of ["READ COMMITTED", "REPEATABLE READ"] as const)
      test(`isolation ${isolation}: a row another session commits meanwhile is ${isolation === "READ COMMITTED" ? "seen" : "not seen"} on a second read`, async (ctx) => {
        const reason =
          suite.skipped("isolation") ?? (suite.engine.poolStats.size < 2 ? "the engine has one connection: no second session to write meanwhile" : undefined);
        if (reason) return ctx.skip(reason);
        if (refusal(suite.engine, { isolation })) return ctx.skip(`the dialect refuses ${isolation}`);
        await reset();
        const seen = await suite.engine.transaction(
          async (tx) => {
            assert.deepEqual((await tx.execute(vOf(1))).rows, [{ v: 100 }]);
            // Through the engine: another pooled connection, autocommit.
            await suite.engine.execute(update(t).set({ v: 200 }).where(t.c.id.eq(1)));
            return (await tx.execute(vOf(1))).rows;
          },
          { isolation },
        );
        assert.deepEqual(seen, [{ v: isolation === "READ COMMITTED" ? 200 : 100 }]);
      });

    test("a read-only transaction reads and refuses writes, or is refused with NotSupportedError", { skip: suite.skipped("isolation") }, async () => {
      await reset();
      if (refusal(suite.engine, { readOnly: true })) {
        await assert.rejects(
          suite.engine.transaction((tx) => tx.execute(vOf(1)), { readOnly: true }),
          NotSupportedError,
        );
        return;
      }
      const rows = await suite.engine.transaction(async (tx) => (await tx.execute(vOf(1))).rows, { readOnly: true });
      assert.deepEqual(rows, [{ v: 100 }]);
      await assert.rejects(
        suite.engine.transaction((tx) => tx.execute(update(t).set({ v: 0 })), { readOnly: true }),
        DatabaseError,
      );
      assert.deepEqual((await suite.engine.execute(vOf(1))).rows, [{ v: 100 }]);
    });
  });
}
