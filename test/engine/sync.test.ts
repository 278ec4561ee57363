// The synchronous path of embedded engines: executeSync, and the one-row driver call that
// primary-key lookups take.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  SelfDeadlockError,
  NotSupportedError,
  and,
  bigint,
  createEngine,
  custom,
  insert,
  integer,
  or,
  param,
  select,
  sql,
  text,
  timestamptz,
  types,
} from "../../src/index.js";
import { strictText } from "../fixtures/strict-text.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const person = md.table("person", {
  id: integer().primaryKey(),
  email: text().notNull().unique(),
  name: text(),
  big: bigint(),
  seen: timestamptz(),
});

const rows = [
  { id: 1, email: "a@x", name: "Ann", big: 2n ** 62n + 1n, seen: new Date("1969-07-20T20:17:40.123Z") },
  { id: 2, email: "b@x", name: null, big: null, seen: new Date("2024-02-29T23:59:59.999Z") },
  { id: 3, email: "c@x", name: "Cy", big: -(2n ** 63n - 1n), seen: null },
];

test("executeSync on SQLite: a fresh engine connects synchronously and returns what execute returns", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    // The first statement opens the connection without a promise.
    assert.deepEqual(engine.executeSync(sql`SELECT 'x' AS one`).rows, [{ one: "x" }]);
    await engine.withConnection((c) => md.createAll(c));
    engine.executeSync(insert(person).values(rows));
    const byId = select(person).where(person.c.id.eq(param("id", types.integer)));
    for (const r of rows) {
      assert.deepEqual(engine.executeSync(byId, { id: r.id }).one(), r);
      assert.deepEqual((await engine.execute(byId, { id: r.id })).one(), r);
    }
    assert.deepEqual(engine.executeSync(byId, { id: 99 }).rows, []);
    assert.deepEqual(engine.executeSync(select(person.c.id).orderBy(person.c.id)).scalars(), [1, 2, 3]);
    const byEmail = select(person.c.name).where(person.c.email.eq(param("email", types.text)));
    assert.equal(engine.executeSync(byEmail, { email: "c@x" }).scalar(), "Cy");
  } finally {
    await engine.dispose();
  }
});

test("executeSync cannot wait for a connection an open transaction holds", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    await engine.transaction(async (tx) => {
      await md.createAll(tx);
      tx.executeSync(insert(person).values(rows[0]));
      assert.throws(() => engine.executeSync(select(person.c.id)), SelfDeadlockError);
      assert.deepEqual(tx.executeSync(select(person.c.id)).scalars(), [1]);
    });
    assert.deepEqual(engine.executeSync(select(person.c.id)).scalars(), [1]);
  } finally {
    await engine.dispose();
  }
});

test("executeSync errors are the same typed errors execute raises", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    await engine.withConnection((c) => md.createAll(c));
    engine.executeSync(insert(person).values(rows[0]));
    assert.throws(
      () => engine.executeSync(insert(person).values({ ...rows[0], id: 7 })),
      (e: Error) => e.name === "UniqueViolationError",
    );
  } finally {
    await engine.dispose();
  }
});

forEachEngine(import.meta.url, (ctx) => {
  test("primary-key and unique lookups return zero or one row, other filters every match", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.createAll(c);
      await c.execute(insert(person).values(rows));
      const byId = select(person).where(person.c.id.eq(param("id", types.integer)));
      assert.deepEqual((await c.execute(byId, { id: 2 })).rows, [rows[1]]);
      assert.deepEqual((await c.execute(byId, { id: 5 })).rows, []);
      // Pinned key AND-ed with another condition: still at most one.
      const both = select(person.c.id).where(and(person.c.email.eq("a@x"), person.c.name.isNotNull()));
      assert.deepEqual((await c.execute(both)).scalars(), [1]);
      // A key compared with OR is not pinned: every match comes back.
      const either = select(person.c.id)
        .where(or(person.c.id.eq(1), person.c.id.eq(3)))
        .orderBy(person.c.id);
      assert.deepEqual((await c.execute(either)).scalars(), [1, 3]);
      assert.deepEqual((await c.execute(select(person.c.id).orderBy(person.c.id).limit(1))).scalars(), [1]);
      await md.dropAll(c);
    });
  });

  test("executeSync is refused where the engine answers asynchronously", () => {
    if (ctx.name === "sqlite") return;
    assert.throws(() => ctx.engine.executeSync(select(person.c.id)), NotSupportedError);
  });
});

// Regression: PostgreSQL decodes values as rows arrive, inside the driver's socket handler; a
// decoder that throws there must fail the query for its caller, not the process or the connection.
const note = md.table("note", { id: integer().primaryKey(), body: custom(strictText).notNull() });

forEachEngine(import.meta.url, (ctx) => {
  test("a decoder that throws fails that query with its own error; the connection goes on", async () => {
    await ctx.engine.withConnection(async (c) => {
      await c.runSql(`DROP TABLE IF EXISTS note`);
      await md.createAll(c, { ifNotExists: true });
      await c.execute(
        insert(note).values([
          { id: 1, body: "ok" },
          { id: 2, body: "bad" },
          { id: 3, body: "fine" },
        ]),
      );
      await assert.rejects(c.execute(select(note).orderBy(note.c.id)), (e: Error) => e instanceof RangeError && /unreadable value "bad"/.test(e.message));
      assert.deepEqual((await c.execute(select(note).where(note.c.id.ne(2)).orderBy(note.c.id))).rows, [
        { id: 1, body: "OK" },
        { id: 3, body: "FINE" },
      ]);
      await md.dropAll(c);
    });
  });
});
