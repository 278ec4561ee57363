// Bugs the differential fuzz test (test/fuzz) found, each pinned on every engine with the exact
// shape it generated: the result must be PostgreSQL's exact answer on SQLite and MariaDB too.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidValueError,
  MetaData,
  alias,
  and,
  boolean,
  createEngine,
  date,
  func,
  insert,
  integer,
  mysqlDialect,
  numeric,
  postgresDialect,
  select,
  sqliteDialect,
  text,
  types,
  value,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const ft = md.table("fzr_t", { id: integer().primaryKey(), b: boolean(), s: text(), dt: date() });
const fu = md.table("fzr_u", { id: integer().primaryKey(), k: integer() });
const fd = md.table("fzr_d", { id: integer().primaryKey(), d: numeric(10, 2), e: numeric(10, 2), w: numeric(30, 10) });
const dec = (v: string) => value(v, types.numeric(10, 2));

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

test("issue 20 (fuzz new-2, new-4, new-5): SQLite computes decimals with exact functions, binds narrow ones as numbers; MariaDB casts bound decimals", async () => {
  const q = select(fd.c.d.add(fd.c.e).as("s"), fd.c.d.cast(types.text).as("t")).where(fd.c.w.gt("0")).orderBy(fd.c.w);
  assert.equal(
    sqliteDialect.createCompiler().compile(q.statementNode).sql,
    'SELECT arbor_decimal_add("fzr_d"."d", "fzr_d"."e") AS "s", arbor_decimal_text("fzr_d"."d", 2) AS "t" FROM "fzr_d" ' +
      'WHERE arbor_decimal_key("fzr_d"."w") > arbor_decimal_key(?) ORDER BY arbor_decimal_key("fzr_d"."w") ASC',
  );
  // The compiler keeps the checked text; the engine binds it as the double SQLite stores it as.
  const narrow = select(dec("0.10").as("v"));
  assert.deepStrictEqual(sqliteDialect.createCompiler().compile(narrow.statementNode).params, [{ value: "0.10", type: types.numeric(10, 2) }]);
  const sent: unknown[][] = [];
  const engine = createEngine("sqlite::memory:", { echo: (e) => sent.push([...e.params]) });
  try {
    assert.equal(engine.executeSync(narrow).scalar(), "0.10");
    assert.deepStrictEqual(sent, [[0.1]]);
  } finally {
    await engine.dispose();
  }
  assert.equal(mySql(select(dec("-1.50").sub(fd.c.d).as("x"))), "SELECT ? - `fzr_d`.`d` AS `x` FROM `fzr_d`");
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
        insert(fd).values([
          { id: 1, d: "0.10", e: "0.20", w: "9" },
          { id: 2, d: "0.20", e: "0.10", w: "-10" },
          { id: 3, d: "0.30", e: "0.00", w: "100.5" },
          { id: 4, d: "2.50", e: null, w: "10" },
          { id: 5, d: "-1.50", e: "1.50", w: "0.25" },
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
    // A scalar subquery on the left of IN (SELECT …): MariaDB answered -3 IN (SELECT 2) TRUE.
    const three = select(func.min(value(-3, types.integer)).as("x"))
      .from(fu)
      .scalar();
    const evenT = select(st.c.id.mod(2).as("x"))
      .from(st)
      .where(and(value(2, types.integer).eq(st.c.id), ft.c.dt.eq(st.c.dt)));
    assert.deepStrictEqual((await ctx.engine.execute(select(ft.c.id).where(three.notIn(evenT)).orderBy(ft.c.id))).scalars(), [1, 2, 3]);
    assert.deepStrictEqual((await ctx.engine.execute(select(ft.c.id).where(three.in(evenT)).orderBy(ft.c.id))).scalars(), []);
    const dates = select(func.min(st.c.dt).as("x")).from(st).where(value(null, types.date).eq(ft.c.dt)).scalar();
    assert.deepStrictEqual((await ctx.engine.execute(select(ft.c.id).where(ft.c.dt.notIn([dates])))).rows, []);
  });

  test("issue 20 (fuzz new-2): DISTINCT, GROUP BY and = over computed decimals see 0.10 + 0.20 and 0.30 + 0.00 as one value", async () => {
    const sum = fd.c.d.add(fd.c.e);
    const distinct = await ctx.engine.execute(select(sum.as("s")).where(fd.c.id.le(3)).distinct());
    assert.deepStrictEqual(distinct.rows, [{ s: "0.30" }]);
    const grouped = await ctx.engine.execute(select(sum.as("s"), func.count().as("n")).where(fd.c.id.le(3)).groupBy(sum));
    assert.deepStrictEqual(grouped.rows, [{ s: "0.30", n: 3 }]);
    const eq = await ctx.engine.execute(
      select(fd.c.id)
        .where(sum.eq(dec("0.30")))
        .orderBy(fd.c.id),
    );
    assert.deepStrictEqual(eq.scalars(), [1, 2, 3]);
    const total = await ctx.engine.execute(select(func.sum(fd.c.d).as("d"), func.sum(sum).as("s")));
    assert.deepStrictEqual(total.rows, [{ d: "1.60", s: "0.90" }]);
  });

  test("issue 20 (fuzz new-3): a bound decimal minus a column is exact (MariaDB computed it in DOUBLE)", async () => {
    const r = await ctx.engine.execute(select(dec("-1.50").sub(fd.c.d).as("x"), fd.c.d.sub(dec("10.10")).as("y")).where(fd.c.id.eq(1)));
    assert.deepStrictEqual(r.rows, [{ x: "-1.60", y: "-10.00" }]);
  });

  test("issue 20 (fuzz new-4): a bound decimal compared with an aggregate, a difference, a CASE or as IN's left side", async () => {
    const ids = async (where: Parameters<ReturnType<typeof select>["where"]>[0]) =>
      (await ctx.engine.execute(select(fd.c.id).where(where).orderBy(fd.c.id))).scalars();
    assert.deepStrictEqual(await ids(fd.c.d.sub(dec("0.10")).lt(dec("0.15"))), [1, 2, 5]);
    assert.deepStrictEqual(await ids(dec("0.10").in([fd.c.d, fd.c.e])), [1, 2]);
    assert.deepStrictEqual(await ids(dec("0.20").between(fd.c.d, fd.c.d.add(dec("0.10")))), [1, 2]);
    const having = await ctx.engine.execute(
      select(fd.c.id)
        .groupBy(fd.c.id)
        .having(func.min(fd.c.d).ge(dec("0.20")))
        .orderBy(fd.c.id),
    );
    assert.deepStrictEqual(having.scalars(), [2, 3, 4]);
  });

  test("issue 20 (fuzz new-5, new-6): cast() to text keeps a decimal's scale and prints a bound integer as an integer", async () => {
    const r = await ctx.engine.execute(
      select(
        fd.c.d.cast(types.text).as("d"),
        fd.c.e.cast(types.text).as("e"),
        value(-3, types.integer).cast(types.text).as("i"),
        fd.c.id.add(-3).cast(types.text).as("j"),
      ).orderBy(fd.c.id),
    );
    assert.deepStrictEqual(r.rows, [
      { d: "0.10", e: "0.20", i: "-3", j: "-2" },
      { d: "0.20", e: "0.10", i: "-3", j: "-1" },
      { d: "0.30", e: "0.00", i: "-3", j: "0" },
      { d: "2.50", e: null, i: "-3", j: "1" },
      { d: "-1.50", e: "1.50", i: "-3", j: "2" },
    ]);
  });

  test("issue 20 (fuzz new-2): a narrow decimal result no double holds is refused on SQLite, never rounded", async () => {
    let big = value("9999999999999.99", types.numeric(15, 2));
    for (let i = 0; i < 8; i++) big = big.add(value("9999999999999.99", types.numeric(15, 2)));
    const run = ctx.engine.execute(select(big.as("x")));
    if (ctx.name === "sqlite") await assert.rejects(run, InvalidValueError);
    else assert.deepStrictEqual((await run).rows, [{ x: "89999999999999.91" }]);
  });

  test("issue 20 (fuzz new-2): numerics wider than 15 digits add, compare, sort, min/max and sum exactly", async () => {
    const w = fd.c.w;
    const r = await ctx.engine.execute(select(fd.c.id, w.add(w).as("a"), w.neg().as("n"), func.abs(w).as("b")).where(w.between("0", "50")).orderBy(w.desc()));
    assert.deepStrictEqual(r.rows, [
      { id: 4, a: "20.0000000000", n: "-10.0000000000", b: "10.0000000000" },
      { id: 1, a: "18.0000000000", n: "-9.0000000000", b: "9.0000000000" },
      { id: 5, a: "0.5000000000", n: "-0.2500000000", b: "0.2500000000" },
    ]);
    const agg = await ctx.engine.execute(select(func.min(w).as("lo"), func.max(w).as("hi"), func.sum(w).as("s")));
    assert.deepStrictEqual(agg.rows, [{ lo: "-10.0000000000", hi: "100.5000000000", s: "109.7500000000" }]);
    const listed = await ctx.engine.execute(
      select(fd.c.id)
        .where(w.in(["9", value("100.50", types.numeric(30, 10))]))
        .orderBy(fd.c.id),
    );
    assert.deepStrictEqual(listed.scalars(), [1, 3]);
  });
});
