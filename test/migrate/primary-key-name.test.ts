// dropPrimaryKey on PostgreSQL dropped the constraint `<table>_pkey` whatever the key was called:
// a key created under its own name, or kept through a rename of its table (PostgreSQL renames the
// table, not its constraints), could not be dropped. The migration reads the key's name from the
// catalog; MariaDB (DROP PRIMARY KEY) and SQLite (a rebuild) never needed it. The same migration
// runs on every engine, up and down, with rows in the tables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, sql } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

forEachEngine(import.meta.url, (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-pk-name-"));

  test("a primary key named other than <table>_pkey (by its CREATE TABLE, or by a rename of its table) is dropped and added again", async () => {
    const e = ctx.engine;
    await e.execute(sql`CREATE TABLE p_named (id INTEGER NOT NULL, label VARCHAR(20), CONSTRAINT p_named_key PRIMARY KEY (id))`);
    await e.execute(sql`CREATE TABLE p_old (id INTEGER NOT NULL PRIMARY KEY, label VARCHAR(20))`);
    await e.execute(sql`ALTER TABLE p_old RENAME TO p_moved`);
    for (const t of ["p_named", "p_moved"]) await e.execute(sql`INSERT INTO ${sql.id(t)} (id, label) VALUES (${1}, ${"one"})`);
    writeFileSync(
      join(dir, "0001_unkey.ts"),
      `export function up(op: any) { op.dropPrimaryKey("p_named"); op.dropPrimaryKey("p_moved"); }
export function down(op: any) { op.addPrimaryKey("p_named", ["id"]); op.addPrimaryKey("p_moved", ["id"]); }`,
    );
    const m = migrate(e, { dir });
    const printed = await m.sql("up");
    if (ctx.name === "postgres") {
      assert.match(printed, /ALTER TABLE "p_named" DROP CONSTRAINT "p_named_key";/, printed);
      assert.match(printed, /ALTER TABLE "p_moved" DROP CONSTRAINT "p_old_pkey";/, printed);
    }
    await m.up();
    for (const t of ["p_named", "p_moved"]) {
      await e.execute(sql`INSERT INTO ${sql.id(t)} (id, label) VALUES (${1}, ${"again"})`);
      assert.equal(Number((await e.execute(sql`SELECT COUNT(*) AS n FROM ${sql.id(t)} WHERE id = ${1}`)).rows[0].n), 2, `${t} has no key`);
      await e.execute(sql`DELETE FROM ${sql.id(t)} WHERE label = ${"again"}`);
    }
    await m.down();
    for (const t of ["p_named", "p_moved"])
      await assert.rejects(e.execute(sql`INSERT INTO ${sql.id(t)} (id, label) VALUES (${1}, ${"again"})`), `${t} is keyed again`);
    await m.up();
    await m.down();
  });

  test("teardown", async () => {
    for (const t of ["p_named", "p_moved"]) await ctx.engine.execute(sql`DROP TABLE IF EXISTS ${sql.id(t)}`);
    rmSync(dir, { recursive: true, force: true });
  });
});
