// A migration narrowing a column's type changed stored values silently: PostgreSQL's ALTER … TYPE
// … USING CAST cut 'abcdef' to 'abc' for varchar(3) and rounded 1.234 to 1.23 and a timestamp's
// microseconds; MariaDB's MODIFY rounded decimals and cut timestamps with only a note. A check
// before the ALTER now fails the migration, naming the column, and nothing is changed; values the
// new type holds as they are migrate as before. SQLite rebuilds its tables and keeps every value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, sql } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

forEachEngine(import.meta.url, (ctx) => {
  // DDL and literals written by hand, as a database made elsewhere holds them.
  const run = (text: string) => ctx.engine.withConnection((c) => c.runSql(text));
  const created = (name: string) => {
    const ts = ctx.name === "postgres" ? "timestamptz(6)" : ctx.name === "mariadb" ? "DATETIME(6)" : "TEXT";
    return run(`CREATE TABLE ${name} (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(10), a NUMERIC(10, 3), t ${ts})`);
  };
  // Each test its own migration id: the version table outlives the test's folder.
  let n = 0;
  const migration = (dir: string, change: string) =>
    writeFileSync(
      join(dir, `${String(++n).padStart(4, "0")}_narrow_${Date.now()}.ts`),
      `export function up(op: any) { ${change} }\nexport function down(op: any) {}`,
    );
  const rows = async (table: string) =>
    (await ctx.engine.execute(sql`SELECT v, CAST(a AS CHAR(20)) AS a FROM ${sql.id(table)} ORDER BY id`)).rows.map((r) => [
      r.v,
      r.a === null ? null : String(r.a).trim(),
    ]);

  for (const [what, change, stored] of [
    ["a shorter varchar", `op.alterColumn("n_cut", "v", { type: { kind: "varchar", length: 3 } });`, "'abcdef', 1.5"],
    ["fewer decimal places", `op.alterColumn("n_cut", "a", { type: { kind: "numeric", precision: 10, scale: 2 } });`, "'abc', 1.234"],
  ] as const)
    test(`regression: narrowing to ${what} fails while a stored value would change, and changes nothing (PostgreSQL cut or rounded it)`, async (t) => {
      if (ctx.name === "sqlite") return t.skip("SQLite rebuilds the table and keeps every value as it is");
      const dir = mkdtempSync(join(tmpdir(), "arbor-narrow-"));
      try {
        await run("DROP TABLE IF EXISTS n_cut");
        await created("n_cut");
        await run(`INSERT INTO n_cut (id, v, a) VALUES (1, ${stored}), (2, NULL, NULL)`);
        const before = await rows("n_cut");
        migration(dir, change);
        const m = migrate(ctx.engine, { dir });
        await assert.rejects(m.up(), /n_cut\.(v|a) holds values that .* would change/);
        assert.deepEqual(await rows("n_cut"), before);
        assert.match(await m.sql("up"), /would change/);
      } finally {
        await run("DROP TABLE IF EXISTS n_cut");
        rmSync(dir, { recursive: true, force: true });
      }
    });

  test("narrowing a column whose values all fit migrates them unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arbor-narrow-"));
    try {
      await run("DROP TABLE IF EXISTS n_fit");
      await created("n_fit");
      await run("INSERT INTO n_fit (id, v, a) VALUES (1, 'abc', 1.230), (2, NULL, NULL)");
      migration(
        dir,
        `op.alterColumn("n_fit", "v", { type: { kind: "varchar", length: 3 } }); op.alterColumn("n_fit", "a", { type: { kind: "numeric", precision: 10, scale: 2 } });`,
      );
      await migrate(ctx.engine, { dir }).up();
      assert.deepEqual(await rows("n_fit"), [
        ["abc", "1.23"],
        [null, null],
      ]);
    } finally {
      await run("DROP TABLE IF EXISTS n_fit");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("regression: fewer digits of a second fail while a stored timestamp has more (PostgreSQL rounded, MariaDB cut them)", async (t) => {
    if (ctx.name === "sqlite") return t.skip("SQLite rebuilds the table and keeps every value as it is");
    const dir = mkdtempSync(join(tmpdir(), "arbor-narrow-"));
    try {
      await run("DROP TABLE IF EXISTS n_ts");
      await created("n_ts");
      await run("INSERT INTO n_ts (id, t) VALUES (1, '2024-01-02 03:04:05.123456')");
      migration(dir, `op.alterColumn("n_ts", "t", { type: { kind: "${ctx.name === "postgres" ? "timestamptz" : "timestamp"}" } });`);
      await assert.rejects(migrate(ctx.engine, { dir }).up(), /n_ts\.t holds values that .* would change/);
      const kept = (await ctx.engine.execute(sql`SELECT CAST(t AS CHAR(40)) AS s FROM n_ts`)).rows[0].s;
      assert.match(String(kept), /\.123456/);
    } finally {
      await run("DROP TABLE IF EXISTS n_ts");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
