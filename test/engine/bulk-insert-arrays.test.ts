// PostgreSQL sends a bulk INSERT of checked cells as one array per column, unnested by the server
// (`INSERT … SELECT * FROM unnest($1::integer[], …)`): every value must come back exactly as given,
// in row order, whatever its text holds (quotes, backslashes, braces, commas, "NULL", spaces). The
// oracle is the rows themselves; every engine runs the same rows (the others send VALUES).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  MetaData,
  bigint,
  boolean,
  date,
  deleteFrom,
  double,
  excluded,
  insert,
  integer,
  json,
  numeric,
  postgresDialect,
  real,
  select,
  smallint,
  text,
  timestamptz,
  uuid,
  varchar,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";
import { BIGINTS, Gen, TEXTS } from "../support/random.js";

const RUNS = Number(process.env.ARBOR_PROPERTY_RUNS ?? 20);
const SEED = Number(process.env.ARBOR_SEED ?? Date.now() % 2 ** 31);

const md = new MetaData();
const wide = md.table("bulk_arrays", {
  id: integer().primaryKey(),
  small: smallint(),
  big: bigint(),
  r: real(),
  d: double(),
  amount: numeric(12, 3),
  label: text(),
  short: varchar(8),
  flag: boolean(),
  day: date(),
  at: timestamptz(),
  ref: uuid(),
});
const withJson = md.table("bulk_arrays_json", { id: integer().primaryKey(), doc: json<{ k: string }>() });

/** Text an array literal must quote and escape to keep as it is. */
const AWKWARD = ["NULL", "null", "", " ", "{a,b}", 'say "hi"', "back\\slash", "\\", '"', "a,b", "  padded  ", "tab\there", "{}", "(1,2)", "'", "\\N"];

function makeRows(n: number, seed: number) {
  const g = new Gen(seed);
  const texts = [...TEXTS, ...AWKWARD];
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    small: g.maybe(0.1, () => g.int(-32768, 32767)),
    big: g.maybe(0.1, () => g.pick(BIGINTS)),
    r: g.maybe(0.1, () => Math.fround(g.pick([0, -1.5, 3.25, 1e-7, 123456.7, -0.1]))),
    d: g.maybe(0.1, () => g.pick([0, 0.1, -2.5e-300, 1.7976931348623157e308, 2.2250738585072014e-308, 123.456, -1 / 3])),
    amount: g.maybe(0.1, () => g.pick(["0.000", "-1.500", "123456789.125", "0.001", "-0.010"])),
    label: g.maybe(0.1, () => g.pick(texts)),
    short: g.maybe(0.1, () => g.pick(["", "NULL", "a,b", '"q"', "\\", "8 chars!"])),
    flag: g.maybe(0.1, () => g.bool()),
    day: g.maybe(0.1, () => g.pick(["2024-02-29", "0001-01-01", "9999-12-31", "1970-01-01"])),
    at: g.maybe(0.1, () => new Date(Date.UTC(2000, 0, 1) + g.int(-1e9, 1e9) * 1000 + g.int(0, 999))),
    ref: g.maybe(0.1, () => g.pick(["00000000-0000-0000-0000-000000000000", "123e4567-e89b-12d3-a456-426614174000"])),
  }));
}

test("bulk INSERT on PostgreSQL: one array parameter per column, unnested; small INSERTs and other kinds keep VALUES", () => {
  const rows = makeRows(300, 1);
  const compile = (s: { statementNode: Parameters<ReturnType<typeof postgresDialect.createCompiler>["compile"]>[0] }) =>
    postgresDialect.createCompiler().compile(s.statementNode);
  const c = compile(insert(wide).values(rows).returning(wide.c.id));
  assert.equal(
    c.sql,
    'INSERT INTO "bulk_arrays" ("id", "small", "big", "r", "d", "amount", "label", "short", "flag", "day", "at", "ref") SELECT * FROM unnest(' +
      "$1::integer[], $2::smallint[], $3::bigint[], $4::real[], $5::double precision[], $6::numeric(12, 3)[], $7::text[], $8::text[], " +
      '$9::boolean[], $10::date[], $11::timestamptz(3)[], $12::uuid[]) RETURNING "bulk_arrays"."id"',
  );
  assert.equal(c.params.length, 12);
  const label = c.params[6];
  assert.ok("value" in label && typeof label.value === "string");
  // Every text element quoted, its quotes and backslashes escaped; a null is a bare NULL.
  const first = rows.slice(0, 3).map((r) => (r.label === null ? "NULL" : `"${r.label.replace(/["\\]/g, "\\$&")}"`));
  assert.ok(label.value.startsWith(`{${first.join(",")},`), label.value.slice(0, 80));
  // Up to 1,000 cells the rows stay VALUES (keyed by shape and kept prepared), as do json columns.
  assert.match(compile(insert(wide).values(rows.slice(0, 83))).sql, / VALUES \(\$1, /);
  const docs = Array.from({ length: 600 }, (_, i) => ({ id: i, doc: { k: `${i}` } }));
  assert.match(compile(insert(withJson).values(docs)).sql, / VALUES \(\$1, \$2\), /);
  // A compile traced for re-binding (the shape cache's) keeps VALUES too.
  assert.match(postgresDialect.createCompiler().compileTraced(insert(wide).values(rows).statementNode).compiled.sql, / VALUES /);
});

forEachEngine(import.meta.url, (ctx) => {
  before(() => md.createAll(ctx.engine));

  test("a bulk INSERT stores every value exactly and returns the rows in order", async () => {
    await ctx.engine.execute(deleteFrom(wide));
    const rows = makeRows(1_500, 7);
    const returning = ctx.engine.dialect.capabilities.returning.insert;
    const stmt = insert(wide).values(rows);
    const result = returning ? await ctx.engine.execute(stmt.returning(wide.c.id, wide.c.label)) : await ctx.engine.execute(stmt);
    assert.equal(result.rowCount, rows.length);
    if (returning)
      assert.deepStrictEqual(
        result.rows,
        rows.map((r) => ({ id: r.id, label: r.label })),
      );
    const back = (
      await ctx.engine.execute(
        select(...Object.values(wide.c))
          .from(wide)
          .orderBy(wide.c.id),
      )
    ).rows;
    assert.deepStrictEqual(back, rows);
  });

  test("a bulk upsert updates the rows that exist and inserts the rest", async () => {
    await ctx.engine.execute(deleteFrom(wide));
    const rows = makeRows(1_200, 11);
    await ctx.engine.execute(insert(wide).values(rows.filter((r) => r.id % 2 === 0)));
    const changed = rows.map((r) => ({ ...r, label: `v2 "${r.id}" {x,y} \\` }));
    await ctx.engine.execute(
      insert(wide)
        .values(changed)
        .onConflict({ target: [wide.c.id], set: { label: excluded(wide.c.label) } }),
    );
    const back = (await ctx.engine.execute(select(wide.c.id, wide.c.label).from(wide).orderBy(wide.c.id))).rows;
    assert.deepStrictEqual(
      back,
      changed.map((r) => ({ id: r.id, label: r.label })),
    );
  });

  test(`property: any text survives a bulk INSERT unchanged (seed ${SEED})`, async () => {
    // Any string UTF-8 can store: no lone surrogates, and no NUL (PostgreSQL's text refuses it).
    const stored = fc.string({ unit: "grapheme", maxLength: 12 }).filter((s) => !s.includes("\u0000"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(stored, { nil: null }), { minLength: 1000, maxLength: 1100 }), async (labels) => {
        await ctx.engine.execute(deleteFrom(wide));
        const rows = labels.map((label, i) => ({ id: i + 1, label }));
        await ctx.engine.execute(insert(wide).values(rows));
        const back = (await ctx.engine.execute(select(wide.c.id, wide.c.label).from(wide).orderBy(wide.c.id))).rows;
        assert.deepStrictEqual(back, rows);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
