// PostgreSQL keeps statement shapes that run repeatedly prepared on each connection (parsed and
// planned once); one-off statements and statements without parameters leave nothing behind;
// `prepare: false` turns it off.
import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { MetaData, createEngine, insert, integer, select, sql, text, timestamptz, type Connection } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const note = md.table("note", { id: integer().primaryKey(), body: text().notNull(), at: timestamptz().notNull() });

// The table the stale-plan tests prepare statements on, then change under them.
const gaugeMd = new MetaData();
const gauge = gaugeMd.table("gauge", { id: integer().primaryKey(), reading: text() });

/** Someone else's migration: same table name, `reading` now an integer, one row holding `value`. */
async function retypeGauge(c: Connection, value: number): Promise<void> {
  await c.runSql(`DROP TABLE gauge`);
  await c.runSql(`CREATE TABLE gauge (id integer PRIMARY KEY, reading integer)`);
  await c.runSql(`INSERT INTO gauge VALUES (1, ${Number(value)})`);
}

async function prepared(c: Connection): Promise<string[]> {
  const rows = (await c.execute(sql`SELECT statement FROM pg_prepared_statements WHERE name LIKE ${"arbor\\_%"} ORDER BY prepare_time`)).rows as {
    statement: string;
  }[];
  return rows.map((r) => r.statement);
}

/** What one pg client.query call sends: a simple query (empty or not), or an extended one with or without a name. */
function kindOf(q: unknown): string {
  if (typeof q === "string") return q === "" ? "empty" : "simple";
  const { name, values } = q as { name?: string; values?: unknown[] };
  return name ? "named" : values?.length ? "unnamed" : "simple";
}

forEachEngine(import.meta.url, (ctx) => {
  const skip = ctx.name !== "postgres" && "prepared statements are kept by the PostgreSQL adapter only";

  test("a shape run twice is prepared under a name; a one-off statement is not", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(
        insert(note).values([
          { id: 1, body: "a", at: new Date(Date.UTC(2024, 1, 2, 3, 4, 5, 6)) },
          { id: 2, body: "b", at: new Date(0) },
        ]),
      );
      const byId = (id: number) => select(note.c.body, note.c.at).where(note.c.id.eq(id));
      const once = select(note.c.id).where(note.c.body.eq("zzz"));
      await c.execute(once);
      const sqlText = ctx.engine.compile(byId(1)).sql;
      const first = await c.execute(byId(1));
      assert.equal((await prepared(c)).includes(sqlText), false);
      // The same shape built again (another value): the second run prepares it, later runs reuse it.
      const second = await c.execute(byId(2));
      const third = await c.execute(byId(1));
      const names = await prepared(c);
      assert.equal(names.filter((s) => s === sqlText).length, 1, names.join("\n"));
      assert.equal(names.includes(ctx.engine.compile(once).sql), false);
      assert.deepStrictEqual(first.rows, [{ body: "a", at: new Date(Date.UTC(2024, 1, 2, 3, 4, 5, 6)) }]);
      assert.deepStrictEqual(second.rows, [{ body: "b", at: new Date(0) }]);
      assert.deepStrictEqual(third.rows, first.rows);
    });
  });

  // PostgreSQL keeps the last unnamed statement run with values until the next unnamed one or a
  // simple query; a statement prepared while a large one lingers costs the server about twice the
  // CPU on every later run (docs/performance.md). The adapter drops it with an empty simple query
  // before the Parse of a name, once per name and connection.
  test("a shape named after its unnamed first run drops the lingering unnamed statement first", { skip }, async () => {
    const sent: string[] = [];
    const url = new URL(ctx.url);
    url.searchParams.delete("schema");
    const engine = createEngine(ctx.url, {
      poolSize: 1,
      client: async () => {
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        const spied = client as unknown as { query: (...args: unknown[]) => unknown };
        const query = spied.query.bind(client);
        spied.query = (...args: unknown[]) => {
          sent.push(kindOf(args[0]));
          return query(...args);
        };
        return client;
      },
    });
    try {
      await md.dropAll(engine);
      await md.createAll(engine);
      await engine.execute(insert(note).values([{ id: 1, body: "a", at: new Date(0) }]));
      const byId = (id: number) => select(note.c.body).where(note.c.id.eq(id));
      const once = select(note.c.id).where(note.c.body.eq("zzz"));
      sent.length = 0;
      await engine.execute(byId(1));
      await engine.execute(byId(2));
      await engine.execute(byId(1));
      assert.deepStrictEqual(sent, ["unnamed", "empty", "named", "named"]);
      // A name already prepared on the connection: nothing is dropped before it.
      sent.length = 0;
      await engine.execute(once);
      assert.deepStrictEqual((await engine.execute(byId(1))).rows, [{ body: "a" }]);
      assert.deepStrictEqual(sent, ["unnamed", "named"]);
    } finally {
      await engine.dispose();
    }
  });

  // Regression: a prepared statement must survive its table being dropped and created again.
  test("a prepared shape still runs after its table is dropped and created again", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      const all = () => select(note.c.id, note.c.body).where(note.c.id.gt(0)).orderBy(note.c.id);
      await c.execute(all());
      await c.execute(all());
      assert.ok((await prepared(c)).includes(ctx.engine.compile(all()).sql));
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(insert(note).values([{ id: 7, body: "again", at: new Date(0) }]));
      assert.deepStrictEqual((await c.execute(all())).rows, [{ id: 7, body: "again" }]);
      const ids: number[] = [];
      await c.forEach(all(), (r) => ids.push(r.id));
      assert.deepStrictEqual(ids, [7]);
    });
  });

  // Regression: PostgreSQL refuses a prepared statement whose result columns changed type; the
  // statement must run again (unnamed from then on), through execute and forEach alike.
  test("a prepared shape whose table came back with other column types still runs", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      await gaugeMd.dropAll(c);
      await gaugeMd.createAll(c);
      await c.execute(insert(gauge).values([{ id: 1, reading: "12" }]));
      const q = () => select(gauge.c.reading).where(gauge.c.id.gt(0)).orderBy(gauge.c.id);
      const each = () => select(gauge.c.id, gauge.c.reading).where(gauge.c.id.gt(0)).orderBy(gauge.c.id);
      for (let i = 0; i < 3; i++) {
        assert.deepStrictEqual((await c.execute(q())).rows, [{ reading: "12" }]);
        await c.forEach(each(), () => undefined);
      }
      const names = await prepared(c);
      assert.ok(names.includes(ctx.engine.compile(q()).sql) && names.includes(ctx.engine.compile(each()).sql));
      await retypeGauge(c, 7);
      const seen: unknown[] = [];
      await c.forEach(each(), (r) => seen.push(String(r.reading)));
      assert.deepStrictEqual(seen, ["7"]);
      assert.deepStrictEqual(
        (await c.execute(q())).rows.map((r) => String(r.reading)),
        ["7"],
      );
      assert.deepStrictEqual(
        (await c.execute(q())).rows.map((r) => String(r.reading)),
        ["7"],
      );
      await gaugeMd.dropAll(c);
    });
  });

  test("inside a transaction the changed table fails that statement; the next transaction runs it", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      await gaugeMd.dropAll(c);
      await gaugeMd.createAll(c);
      // Its own text (a filter the other test does not use), so its prepared name is its own.
      const q = () => select(gauge.c.reading).where(gauge.c.id.ge(1)).orderBy(gauge.c.id);
      await c.transaction(async (tx) => {
        for (let i = 0; i < 3; i++) await tx.execute(q());
      });
      await retypeGauge(c, 3);
      await assert.rejects(
        c.transaction((tx) => tx.execute(q())),
        /cached plan must not change result type/,
      );
      const labels = await c.transaction(async (tx) => (await tx.execute(q())).rows.map((r) => String(r.reading)));
      assert.deepStrictEqual(labels, ["3"]);
      await gaugeMd.dropAll(c);
    });
  });

  // Regression: naming a statement moves pg to the extended protocol, which refuses several
  // statements in one text; raw SQL without parameters must keep running as sent.
  test("raw SQL holding several statements runs again and again", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      const two = () => sql`CREATE TEMP TABLE IF NOT EXISTS scratch (n integer); INSERT INTO scratch VALUES (1); SELECT count(*) AS n FROM scratch`;
      for (let i = 1; i <= 4; i++) assert.equal(Number((await c.execute(two())).rows[0].n), i);
      assert.equal((await prepared(c)).includes(ctx.engine.compile(two()).sql), false);
    });
  });

  test("prepare: false sends every statement unnamed", { skip }, async () => {
    const engine = createEngine(ctx.url, { prepare: false, poolSize: 1 });
    try {
      await engine.withConnection(async (c) => {
        for (let i = 0; i < 4; i++) await c.execute(select(note.c.id).where(note.c.id.gt(i)));
        assert.deepStrictEqual(await prepared(c), []);
      });
    } finally {
      await engine.dispose();
    }
  });

  const notes = async (c: Connection) => {
    await md.dropAll(c);
    await md.createAll(c);
    await c.execute(
      insert(note).values([
        { id: 1, body: "a", at: new Date(0) },
        { id: 2, body: "b", at: new Date(0) },
      ]),
    );
  };

  test("issue 13.5: after DEALLOCATE ALL / DISCARD ALL run through Arbor, prepared shapes are prepared again", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      await notes(c);
      const byId = (id: number) => select(note.c.body).where(note.c.id.eq(id));
      const sqlText = ctx.engine.compile(byId(1)).sql;
      for (const reset of ["DEALLOCATE ALL", "DISCARD ALL", "deallocate prepare all"]) {
        await c.execute(byId(1));
        await c.execute(byId(2));
        assert.ok((await prepared(c)).includes(sqlText));
        await c.runSql(reset);
        assert.equal((await prepared(c)).includes(sqlText), false, reset);
        assert.deepStrictEqual((await c.execute(byId(1))).rows, [{ body: "a" }], reset);
        assert.ok((await prepared(c)).includes(sqlText), reset);
        // DISCARD ALL resets the session's settings too: the test's search_path comes back.
        if (reset === "DISCARD ALL") await c.runSql(`SET search_path = ${new URL(ctx.url).searchParams.get("schema")}`);
      }
    });
  });

  test("issue 13.5: statements deallocated behind pg's back (a pooler's DISCARD ALL) run again, prepared anew", { skip }, async () => {
    await ctx.engine.withConnection(async (c) => {
      await notes(c);
      const byId = (id: number) => select(note.c.body).where(note.c.id.eq(id));
      const sqlText = ctx.engine.compile(byId(1)).sql;
      await c.execute(byId(1));
      await c.execute(byId(2));
      // Several statements in one text: not the DEALLOCATE the adapter notices.
      await c.execute(sql`SELECT 1; DEALLOCATE ALL`);
      assert.equal((await prepared(c)).includes(sqlText), false);
      // Outside a transaction: prepared again at once.
      assert.deepStrictEqual((await c.execute(byId(2))).rows, [{ body: "b" }]);
      assert.ok((await prepared(c)).includes(sqlText));
      for (let i = 0; i < 3; i++) assert.deepStrictEqual((await c.execute(byId(1))).rows, [{ body: "a" }]);
      // Inside a transaction the failure aborts it once; the next transaction prepares it again.
      await c.execute(sql`SELECT 1; DEALLOCATE ALL`);
      await assert.rejects(
        c.transaction((tx) => tx.execute(byId(1))),
        /does not exist/,
      );
      assert.deepStrictEqual(await c.transaction(async (tx) => (await tx.execute(byId(1))).rows), [{ body: "a" }]);
    });
  });
});
