// A cast either gives PostgreSQL's value or fails: values at the edges of the target's range, and
// texts in and out of the target's form, cast from columns (computed per row) and from bound
// values, on every engine. PostgreSQL is the oracle the expected column was written from.
//
// Regression: MariaDB clamped such casts with only a warning (123.456 AS DECIMAL(3, 1) was 99.9,
// 1e20 AS SIGNED 2^63 − 1, 2147483648.0 AS integer stayed 2147483648) and read malformed text as
// a prefix or NULL ('4x' AS SIGNED was 4, '1.5x' AS DOUBLE 1.5, '2024-02-30' AS DATE NULL).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DatabaseError,
  InvalidValueError,
  MetaData,
  bigint,
  deleteFrom,
  double,
  insert,
  integer,
  mysqlDialect,
  numeric,
  select,
  text,
  types,
  value,
  type SqlType,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const vals = md.table("cr_vals", { id: integer().primaryKey(), n: numeric(30, 3), d: double(), b: bigint(), t: text() });
type Source = "n" | "d" | "b" | "t";
const REFUSED = Symbol("refused");
const refused = (e: unknown) => e instanceof InvalidValueError || e instanceof DatabaseError;
/** [source column, its value, target type, PostgreSQL's answer] */
const CASES: [Source, string | number | bigint, SqlType, unknown][] = [
  ["n", "99.940", types.numeric(3, 1), "99.9"],
  ["n", "99.950", types.numeric(3, 1), REFUSED],
  ["n", "-99.949", types.numeric(3, 1), "-99.9"],
  ["n", "123.456", types.numeric(3, 1), REFUSED],
  ["n", "2147483647.499", types.integer, 2147483647],
  ["n", "2147483647.500", types.integer, REFUSED],
  ["n", "-2147483648.499", types.integer, -2147483648],
  ["n", "-2147483648.500", types.integer, REFUSED],
  ["n", "32767.499", types.smallint, 32767],
  ["n", "32767.500", types.smallint, REFUSED],
  ["d", 2147483647.4, types.integer, 2147483647],
  ["d", 2147483647.5, types.integer, REFUSED],
  ["d", -2147483648.5, types.integer, -2147483648],
  ["d", -2147483649.5, types.integer, REFUSED],
  ["d", 1e20, types.bigint, REFUSED],
  ["d", 9.2e18, types.bigint, 9200000000000000000n],
  ["d", 99.94, types.numeric(3, 1), "99.9"],
  ["d", 1e40, types.numeric(30, 2), REFUSED],
  ["b", 2147483647n, types.integer, 2147483647],
  ["b", 2147483648n, types.integer, REFUSED],
  ["b", -32769n, types.smallint, REFUSED],
  ["b", 9999n, types.numeric(4, 0), "9999"],
  ["b", 10000n, types.numeric(4, 0), REFUSED],
  ["t", " -42 ", types.integer, -42],
  ["t", "4x", types.integer, REFUSED],
  ["t", "2147483648", types.integer, REFUSED],
  ["t", "9223372036854775807", types.bigint, 9223372036854775807n],
  ["t", "9223372036854775808", types.bigint, REFUSED],
  ["t", "", types.integer, REFUSED],
  ["t", "1.5x", types.numeric(10, 2), REFUSED],
  ["t", " 1.255 ", types.numeric(10, 2), "1.26"],
  ["t", "99999999.995", types.numeric(10, 2), REFUSED],
  ["t", "2024-02-29", types.date, "2024-02-29"],
  ["t", "0050-03-01", types.date, "0050-03-01"],
  ["t", "2024-02-30", types.date, REFUSED],
  ["t", "2024-00-10", types.date, REFUSED],
  ["t", "2024-02-29x", types.date, REFUSED],
];

forEachEngine(import.meta.url, (ctx) => {
  test("a cast gives PostgreSQL's value or fails, from a column and from a bound value", async () => {
    await md.createAll(ctx.engine);
    try {
      for (const [source, v, to, want] of CASES) {
        const label = `${String(v)} (${source}) AS ${to.kind}${to.precision !== undefined ? `(${to.precision}, ${to.scale ?? 0})` : ""}`;
        await ctx.engine.execute(deleteFrom(vals));
        await ctx.engine.execute(insert(vals).values({ id: 1, [source]: v }));
        const fromColumn = select(vals.c[source].cast(to).as("v")).from(vals);
        const fromValue = select(value(v, vals.c[source].type).cast(to).as("v"));
        for (const q of [fromColumn, fromValue]) {
          if (want === REFUSED) await assert.rejects(ctx.engine.execute(q), refused, label);
          else assert.deepEqual((await ctx.engine.execute(q)).rows, [{ v: want }], label);
        }
      }
      // NULL stays NULL through every guarded cast.
      await ctx.engine.execute(deleteFrom(vals));
      await ctx.engine.execute(insert(vals).values({ id: 1 }));
      for (const [source, , to] of CASES) assert.deepEqual((await ctx.engine.execute(select(vals.c[source].cast(to).as("v")).from(vals))).rows, [{ v: null }]);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });
});

test("MariaDB: a cast that could clamp fails through an overflow naming the target; one that cannot is a plain CAST", () => {
  const compile = (q: { statementNode: Parameters<ReturnType<typeof mysqlDialect.createCompiler>["compile"]>[0] }) =>
    mysqlDialect.createCompiler().compile(q.statementNode).sql;
  assert.equal(
    compile(select(vals.c.n.cast(types.numeric(3, 1)).as("v")).from(vals)),
    "SELECT CAST(CASE WHEN ABS(ROUND(`cr_vals`.`n`, 1)) >= 100 THEN (9223372036854775807 + LENGTH('arbor: refused cast to DECIMAL(3, 1)')) ELSE `cr_vals`.`n` END AS DECIMAL(3, 1)) AS `v` FROM `cr_vals`",
  );
  // A bigint has at most 19 digits, a numeric(30, 3) rounded 28: neither can overflow these.
  assert.equal(compile(select(vals.c.b.cast(types.numeric(30, 0)).as("v")).from(vals)), "SELECT CAST(`cr_vals`.`b` AS DECIMAL(30, 0)) AS `v` FROM `cr_vals`");
  assert.equal(compile(select(vals.c.n.cast(types.numeric(31, 2)).as("v")).from(vals)), "SELECT CAST(`cr_vals`.`n` AS DECIMAL(31, 2)) AS `v` FROM `cr_vals`");
  assert.equal(compile(select(vals.c.id.cast(types.bigint).as("v")).from(vals)), "SELECT CAST(`cr_vals`.`id` AS SIGNED) AS `v` FROM `cr_vals`");
});

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a cast to varchar(n) keeps n characters, as PostgreSQL's (SQLite and MariaDB kept the whole text)", async () => {
    const cases: [unknown, SqlType, string | null][] = [
      ["abcdef", types.text, "abc"],
      ["ab", types.text, "ab"],
      ["été à l'eau", types.text, "été"],
      [true, types.boolean, "tru"],
      [12345, types.integer, "123"],
      [null, types.text, null],
    ];
    for (const [v, from, want] of cases)
      assert.deepEqual((await ctx.engine.execute(select(value(v, from).cast(types.varchar(3)).as("v")))).rows, [{ v: want }], String(v));
    // varchar without a length keeps it all.
    assert.deepEqual((await ctx.engine.execute(select(value("abcdef", types.text).cast(types.varchar()).as("v")))).rows, [{ v: "abcdef" }]);
  });
});

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a text cast to a timestamp is PostgreSQL's instant or fails (SQLite gave an invalid Date for 'x' and March 1 for 2024-02-30; MariaDB NULL, and 10:00+02 as 10:00 UTC)", async () => {
    const at = (iso: string) => new Date(iso);
    const cases: [string, "timestamp" | "timestamptz", Date | typeof REFUSED][] = [
      ["2024-02-29 10:00:00", "timestamptz", at("2024-02-29T10:00:00Z")],
      ["2024-02-29T10:00:00Z", "timestamptz", at("2024-02-29T10:00:00Z")],
      ["2024-02-29", "timestamp", at("2024-02-29T00:00:00Z")],
      [" 2024-02-29 10:00 ", "timestamp", at("2024-02-29T10:00:00Z")],
      ["2024-02-29 10:00:00.1234", "timestamptz", at("2024-02-29T10:00:00.123Z")],
      ["2024-02-29 10:00:00.9995", "timestamptz", at("2024-02-29T10:00:01.000Z")],
      ["0001-01-01 00:00:00", "timestamp", at("0001-01-01T00:00:00Z")],
      ["2024-02-30 10:00:00", "timestamptz", REFUSED],
      ["2024-02-29 25:00:00", "timestamp", REFUSED],
      ["2024-00-10 10:00:00", "timestamp", REFUSED],
      ["x", "timestamptz", REFUSED],
      ["", "timestamp", REFUSED],
    ];
    // An offset is applied by a timestamp with time zone (MariaDB, which would ignore it, refuses it).
    if (ctx.name !== "mariadb") cases.push(["2024-02-29 10:00:00+02", "timestamptz", at("2024-02-29T08:00:00Z")]);
    else cases.push(["2024-02-29 10:00:00+02", "timestamptz", REFUSED]);
    for (const [text, kind, want] of cases) {
      const q = select(value(text, types.text).cast(types[kind]).as("v"));
      if (want === REFUSED) await assert.rejects(ctx.engine.execute(q), refused, `${text} AS ${kind}`);
      else assert.deepEqual((await ctx.engine.execute(q)).rows, [{ v: want }], `${text} AS ${kind}`);
    }
    assert.deepEqual((await ctx.engine.execute(select(value(null, types.text).cast(types.timestamptz).as("v")))).rows, [{ v: null }]);
  });
});
