// Upserts give the same rows on every engine or are refused: MariaDB's ON DUPLICATE KEY UPDATE acts
// on any unique key, where PostgreSQL and SQLite resolve only the target's conflicts.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, NotSupportedError, UniqueViolationError, excluded, insert, integer, select, varchar } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const account = md.table("ups_account", {
  id: integer().primaryKey().autoincrement(),
  email: varchar(100).notNull().unique(),
  name: varchar(100).notNull(),
});

forEachEngine(import.meta.url, (ctx) => {
  before(async () => {
    await md.dropAll(ctx.engine);
    await md.createAll(ctx.engine);
    await ctx.engine.execute(
      insert(account).values([
        { id: 1, email: "ada@example.org", name: "Ada" },
        { id: 2, email: "alan@example.org", name: "Alan" },
      ]),
    );
  });

  const rows = async () => (await ctx.engine.execute(select(account).orderBy(account.c.id))).rows;

  test("an upsert on its target key updates the row that key names", async () => {
    await ctx.engine.execute(
      insert(account)
        .values({ email: "ada@example.org", name: "Ada Lovelace" })
        .onConflict({ target: [account.c.email], set: { name: excluded(account.c.name) } }),
    );
    assert.deepEqual(await rows(), [
      { id: 1, email: "ada@example.org", name: "Ada Lovelace" },
      { id: 2, email: "alan@example.org", name: "Alan" },
    ]);
  });

  test("issue 20: an upsert whose row also collides on another unique key never updates through that key", async () => {
    // id 2 is Alan's; the email is new. PostgreSQL and SQLite raise on the primary key; MariaDB
    // would update Alan's row through it, so Arbor refuses the statement there.
    const stmt = insert(account)
      .values({ id: 2, email: "grace@example.org", name: "Grace" })
      .onConflict({ target: [account.c.email], set: { name: excluded(account.c.name) } });
    if (ctx.name === "mariadb")
      assert.throws(
        () => ctx.engine.compile(stmt),
        (e: unknown) => e instanceof NotSupportedError && /ups_account.*\(id\)/.test(e.message),
      );
    else await assert.rejects(ctx.engine.execute(stmt), UniqueViolationError);
    assert.deepEqual(
      (await rows()).map((r) => r.name),
      ["Ada Lovelace", "Alan"],
    );
  });
});
