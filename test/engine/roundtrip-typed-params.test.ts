// Bound values of a known type reach every engine as that type: PostgreSQL receives parameters
// untyped, so without a cast it compared them as text or could not choose an operator.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, boolean, caseWhen, func, insert, integer, param, postgresDialect, select, sql, types, value, type Statement } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const member = md.table("h2tp_member", { id: integer().primaryKey(), vip: boolean().notNull() });

const pgSql = (s: Statement<unknown>) => postgresDialect.createCompiler().compile(s.statementNode).sql;

test("issue 20.5: PostgreSQL placeholders carry their declared type; raw SQL values stay untyped", () => {
  assert.equal(pgSql(select(value(-3, types.integer).ge(value(-2, types.integer)).as("x"))), 'SELECT $1::integer >= $2::integer AS "x"');
  assert.equal(
    pgSql(select(member.c.id).where(member.c.id.eq(param("p", types.integer)))),
    'SELECT "h2tp_member"."id" FROM "h2tp_member" WHERE "h2tp_member"."id" = $1::integer',
  );
  assert.equal(pgSql(select(value("1.50", types.numeric(10, 2)).as("n"))), 'SELECT $1::numeric(10, 2) AS "n"');
  assert.equal(pgSql(sql`SELECT ${5} AS x`), "SELECT $1 AS x");
  // The cast is part of the SQL a statement shape caches: the same shape with another type compiles apart.
  assert.notEqual(pgSql(select(value(1, types.integer).as("x"))), pgSql(select(value(1n, types.bigint).as("x"))));
});

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );

  test("issue 20.5: value(-3, integer) >= value(-2, integer) compares numbers, not text", async () => {
    const r = await ctx.engine.execute(select(value(-3, types.integer).ge(value(-2, types.integer)).as("x")));
    assert.deepStrictEqual(r.rows, [{ x: false }]);
    const named = select(param("a", types.integer).lt(param("b", types.integer)).as("x"));
    assert.deepStrictEqual((await ctx.engine.execute(named, { a: 10, b: 9 })).rows, [{ x: false }]);
    assert.deepStrictEqual((await ctx.engine.execute(named, { a: -10, b: 9 })).rows, [{ x: true }]);
    // The same shape run again (prepared on PostgreSQL) keeps answering right.
    assert.deepStrictEqual((await ctx.engine.execute(named, { a: 2, b: 10 })).rows, [{ x: true }]);
  });

  test("issue 20.5: ORDER BY a CASE over bound integers sorts numerically", async () => {
    await ctx.engine.execute(sql`DELETE FROM ${sql.id("h2tp_member")}`);
    await ctx.engine.execute(
      insert(member).values([
        { id: 1, vip: true },
        { id: 2, vip: false },
        { id: 3, vip: true },
      ]),
    );
    const r = await ctx.engine.execute(select(member.c.id).orderBy(caseWhen(member.c.vip.eq(true), 10).else(2), member.c.id));
    assert.deepStrictEqual(r.rows, [{ id: 2 }, { id: 1 }, { id: 3 }]);
  });

  test("issue 20.5: coalesce(param(p, integer), 0) < 9 with p = 10 matches nothing", async () => {
    const stmt = select(member.c.id)
      .where(func.coalesce(param("p", types.integer), 0).lt(9))
      .orderBy(member.c.id);
    assert.deepStrictEqual((await ctx.engine.execute(stmt, { p: 10 })).rows, []);
    assert.deepStrictEqual((await ctx.engine.execute(stmt, { p: null })).rows.length, 3);
    assert.deepStrictEqual((await ctx.engine.execute(stmt, { p: 8 })).rows.length, 3);
  });

  test("issue 20.5: typed values in forms PostgreSQL could not type (operator is not unique, could not determine data type)", async () => {
    const r = await ctx.engine.execute(
      select(
        value(1, types.integer).add(value(2, types.integer)).as("sum"),
        param("t", types.text).isNull().as("tNull"),
        func.coalesce(param("n", types.integer), value(7, types.integer)).as("n"),
        value("2.50", types.numeric(10, 2))
          .add(value("0.25", types.numeric(10, 2)))
          .as("dec"),
      ),
      { t: null, n: null },
    );
    assert.deepStrictEqual(r.rows, [{ sum: 3, tNull: true, n: 7, dec: "2.75" }]);
  });
});
