// Regression (found by the differential fuzz, test/fuzz): a sum of numerics of different scales was
// typed as its left operand. SQLite then read numeric(10, 2) + numeric(20, 4) back with two places
// ("2.52" where PostgreSQL and MariaDB give "2.5200"), and compared the sum, a TEXT when the wide
// operand was one, as a narrow REAL: TEXT is greater than every number in SQLite, so
// 0.10 + 0.0225 > 100 was true. A sum, difference or remainder of two numerics now has the larger
// scale and room for the larger integer part, as on PostgreSQL and MariaDB.
//
// Regression: SQLite kept equal numeric(20, 4) values apart in DISTINCT, GROUP BY and set operations
// when one was a product of narrow numerics (the REAL 0.01) and the other a wide value (the TEXT
// "0.0100"). A wide result is TEXT with its type's scale.
//
// Regression: MariaDB held a negative-zero remainder unequal to zero: -1.50 % -1.50 is -0.00 there,
// and -0.00 = 0 is false, so 0.0000 NOT IN (-1.50 % -1.50) was true. A decimal remainder is spelled
// (x % y + 0), which makes it 0.
//
// Regression: MariaDB computed decimal arithmetic with an integer parameter in doubles (mysql2 sends
// a JS number as a DOUBLE): 10.10 × 3 read back "30.299999999999997", -123456.78 % -2 read
// "-0.7799999999988358". A bound integer beside a numeric is cast to SIGNED there. GROUP BY and ORDER
// BY spell a bound integer as COALESCE(?), since MariaDB reads GROUP BY ? with a BIGINT parameter
// (a bigint value) as a select-list position ("Unknown column '5' in 'GROUP BY'").
//
// Regression: a NULL numeric parameter made MariaDB compute the arithmetic around it as a DOUBLE, and
// with it every row of the CASE it stood in (CASE … THEN a × NULL ELSE 0.15 × 0.15 END read back
// "0.022499999999999964" in a numeric(20, 4) column). A NULL is sent with its type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Expr, MetaData, caseWhen, func, insert, integer, numeric, param, select, types, value } from "../../src/index.js";
import { sumType } from "../../src/sql/types.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const mixed = md.table("dec_mixed", { id: integer().primaryKey(), a: numeric(10, 2), w: numeric(20, 4), n: integer() });

test("a sum's type has the larger scale and the larger integer part", () => {
  assert.deepEqual(sumType(types.numeric(10, 2), types.numeric(20, 4)), types.numeric(20, 4));
  assert.deepEqual(sumType(types.numeric(10, 2), types.numeric(7, 3)), types.numeric(11, 3));
  assert.deepEqual(sumType(types.numeric(10, 2), types.numeric(10, 2)), types.numeric(10, 2));
  assert.deepEqual(sumType(types.numeric(10, 2), types.numeric()), types.numeric());
  assert.equal(sumType(types.numeric(10, 2), types.integer).kind, "numeric");
  assert.equal(sumType(types.integer, types.integer), types.integer);
  assert.deepEqual(mixed.c.a.add(mixed.c.w).node.type, types.numeric(20, 4));
  assert.deepEqual(mixed.c.a.sub(mixed.c.w).node.type, types.numeric(20, 4));
  assert.deepEqual(mixed.c.a.mod(mixed.c.w).node.type, types.numeric(20, 4));
  assert.deepEqual(mixed.c.a.add(mixed.c.a).node.type, types.numeric(10, 2));
});

forEachEngine(import.meta.url, (ctx) => {
  test("regression: numeric(10, 2) + numeric(20, 4) keeps four places and compares as a number (SQLite: 0.10 + 0.0225 > 100)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(mixed).values({ id: 1, a: "0.10", w: "0.0225", n: 3 }));
      const sum = mixed.c.a.add(mixed.c.w);
      const q = select(sum.as("s"), mixed.c.a.sub(mixed.c.w).as("d"), value("2.50", types.numeric(10, 2)).add(mixed.c.a.mul(mixed.c.a)).as("p"))
        .from(mixed)
        .where(sum.lt(value("100.00", types.numeric(10, 2))));
      assert.deepEqual((await ctx.engine.execute(q)).rows, [{ s: "0.1225", d: "0.0775", p: "2.5100" }]);
      const over = select(mixed.c.id)
        .from(mixed)
        .where(sum.gt(value("100.00", types.numeric(10, 2))));
      assert.deepEqual((await ctx.engine.execute(over)).rows, []);
      const rem = select(mixed.c.a.mod(mixed.c.w).as("m"))
        .from(mixed)
        .where(mixed.c.a.mod(mixed.c.w).lt(value("1.00", types.numeric(10, 2))));
      assert.deepEqual((await ctx.engine.execute(rem)).rows, [{ m: "0.0100" }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: decimal arithmetic with an integer parameter is exact (MariaDB: 10.10 × 3 = 30.299999999999997)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(mixed).values({ id: 1, a: "10.10", w: "-123456.7800", n: 3 }));
      // The static types allow no integer operand for a decimal; an Expr<unknown> (built generically) does.
      const a: Expr<unknown> = mixed.c.a;
      const w: Expr<unknown> = mixed.c.w;
      const q = select(
        a.mul(value(3, types.integer)).as("p"),
        w.mod(param("k", types.integer)).as("m"),
        a.add(value(2, types.integer)).as("s"),
        mixed.c.n.add(param("k", types.integer)).as("i"),
        a.mul(value(6, types.integer).sub(mixed.c.n)).as("q"),
      ).from(mixed);
      assert.deepEqual((await ctx.engine.execute(q, { k: -2 })).rows, [{ p: "30.30", m: "-0.7800", s: "12.10", i: 1, q: "30.30" }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a NULL numeric parameter leaves the decimal arithmetic around it exact (MariaDB read 0.15 × 0.15 as a double)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(mixed).values({ id: 1, a: "0.15", w: "-0.1500", n: 1 }));
      const product = caseWhen(mixed.c.n.eq(0), mixed.c.a.mul(param("x", types.numeric(10, 2))))
        .when(mixed.c.n.eq(2), mixed.c.a.mul(value(null, types.numeric(10, 2))))
        .else(mixed.c.a.mul(mixed.c.a).add(value("0.0000", types.numeric(20, 4))));
      const q = select(product.as("p")).from(mixed);
      assert.deepEqual((await ctx.engine.execute(q, { x: null })).rows, [{ p: "0.0225" }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a bound bigint in GROUP BY or ORDER BY is a constant, not a select-list position (MariaDB: Unknown column '5' in 'GROUP BY')", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(
        insert(mixed).values([
          { id: 1, a: "1.00", w: "0.0000", n: 2 },
          { id: 2, a: "2.00", w: "0.0000", n: 1 },
        ]),
      );
      const grouped = select(value(5, types.integer).as("k"), func.count().as("c")).from(mixed).groupBy(value(5, types.integer));
      assert.deepEqual((await ctx.engine.execute(grouped)).rows, [{ k: 5, c: 2 }]);
      const groupedBig = select(value(5n, types.bigint).as("k"), func.count().as("c")).from(mixed).groupBy(value(5n, types.bigint));
      assert.deepEqual((await ctx.engine.execute(groupedBig)).rows, [{ k: 5n, c: 2 }]);
      const ordered = select(mixed.c.id).from(mixed).orderBy(param("p", types.integer).asc(), mixed.c.n.asc());
      assert.deepEqual((await ctx.engine.execute(ordered, { p: 1 })).rows, [{ id: 2 }, { id: 1 }]);
      const orderedBig = select(mixed.c.id).from(mixed).orderBy(param("p", types.bigint).asc(), mixed.c.n.asc());
      assert.deepEqual((await ctx.engine.execute(orderedBig, { p: 1n })).rows, [{ id: 2 }, { id: 1 }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a product and a value equal as numeric(20, 4) are one row in DISTINCT and INTERSECT (SQLite: the REAL 0.01 and the TEXT 0.0100)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(
        insert(mixed).values([
          { id: 1, a: "0.10", w: "0.0100", n: 1 },
          { id: 2, a: "0.10", w: "0.0100", n: 2 },
        ]),
      );
      const p = mixed.c.a.mul(mixed.c.a);
      const either = caseWhen(mixed.c.n.eq(1), p).else(mixed.c.w);
      assert.deepEqual((await ctx.engine.execute(select(either.as("x")).from(mixed).distinct())).rows, [{ x: "0.0100" }]);
      const both = select(p.as("x"))
        .from(mixed)
        .intersect(select(value("0.0100", types.numeric(20, 4)).as("x")));
      assert.deepEqual((await ctx.engine.execute(both)).rows, [{ x: "0.0100" }]);
      const grouped = select(either.as("x"), func.count().as("c")).from(mixed).groupBy(either);
      assert.deepEqual((await ctx.engine.execute(grouped)).rows, [{ x: "0.0100", c: 2 }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("regression: a zero remainder equals zero (MariaDB: -1.50 % -1.50 is -0.00, and -0.00 = 0 was false)", async () => {
    await md.createAll(ctx.engine);
    try {
      await ctx.engine.execute(insert(mixed).values({ id: 1, a: "-1.50", w: "0.0000", n: 1 }));
      const rem = mixed.c.a.mod(value("-1.50", types.numeric(10, 2)));
      const q = select(rem.as("m"), rem.eq(value("0.00", types.numeric(10, 2))).as("zero"))
        .from(mixed)
        .where(mixed.c.w.in([rem]));
      assert.deepEqual((await ctx.engine.execute(q)).rows, [{ m: "0.00", zero: true }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });
});
