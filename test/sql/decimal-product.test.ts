// Regression: products of wide decimals changed silently. SQLite multiplied them as doubles
// ("0.1234…890" × "0.1234…891" came back right to 17 digits, then noise printed to 30 places);
// MariaDB cut a product past 38 decimal places without an error. SQLite now multiplies exactly;
// MariaDB refuses a product it would cut. Expected values are computed here with BigInt.
//
// Regression: SQLite rounded a product of narrow decimals to the left operand's scale (0.15 × 0.15
// on numeric(10, 2) columns came back "0.02"): the product was typed numeric(10, 2) and the REAL
// read back with toFixed(2). A product now has the sum of the scales, and a REAL is never rounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MetaData, NotSupportedError, deleteFrom, insert, integer, numeric, select, types, value } from "../../src/index.js";
import { productType } from "../../src/sql/types.js";
import { forEachEngine } from "../support/engines.js";

const RUNS = Number(process.env.ARBOR_PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.ARBOR_SEED ?? Date.now() % 2 ** 31);

const md = new MetaData();
const narrow = md.table("dec_narrow", { id: integer().primaryKey(), a: numeric(10, 2), b: numeric(10, 2), c: numeric(7, 3) });

/** Hundredths (or thousandths) as decimal text with that scale. */
const units = (n: number, scale: number): string => {
  const digits = Math.abs(n)
    .toString()
    .padStart(scale + 1, "0");
  return `${n < 0 ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
};

test("a product's type has the sum of its operands' scales", () => {
  assert.deepEqual(productType(types.numeric(10, 2), types.numeric(7, 3)), types.numeric(17, 5));
  assert.deepEqual(productType(types.numeric(600, 2), types.numeric(600, 3)), types.numeric(1000, 5));
  assert.deepEqual(productType(types.numeric(10, 2), types.numeric()), types.numeric());
  assert.equal(productType(types.integer, types.integer), types.integer);
  assert.equal(narrow.c.a.mul(narrow.c.c).node.type.scale, 5);
  // A sum has the larger scale (decimal-mixed-scale.test.ts).
  assert.equal(narrow.c.a.add(narrow.c.c).node.type.scale, 3);
});

/** The exact product of two decimal strings, with the sum of their scales. */
function product(a: string, b: string): string {
  const parse = (s: string) => {
    const neg = s.startsWith("-");
    const [i, f = ""] = s.replace("-", "").split(".");
    return { units: BigInt(i + f) * (neg ? -1n : 1n), scale: f.length };
  };
  const x = parse(a);
  const y = parse(b);
  const units = x.units * y.units;
  const scale = x.scale + y.scale;
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0");
  return `${units < 0n ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a product of numeric(10, 2) columns keeps every place (SQLite gave 0.15 × 0.15 = 0.02)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(narrow).values({ id: 1, a: "0.15", b: "0.15", c: "1.005" }));
      const q = select(narrow.c.a.mul(narrow.c.b).as("p"), narrow.c.a.mul(narrow.c.c).as("q"), narrow.c.a.mul("3").as("r")).from(narrow);
      assert.deepEqual((await ctx.engine.execute(q)).rows, [{ p: "0.0225", q: "0.15075", r: "0.4500" }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a decimal quotient is not rounded to the operand's scale (SQLite read 1.00 / 8.00 as 0.13)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(narrow).values({ id: 1, a: "1.00", b: "8.00", c: "0.001" }));
      const [row] = (await ctx.engine.execute(select(narrow.c.a.div(narrow.c.b).as("q"), narrow.c.c.div("1000").as("tiny")).from(narrow))).rows;
      // Each engine gives the quotient its own scale (Expr.div): the value is 0.125 on all of them.
      assert.match(String(row.q), /^0\.1250*$/);
      assert.match(String(row.tiny), /^0\.0000010*$/);
      if (ctx.name === "sqlite") assert.deepEqual(row, { q: "0.125", tiny: "0.000001" });
      // Regression: MariaDB returned a negative zero ("-0.00") for -2.00 % 1.00; SQLite truncated 7.50 % 2.00 to 1.00.
      await ctx.engine.execute(
        insert(narrow).values([
          { id: 2, a: "-2.00", b: "1.00", c: "0.000" },
          { id: 3, a: "7.50", b: "2.00", c: "0.000" },
        ]),
      );
      const rem = select(narrow.c.a.mod(narrow.c.b).as("m"), narrow.c.a.div(narrow.c.b).as("q")).from(narrow).where(narrow.c.id.gt(1)).orderBy(narrow.c.id);
      const got = (await ctx.engine.execute(rem)).rows;
      assert.deepEqual(
        got.map((r) => r.m),
        ["0.00", "1.50"],
      );
      assert.deepEqual(
        got.map((r) => Number(r.q)),
        [-2, 3.75],
      );
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test(`property: remainders and quotients of numeric(10, 2) columns are those of the decimals (SQLite gave 7.50 % 2.00 = 1.00, 7.00 / 2.00 = 3) (seed ${SEED})`, async () => {
    await md.createAll(ctx.engine);
    try {
      const cent = fc.integer({ min: -9_999_999, max: 9_999_999 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              cent,
              cent.filter((b) => b !== 0),
            ),
            { minLength: 1, maxLength: 8 },
          ),
          async (rows) => {
            await ctx.engine.execute(deleteFrom(narrow));
            const values = rows.map(([a, b], id) => ({ id, a: units(a, 2), b: units(b, 2), c: "0.000" }));
            await ctx.engine.execute(insert(narrow).values(values));
            const got = (
              await ctx.engine.execute(select(narrow.c.a.mod(narrow.c.b).as("m"), narrow.c.a.div(narrow.c.b).as("q")).from(narrow).orderBy(narrow.c.id))
            ).rows;
            rows.forEach(([a, b], i) => {
              // The remainder is exact, with the dividend's sign, at scale 2 on every engine.
              assert.equal(got[i].m, units(Number(BigInt(a) % BigInt(b)), 2));
              // The quotient has each engine's own scale (a double on SQLite): equal to 15 digits.
              const q = Number(got[i].q);
              assert.ok(
                Math.abs(q - a / b) <= Math.abs(a / b) * 1e-15 + 1e-15 || Math.abs(q - a / b) < 0.5 * 10 ** -String(got[i].q).split(".")[1].length,
                `${values[i].a} / ${values[i].b} = ${got[i].q}`,
              );
            });
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test(`property: products of numeric(10, 2) × numeric(7, 3) columns are exact with the sum of the scales (seed ${SEED})`, async () => {
    await md.createAll(ctx.engine);
    try {
      // |a| < 100,000 and |c| < 10,000: the product has at most 14 digits, which SQLite's REAL holds.
      const cent = fc.integer({ min: -9_999_999, max: 9_999_999 });
      const mil = fc.integer({ min: -9_999_999, max: 9_999_999 });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(cent, cent, mil), { minLength: 1, maxLength: 8 }), async (rows) => {
          await ctx.engine.execute(deleteFrom(narrow));
          const values = rows.map(([a, b, c], id) => ({ id, a: units(a, 2), b: units(b, 2), c: units(c, 3) }));
          await ctx.engine.execute(insert(narrow).values(values));
          const got = (
            await ctx.engine.execute(select(narrow.c.a.mul(narrow.c.b).as("p"), narrow.c.a.mul(narrow.c.c).as("q")).from(narrow).orderBy(narrow.c.id))
          ).rows;
          assert.deepEqual(
            got,
            values.map((v) => ({ p: product(v.a, v.b), q: product(v.a, v.c) })),
          );
        }),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a product of numeric(30, 10) values is exact on every engine", async () => {
    const a = "-12345678901234567890.1234567891";
    const b = "98765432109876543210.9876543219";
    const q = select(
      value(a, types.numeric(30, 10))
        .mul(value(b, types.numeric(30, 10)))
        .as("p"),
    );
    const got = String((await ctx.engine.execute(q)).rows[0].p);
    assert.equal(got, product(a, b));
  });

  test("regression: a product with 60 decimal places is exact, or refused where the engine would cut it (MariaDB)", async () => {
    const a = "0.123456789012345678901234567890";
    const b = "0.123456789012345678901234567891";
    const q = select(
      value(a, types.numeric(65, 30))
        .mul(value(b, types.numeric(65, 30)))
        .as("p"),
    );
    if (ctx.name === "mariadb") {
      await assert.rejects(ctx.engine.execute(q), (e: unknown) => e instanceof NotSupportedError && /38 decimal places/.test(e.message));
      return;
    }
    assert.equal(String((await ctx.engine.execute(q)).rows[0].p), product(a, b));
  });
});
