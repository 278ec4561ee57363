// Values at the edge of what every engine stores: the last ones that round-trip exactly, and the
// first ones refused with InvalidValueError (naming table and column) before any SQL runs.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidValueError,
  MetaData,
  date,
  deleteFrom,
  insert,
  integer,
  json,
  param,
  real,
  select,
  text,
  timestamp,
  timestamptz,
  types,
  value,
  varchar,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const edge = md.table("h2_edge", {
  id: integer().primaryKey(),
  r: real(),
  dt: date(),
  ts: timestamp(),
  tz: timestamptz(),
  t: text(),
  vc: varchar(10),
  j: json<unknown>(),
});

type Col = "r" | "dt" | "ts" | "tz" | "t" | "vc" | "j";

function refused(fn: () => unknown, column: string, what: string): void {
  assert.throws(
    fn,
    (e: unknown) => {
      assert.ok(e instanceof InvalidValueError, `${what}: an InvalidValueError, got ${String(e)}`);
      assert.equal(e.table, "h2_edge", what);
      assert.equal(e.column, column, what);
      return true;
    },
    what,
  );
}

const FLOAT32_MAX = 3.4028234663852886e38;
const MIN_TS = new Date("0001-01-01T00:00:00.000Z");
const MAX_TS = new Date("9999-12-31T23:59:59.999Z");
/** A Date given to a date column (accepted at run time, typed as its string form). */
const asDate = (d: Date): string => d as unknown as string;

class Point {
  constructor(readonly x: number) {}
}
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

/** Values a json column refuses: JSON.stringify would change each of them (or throw). */
const notJson: [string, unknown][] = [
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-0", -0],
  ["nested -Infinity", { a: [1, Number.NEGATIVE_INFINITY] }],
  ["nested -0", [0, -0]],
  ["a Date", new Date(0)],
  ["a Date inside", { at: new Date(0) }],
  ["a Map", new Map([["a", 1]])],
  ["a Set", new Set([1])],
  ["an undefined member", { a: undefined }],
  // biome-ignore lint/suspicious/noSparseArray: the hole is the value under test
  ["an array hole", [1, , 2]],
  ["a bigint", 2n],
  ["a nested bigint", { n: 2n }],
  ["a class instance", new Point(1)],
  ["a cycle", cyclic],
  ["a function", () => 1],
  ["a lone surrogate", "a\uD800b"],
  ["a lone surrogate key", { "k\uDC00": 1 }],
];

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );

  async function roundTrip(col: Col, v: unknown, expected: unknown = v): Promise<void> {
    await ctx.engine.execute(deleteFrom(edge));
    await ctx.engine.execute(insert(edge).values({ id: 1, [col]: v }));
    const got = await ctx.engine.execute(select(edge.c[col]).where(edge.c.id.eq(1)));
    assert.deepStrictEqual(got.rows, [{ [col]: expected }], col);
  }

  test("issue 20.13: real() refuses values that float32 rounds to Infinity; its largest value round-trips", async () => {
    await roundTrip("r", FLOAT32_MAX);
    await roundTrip("r", -FLOAT32_MAX);
    // Rounds to the largest float32, not past it.
    await roundTrip("r", 3.4028235e38, FLOAT32_MAX);
    for (const v of [3.5e38, -3.5e38, 1e300, Number.MAX_VALUE]) {
      refused(() => insert(edge).values({ id: 1, r: v }), "r", `real ${v}`);
      refused(() => edge.c.r.eq(v), "r", `real ${v} compared`);
    }
    await assert.rejects(ctx.engine.execute(select(edge.c.id).where(edge.c.r.eq(param("v", edge.c.r))), { v: 3.5e38 }), InvalidValueError);
  });

  test("issue 20.14: dates and timestamps from year 1 to 9999 round-trip; beyond them are refused on every engine", async () => {
    await roundTrip("dt", "0001-01-01");
    await roundTrip("dt", "9999-12-31");
    await roundTrip("dt", new Date("9999-12-31T23:59:59.999Z"), "9999-12-31");
    for (const col of ["ts", "tz"] as const) {
      await roundTrip(col, MIN_TS);
      await roundTrip(col, MAX_TS);
    }
    const tooLate = new Date("+010000-01-01T00:00:00.000Z");
    const tooEarly = new Date(MIN_TS.getTime() - 1);
    refused(() => insert(edge).values({ id: 1, dt: asDate(tooLate) }), "dt", "date in year 10000");
    refused(() => insert(edge).values({ id: 1, dt: "0000-12-31" }), "dt", "date in year 0");
    refused(() => insert(edge).values({ id: 1, dt: asDate(tooEarly) }), "dt", "Date before year 1");
    for (const col of ["ts", "tz"] as const) {
      refused(() => insert(edge).values({ id: 1, [col]: tooLate }), col, `${col} in year 10000`);
      refused(() => insert(edge).values({ id: 1, [col]: new Date(MAX_TS.getTime() + 1) }), col, `${col} a millisecond past 9999`);
      refused(() => insert(edge).values({ id: 1, [col]: tooEarly }), col, `${col} before year 1`);
    }
    await assert.rejects(ctx.engine.execute(select(edge.c.id).where(edge.c.dt.eq(param("d", edge.c.dt))), { d: tooLate }), InvalidValueError);
  });

  test("issue 20.15: lone surrogates are refused in text, varchar and json; surrogate pairs round-trip", async () => {
    for (const s of ["a\uD800", "\uDC00b", "x\uDBFF\uDBFFy", "\uDFFF\uD800"]) {
      refused(() => insert(edge).values({ id: 1, t: s }), "t", `text ${JSON.stringify(s)}`);
      refused(() => insert(edge).values({ id: 1, vc: s }), "vc", `varchar ${JSON.stringify(s)}`);
      refused(() => insert(edge).values({ id: 1, j: { s } }), "j", `json ${JSON.stringify(s)}`);
      refused(() => edge.c.t.eq(s), "t", `compared ${JSON.stringify(s)}`);
    }
    assert.throws(() => value("\uD800", types.text), InvalidValueError);
    await roundTrip("t", "\uD834\uDD1E 😀");
    await roundTrip("vc", "😀😀😀😀😀😀😀😀😀😀");
    await roundTrip("j", { "😀": "\uD834\uDD1E" });
  });

  test("issue 20.16: json columns accept exact JSON values only", async () => {
    for (const [what, v] of notJson) {
      refused(() => insert(edge).values({ id: 1, j: v }), "j", `json ${what}`);
      await assert.rejects(
        ctx.engine.execute(select(edge.c.id).where(edge.c.j.eq(param("j", edge.c.j))), { j: v }),
        InvalidValueError,
        `json ${what} as a named param`,
      );
    }
    assert.throws(() => value(2n, types.json()), InvalidValueError);
    await roundTrip("j", { a: [1, -1.5, 0, 1e21, 5e-324, "s", true, null, { b: {} }], "": [] });
    await roundTrip("j", Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 });
  });

  test("issue 20.18: negative or fractional LIMIT/OFFSET through value() or param() is refused", async () => {
    await ctx.engine.execute(deleteFrom(edge));
    await ctx.engine.execute(insert(edge).values([{ id: 1 }, { id: 2 }, { id: 3 }]));
    const q = select(edge.c.id).orderBy(edge.c.id);
    for (const bad of [-1, -100, 1.5]) {
      assert.throws(() => q.limit(value(bad, types.integer)), InvalidValueError, `LIMIT value(${bad})`);
      assert.throws(() => q.offset(value(bad)), InvalidValueError, `OFFSET value(${bad})`);
      assert.throws(() => q.limit(bad), Error, `LIMIT ${bad}`);
      await assert.rejects(ctx.engine.execute(q.limit(param("n", types.integer)), { n: bad }), InvalidValueError, `LIMIT param ${bad}`);
      await assert.rejects(ctx.engine.execute(q.limit(10).offset(param("n", types.integer)), { n: bad }), InvalidValueError, `OFFSET param ${bad}`);
    }
    assert.deepStrictEqual((await ctx.engine.execute(q.limit(param("n", types.integer)), { n: 2 })).rows, [{ id: 1 }, { id: 2 }]);
    assert.deepStrictEqual((await ctx.engine.execute(q.limit(value(1, types.integer)).offset(param("o", types.integer)), { o: 2 })).rows, [{ id: 3 }]);
    assert.deepStrictEqual((await ctx.engine.execute(q.limit(param("n", types.integer)), { n: 0 })).rows, []);
  });
});
