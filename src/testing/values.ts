// Every column type's values written and read back exactly: top level, through RETURNING where the
// dialect has it, and inside nested() rows, whose values travel as JSON and are restored by the
// dialect's nested decoders. Comparisons are deepStrictEqual against the exact JS value (a
// Uint8Array is not a Buffer, 0 is not -0, "2.30" is not "2.3").
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  MetaData,
  bigint,
  boolean,
  bytes,
  date,
  deleteFrom,
  double,
  enumOf,
  index,
  insert,
  integer,
  json,
  nested,
  numeric,
  real,
  select,
  smallint,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
} from "../index.js";
import type { Suite } from "./context.js";

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const UNICODE = "ünïcødé ✓ 𝄞 😀";
const TRICKY = `it's "quoted" \\ back\\slash -- ; /* c */ %_ \n\t\r end`;
const tree = { a: 1, b: [1, 2.5, { c: null, d: [true, false] }], s: `q"uo'te \\ ${UNICODE}`, 'k"ey': -0.5, e: {} };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The values of each type that every engine must return exactly as written (NULL included). */
const VALUES = {
  i: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 123456789, null],
  si: [0, 32767, -32768, -1, null],
  bi: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n + 1n), null],
  // Exactly representable in 32 bits (real is float4).
  r: [0, 1.5, -0.25, 1024.125, -1.5 * 2 ** 30, null],
  d: [0, 0.1, -123.456, 1 / 3, Number.MAX_SAFE_INTEGER, 1.7976931348623157e308, -2.2250738585072014e-308, 1e-300, null],
  n: ["2.30", "-0.05", "99999999.99", "-99999999.99", "0.00", "0.01", null],
  nbig: ["12345678901234567890.1234567890", "-99999999999999999999.9999999999", "0.0000000001", "0.0000000000", null],
  t: ["", UNICODE, TRICKY, "x".repeat(10_000), " leading and trailing ", null],
  vc: ["", "x".repeat(20), "😀😀😀", UNICODE, null],
  b: [true, false, null],
  dt: ["1969-07-20", "2024-02-29", "2100-12-31", "1970-01-01", "1900-03-01", null],
  ts: [new Date("1969-07-20T20:17:40.123Z"), new Date("2024-02-29T23:59:59.999Z"), new Date(0), new Date("1901-12-13T20:45:52.999Z"), null],
  tz: [new Date("2100-01-01T00:00:00.001Z"), new Date(-1), new Date("2023-12-31T23:59:59.999Z"), null],
  // String mode: ISO-8601 text to the microsecond, in the one form every engine's text is read into.
  tsus: ["1969-07-20T20:17:40.123456", "2024-02-29T23:59:59.999999", "0001-01-01T00:00:00.000000", "9999-12-31T23:59:59.000001", null],
  tzus: ["2100-01-01T00:00:00.000001Z", "1969-12-31T23:59:59.999999Z", "2023-06-30T12:00:00.500000Z", null],
  u: ["123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", null],
  j: [tree, [1, "two", null, true, false, [], {}], `a string with "quotes" and 'apostrophes'`, 42, -1.5, 0, true, false, {}, [], "", null] as Json[],
  by: [new Uint8Array(0), allBytes, Uint8Array.of(0), Uint8Array.of(0x27, 0x22, 0x5c, 0x00, 0xff), null],
  e: ["a", "b", null] as ("a" | "b" | null)[],
} as const;

const ROWS = Math.max(...Object.values(VALUES).map((v) => v.length));

function valueTables(prefix: string) {
  const md = new MetaData();
  const columns = () => ({
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
    tsus: timestamp({ precision: 6, mode: "string" }),
    tzus: timestamptz({ precision: 6, mode: "string" }),
    u: uuid(),
    j: json<Json>(),
    by: bytes(),
    e: enumOf(["a", "b"]),
  });
  const root = md.table(`${prefix}val_root`, { id: integer().primaryKey() });
  const parent = md.table(
    `${prefix}val_parent`,
    {
      id: integer().primaryKey(),
      rootId: integer()
        .named("root_id")
        .references(() => root.c.id),
    },
    (c) => [index([c.rootId])],
  );
  const value = md.table(
    `${prefix}val`,
    {
      id: integer().primaryKey(),
      parentId: integer()
        .named("parent_id")
        .references(() => parent.c.id),
      ...columns(),
    },
    (c) => [index([c.parentId])],
  );
  return { md, root, parent, value };
}

/** Row `k` holds the k-th value of every type (NULL past a type's list). */
function rowAt(k: number) {
  const at = <T>(list: readonly T[]): T | null => (k < list.length ? list[k]! : null);
  const v = VALUES;
  return {
    i: at(v.i),
    si: at(v.si),
    bi: at(v.bi),
    r: at(v.r),
    d: at(v.d),
    n: at(v.n),
    nbig: at(v.nbig),
    t: at(v.t),
    vc: at(v.vc),
    b: at(v.b),
    dt: at(v.dt),
    ts: at(v.ts),
    tz: at(v.tz),
    tsus: at(v.tsus),
    tzus: at(v.tzus),
    u: at(v.u),
    j: at(v.j),
    by: at(v.by),
    e: at(v.e),
  };
}

const expected = Array.from({ length: ROWS }, (_, k) => rowAt(k));

export function valueTests(suite: Suite): void {
  describe("types", { skip: suite.skipped("types") }, () => {
    const { md, root, parent, value } = valueTables(suite.prefix);
    const { id, parentId: _, ...cols } = value.c;
    const list = Object.values(cols);
    before(async () => {
      await md.dropAll(suite.engine);
      await md.createAll(suite.engine);
      await suite.engine.execute(insert(root).values([{ id: 1 }]));
      await suite.engine.execute(
        insert(parent).values([
          { id: 1, rootId: 1 },
          { id: 2, rootId: 1 },
        ]),
      );
    });
    after(() => md.dropAll(suite.engine));

    const write = () => suite.engine.execute(insert(value).values(expected.map((r, k) => ({ id: k + 1, parentId: 1, ...r }))));

    test("every type's values are written and read back exactly", async () => {
      await suite.engine.execute(deleteFrom(value));
      await write();
      const got = await suite.engine.execute(
        select(...list)
          .from(value)
          .orderBy(id),
      );
      assert.deepStrictEqual(got.rows, expected);
      for (const r of got.rows as readonly Record<string, unknown>[])
        if (r.by !== null) assert.equal((r.by as object).constructor, Uint8Array, "bytes come back as a plain Uint8Array");
    });

    test("every type's values come back exactly through INSERT … RETURNING, where the dialect has it", async () => {
      await suite.engine.execute(deleteFrom(value));
      const stmt = insert(value)
        .values(expected.map((r, k) => ({ id: k + 1, parentId: 1, ...r })))
        .returning(id, ...list);
      if (!suite.engine.dialect.capabilities.returning.insert) return void (await write());
      const got = await suite.engine.execute(stmt);
      assert.deepStrictEqual(
        [...(got.rows as readonly { readonly id: number }[])].sort((x, y) => x.id - y.id).map(({ id: _id, ...r }) => r),
        expected,
      );
    });

    test("every type's values come back exactly inside nested() rows", async () => {
      await suite.engine.execute(deleteFrom(value));
      await write();
      const got = await suite.engine.execute(
        select(
          parent.c.id,
          nested(
            select(...list)
              .from(value)
              .orderBy(id),
          ).as("values"),
        )
          .from(parent)
          .orderBy(parent.c.id),
      );
      assert.deepStrictEqual(got.rows, [
        { id: 1, values: expected },
        { id: 2, values: [] },
      ]);
    });

    test("every type's values come back exactly two levels down in nested() rows", async () => {
      const values = nested(
        select(...list)
          .from(value)
          .orderBy(id),
      ).as("values");
      const got = await suite.engine.execute(
        select(root.c.id, nested(select(parent.c.id, values).from(parent).orderBy(parent.c.id)).as("parents"))
          .from(root)
          .orderBy(root.c.id),
      );
      assert.deepStrictEqual(got.rows, [
        {
          id: 1,
          parents: [
            { id: 1, values: expected },
            { id: 2, values: [] },
          ],
        },
      ]);
    });
  });
}
