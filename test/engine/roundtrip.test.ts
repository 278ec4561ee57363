// The type round-trip matrix: every column type × every engine × edge values. Each value is
// written with insert().values() and read back with select(), through RETURNING, found again by a
// WHERE comparison with a bound value of its type, and written and matched through named param()s.
// Comparisons are deepStrictEqual against the exact JS value (so a Buffer is not a Uint8Array,
// 0 is not -0 and "2.3" is not "2.30").
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  DatabaseError,
  MetaData,
  bigint,
  boolean,
  bytes,
  custom,
  date,
  deleteFrom,
  double,
  enumOf,
  insert,
  integer,
  json,
  numeric,
  param,
  real,
  select,
  smallint,
  text,
  timestamp,
  timestamptz,
  update,
  uuid,
  value,
  varchar,
  type AnyColumn,
  type Connection,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";
import { point } from "../fixtures/point.js";

const md = new MetaData();
const rt = md.table("rt_value", {
  id: integer().primaryKey(),
  i: integer(),
  si: smallint(),
  bi: bigint(),
  r: real(),
  d: double(),
  n: numeric(10, 2),
  nbig: numeric(30, 10),
  t: text(),
  vc: varchar(20),
  b: boolean(),
  dt: date(),
  ts: timestamp(),
  tz: timestamptz(),
  u: uuid(),
  j: json<unknown>(),
  by: bytes(),
  e: enumOf(["a", "b"]),
  p: custom(point),
});
type Key = Exclude<keyof typeof rt.c, "id">;

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const UNICODE = "ünïcødé ✓ 𝄞 😀";
const TRICKY = `it's "quoted" \\ back\\slash -- ; /* c */ %_ \n\t\r end`;
const moon = new Date("1969-07-20T20:17:40.123Z");
const leap = new Date("2024-02-29T23:59:59.999Z");
const newYearsEve = new Date("2023-12-31T23:59:59.999Z");
const future = new Date("2100-01-01T00:00:00.001Z");
const nested = { a: 1, b: [1, 2.5, { c: null, d: [true, false] }], s: `q"uo'te \\ ${UNICODE}`, 'k"ey': -0.5, e: {} };

/** Each entry: [value written, value expected back]. `null` is included for every column. */
type Pair = readonly [unknown, unknown];
const same = (...vs: unknown[]): Pair[] => vs.map((v) => [v, v] as const);

const matrix: Record<Key, Pair[]> = {
  i: same(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 123456789, null),
  si: same(0, 32767, -32768, -1, null),
  bi: [
    ...same(0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n - 1n), -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n + 1n), null),
    // A safe integer is accepted for a bigint column and comes back as a bigint.
    [42, 42n],
  ],
  // Values exactly representable in 32 bits (PostgreSQL's real is float4).
  r: same(0, 1.5, -0.25, 1024.125, -1.5 * 2 ** 30, null),
  d: same(0, 0.1, -123.456, 1 / 3, Number.MAX_SAFE_INTEGER, 1.7976931348623157e308, -2.2250738585072014e-308, 1e-300, null),
  n: [...same("2.30", "-0.05", "99999999.99", "-99999999.99", "0.00", "0.01", "12.34", null), ["7.5", "7.50"], ["3", "3.00"], [1.25, "1.25"]],
  nbig: [
    ...same("12345678901234567890.1234567890", "-99999999999999999999.9999999999", "0.0000000001", "0.0000000000", null),
    ["0.5", "0.5000000000"],
    ["-7", "-7.0000000000"],
  ],
  t: same("", UNICODE, TRICKY, "x".repeat(10_000), " leading and trailing ", null),
  vc: same("", "x".repeat(20), "😀😀😀", UNICODE, null),
  b: same(true, false, null),
  dt: [...same("1969-07-20", "2024-02-29", "2100-12-31", "1970-01-01", "1900-03-01", null), [newYearsEve, "2023-12-31"]],
  ts: same(moon, leap, future, new Date(0), new Date("1901-12-13T20:45:52.999Z"), null),
  tz: same(moon, leap, future, new Date(-1), new Date("1901-12-13T20:45:52.999Z"), null),
  u: [
    ...same("123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", null),
    ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
  ],
  j: same(nested, [1, "two", null, true, false, [], {}], "a string with \"quotes\" and 'apostrophes'", 42, -1.5, 0, true, false, {}, [], "", null),
  by: same(new Uint8Array(0), allBytes, Uint8Array.of(0), Uint8Array.of(0x27, 0x22, 0x5c, 0x00, 0xff), null),
  e: same("a", "b", null),
  p: same({ x: 1, y: 2 }, { x: -1.5, y: 0.25 }, null),
};

/** Value-equality in WHERE is meaningful for these (non-null) values. */
/** Rows with a dynamically chosen column, whose static row type is too wide to index. */
type Row = Record<string, unknown> & { id: number };
const rowsOf = (r: { rows: unknown[] }): Row[] => r.rows as Row[];
const byId = (rows: Row[]): Row[] => [...rows].sort((a, b) => a.id - b.id);

const nonNull = (key: Key): Pair[] => matrix[key].filter(([v]) => v !== null);

const expectedRows = (key: Key, pairs: readonly Pair[]) => pairs.map(([, e], i) => ({ id: i + 1, [key]: e }));

async function fill(c: Connection, key: Key, pairs: readonly Pair[]) {
  await c.execute(deleteFrom(rt));
  const rows = pairs.map(([v], i) => ({ id: i + 1, [key]: v }));
  await c.execute(insert(rt).values(rows as never));
}

function assertBytesAreUint8Array(rows: readonly Record<string, unknown>[], key: Key) {
  if (key !== "by") return;
  for (const r of rows) if (r.by !== null) assert.equal((r.by as object).constructor, Uint8Array, "bytes come back as a plain Uint8Array");
}

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );

  for (const key of Object.keys(matrix) as Key[]) {
    const col = rt.c[key] as AnyColumn;

    test(`${key}: insert().values() → select() returns the exact value`, () =>
      ctx.engine.withConnection(async (c) => {
        await fill(c, key, matrix[key]);
        const got = await c.execute(select(rt.c.id, col).orderBy(rt.c.id));
        assert.deepStrictEqual(got.rows, expectedRows(key, matrix[key]));
        assertBytesAreUint8Array(rowsOf(got), key);
      }));

    test(`${key}: insert … RETURNING returns the exact value`, () =>
      ctx.engine.withConnection(async (c) => {
        await c.execute(deleteFrom(rt));
        const rows = matrix[key].map(([v], i) => ({ id: i + 1, [key]: v }));
        const got = await c.execute(
          insert(rt)
            .values(rows as never)
            .returning(rt.c.id, col),
        );
        assert.deepStrictEqual(byId(rowsOf(got)), expectedRows(key, matrix[key]));
        assertBytesAreUint8Array(rowsOf(got), key);
      }));

    test(`${key}: WHERE column = bound value finds exactly its row`, () =>
      ctx.engine.withConnection(async (c) => {
        const pairs = nonNull(key);
        await fill(c, key, pairs);
        for (const [i, [v, e]] of pairs.entries()) {
          const stmt = select(rt.c.id, col).where(col.eq(v as never));
          const got = await c.execute(stmt);
          assert.deepStrictEqual(got.rows, [{ id: i + 1, [key]: e }], `WHERE ${key} = ${String(v)}`);
        }
        const nulls = await c.execute(select(rt.c.id).where(col.eq(null)));
        assert.deepStrictEqual(nulls.rows, []);
      }));

    test(`${key}: named param() values write and match`, () =>
      ctx.engine.withConnection(async (c) => {
        const pairs = matrix[key];
        await c.execute(deleteFrom(rt));
        await c.execute(insert(rt).values(pairs.map((_, i) => ({ id: i + 1 }))));
        const write = update(rt)
          .set({ [key]: param("v", col) } as never)
          .where(rt.c.id.eq(param("id", rt.c.id)));
        for (const [i, [v]] of pairs.entries()) await c.execute(write, { v, id: i + 1 });
        const all = await c.execute(select(rt.c.id, col).orderBy(rt.c.id));
        assert.deepStrictEqual(all.rows, expectedRows(key, pairs));

        const find = select(rt.c.id, col).where(col.eq(param("p", col)));
        for (const [i, [v, e]] of pairs.entries()) {
          if (v === null) continue;
          const got = await c.execute(find, { p: v });
          assert.deepStrictEqual(got.rows, [{ id: i + 1, [key]: e }], `param p = ${String(v)}`);
        }
      }));
  }

  test("bound values and named params selected on their own come back as their type", () =>
    ctx.engine.withConnection(async (c) => {
      for (const key of Object.keys(matrix) as Key[]) {
        const col = rt.c[key] as AnyColumn;
        const byParam = select(param("p", col).as("v"));
        for (const [v, e] of matrix[key]) {
          const got = await c.execute(select(value(v, col.type).as("v")));
          assert.deepStrictEqual(got.rows, [{ v: e }], `${key}: select(value(${String(v)}))`);
          assert.deepStrictEqual((await c.execute(byParam, { p: v })).rows, [{ v: e }], `${key}: select(param) = ${String(v)}`);
        }
      }
    }));

  test("real holds float32 on every engine: a double reads back as Math.fround(value)", () =>
    ctx.engine.withConnection(async (c) => {
      const pairs = [2 ** 24 + 1, 0.1 + 0.2, 1 / 3, 1e-40].map((v) => [v, Math.fround(v)] as Pair);
      await fill(c, "r", pairs);
      assert.deepStrictEqual((await c.execute(select(rt.c.id, rt.c.r).orderBy(rt.c.id))).rows, expectedRows("r", pairs));
    }));

  // SQLite stores numerics beyond 15 digits as TEXT, which it compares as text ("10" < "9").
  test("numeric(30,10) compares and sorts as a number", () =>
    ctx.engine.withConnection(async (c) => {
      await fill(
        c,
        "nbig",
        ["9", "-10", "100.5", "10", "-5", "0.25"].map((v) => [v, v] as const),
      );
      const got = await c.execute(select(rt.c.nbig).where(rt.c.nbig.gt("0")).orderBy(rt.c.nbig));
      assert.deepStrictEqual(got.scalars(), ["0.2500000000", "9.0000000000", "10.0000000000", "100.5000000000"]);
      const min = await c.execute(select(rt.c.nbig).orderBy(rt.c.nbig).limit(1));
      assert.deepStrictEqual(min.scalars(), ["-10.0000000000"]);
    }));

  test("a whole row of every type round-trips at once, and NULL in every nullable column", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(rt));
      const full = {
        id: 1,
        i: -(2 ** 31),
        si: 32767,
        bi: 2n ** 63n - 1n,
        r: -0.25,
        d: 0.1,
        n: "2.30",
        nbig: "12345678901234567890.1234567890",
        t: UNICODE,
        vc: "😀",
        b: false,
        dt: "2024-02-29",
        ts: moon,
        tz: future,
        u: "123e4567-e89b-12d3-a456-426614174000",
        j: nested,
        by: allBytes,
        e: "b" as const,
        p: { x: 3, y: -4 },
      };
      const empty = Object.fromEntries(Object.keys(full).map((k) => [k, k === "id" ? 2 : null]));
      const ret = await c.execute(
        insert(rt)
          .values([full, empty as never])
          .returning(),
      );
      assert.deepStrictEqual(byId(rowsOf(ret)), [full, empty]);
      const got = await c.execute(select(rt).orderBy(rt.c.id));
      assert.deepStrictEqual(got.rows, [full, empty]);
      // Timestamps compare by instant; the types survive in the row types too.
      const row = rowsOf(got)[0];
      assert.ok(row.ts instanceof Date && row.tz instanceof Date);
      assert.equal(typeof row.bi, "bigint");
    }));

  test("WHERE with range comparisons on timestamps before 1970 and bigints beyond 2^53", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(rt));
      await c.execute(
        insert(rt).values([
          { id: 1, ts: moon, bi: 2n ** 53n },
          { id: 2, ts: new Date(moon.getTime() + 1), bi: 2n ** 53n + 1n },
          { id: 3, ts: future, bi: 2n ** 63n - 1n },
        ]),
      );
      const after1 = await c.execute(select(rt.c.id).where(rt.c.ts.gt(moon)).orderBy(rt.c.id));
      assert.deepStrictEqual(after1.scalars(), [2, 3]);
      const big = await c.execute(
        select(rt.c.id)
          .where(rt.c.bi.gt(2n ** 53n))
          .orderBy(rt.c.id),
      );
      assert.deepStrictEqual(big.scalars(), [2, 3]);
      const between = await c.execute(
        select(rt.c.id)
          .where(rt.c.ts.between(moon, new Date(moon.getTime() + 1)))
          .orderBy(rt.c.id),
      );
      assert.deepStrictEqual(between.scalars(), [1, 2]);
    }));

  test("dropAll removes the table", () =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await assert.rejects(c.execute(select(rt.c.id)), DatabaseError);
    }));
});
