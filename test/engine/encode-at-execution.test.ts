// Issue 20 (design): value encoding stays out of the compiler. A compiled statement holds each
// value as checked, with the stored type it is encoded as; the engine encodes values for its driver
// when the statement runs — its own values once per statement, named params on every run, through
// cached shapes and prepared statements alike — after checking them, before anything is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidValueError,
  MetaData,
  bigint,
  boolean,
  custom,
  customType,
  insert,
  integer,
  json,
  param,
  select,
  timestamptz,
  types,
  value,
  type Dialect,
  type LogEntry,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

/** A point stored as its "x,y" text. */
const point = customType<{ x: number; y: number }, string>({
  name: "point",
  base: types.text,
  toDb: (p) => `${p.x},${p.y}`,
  fromDb: (s) => {
    const [x, y] = s.split(",").map(Number);
    return { x, y };
  },
});

const md = new MetaData();
const ev = md.table("enc_ev", {
  id: integer().primaryKey(),
  big: bigint().notNull(),
  ok: boolean().notNull(),
  at: timestamptz().notNull(),
  doc: json().notNull(),
  pos: custom(point).notNull(),
});

const at = new Date("2024-02-29T12:34:56.789Z");
const row = { id: 1, big: 9007199254740993n, ok: true, at, doc: { a: [1, "x"] }, pos: { x: 1, y: 2 } };

/** Counts the dialect's encode calls while `fn` runs. */
async function countingEncodes<T>(dialect: Dialect, fn: () => Promise<T> | T): Promise<{ result: T; calls: number }> {
  const original = dialect.encode;
  let calls = 0;
  dialect.encode = function (this: Dialect, type, v) {
    calls++;
    return original.call(this, type, v);
  };
  try {
    return { result: await fn(), calls };
  } finally {
    dialect.encode = original;
  }
}

const log: LogEntry[] = [];

forEachEngine(
  import.meta.url,
  (ctx) => {
    test("setup", async () => {
      await md.createAll(ctx.engine);
      await ctx.engine.execute(insert(ev).values(row));
    });

    test("issue 20 design: the compiler records checked values and their stored types, and encodes none", async () => {
      const dialect = ctx.engine.dialect;
      const q = select(ev.c.id).where(ev.c.big.eq(row.big), ev.c.ok.eq(true), ev.c.at.eq(at), value({ x: 1, y: 2 }, point).eq(value({ x: 1, y: 2 }, point)));
      const { result: compiled, calls } = await countingEncodes(dialect, () => dialect.createCompiler().compile(q.statementNode));
      assert.equal(calls, 0);
      assert.deepStrictEqual(compiled.params, [
        { value: row.big, type: types.bigint },
        { value: true, type: types.boolean },
        { value: at, type: types.timestamptz },
        { value: "1,2", type: types.text },
        { value: "1,2", type: types.text },
      ]);
    });

    test("issue 20 design: the engine encodes a statement's values for its driver when it runs, once per statement", async () => {
      const dialect = ctx.engine.dialect;
      const q = select(ev.c.id, ev.c.doc).where(ev.c.big.eq(row.big), ev.c.ok.eq(true), ev.c.at.eq(at), ev.c.pos.eq({ x: 1, y: 2 }));
      log.length = 0;
      const { result, calls } = await countingEncodes(dialect, async () => {
        const first = await ctx.engine.execute(q);
        await ctx.engine.execute(q);
        return first;
      });
      assert.deepStrictEqual(result.rows, [{ id: 1, doc: row.doc }]);
      // The custom value was converted to its stored text when the statement was built: text needs no encoding.
      assert.equal(calls, 4, "four values, encoded on the first run only");
      const expected = [dialect.encode(types.bigint, row.big), dialect.encode(types.boolean, true), dialect.encode(types.timestamptz, at), "1,2"];
      assert.deepStrictEqual(log[0].params, expected);
      assert.deepStrictEqual(log[1].params, expected);
    });

    test("issue 20 design: statements of a cached shape and prepared statements bind their own values, encoded at execution", async () => {
      const dialect = ctx.engine.dialect;
      const byFlag = (ok: boolean, big: bigint) => select(ev.c.id).where(ev.c.ok.eq(ok), ev.c.big.eq(big));
      log.length = 0;
      // Built per call: one compile, each statement its own values (the shape gets a prepared name from its second run).
      for (let i = 0; i < 3; i++) {
        assert.deepStrictEqual((await ctx.engine.execute(byFlag(true, row.big))).scalars(), [1]);
        assert.deepStrictEqual((await ctx.engine.execute(byFlag(false, row.big))).scalars(), []);
      }
      assert.deepStrictEqual(
        log.map((e) => e.params),
        Array.from({ length: 6 }, (_, i) => [dialect.encode(types.boolean, i % 2 === 0), dialect.encode(types.bigint, row.big)]),
      );
      // Named params: checked and encoded on every run, whatever the plan holds.
      const named = select(ev.c.id).where(ev.c.at.eq(param("at", types.timestamptz)), ev.c.ok.eq(param("ok", types.boolean)));
      log.length = 0;
      const other = new Date("2001-01-01T00:00:00Z");
      for (const [when, ok, ids] of [
        [at, true, [1]],
        [other, true, []],
        [at, false, []],
        [at, true, [1]],
      ] as const) {
        const { result, calls } = await countingEncodes(dialect, () => ctx.engine.execute(named, { at: when, ok }));
        assert.deepStrictEqual(result.scalars(), ids);
        assert.equal(calls, 2);
      }
      assert.deepStrictEqual(log[1].params, [dialect.encode(types.timestamptz, other), dialect.encode(types.boolean, true)]);
    });

    test("issue 20 design: a value refused by its check fails before anything is sent", async () => {
      const named = select(ev.c.id).where(ev.c.id.eq(param("id", types.integer)));
      log.length = 0;
      await assert.rejects(ctx.engine.execute(named, { id: 2 ** 31 }), InvalidValueError);
      await assert.rejects(ctx.engine.execute(named, { id: "1" }), InvalidValueError);
      await assert.rejects(
        ctx.engine.execute(select(ev.c.id).where(ev.c.at.eq(param("at", types.timestamptz))), { at: new Date(Number.NaN) }),
        InvalidValueError,
      );
      assert.throws(() => select(ev.c.id).where(ev.c.id.eq(2 ** 31)), InvalidValueError);
      assert.deepStrictEqual(log, []);
      assert.deepStrictEqual((await ctx.engine.execute(named, { id: 1 })).scalars(), [1]);
    });
  },
  { echo: (e) => log.push(e) },
);
