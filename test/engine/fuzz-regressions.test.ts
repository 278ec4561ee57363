// Bugs the differential fuzz test (test/fuzz) found, each pinned on every engine with the exact
// shape it generated: the result must be PostgreSQL's exact answer on SQLite and MariaDB too.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, alias, boolean, date, func, insert, integer, mysqlDialect, postgresDialect, select, text, types, value } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const ft = md.table("fzr_t", { id: integer().primaryKey(), b: boolean(), s: text(), dt: date() });
const fu = md.table("fzr_u", { id: integer().primaryKey(), k: integer() });

const pgSql = (q: { statementNode: Parameters<ReturnType<typeof postgresDialect.createCompiler>["compile"]>[0] }) =>
  postgresDialect.createCompiler().compile(q.statementNode).sql;
const mySql = (q: { statementNode: Parameters<ReturnType<typeof mysqlDialect.createCompiler>["compile"]>[0] }) =>
  mysqlDialect.createCompiler().compile(q.statementNode).sql;

test("issue 20 (fuzz new-1): min()/max() of a boolean is bool_and()/bool_or() on PostgreSQL", () => {
  assert.equal(
    pgSql(select(func.min(ft.c.b).as("lo"), func.max(ft.c.b).as("hi"))),
    'SELECT bool_and("fzr_t"."b") AS "lo", bool_or("fzr_t"."b") AS "hi" FROM "fzr_t"',
  );
});

test("issue 20 (fuzz new-7): a scalar subquery in an IN list is spelled as comparisons on MariaDB", () => {
  const st = alias(ft, "st");
  const sub = select(func.min(st.c.id).as("m")).from(st).where(st.c.id.eq(fu.c.id)).scalar();
  assert.equal(
    mySql(select(fu.c.id).where(fu.c.k.notIn([value(7, types.integer), sub]))),
    "SELECT `fzr_u`.`id` FROM `fzr_u` WHERE (`fzr_u`.`k` <> ? AND `fzr_u`.`k` <> (SELECT min(`st`.`id`) AS `m` FROM `fzr_t` AS `st` WHERE `st`.`id` = `fzr_u`.`id`))",
  );
});

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(
        insert(ft).values([
          { id: 1, b: true, s: "a", dt: "2023-12-31" },
          { id: 2, b: false, s: "b", dt: "2024-01-01" },
          { id: 3, b: null, s: null, dt: null },
        ]),
      );
      await c.execute(
        insert(fu).values([
          { id: 1, k: 1 },
          { id: 2, k: 3 },
          { id: 3, k: 3 },
          { id: 4, k: 3 },
        ]),
      );
    }),
  );

  test("issue 20 (fuzz new-1): min()/max() over a boolean, as aggregates, with FILTER and as windows", async () => {
    const agg = await ctx.engine.execute(
      select(
        func.min(ft.c.b).as("lo"),
        func.max(ft.c.b).as("hi"),
        func.max(ft.c.b).filter(ft.c.id.ne(1)).as("hiNot1"),
        func.min(ft.c.b).filter(ft.c.id.eq(3)).as("none"),
      ),
    );
    assert.deepStrictEqual(agg.rows, [{ lo: false, hi: true, hiNot1: false, none: null }]);
    const win = await ctx.engine.execute(
      select(
        ft.c.id,
        func
          .min(ft.c.b)
          .over({ orderBy: [ft.c.id] })
          .as("lo"),
        func
          .max(ft.c.b)
          .over({ partitionBy: [ft.c.s] })
          .as("hi"),
      ).orderBy(ft.c.id),
    );
    assert.deepStrictEqual(win.rows, [
      { id: 1, lo: true, hi: true },
      { id: 2, lo: false, hi: false },
      { id: 3, lo: false, hi: null },
    ]);
    // A scalar subquery of one, as the fuzz test wrote it.
    const st = alias(ft, "st");
    const sub = await ctx.engine.execute(select(select(func.max(st.c.b).as("m")).from(st).where(st.c.id.gt(1)).scalar().as("x")));
    assert.deepStrictEqual(sub.rows, [{ x: false }]);
  });

  test("issue 20 (fuzz new-7): x [NOT] IN (…, (SELECT …)) with a subquery yielding NULL or a value keeps SQL's NULL logic", async () => {
    const st = alias(ft, "st");
    // t has ids 1–3: the subquery is the id itself for u 1–3 and NULL for u 4.
    const sub = select(func.min(st.c.id).as("m")).from(st).where(st.c.id.eq(fu.c.id)).scalar();
    const ids = async (where: Parameters<ReturnType<typeof select>["where"]>[0]) =>
      (await ctx.engine.execute(select(fu.c.id).where(where).orderBy(fu.c.id))).scalars();
    // k: 1, 3, 3, 3 against sub: 1, 2, 3, NULL
    assert.deepStrictEqual(await ids(fu.c.k.notIn([sub])), [2]);
    assert.deepStrictEqual(await ids(fu.c.k.in([sub])), [1, 3]);
    assert.deepStrictEqual(await ids(fu.c.k.notIn([value(7, types.integer), sub])), [2]);
    assert.deepStrictEqual(await ids(fu.c.k.in([value(7, types.integer), sub])), [1, 3]);
    assert.deepStrictEqual(await ids(fu.c.k.notIn([value(3, types.integer), sub])), []);
    assert.deepStrictEqual(await ids(fu.c.k.in([value(3, types.integer), sub])), [1, 2, 3, 4]);
    // The shape the fuzz test found: a subquery whose WHERE is never true yields NULL, and MariaDB
    // answered `k NOT IN ((SELECT …))` TRUE for every row.
    const never = select(func.min(st.c.id).as("m")).from(st).where(value(null, types.integer).eq(fu.c.id)).scalar();
    assert.deepStrictEqual(await ids(fu.c.k.notIn([never])), []);
    assert.deepStrictEqual(await ids(fu.c.k.in([never])), []);
    assert.deepStrictEqual(await ids(fu.c.k.notIn([value(7, types.integer), never])), []);
    const dates = select(func.min(st.c.dt).as("x")).from(st).where(value(null, types.date).eq(ft.c.dt)).scalar();
    assert.deepStrictEqual((await ctx.engine.execute(select(ft.c.id).where(ft.c.dt.notIn([dates])))).rows, []);
  });
});
