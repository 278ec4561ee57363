// Functions and aggregates that each engine spells differently: GROUP BY over expressions carrying
// values, FILTER, character length, integer division. Exact SQL, then executed on every engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  integer,
  text,
  select,
  insert,
  func,
  fn,
  value,
  param,
  types,
  NotSupportedError,
  mysqlDialect,
  postgresDialect,
  sqliteDialect,
  type Dialect,
  type Statement,
} from "../../src/index.js";
import { shapeKey } from "../../src/sql/cache-key.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const g = md.table("fn_rows", {
  id: integer().primaryKey(),
  x: integer(),
  word: text(),
});

const compile = (d: Dialect, s: Statement<unknown>) => d.createCompiler().compile(s.statementNode);

const grouped = select(func.coalesce(g.c.x, 0).as("k"), func.count().as("n"))
  .groupBy(func.coalesce(g.c.x, 0))
  .having(func.coalesce(g.c.x, 0).ge(0))
  .orderBy(func.coalesce(g.c.x, 0));

test("issue 20.8: an expression with values in GROUP BY uses the same placeholder in SELECT, HAVING and ORDER BY on PostgreSQL", () => {
  const c = compile(postgresDialect, grouped);
  assert.equal(
    c.sql,
    'SELECT coalesce("fn_rows"."x", $1::integer) AS "k", count(*) AS "n" FROM "fn_rows" GROUP BY coalesce("fn_rows"."x", $1::integer) HAVING coalesce("fn_rows"."x", $1::integer) >= $2::integer ORDER BY coalesce("fn_rows"."x", $1::integer) ASC',
  );
  assert.deepEqual(c.params, [
    { value: 0, type: types.integer },
    { value: 0, type: types.integer },
  ]);
  // Positional placeholders send the value once per use.
  assert.equal(compile(mysqlDialect, grouped).params.length, 5);
});

test("issue 20.8: expressions that differ in a value stay apart, and so do their shape keys", () => {
  const same = select(func.coalesce(g.c.x, 0).as("k")).groupBy(func.coalesce(g.c.x, 0));
  const other = select(func.coalesce(g.c.x, 0).as("k")).groupBy(func.coalesce(g.c.x, 1));
  assert.match(
    compile(postgresDialect, other).sql,
    /coalesce\("fn_rows"\."x", \$1::integer\) AS "k" FROM "fn_rows" GROUP BY coalesce\("fn_rows"\."x", \$2::integer\)$/,
  );
  assert.notEqual(shapeKey(same.statementNode)!.key, shapeKey(other.statementNode)!.key);
});

test("issue 20.8 regression: a grouped expression selected as the same node keeps its own value when another grouped value equals it", () => {
  // The SELECT item is the GROUP BY's own coalesce node; a second grouping key is a value equal to
  // the one inside it. Sharing swapped that inner value for the key's node, so the SELECT said
  // coalesce(x, $1) and GROUP BY coalesce(x, $2): PostgreSQL refused the statement.
  const key = func.coalesce(g.c.x, 0);
  const q = select(key.as("k")).groupBy(value(0, types.integer), key);
  assert.equal(
    compile(postgresDialect, q).sql,
    'SELECT coalesce("fn_rows"."x", $1::integer) AS "k" FROM "fn_rows" GROUP BY $2::integer, coalesce("fn_rows"."x", $1::integer)',
  );
});

test("issue 20.8: a named param used in SELECT and GROUP BY is one PostgreSQL parameter", () => {
  const q = select(func.coalesce(g.c.x, param("d", types.integer)).as("k")).groupBy(func.coalesce(g.c.x, param("d", types.integer)));
  const c = compile(postgresDialect, q);
  assert.match(c.sql, /GROUP BY coalesce\("fn_rows"\."x", \$1::integer\)$/);
  assert.equal(c.params.length, 1);
});

test("issue 20.10: FILTER becomes a CASE inside the aggregate on MariaDB, and is refused where that would change the result", () => {
  const q = select(func.count().filter(g.c.x.gt(1)).as("n"), func.sum(g.c.x).filter(g.c.word.eq("a")).as("s"));
  assert.equal(
    compile(mysqlDialect, q).sql,
    "SELECT count(CASE WHEN `fn_rows`.`x` > ? THEN 1 END) AS `n`, sum(CASE WHEN `fn_rows`.`word` = ? THEN `fn_rows`.`x` END) AS `s` FROM `fn_rows`",
  );
  assert.equal(
    compile(postgresDialect, q).sql,
    'SELECT count(*) FILTER (WHERE "fn_rows"."x" > $1::integer) AS "n", sum("fn_rows"."x") FILTER (WHERE "fn_rows"."word" = $2::text) AS "s" FROM "fn_rows"',
  );
  // JSON_ARRAYAGG keeps NULLs, so a CASE would add them instead of dropping the rows.
  const arr = select(fn("JSON_ARRAYAGG", [g.c.x], types.json()).filter(g.c.x.gt(1)).as("a"));
  assert.throws(() => compile(mysqlDialect, arr), NotSupportedError);
});

test("issue 20.10: func.length counts characters (char_length; length on SQLite)", () => {
  const q = select(func.length(g.c.word).as("n"));
  assert.equal(compile(mysqlDialect, q).sql, "SELECT char_length(`fn_rows`.`word`) AS `n` FROM `fn_rows`");
  assert.equal(compile(sqliteDialect, q).sql, 'SELECT length("fn_rows"."word") AS "n" FROM "fn_rows"');
});

test("issue 20.10: integer division is spelled DIV on MariaDB and casts its operands on SQLite", () => {
  const q = select(g.c.x.div(2).as("h"));
  assert.equal(compile(mysqlDialect, q).sql, "SELECT `fn_rows`.`x` DIV ? AS `h` FROM `fn_rows`");
  assert.equal(compile(sqliteDialect, q).sql, 'SELECT CAST("fn_rows"."x" AS INTEGER) / CAST(? AS INTEGER) AS "h" FROM "fn_rows"');
  assert.equal(compile(postgresDialect, q).sql, 'SELECT "fn_rows"."x" / $1::integer AS "h" FROM "fn_rows"');
});

forEachEngine(import.meta.url, (ctx) => {
  test("issue 20.8 / 20.10: grouping, FILTER, length and division give the same rows on every engine", async () => {
    await md.dropAll(ctx.engine);
    await md.createAll(ctx.engine);
    await ctx.engine.execute(
      insert(g).values([
        { id: 1, x: 7, word: "a" },
        { id: 2, x: -7, word: "é✓😀" },
        { id: 3, x: null, word: "a" },
        { id: 4, x: 7, word: "bb" },
      ]),
    );
    // MariaDB takes no column in HAVING that is not in the SELECT list or GROUP BY, literal or not.
    const run = select(func.coalesce(g.c.x, 0).as("k"), func.count().as("n")).groupBy(func.coalesce(g.c.x, 0)).orderBy(func.coalesce(g.c.x, 0));
    const want = [
      { k: -7, n: 1 },
      { k: 0, n: 1 },
      { k: 7, n: 2 },
    ];
    assert.deepStrictEqual((await ctx.engine.execute(run)).rows, want);
    if (ctx.name !== "mariadb") assert.deepStrictEqual((await ctx.engine.execute(grouped)).rows, want.slice(1));
    const agg = select(
      func.count().filter(g.c.x.gt(1)).as("n"),
      func.sum(g.c.x).filter(g.c.word.eq("a")).as("s"),
      func.count(g.c.x).filter(g.c.word.ne("a")).as("m"),
    );
    const [row] = (await ctx.engine.execute(agg)).rows;
    assert.deepStrictEqual({ ...row, s: Number(row.s) }, { n: 2, s: 7, m: 2 });
    const rows = (
      await ctx.engine.execute(
        select(g.c.id, func.length(g.c.word).as("len"), g.c.x.div(2).as("half"), value(7, types.integer).cast(types.integer).div(-2).as("lit")).orderBy(g.c.id),
      )
    ).rows;
    assert.deepStrictEqual(rows, [
      { id: 1, len: 1, half: 3, lit: -3 },
      { id: 2, len: 3, half: -3, lit: -3 },
      { id: 3, len: 1, half: null, lit: -3 },
      { id: 4, len: 2, half: 3, lit: -3 },
    ]);
  });
});
