// Operator precedence: exact SQL for the cases that printed wrong, and a property test that builds
// random nestings of every operator, runs them on each engine over rows holding NULLs, and compares
// each row's value with a JS evaluation of the same tree in SQL's three-valued logic.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  MetaData,
  integer,
  boolean,
  and,
  or,
  not,
  select,
  insert,
  func,
  value,
  types,
  mysqlDialect,
  postgresDialect,
  sqliteDialect,
  type Dialect,
  type Expr,
  type Statement,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const t = md.table("prec", {
  id: integer().primaryKey(),
  a: integer(),
  b: integer(),
  c: integer(),
  p: boolean(),
  q: boolean(),
});

const compile = (d: Dialect, s: Statement<unknown>) => d.createCompiler().compile(s.statementNode).sql;

// ---- the tree, its SQL and its value ---------------------------------------------------------------

type V = number | boolean | null;
type IntTree =
  | { k: "col"; name: "a" | "b" | "c" }
  | { k: "lit"; v: number }
  | { k: "arith"; op: "+" | "-" | "*"; l: IntTree; r: IntTree }
  | { k: "neg"; e: IntTree }
  | { k: "idiv"; l: IntTree; d: number }
  | { k: "coalesce"; e: IntTree; v: number };
type BoolTree =
  | { k: "bcol"; name: "p" | "q" }
  | { k: "cmp"; op: "=" | "<>" | "<" | "<=" | ">" | ">="; l: IntTree; r: IntTree }
  | { k: "beq"; op: "=" | "<>"; l: BoolTree; r: BoolTree }
  | { k: "isnull"; neg: boolean; e: IntTree | BoolTree }
  | { k: "in"; neg: boolean; e: IntTree; list: (number | null)[] }
  | { k: "between"; neg: boolean; e: IntTree; lo: number; hi: number }
  | { k: "logic"; op: "AND" | "OR"; items: BoolTree[] }
  | { k: "not"; e: BoolTree };
type Row = { a: number | null; b: number | null; c: number | null; p: boolean | null; q: boolean | null };

const isBool = (x: IntTree | BoolTree): x is BoolTree => ["bcol", "cmp", "beq", "isnull", "in", "between", "logic", "not"].includes(x.k);

function intExpr(x: IntTree): Expr<number | null> {
  switch (x.k) {
    case "col":
      return t.c[x.name];
    case "lit":
      // Cast: two bare placeholders side by side give PostgreSQL nothing to infer their type from.
      return value(x.v, types.integer).cast(types.integer);
    case "arith":
      return x.op === "+" ? intExpr(x.l).add(intExpr(x.r)) : x.op === "-" ? intExpr(x.l).sub(intExpr(x.r)) : intExpr(x.l).mul(intExpr(x.r));
    case "neg":
      return intExpr(x.e).neg();
    case "idiv":
      return intExpr(x.l).div(x.d);
    case "coalesce":
      return func.coalesce(intExpr(x.e), x.v);
  }
}

function boolExpr(x: BoolTree): Expr<boolean | null> {
  switch (x.k) {
    case "bcol":
      return t.c[x.name];
    case "cmp": {
      const l = intExpr(x.l);
      const r = intExpr(x.r);
      return { "=": () => l.eq(r), "<>": () => l.ne(r), "<": () => l.lt(r), "<=": () => l.le(r), ">": () => l.gt(r), ">=": () => l.ge(r) }[x.op]();
    }
    case "beq":
      return x.op === "=" ? boolExpr(x.l).eq(boolExpr(x.r)) : boolExpr(x.l).ne(boolExpr(x.r));
    case "isnull": {
      const e = isBool(x.e) ? boolExpr(x.e) : intExpr(x.e);
      return x.neg ? e.isNotNull() : e.isNull();
    }
    case "in": {
      const list = x.list.map((v) => (v === null ? value(null, types.integer) : v));
      return x.neg ? intExpr(x.e).notIn(list) : intExpr(x.e).in(list);
    }
    case "between":
      return x.neg ? intExpr(x.e).notBetween(x.lo, x.hi) : intExpr(x.e).between(x.lo, x.hi);
    case "logic":
      return x.op === "AND" ? and(...x.items.map(boolExpr)) : or(...x.items.map(boolExpr));
    case "not":
      return not(boolExpr(x.e));
  }
}

function evalInt(x: IntTree, row: Row): number | null {
  switch (x.k) {
    case "col":
      return row[x.name];
    case "lit":
      return x.v;
    case "arith": {
      const l = evalInt(x.l, row);
      const r = evalInt(x.r, row);
      if (l === null || r === null) return null;
      return x.op === "+" ? l + r : x.op === "-" ? l - r : l * r;
    }
    case "neg": {
      const v = evalInt(x.e, row);
      return v === null ? null : -v;
    }
    case "idiv": {
      const v = evalInt(x.l, row);
      return v === null ? null : Math.trunc(v / x.d);
    }
    case "coalesce":
      return evalInt(x.e, row) ?? x.v;
  }
}

const and3 = (xs: (boolean | null)[]): boolean | null => (xs.includes(false) ? false : xs.includes(null) ? null : true);
const or3 = (xs: (boolean | null)[]): boolean | null => (xs.includes(true) ? true : xs.includes(null) ? null : false);
const not3 = (x: boolean | null): boolean | null => (x === null ? null : !x);
const cmp = (op: string, l: V, r: V): boolean | null => {
  if (l === null || r === null) return null;
  const a = Number(l);
  const b = Number(r);
  return { "=": a === b, "<>": a !== b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b }[op]!;
};

function evalBool(x: BoolTree, row: Row): boolean | null {
  switch (x.k) {
    case "bcol":
      return row[x.name];
    case "cmp":
      return cmp(x.op, evalInt(x.l, row), evalInt(x.r, row));
    case "beq":
      return cmp(x.op, evalBool(x.l, row), evalBool(x.r, row));
    case "isnull": {
      const v = isBool(x.e) ? evalBool(x.e, row) : evalInt(x.e, row);
      return x.neg ? v !== null : v === null;
    }
    case "in": {
      const v = evalInt(x.e, row);
      const r = v === null ? null : or3(x.list.map((e) => cmp("=", v, e)));
      return x.neg ? not3(r) : r;
    }
    case "between": {
      const v = evalInt(x.e, row);
      const r = and3([cmp(">=", v, x.lo), cmp("<=", v, x.hi)]);
      return x.neg ? not3(r) : r;
    }
    case "logic":
      return x.op === "AND" ? and3(x.items.map((i) => evalBool(i, row))) : or3(x.items.map((i) => evalBool(i, row)));
    case "not":
      return not3(evalBool(x.e, row));
  }
}

// Small values keep every product within 32 bits; literals stay non-negative so that the SQL text
// itself holds no minus sign a bug could glue to another.
const small = fc.integer({ min: -3, max: 3 });
const trees = fc.letrec<{ int: IntTree; bool: BoolTree }>((tie) => ({
  int: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ k: fc.constant("col" as const), name: fc.constantFrom("a" as const, "b" as const, "c" as const) }),
    fc.record({ k: fc.constant("lit" as const), v: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ k: fc.constant("arith" as const), op: fc.constantFrom("+" as const, "-" as const, "*" as const), l: tie("int"), r: tie("int") }),
    fc.record({ k: fc.constant("neg" as const), e: tie("int") }),
    fc.record({ k: fc.constant("idiv" as const), l: tie("int"), d: fc.constantFrom(2, 3, -2) }),
    fc.record({ k: fc.constant("coalesce" as const), e: tie("int"), v: small }),
  ),
  bool: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ k: fc.constant("bcol" as const), name: fc.constantFrom("p" as const, "q" as const) }),
    fc.record({
      k: fc.constant("cmp" as const),
      op: fc.constantFrom("=" as const, "<>" as const, "<" as const, "<=" as const, ">" as const, ">=" as const),
      l: tie("int"),
      r: tie("int"),
    }),
    fc.record({ k: fc.constant("beq" as const), op: fc.constantFrom("=" as const, "<>" as const), l: tie("bool"), r: tie("bool") }),
    fc.record({ k: fc.constant("isnull" as const), neg: fc.boolean(), e: fc.oneof(tie("int"), tie("bool")) }),
    fc.record({
      k: fc.constant("in" as const),
      neg: fc.boolean(),
      e: tie("int"),
      list: fc.array(fc.option(small, { nil: null, freq: 4 }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ k: fc.constant("between" as const), neg: fc.boolean(), e: tie("int"), lo: small, hi: small }),
    fc.record({
      k: fc.constant("logic" as const),
      op: fc.constantFrom("AND" as const, "OR" as const),
      items: fc.array(tie("bool"), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ k: fc.constant("not" as const), e: tie("bool") }),
  ),
}));

const ROWS: Row[] = [];
{
  const ints = [null, -1, 0, 2];
  const bools = [null, true, false];
  let i = 0;
  // Every combination would be 576 rows; a stride keeps every value in every column, and pairs.
  for (const a of ints)
    for (const b of ints) for (const c of ints) for (const p of bools) for (const q of bools) if (i++ % 5 === 0) ROWS.push({ a, b, c, p, q });
}

const RUNS = Number(process.env.ARBOR_PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.ARBOR_SEED ?? Date.now() % 2 ** 31);

// ---- exact SQL ------------------------------------------------------------------------------------

test("issue 20.4: a comparison with IS NOT NULL, IN or BETWEEN on its right is parenthesised", () => {
  assert.equal(compile(postgresDialect, select(t.c.p.eq(t.c.a.isNotNull()).as("v"))), 'SELECT "prec"."p" = ("prec"."a" IS NOT NULL) AS "v" FROM "prec"');
  assert.equal(compile(mysqlDialect, select(t.c.p.eq(t.c.a.in([1, 2])).as("v"))), "SELECT `prec`.`p` = (`prec`.`a` IN (?, ?)) AS `v` FROM `prec`");
  assert.equal(compile(sqliteDialect, select(t.c.p.ne(t.c.a.between(1, 2)).as("v"))), 'SELECT "prec"."p" <> ("prec"."a" BETWEEN ? AND ?) AS "v" FROM "prec"');
  assert.equal(compile(postgresDialect, select(t.c.a.eq(t.c.b).isNull().as("v"))), 'SELECT ("prec"."a" = "prec"."b") IS NULL AS "v" FROM "prec"');
});

test("issue 20.4: a comparison of a comparison is parenthesised (PostgreSQL refuses a = b <> c)", () => {
  assert.equal(compile(postgresDialect, select(t.c.a.eq(t.c.b).ne(t.c.p).as("v"))), 'SELECT ("prec"."a" = "prec"."b") <> "prec"."p" AS "v" FROM "prec"');
});

test("issue 20.4: a double negation prints -(-x), never the comment --", () => {
  assert.equal(compile(postgresDialect, select(t.c.a.neg().neg().as("v"))), 'SELECT -(-"prec"."a") AS "v" FROM "prec"');
});

test("issue 20.4: || ranks per dialect (below + on PostgreSQL, above * on SQLite)", () => {
  const s = select(t.c.a.cast(types.text).concat(t.c.b.mul(2).cast(types.text)).as("v"));
  assert.equal(compile(postgresDialect, s), 'SELECT CAST("prec"."a" AS text) || CAST("prec"."b" * $1::integer AS text) AS "v" FROM "prec"');
  const n = value("1").concat("2").cast(types.integer).mul(3);
  // SQLite parses a text cast to an integer whole (casts.ts): the concatenation is its argument.
  assert.match(compile(sqliteDialect, select(n.as("v"))), /^SELECT arbor_text_integer\(\? \|\| \?, 32\) \* \?/);
});

// ---- executed -------------------------------------------------------------------------------------

forEachEngine(import.meta.url, (ctx) => {
  test("issue 20.4: the printed cases evaluate as written", async () => {
    await md.dropAll(ctx.engine);
    await md.createAll(ctx.engine);
    await ctx.engine.execute(
      insert(t).values([
        { id: 1, a: 5, b: null, p: true },
        { id: 2, a: null, b: 1, p: false },
      ]),
    );
    const rows = (
      await ctx.engine.execute(
        select(
          t.c.id,
          t.c.p.eq(t.c.b.isNotNull()).as("flagIsNotNull"),
          t.c.a.eq(t.c.b).ne(t.c.p).as("chain"),
          t.c.a.neg().neg().as("twice"),
          t.c.p.eq(t.c.a.in([5])).as("inRight"),
          t.c.p.eq(t.c.a.between(1, 9)).as("betweenRight"),
        ).orderBy(t.c.id),
      )
    ).rows;
    assert.deepStrictEqual(rows, [
      { id: 1, flagIsNotNull: false, chain: null, twice: 5, inRight: true, betweenRight: true },
      { id: 2, flagIsNotNull: false, chain: null, twice: null, inRight: null, betweenRight: null },
    ]);
  });

  test(`issue 20.4: random nestings of every operator evaluate as the tree says (${RUNS} runs, seed ${SEED})`, { timeout: 300_000 }, async () => {
    await md.dropAll(ctx.engine);
    await md.createAll(ctx.engine);
    await ctx.engine.execute(insert(t).values(ROWS.map((r, id) => ({ id, ...r }))));
    await fc.assert(
      fc.asyncProperty(trees.bool, trees.int, async (b, i) => {
        const rows = (await ctx.engine.execute(select(t.c.id, boolExpr(b).as("b"), intExpr(i).as("i")).orderBy(t.c.id))).rows;
        // Integers have no negative zero (SQLite computes with bound numbers as REAL and may give -0.0).
        const got = rows.map((r) => ({ ...r, i: r.i === 0 ? 0 : r.i }));
        const want = ROWS.map((r, id) => ({ id, b: evalBool(b, r), i: evalInt(i, r) === 0 ? 0 : evalInt(i, r) }));
        assert.deepStrictEqual(got, want);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
