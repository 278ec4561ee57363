// Where autogenerate could answer wrongly (issue 15): a schema that createAll just made must
// generate nothing for every column type Arbor has (MariaDB's varchar() came back as text and was
// "changed" forever, an enum's CHECK came back as a check to drop); a check whose condition changed
// under the same name is seen (it was compared by name only); a condition Arbor cannot read is left
// alone with a note, neither called equal silently nor changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MetaData,
  and,
  bigint,
  cast,
  caseWhen,
  fn,
  not,
  or,
  types,
  boolean,
  bytes,
  check,
  date,
  double,
  enumOf,
  index,
  integer,
  json,
  migrate,
  numeric,
  real,
  reflect,
  smallint,
  sql,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

/** Every column type Arbor has, nullable and not, with and without defaults, under keys and not. */
function everyType(engine: string): MetaData {
  const md = new MetaData();
  md.table(
    "g_all",
    {
      id: integer().primaryKey().autoincrement(),
      si: smallint().notNull().serverDefault(3),
      bi: bigint(),
      re: real().serverDefault(1.5),
      db: double().notNull(),
      // MariaDB has no unconstrained numeric: createAll refuses it there.
      ...(engine === "mariadb" ? {} : { nu: numeric() }),
      nps: numeric(10, 2).serverDefault("0.50"),
      tx: text().notNull().serverDefault("hello"),
      txKeyed: text().named("tx_keyed"),
      vc: varchar(),
      vcKeyed: varchar().named("vc_keyed").unique(),
      vc40: varchar(40).notNull().serverDefault("x"),
      bo: boolean().notNull().serverDefault(false),
      da: date(),
      ts: timestamp(),
      tsNow: timestamp().named("ts_now").notNull().serverDefault(sql`CURRENT_TIMESTAMP`),
      daLit: date().named("da_lit").serverDefault("2026-01-02"),
      boTrue: boolean().named("bo_true").serverDefault(true),
      siNeg: smallint().named("si_neg").serverDefault(-4),
      tz: timestamptz(),
      uu: uuid(),
      js: json(),
      by: bytes(),
      byKeyed: bytes().named("by_keyed"),
      en: enumOf(["draft", "live", "it's"]).notNull().serverDefault("draft"),
      enNull: enumOf(["a", "b"]).named("en_null"),
      // One value reads back as en_one = 'only' (PostgreSQL and MariaDB rewrite IN so).
      enOne: enumOf(["only"]).named("en_one"),
    },
    (c) => [index([c.txKeyed]), index([c.byKeyed]), check("g_all_db_positive", c.db.gt(0)), check("g_all_nps_min", c.nps.ge("0"))],
  );
  md.table("g_big", { id: bigint().primaryKey().autoincrement(), label: varchar(20) });
  return md;
}

function withCheck(condition: "v1" | "v2" | "bitwise"): MetaData {
  const md = new MetaData();
  md.table("g_chk", { id: integer().primaryKey(), qty: integer().notNull(), lo: integer(), hi: integer() }, (c) => [
    condition === "v1"
      ? check("g_chk_qty", c.qty.between(1, 10))
      : condition === "v2"
        ? check("g_chk_qty", c.qty.between(1, 100))
        : check("g_chk_qty", sql<boolean>`(${c.qty} & 1) >= 0`),
    check("g_chk_range", sql<boolean>`${c.lo} IS NULL OR ${c.hi} IS NULL OR ${c.lo} <= ${c.hi}`),
  ]);
  return md;
}

/** Conditions of every shape Arbor's builders write, each as a check: each must read back as itself. */
function manyChecks(): MetaData {
  const md = new MetaData();
  md.table(
    "g_many",
    { id: integer().primaryKey(), qty: integer(), price: numeric(8, 2), name: varchar(40), note: text(), active: boolean(), ratio: double() },
    (c) => [
      check("g_many_between", c.qty.between(1, 10)),
      check("g_many_not_between", c.qty.notBetween(50, 60)),
      check("g_many_in", c.qty.in([1, 2, 3, 5, 8])),
      check("g_many_not_in", c.name.notIn(["x", "it's"])),
      check("g_many_like", or(c.name.like("a%"), c.name.notLike("%z"))),
      check("g_many_nulls", or(c.note.isNull(), c.name.isNotNull())),
      check("g_many_not", not(and(c.qty.gt(100), c.price.lt("0.50")))),
      check("g_many_arith", c.qty.mul(2).add(1).gt(c.qty.sub(3))),
      check("g_many_decimal", c.price.between("0.00", "999.99")),
      check("g_many_bool", or(c.active.eq(true), c.ratio.ge(-1.5))),
      check("g_many_fn", fn("lower", [c.name], types.text).ne("forbidden")),
      check("g_many_cast", cast(c.qty, types.bigint).lt(1000000n)),
      check("g_many_case", caseWhen(c.qty.gt(0), 1).else(0).ge(0)),
    ],
  );
  return md;
}

forEachEngine(import.meta.url, (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-gaps-"));

  test("issue 15: a schema createAll just made, with every column type, generates no operations (MariaDB varchar(), enum checks)", async () => {
    const md = everyType(ctx.name);
    await md.createAll(ctx.engine);
    try {
      const g = await migrate(ctx.engine, { dir }).generate(md, "nothing", { dryRun: true });
      assert.deepEqual(g.up, [], g.source);
      assert.deepEqual(g.down, [], g.source);
      assert.deepEqual(g.hints, []);
      // The enum's CHECK reads back as the enum, not as a check of its own.
      const live = (await reflect(ctx.engine)).get("g_all");
      assert.deepEqual(live.column("en").type.values, ["draft", "live", "it's"]);
      assert.deepEqual(
        live.checks.map((c) => c.name),
        // An exact decimal is written quoted ('0') and comes back a number (0, (0)::numeric): the same.
        ["g_all_db_positive", "g_all_nps_min"],
      );
      // The engine still refuses a value outside the enum.
      await assert.rejects(ctx.engine.execute(sql`INSERT INTO g_all (db, en) VALUES (${1}, ${"gone"})`));
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("issue 15: checks of every shape Arbor writes read back as themselves: no operation, no note", async () => {
    const md = manyChecks();
    await md.createAll(ctx.engine);
    try {
      const g = await migrate(ctx.engine, { dir }).generate(md, "nothing", { dryRun: true });
      assert.deepEqual(g.up, [], g.source);
      assert.deepEqual(g.hints, []);
    } finally {
      await md.dropAll(ctx.engine);
    }
  });

  test("issue 15: a check whose condition changed under the same name is dropped and added again", async () => {
    const m = migrate(ctx.engine, { dir });
    await m.generate(withCheck("v1"), "checks");
    await m.up();
    const same = await m.generate(withCheck("v1"), "same", { dryRun: true });
    assert.deepEqual(same.up, [], same.source);
    await ctx.engine.execute(sql`INSERT INTO g_chk (id, qty) VALUES (${1}, ${5})`);
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO g_chk (id, qty) VALUES (${2}, ${50})`));

    const changed = await m.generate(withCheck("v2"), "wider qty");
    assert.deepEqual(
      changed.up.map((o) => [o.kind, "name" in o ? o.name : "check" in o ? o.check.name : ""]),
      [
        ["dropCheck", "g_chk_qty"],
        ["addCheck", "g_chk_qty"],
      ],
      changed.source,
    );
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO g_chk (id, qty) VALUES (${2}, ${50})`);
    assert.deepEqual((await m.generate(withCheck("v2"), "again", { dryRun: true })).up, []);
    await ctx.engine.execute(sql`DELETE FROM g_chk WHERE id = ${2}`);
    await m.down();
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO g_chk (id, qty) VALUES (${2}, ${50})`), "down brings the old condition back");
    await m.up();
  });

  test("issue 15: a check condition Arbor cannot read is left as it is, with a note", async () => {
    const m = migrate(ctx.engine, { dir });
    await ctx.engine
      .withConnection(async (conn) => {
        await conn.runSql("ALTER TABLE g_chk DROP CONSTRAINT g_chk_qty");
        await conn.runSql(`ALTER TABLE g_chk ADD CONSTRAINT g_chk_qty CHECK (${ctx.engine.dialect.createCompiler().quote("qty")} & 1 >= 0)`);
      })
      .catch(async (e: unknown) => {
        // SQLite has no ALTER TABLE … CONSTRAINT: the table is made again with the check.
        if (ctx.name !== "sqlite") throw e;
        await ctx.engine.withConnection(async (conn) => {
          await conn.runSql("DROP TABLE g_chk");
          await conn.runSql(
            `CREATE TABLE g_chk (id INTEGER NOT NULL, qty INTEGER NOT NULL, lo INTEGER, hi INTEGER, PRIMARY KEY (id), CONSTRAINT g_chk_qty CHECK (qty & 1 >= 0), CONSTRAINT g_chk_range CHECK ("lo" IS NULL OR "hi" IS NULL OR "lo" <= "hi"))`,
          );
        });
      });
    const g = await m.generate(withCheck("bitwise"), "bitwise", { dryRun: true });
    assert.deepEqual(g.up, [], g.source);
    assert.equal(g.hints.length, 1, g.hints.join("\n"));
    assert.match(g.hints[0], /^check g_chk_qty on g_chk: the database spells its condition .*Arbor cannot tell whether they say the same/);
  });

  test("teardown", () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
