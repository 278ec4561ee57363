// Hostile values on every execution path (execute, named parameters, stream, forEach, the sql tag
// executed and streamed, DDL literals), and on MariaDB both in the default mode and under
// NO_BACKSLASH_ESCAPES, where a backslash no longer escapes a quote: a value spliced into SQL text
// with backslash escaping would end the string there. Each value must find exactly its own row.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  check,
  createEngine,
  deleteFrom,
  insert,
  integer,
  param,
  select,
  sql,
  text,
  varchar,
  type Connection,
  type Engine,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const PAYLOADS: readonly string[] = [
  "' OR 1=1 -- ",
  "\\' OR 1=1 -- ",
  "\\\\' OR 1=1 -- ",
  "'; DROP TABLE im_victim; -- ",
  "\\'; DROP TABLE im_victim; -- ",
  "x\\",
  "\\",
  "\\0\\n\\Z",
  "it's",
  "",
];

const md = new MetaData();
const victim = md.table("im_victim", { id: integer().primaryKey(), note: text().notNull() });
const data = md.table("im_data", { id: integer().primaryKey(), body: text() });
const DEFAULT = "\\'; DROP TABLE im_victim; -- '";
const ddl = new MetaData();
const withLiterals = ddl.table("im_ddl", { id: integer().primaryKey(), body: varchar(100).serverDefault(DEFAULT), other: text() }, (c) => [
  check("im_ck", c.body.ne("\\' OR 1=1 -- ")),
]);

const NBE = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')";

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

async function victimIntact(c: Connection): Promise<void> {
  assert.deepStrictEqual((await c.execute(select(victim))).rows, [{ id: 1, note: "still here" }]);
}

forEachEngine(import.meta.url, (ctx) => {
  const modes: { label: string; engine: () => Engine; onConnect?: string[] }[] = [{ label: "default mode", engine: () => ctx.engine }];
  if (ctx.name === "mariadb") modes.push({ label: "NO_BACKSLASH_ESCAPES", engine: () => createEngine(ctx.url, { onConnect: [NBE] }) });

  for (const mode of modes) {
    test(`issue 20.7: hostile values find exactly their own row on every path (${mode.label})`, async () => {
      const engine = mode.engine();
      try {
        await engine.withConnection(async (c) => {
          if (mode.label !== "default mode") {
            const [row] = (await c.execute(sql`SELECT @@sql_mode AS m`)).rows as { m: string }[];
            assert.match(row.m, /NO_BACKSLASH_ESCAPES/);
          }
          await md.dropAll(c);
          await md.createAll(c);
          await c.execute(insert(victim).values({ id: 1, note: "still here" }));
          await c.execute(insert(data).values(PAYLOADS.map((body, i) => ({ id: i + 1, body }))));
          assert.deepStrictEqual((await c.execute(select(data.c.body).orderBy(data.c.id))).scalars(), PAYLOADS, "insert round trip");
          for (const [i, p] of PAYLOADS.entries()) {
            const own = [{ id: i + 1 }];
            const what = `${JSON.stringify(p)} (${mode.label})`;
            const built = select(data.c.id).where(data.c.body.eq(p));
            assert.deepStrictEqual((await c.execute(built)).rows, own, `execute ${what}`);
            assert.deepStrictEqual((await c.execute(select(data.c.id).where(data.c.body.eq(param("p", data.c.body))), { p })).rows, own, `param ${what}`);
            assert.deepStrictEqual(await collect(c.stream(built)), own, `stream ${what}`);
            const seen: unknown[] = [];
            await c.forEach(built, (r) => seen.push(r));
            assert.deepStrictEqual(seen, own, `forEach ${what}`);
            const raw = sql`SELECT ${sql.id("id")} AS ${sql.id("id")} FROM ${data} WHERE ${sql.id("body")} = ${p}`;
            const rawRows = (await c.execute(raw)).rows.map((r) => ({ id: Number(r.id) }));
            assert.deepStrictEqual(rawRows, own, `sql tag ${what}`);
            const rawStreamed = (await collect(c.stream(raw))).map((r) => ({ id: Number(r.id) }));
            assert.deepStrictEqual(rawStreamed, own, `sql tag streamed ${what}`);
            // A value that a splice would turn into SQL text: the result is the value itself.
            assert.deepStrictEqual(
              (await collect(c.stream(sql`SELECT ${p} AS v`))).map((r) => r.v),
              [p],
              `selected value streamed ${what}`,
            );
          }
          await c.execute(deleteFrom(data));
          await victimIntact(c);
        });
      } finally {
        if (engine !== ctx.engine) await engine.dispose();
      }
    });

    test(`issue 20.7: DDL literals keep hostile values exact (${mode.label})`, async () => {
      const engine = mode.engine();
      try {
        await engine.withConnection(async (c) => {
          await md.dropAll(c);
          await md.createAll(c);
          await c.execute(insert(victim).values({ id: 1, note: "still here" }));
          await ddl.dropAll(c);
          await ddl.createAll(c);
          await c.execute(insert(withLiterals).values({ id: 1, other: "x" }));
          assert.deepStrictEqual((await c.execute(select(withLiterals.c.body))).scalars(), [DEFAULT], "the DEFAULT literal round-trips");
          await assert.rejects(c.execute(insert(withLiterals).values({ id: 2, body: "\\' OR 1=1 -- " })), "the CHECK literal holds the value exactly");
          await c.execute(insert(withLiterals).values({ id: 3, body: "' OR 1=1 -- " }));
          await ddl.dropAll(c);
          await victimIntact(c);
        });
      } finally {
        if (engine !== ctx.engine) await engine.dispose();
      }
    });
  }
});
