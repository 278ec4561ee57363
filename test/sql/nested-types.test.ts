// The type matrix inside nesting: every column type read at depth 1 and depth 2 equals the same
// row read at top level, on every engine; and one parent with 100,000 children on PostgreSQL.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  integer,
  smallint,
  bigint,
  real,
  double,
  numeric,
  text,
  varchar,
  boolean,
  date,
  timestamp,
  timestamptz,
  uuid,
  json,
  bytes,
  enumOf,
  custom,
  select,
  insert,
  nested,
  sql,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";
import { point } from "../fixtures/point.js";

const md = new MetaData();
const gp = md.table("gp", { id: integer().primaryKey() });
const mid = md.table("mid", {
  id: integer().primaryKey(),
  gpId: integer()
    .notNull()
    .references(() => gp.c.id)
    .index(),
});
const all = md.table("alltypes", {
  id: integer().primaryKey(),
  midId: integer()
    .notNull()
    .references(() => mid.c.id)
    .index(),
  i: integer(),
  s: smallint(),
  b: bigint(),
  r: real(),
  d: double(),
  n: numeric(10, 2),
  t: text(),
  v: varchar(20),
  bo: boolean(),
  da: date(),
  ts: timestamp(),
  tz: timestamptz(),
  u: uuid(),
  j: json<unknown>(),
  by: bytes(),
  e: enumOf(["red", "green"] as const),
  p: custom(point),
});

const rows = [
  {
    id: 1,
    midId: 1,
    i: 2147483647,
    s: -32768,
    b: 2n ** 63n - 1n,
    r: 0.5,
    d: -1.25e-7,
    n: "2.30",
    t: "ünïcødé ✓ 😀",
    v: "quote'\"`\\",
    bo: true,
    da: "1969-07-20",
    ts: new Date("1969-07-20T20:17:40.123Z"),
    tz: new Date("2100-01-01T00:00:00.001Z"),
    u: "123e4567-e89b-12d3-a456-426614174000",
    j: { a: [1, "two", null, true], "k é": { n: -3.5 } },
    by: new Uint8Array([0, 1, 127, 128, 255]),
    e: "red" as const,
    p: { x: 1.5, y: -2 },
  },
  {
    id: 2,
    midId: 1,
    i: -2147483648,
    s: 0,
    b: -(2n ** 63n),
    r: -3,
    d: 1e300,
    n: "-0.05",
    t: "",
    v: "",
    bo: false,
    da: "2024-02-29",
    ts: new Date("2000-02-29T23:59:59.999Z"),
    tz: new Date("1900-01-01T00:00:00Z"),
    u: "00000000-0000-0000-0000-000000000000",
    j: "a JSON string",
    by: new Uint8Array([]),
    e: "green" as const,
    p: { x: 0, y: 0 },
  },
  {
    id: 3,
    midId: 1,
    i: null,
    s: null,
    b: 2n ** 53n + 1n,
    r: null,
    d: null,
    n: "99999999.99",
    t: null,
    v: null,
    bo: null,
    da: null,
    ts: null,
    tz: null,
    u: null,
    j: [1, [2, [3]]],
    by: null,
    e: null,
    p: null,
  },
  {
    id: 4,
    midId: 1,
    i: 0,
    s: 1,
    b: 0n,
    r: 0,
    d: 0,
    n: "0.00",
    t: "-- ; DROP TABLE alltypes",
    v: "x",
    bo: false,
    da: "2000-01-01",
    ts: new Date(0),
    tz: new Date(-1),
    u: null,
    j: null,
    by: new Uint8Array(256).map((_, k) => k),
    e: null,
    p: { x: -1, y: 1e-3 },
  },
];

forEachEngine(import.meta.url, (ctx) => {
  test("every type reads the same at top level, depth 1 and depth 2", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(insert(gp).values({ id: 1 }));
      await c.execute(insert(mid).values({ id: 1, gpId: 1 }));
      await c.execute(insert(all).values(rows));
      const top = (await c.execute(select(all).orderBy(all.c.id))).rows;
      assert.deepStrictEqual(top, rows);
      const depth1 = (await c.execute(select(mid.c.id, nested(select(all).orderBy(all.c.id)).as("rows")))).one().rows;
      assert.deepStrictEqual(depth1, rows);
      const depth2 = (await c.execute(select(gp.c.id, nested(select(mid.c.id, nested(select(all).orderBy(all.c.id)).as("rows"))).as("mids")))).one().mids[0]
        .rows;
      assert.deepStrictEqual(depth2, rows);
      for (const r of [...depth1, ...depth2]) if (r.by !== null) assert.equal(r.by.constructor, Uint8Array);
      await md.dropAll(c);
    });
  });

  if (ctx.name === "postgres" || process.env.ARBOR_BIG_ALL) {
    test("one parent with 100,000 children", { timeout: 120_000 }, async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
        await c.execute(insert(gp).values({ id: 1 }));
        await c.execute(insert(mid).values({ id: 7, gpId: 1 }));
        await c.execute(
          sql`INSERT INTO ${all} (${sql.id("id")}, ${sql.id("midId")}, ${sql.id("b")}, ${sql.id("n")}, ${sql.id("tz")})
              SELECT g, ${7}, g::bigint * 1000000000000, (g % 1000)::numeric / 100, timestamptz '2020-01-01' + g * interval '1 second'
              FROM generate_series(1, 100000) AS g`,
        );
        const res = await c.execute(select(mid.c.id, nested(select(all.c.id, all.c.b, all.c.n, all.c.tz).orderBy(all.c.id)).as("kids")));
        const kids = res.one().kids;
        assert.equal(kids.length, 100_000);
        assert.deepStrictEqual(kids[0], { id: 1, b: 1_000_000_000_000n, n: "0.01", tz: new Date("2020-01-01T00:00:01Z") });
        assert.deepStrictEqual(kids[99_999], { id: 100_000, b: 100_000_000_000_000_000n, n: "0.00", tz: new Date(Date.UTC(2020, 0, 1) + 100_000_000) });
        assert.ok(kids.every((k, i) => k.id === i + 1));
        await md.dropAll(c);
      });
    });
  }
});
