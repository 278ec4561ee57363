// Executor.forEach: each row handed over as the driver reads it, built and typed as execute()
// builds it, with errors (the caller's, a decoder's) reported without breaking the connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, bigint, boolean, custom, insert, integer, nested, numeric, select, text, timestamptz } from "../../src/index.js";
import { strictText } from "../fixtures/strict-text.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const account = md.table("account", {
  id: integer().primaryKey(),
  name: text().notNull(),
  opened: timestamptz().notNull(),
  balance: numeric(12, 2).notNull(),
  serial: bigint().notNull(),
  active: boolean().notNull(),
});
const entry = md.table("entry", {
  id: integer().primaryKey(),
  accountId: integer()
    .notNull()
    .named("account_id")
    .references(() => account.c.id),
  at: timestamptz().notNull(),
  amount: numeric(12, 2).notNull(),
});

// Its decoder refuses one value: decoding fails part-way through a result.
const memo = md.table("memo", { id: integer().primaryKey(), body: custom(strictText).notNull() });

const graph = () =>
  select(account, nested(select(entry.c.id, entry.c.at, entry.c.amount).where(entry.c.accountId.eq(account.c.id)).orderBy(entry.c.id)).as("entries")).orderBy(
    account.c.id,
  );

forEachEngine(import.meta.url, (ctx) => {
  test("setup", () =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      const accounts = [],
        entries = [];
      for (let i = 1; i <= 40; i++) {
        accounts.push({
          id: i,
          name: `acct ${i}`,
          opened: new Date(Date.UTC(2024, 0, i, 8, 30, 0, 125)),
          balance: `${i * 3}.05`,
          serial: 9007199254740993n + BigInt(i),
          active: i % 3 === 0,
        });
        for (let j = 0; j < i % 4; j++) entries.push({ id: i * 10 + j, accountId: i, at: new Date(Date.UTC(2024, 5, j + 1)), amount: `-${j}.50` });
      }
      await c.execute(insert(account).values(accounts));
      await c.execute(insert(entry).values(entries));
      await c.execute(
        insert(memo).values([
          { id: 1, body: "ok" },
          { id: 2, body: "bad" },
          { id: 3, body: "fine" },
        ]),
      );
    }));

  test("hands over the rows execute() returns, in order and with every type restored, nested rows included", async () => {
    const expected = (await ctx.engine.execute(graph())).rows;
    assert.equal(expected.length, 40);
    const seen: (typeof expected)[number][] = [];
    const count = await ctx.engine.forEach(graph(), (row) => {
      seen.push(row);
    });
    assert.equal(count, 40);
    assert.deepStrictEqual(seen, expected);
    const first = seen[0];
    assert.ok(first.opened instanceof Date && first.opened.getTime() === Date.UTC(2024, 0, 1, 8, 30, 0, 125));
    assert.equal(first.serial, 9007199254740994n);
    assert.equal(first.balance, "3.05");
    assert.equal(seen[2].active, true);
    assert.deepStrictEqual(seen[2].entries, [
      { id: 30, at: new Date(Date.UTC(2024, 5, 1)), amount: "-0.50" },
      { id: 31, at: new Date(Date.UTC(2024, 5, 2)), amount: "-1.50" },
      { id: 32, at: new Date(Date.UTC(2024, 5, 3)), amount: "-2.50" },
    ]);
    assert.deepStrictEqual(seen[3].entries, []);
  });

  test("runs on a connection and inside a transaction, with named parameters", async () => {
    const stmt = select(account.c.id).where(account.c.id.le(5)).orderBy(account.c.id);
    await ctx.engine.withConnection(async (c) => {
      const ids: number[] = [];
      assert.equal(await c.forEach(stmt, (r) => ids.push(r.id)), 5);
      assert.deepStrictEqual(ids, [1, 2, 3, 4, 5]);
      await c.transaction(async (tx) => {
        const names: string[] = [];
        await tx.forEach(
          select(account.c.name)
            .where(account.c.id.in([7, 9]))
            .orderBy(account.c.id),
          (r) => names.push(r.name),
        );
        assert.deepStrictEqual(names, ["acct 7", "acct 9"]);
      });
    });
  });

  test("an error thrown by the callback stops the calls and rejects; the connection goes on", async () => {
    await ctx.engine.withConnection(async (c) => {
      const calls: number[] = [];
      const boom = new Error("stop at 3");
      await assert.rejects(
        c.forEach(graph(), (row) => {
          calls.push(row.id);
          if (row.id === 3) throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepStrictEqual(calls, [1, 2, 3]);
      // The rest of the result was read off the wire: the next statement gets its own answer.
      assert.deepStrictEqual((await c.execute(select(account.c.id).where(account.c.id.eq(40)))).rows, [{ id: 40 }]);
    });
  });

  // Regression: on PostgreSQL values are decoded inside the driver's socket handler; a decoder
  // that throws must reject the call, and no row holding the failed value may reach the callback.
  test("a decoder that throws rejects with its error; no half-decoded row is handed over", async () => {
    await ctx.engine.withConnection(async (c) => {
      const bodies: unknown[] = [];
      await assert.rejects(
        c.forEach(select(memo).orderBy(memo.c.id), (r) => bodies.push(r.body)),
        (e: Error) => e instanceof RangeError && /unreadable value "bad"/.test(e.message),
      );
      assert.ok(
        bodies.every((b) => b === "OK"),
        `handed over: ${JSON.stringify(bodies)}`,
      );
      const ok: unknown[] = [];
      await c.forEach(select(memo).where(memo.c.id.ne(2)).orderBy(memo.c.id), (r) => ok.push(r.body));
      assert.deepStrictEqual(ok, ["OK", "FINE"]);
    });
  });

  test("an empty result calls nothing and counts zero", async () => {
    let calls = 0;
    assert.equal(await ctx.engine.forEach(select(account.c.id).where(account.c.id.lt(0)), () => calls++), 0);
    assert.equal(calls, 0);
  });
});
