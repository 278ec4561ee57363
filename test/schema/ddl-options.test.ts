// Every option written into DDL is checked against its grammar (issue 20.20), identifiers an engine
// would cut are refused (issue 20.17), and a numeric MariaDB cannot hold exactly is refused (20.12).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError,
  CheckViolationError,
  InvalidValueError,
  MetaData,
  NotSupportedError,
  cast,
  check,
  enumOf,
  foreignKey,
  index,
  insert,
  integer,
  mysqlDialect,
  numeric,
  postgresDialect,
  select,
  sqliteDialect,
  table,
  text,
  types,
  unique,
  value,
  varchar,
  type Dialect,
  type ReferenceOptions,
  type Statement,
  type ReferentialAction,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const INJECTION = "CASCADE); DROP TABLE victim; --";
const dialects = [sqliteDialect, postgresDialect, mysqlDialect];

function argumentError(fn: () => unknown, pattern: RegExp, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ArgumentError && pattern.test(e.message), what);
}

/** A referencing table built with these options (untyped input, as from a configuration file). */
const parent = table("h2_parent", { id: integer().primaryKey() });
const referencing = (options: ReferenceOptions) => table("h2_child", { id: integer().primaryKey(), p: integer().references(() => parent.c.id, options) });
const asAction = (s: string): ReferentialAction => s as ReferentialAction;

describe("issue 20.20: DDL options are checked against their grammar", () => {
  test("issue 20.20: foreign key ON DELETE / ON UPDATE take only the five referential actions", () => {
    for (const bad of [INJECTION, "cascade", "SET  NULL", "", "NO ACTION; DROP TABLE victim"]) {
      argumentError(() => referencing({ onDelete: asAction(bad) }), /onDelete must be one of/, `onDelete ${bad}`);
      argumentError(() => referencing({ onUpdate: asAction(bad) }), /onUpdate must be one of/, `onUpdate ${bad}`);
      argumentError(
        () => table("h2_child2", { id: integer().primaryKey(), p: integer() }, (c) => [foreignKey([c.p], () => [parent.c.id], { onDelete: asAction(bad) })]),
        /onDelete must be one of/,
        `table-level onDelete ${bad}`,
      );
    }
    // The options object stays the caller's: changed after the definition, it is refused where DDL is written.
    const options: ReferenceOptions = { onDelete: "CASCADE" };
    const md = new MetaData();
    md.add(parent);
    md.add(referencing(options));
    options.onDelete = asAction(INJECTION);
    for (const d of dialects) argumentError(() => md.createStatements({ dialect: d }), /onDelete must be one of/, `mutated options on ${d.name}`);
  });

  test("issue 20.20: constraint, index, table, schema and column names are identifiers an engine keeps", () => {
    const long = "n".repeat(64);
    argumentError(() => referencing({ name: long }), /Foreign key name .* 64 bytes/, "fk name");
    argumentError(() => referencing({ name: "" }), /non-empty/, "empty fk name");
    argumentError(() => table(long, { id: integer() }), /Table name/, "table name");
    argumentError(() => table("t", { id: integer() }, undefined, { schema: long }), /Schema name/, "schema name");
    argumentError(() => table("t", { id: integer().named(long) }), /Column name/, "column name");
    argumentError(() => table("t", { [long]: integer() }), /Column name/, "column key as name");
    argumentError(() => table("t", { id: integer() }, (c) => [index([c.id], { name: long })]), /Index name/, "index name");
    argumentError(() => table("t", { id: integer() }, (c) => [unique([c.id], long)]), /Unique constraint name/, "unique name");
    argumentError(() => table("t", { id: integer() }, (c) => [check(long, c.id.gt(0))]), /Check constraint name/, "check name");
    argumentError(() => table("t\0x", { id: integer() }), /NUL/, "NUL in a name");
    argumentError(() => table("t", { id: integer().named("x\uD800") }), /lone UTF-16 surrogate/, "lone surrogate in a name");
    // Multi-byte names are measured in UTF-8 bytes, as PostgreSQL does: 32 × "é" is 64 bytes.
    argumentError(() => table("é".repeat(32), { id: integer() }), /64 bytes/, "64 bytes of é");
    assert.doesNotThrow(() => table("é".repeat(31) + "x", { id: integer() }));
  });

  test("issue 20.20: numeric precision and scale, varchar length and enum values are checked where the type is made", () => {
    const bad = (x: string): number => x as unknown as number;
    for (const [p, s] of [
      [0, undefined],
      [1001, undefined],
      [1.5, undefined],
      [-1, undefined],
      [bad("10) DROP"), undefined],
      [10, 11],
      [10, -1],
      [10, 0.5],
      [10, bad("2); DROP")],
      [undefined, 2],
    ] as const)
      argumentError(() => numeric(p, s), /numeric/, `numeric(${String(p)}, ${String(s)})`);
    for (const n of [0, -1, 1.5, 10_485_761, bad("10) DROP")]) argumentError(() => varchar(n), /varchar/, `varchar(${String(n)})`);
    argumentError(() => enumOf([]), /non-empty/, "empty enum");
    argumentError(() => enumOf(["a", "a"]), /twice/, "duplicate enum value");
    argumentError(() => enumOf(["a", bad("1") as unknown as string, 3 as unknown as string]), /must be strings/, "non-string enum value");
    argumentError(() => enumOf(["x".repeat(256)]), /longer than 255/, "long enum value");
    argumentError(() => enumOf(["a\uD800"]), /cannot be stored/, "lone surrogate enum value");
    assert.doesNotThrow(() => [numeric(1000, 1000), numeric(1), varchar(1), varchar(10_485_760), enumOf(["x".repeat(255)])]);
  });

  test("issue 20.20: a server default that does not fit its column is refused where DDL is written", () => {
    const md = new MetaData();
    md.table("h2_defaults_bad", { id: integer().primaryKey(), n: integer().serverDefault("1; DROP TABLE victim") });
    for (const d of dialects)
      assert.throws(
        () => md.createStatements({ dialect: d }),
        (e: unknown) => e instanceof InvalidValueError && e.column === "n" && e.table === "h2_defaults_bad",
        d.name,
      );
  });

  test("issue 20.17: aliases and labels an engine would cut are refused when compiled", () => {
    const t = table("h2_short", { id: integer() });
    const compile = (d: Dialect, s: Statement<unknown>) => d.createCompiler().compile(s.statementNode);
    assert.throws(() => compile(postgresDialect, select(t.c.id.as("a".repeat(64)))), NotSupportedError);
    assert.throws(() => compile(postgresDialect, select(t.as("é".repeat(32)).c.id)), NotSupportedError);
    assert.throws(() => compile(mysqlDialect, select(t.as("b".repeat(65)).c.id)), NotSupportedError);
    assert.doesNotThrow(() => compile(postgresDialect, select(t.c.id.as("a".repeat(63)))));
    assert.doesNotThrow(() => compile(mysqlDialect, select(t.as("b".repeat(64)).c.id)));
  });
});

// Options that pass the checks are written so that every engine runs them and keeps the values.
const md = new MetaData();
const tricky = `it's "q" \\ \\' -- ; /* */`;
const longName = "é".repeat(31) + "x";
const target = md.table("h2_ddl_target", { id: integer().primaryKey() });
const actions: ReferentialAction[] = ["CASCADE", "SET NULL", "RESTRICT", "NO ACTION"];
const opts = md.table(
  longName,
  {
    id: integer().primaryKey(),
    a0: integer().references(() => target.c.id, { onDelete: actions[0], onUpdate: actions[1], name: "f".repeat(63) }),
    a1: integer().references(() => target.c.id, { onDelete: actions[1], onUpdate: actions[2] }),
    a2: integer().references(() => target.c.id, { onDelete: actions[2], onUpdate: actions[3] }),
    a3: integer().references(() => target.c.id, { onDelete: actions[3], onUpdate: actions[0] }),
    note: varchar(40).serverDefault(tricky),
    kind: enumOf(["it's", "a\\b", "plain"]).serverDefault("it's"),
    amount: numeric(12, 3).serverDefault("-0.125"),
    label: text(),
    ["c".repeat(63)]: integer(),
  },
  (c) => [check("k".repeat(63), c.label.ne(tricky)), index([c.label], { name: "i".repeat(63) }), unique([c.a0], "u".repeat(63))],
);

forEachEngine(import.meta.url, (ctx) => {
  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );

  test("issue 20.20: checked options run on every engine and keep their values (defaults, enum values, check text, names of 63 bytes)", async () => {
    await ctx.engine.execute(insert(target).values({ id: 1 }));
    await ctx.engine.execute(insert(opts).values({ id: 1, a0: 1, a1: 1, a2: 1, a3: 1, label: "x" }));
    const row = (await ctx.engine.execute(select(opts.c.note, opts.c.kind, opts.c.amount))).one();
    assert.deepStrictEqual(row, { note: tricky, kind: "it's", amount: "-0.125" });
    await assert.rejects(ctx.engine.execute(insert(opts).values({ id: 2, label: tricky })), CheckViolationError);
    await ctx.engine.execute(insert(opts).values({ id: 3, kind: "a\\b", label: "y" }));
    assert.deepStrictEqual((await ctx.engine.execute(select(opts.c.kind).where(opts.c.id.eq(3)))).rows, [{ kind: "a\\b" }]);
  });

  test("issue 20.12: unconstrained numeric round-trips exactly, or is refused on MariaDB", async () => {
    const t = new MetaData();
    const free = t.table("h2_free_numeric", { id: integer().primaryKey(), n: numeric() });
    const digits = "0." + "1234567890".repeat(3) + "1234";
    if (ctx.name === "mariadb") {
      await assert.rejects(
        ctx.engine.withConnection((c) => t.createAll(c)),
        (e: unknown) => e instanceof NotSupportedError && e.table === "h2_free_numeric" && e.column === "n",
      );
      assert.throws(
        () => mysqlDialect.createCompiler().compile(select(cast(value("1", types.numeric(10, 0)), types.numeric()).as("x")).statementNode),
        NotSupportedError,
      );
      assert.throws(() => {
        const m = new MetaData();
        m.table("h2_wide", { n: numeric(66, 2) });
        m.createStatements({ dialect: mysqlDialect });
      }, NotSupportedError);
      assert.throws(() => {
        const m = new MetaData();
        m.table("h2_wide", { n: numeric(40, 31) });
        m.createStatements({ dialect: mysqlDialect });
      }, NotSupportedError);
      return;
    }
    await ctx.engine.withConnection(async (c) => {
      await t.dropAll(c);
      await t.createAll(c);
    });
    await ctx.engine.execute(
      insert(free).values([
        { id: 1, n: digits },
        { id: 2, n: "1" },
        { id: 3, n: "-12345678901234567890.5" },
      ]),
    );
    const rows = (await ctx.engine.execute(select(free.c.n).orderBy(free.c.id))).rows;
    assert.deepStrictEqual(rows, [{ n: digits }, { n: "1" }, { n: "-12345678901234567890.5" }]);
  });
});
