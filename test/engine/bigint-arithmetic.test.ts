// Regression: bigint arithmetic with a bound value went through DOUBLE on MariaDB. mysql2 sends a
// JS bigint as a string, and MariaDB reads a string as a DOUBLE in arithmetic: a BIGINT column
// holding 9007199254740993, plus 1n, gave 9007199254740992 (and sum(b + 1n) over three rows was 2
// short). Bigints are now bound as BIGINT parameters. Expected values are computed with BigInt.
//
// Regression: integer results were rounded or overflowed silently where the other engines raise.
// SQLite goes over to a REAL past 2^63 − 1 (9223372036854775807 + 1 read back as
// 9223372036854775808n), and an integer-typed result past 2^53 (an int8 sum on PostgreSQL, a
// DECIMAL sum on MariaDB, an INTEGER on SQLite) was rounded to the nearest double. Both are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DatabaseError, InvalidValueError, MetaData, bigint, deleteFrom, func, insert, integer, select, sql, types } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const RUNS = Number(process.env.ARBOR_PROPERTY_RUNS ?? 40);
const SEED = Number(process.env.ARBOR_SEED ?? Date.now() % 2 ** 31);

const md = new MetaData();
const t = md.table("big_arith", { id: integer().primaryKey(), b: bigint().notNull() });

/** Truncating division and remainder, as every engine's integer division gives them. */
const quot = (a: bigint, d: bigint) => a / d;
const rem = (a: bigint, d: bigint) => a % d;

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a BIGINT column + 1n past 2^53 is exact (MariaDB gave 9007199254740992 for 9007199254740993 + 1)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(t).values([1n, 2n, 3n].map((k, id) => ({ id, b: 9007199254740991n + k }))));
      const rows = (await ctx.engine.execute(select(t.c.b.add(1n).as("p"), t.c.b.mul(2n).as("m")).from(t).orderBy(t.c.id))).rows;
      assert.deepEqual(rows, [
        { p: 9007199254740993n, m: 18014398509481984n },
        { p: 9007199254740994n, m: 18014398509481986n },
        { p: 9007199254740995n, m: 18014398509481988n },
      ]);
      const [sum] = (await ctx.engine.execute(select(func.sum(t.c.b.add(1n)).as("s")).from(t))).rows;
      assert.equal(sum.s, 27021597764222982n);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a BIGINT result past 2^63 − 1 is an error, never a rounded value (SQLite read 2^63 − 1 + 1 as 2^63)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(t).values({ id: 1, b: 9223372036854775807n }));
      for (const q of [select(t.c.b.add(1n).as("v")).from(t), select(t.c.b.sub(6n).mul(3n).as("v")).from(t)])
        await assert.rejects(ctx.engine.execute(q), (e: unknown) =>
          ctx.name === "sqlite"
            ? e instanceof InvalidValueError && /64-bit integer/.test(e.message)
            : e instanceof DatabaseError && /out of range/i.test(e.message),
        );
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: an integer-typed result past 2^53 is refused, never rounded to a double", async () => {
    const exact = sql`9007199254740993`.typed(types.integer);
    await assert.rejects(
      ctx.engine.execute(select(exact.as("v"))),
      (e: unknown) => e instanceof InvalidValueError && /cast the expression to types\.bigint/.test(e.message),
    );
    // Read as a bigint it is whole; a safe integer still reads as a number.
    assert.deepEqual((await ctx.engine.execute(select(sql`9007199254740993`.typed(types.bigint).as("v")))).rows, [{ v: 9007199254740993n }]);
    assert.deepEqual((await ctx.engine.execute(select(sql`9007199254740991`.typed(types.integer).as("v")))).rows, [{ v: 9007199254740991 }]);
  });

  test(`property: +, -, *, integer / and % of a BIGINT column and a bound bigint are BigInt's (seed ${SEED})`, async () => {
    await md.createAll(ctx.engine);
    try {
      // Operands within ±2^61 and a factor within ±3: no result leaves the int64 range.
      const big = fc.bigInt({ min: -(2n ** 61n), max: 2n ** 61n });
      const small = fc.bigInt({ min: -3n, max: 3n });
      const divisor = fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }).filter((d) => d !== 0n);
      await fc.assert(
        fc.asyncProperty(fc.array(big, { minLength: 1, maxLength: 6 }), big, small, divisor, async (column, bound, factor, d) => {
          await ctx.engine.execute(deleteFrom(t));
          await ctx.engine.execute(insert(t).values(column.map((b, id) => ({ id, b }))));
          const q = select(
            t.c.b.add(bound / 2n).as("add"),
            t.c.b.sub(bound / 2n).as("sub"),
            t.c.b.mul(factor).as("mul"),
            t.c.b.div(d).as("quot"),
            t.c.b.mod(d).as("rem"),
            t.c.b.gt(bound).as("gt"),
          )
            .from(t)
            .orderBy(t.c.id);
          const got = (await ctx.engine.execute(q)).rows;
          assert.deepEqual(
            got,
            column.map((b) => ({ add: b + bound / 2n, sub: b - bound / 2n, mul: b * factor, quot: quot(b, d), rem: rem(b, d), gt: b > bound })),
          );
        }),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      await md.dropAll(ctx.engine);
    }
  });
});
