// Errors translated to Arbor's typed errors (integrity violations by kind, syntax errors as plain
// DatabaseErrors, connection failures as ConnectionError), the engine usable after each, and
// per-statement timeouts and signals cancelling a running statement.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AbortError,
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  ForeignKeyViolationError,
  IntegrityError,
  MetaData,
  NotNullViolationError,
  NotSupportedError,
  TimeoutError,
  UniqueViolationError,
  check,
  deleteFrom,
  insert,
  integer,
  select,
  sql,
  text,
  types,
  type Statement,
} from "../index.js";
import { engineFrom, type Suite } from "./context.js";

/** Runs `fn` and returns what it threw (failing when it did not throw). */
async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
    return err;
  }
  return assert.fail("expected an error");
}

/**
 * A statement that runs for many seconds unless cancelled: the count of a billion-row product of a
 * thousand-row recursive CTE (MariaDB stops recursing after 1,000 iterations by default).
 */
export const slowStatement = (): Statement<unknown> =>
  sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) SELECT count(*) AS n FROM s a, s b, s c`.typed(types.bigint);

export function errorTests(suite: Suite): void {
  const md = new MetaData();
  const parent = md.table(`${suite.prefix}er_parent`, { id: integer().primaryKey(), email: text().notNull() });
  const child = md.table(
    `${suite.prefix}er_child`,
    {
      id: integer().primaryKey(),
      parentId: integer()
        .notNull()
        .named("parent_id")
        .references(() => parent.c.id),
      qty: integer().notNull(),
    },
    (c) => [check(`${suite.prefix}er_child_qty`, c.qty.gt(0))],
  );
  const slow = suite.options.slowStatement ?? slowStatement;
  const one = () => select(parent.c.id).from(parent).orderBy(parent.c.id);
  const usable = async () => assert.deepEqual((await suite.engine.execute(one())).rows, [{ id: 1 }]);

  describe("errors", { skip: suite.skipped("errors") }, () => {
    before(async () => {
      await md.dropAll(suite.engine);
      await md.createAll(suite.engine);
      await suite.engine.execute(insert(parent).values({ id: 1, email: "a@example.com" }));
    });
    after(() => md.dropAll(suite.engine));

    test("a duplicate key is a UniqueViolationError", async () => {
      const err = await caught(() => suite.engine.execute(insert(parent).values({ id: 1, email: "b@example.com" })));
      assert.ok(err instanceof UniqueViolationError, `${err.name}: ${err.message}`);
      assert.ok(err instanceof IntegrityError);
      await usable();
    });

    test("a missing referenced row is a ForeignKeyViolationError, on insert and on delete", async () => {
      const err = await caught(() => suite.engine.execute(insert(child).values({ id: 1, parentId: 99, qty: 1 })));
      assert.ok(err instanceof ForeignKeyViolationError, `${err.name}: ${err.message}`);
      await suite.engine.execute(insert(child).values({ id: 1, parentId: 1, qty: 1 }));
      const del = await caught(() => suite.engine.execute(deleteFrom(parent).where(parent.c.id.eq(1))));
      assert.ok(del instanceof ForeignKeyViolationError, `${del.name}: ${del.message}`);
      await suite.engine.execute(deleteFrom(child));
      await usable();
    });

    test("NULL into a NOT NULL column is a NotNullViolationError naming the column", async () => {
      const stmt = sql`INSERT INTO ${parent} (${sql.id("id")}, ${sql.id("email")}) VALUES (${2}, ${null})`;
      const err = await caught(() => suite.engine.execute(stmt));
      assert.ok(err instanceof NotNullViolationError, `${err.name}: ${err.message}`);
      assert.equal(err.column, "email");
      await usable();
    });

    test("a failing CHECK is a CheckViolationError naming the constraint", async () => {
      const err = await caught(() => suite.engine.execute(insert(child).values({ id: 2, parentId: 1, qty: 0 })));
      assert.ok(err instanceof CheckViolationError, `${err.name}: ${err.message}`);
      assert.equal(err.constraint, `${suite.prefix}er_child_qty`);
      await usable();
    });

    test("a syntax error is a DatabaseError, not an integrity or connection error, carrying its SQL", async () => {
      const err = await caught(() => suite.engine.execute(sql`SELEC 1`));
      assert.ok(err instanceof DatabaseError, `${err.name}: ${err.message}`);
      assert.ok(!(err instanceof IntegrityError) && !(err instanceof ConnectionError), `${err.name}: ${err.message}`);
      assert.equal(err.sql, "SELEC 1");
      await usable();
    });

    test("an error inside a transaction rolls it back and frees the connection", async () => {
      const inUse = suite.engine.poolStats.inUse;
      await assert.rejects(
        suite.engine.transaction(async (tx) => {
          await tx.execute(insert(parent).values({ id: 3, email: "c@example.com" }));
          await tx.execute(insert(parent).values({ id: 3, email: "d@example.com" }));
        }),
        UniqueViolationError,
      );
      assert.equal(suite.engine.poolStats.inUse, inUse);
      await usable();
    });

    const noCancel = suite.skipped("cancel");
    test("a statement past its timeout is cancelled on the server with TimeoutError, and the connection goes on", { skip: noCancel }, async () => {
      const err = await caught(() => suite.engine.execute(slow(), undefined, { timeout: 100 }));
      assert.ok(err instanceof TimeoutError, `${err.name}: ${err.message}`);
      await usable();
      const inTx = await caught(() => suite.engine.transaction((tx) => tx.execute(slow(), undefined, { timeout: 100 })));
      assert.ok(inTx instanceof TimeoutError, `${inTx.name}: ${inTx.message}`);
      await usable();
    });

    test("a statement whose signal aborts is cancelled on the server with AbortError, and the connection goes on", { skip: noCancel }, async () => {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 100);
      try {
        const err = await caught(() => suite.engine.execute(slow(), undefined, { signal: ac.signal }));
        assert.ok(err instanceof AbortError, `${err.name}: ${err.message}`);
      } finally {
        clearTimeout(timer);
      }
      await usable();
    });

    test("a driver that cannot cancel refuses a statement timeout with NotSupportedError", {
      skip: noCancel === undefined ? "the driver cancels statements" : undefined,
    }, async () => {
      const err = await caught(() => suite.engine.execute(one(), undefined, { timeout: 1000 }));
      assert.ok(err instanceof NotSupportedError, `${err.name}: ${err.message}`);
      await usable();
    });

    test("a signal aborted before the statement starts refuses it with AbortError", async () => {
      const ac = new AbortController();
      ac.abort();
      const err = await caught(() => suite.engine.execute(one(), undefined, { signal: ac.signal }));
      assert.ok(err instanceof AbortError, `${err.name}: ${err.message}`);
      await usable();
    });
  });

  describe("connect", { skip: suite.skipped("connect") ?? (suite.options.unreachable ? undefined : "no unreachable target given") }, () => {
    test("connecting where no database answers is a ConnectionError", async () => {
      const engine = await engineFrom(suite.options.unreachable!());
      try {
        const err = await caught(() => engine.execute(select(sql`1`.typed(types.integer).as("one"))));
        assert.ok(err instanceof ConnectionError, `${err.name}: ${err.message}`);
      } finally {
        await engine.dispose();
      }
    });
  });
}
