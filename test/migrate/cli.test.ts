// `arbor migrate` (issue 15): --help for every command, usage errors, and generate → up → status →
// history → generate ("No changes") → down --sql → down, driven through `main` on every engine, with
// a config file naming the schema module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main, type CliIO } from "../../src/cli/main.js";
import { forEachEngine } from "../support/engines.js";

const SRC = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

test("issue 15: arbor migrate has --help for every command", async () => {
  const top = await run(["migrate", "--help"]);
  assert.equal(top.code, 0);
  for (const c of ["generate", "up", "down", "status", "history"]) {
    assert.match(top.out, new RegExp(`^  ${c}\\b`, "m"));
    const h = await run(["migrate", c, "--help"]);
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, new RegExp(`^Usage: arbor migrate ${c}`));
  }
  assert.match((await run(["--help"])).out, /migrate {5}Generate and run schema migrations/);
  assert.match((await run(["help", "migrate"])).out, /^Usage: arbor migrate <command>/);
  const bad = await run(["migrate", "sideways"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown migrate command "sideways"/);
  const noMessage = await run(["migrate", "generate", "--url", "sqlite::memory:", "--schema", "x.ts"]);
  assert.deepEqual([noMessage.code, /missing -m <message>/.test(noMessage.err)], [2, true]);
  const wrongFlag = await run(["migrate", "status", "--sql", "--url", "sqlite::memory:"]);
  assert.deepEqual([wrongFlag.code, /--sql is not an option of migrate status/.test(wrongFlag.err)], [2, true]);
});

forEachEngine(import.meta.url, (ctx) => {
  test('issue 15: arbor migrate generate prints the note on a check it cannot compare, after "No changes"', async () => {
    const dir = mkdtempSync(join(tmpdir(), "arbor-migrate-cli-"));
    try {
      const url = ctx.name === "sqlite" ? `sqlite:///${join(dir, "app.db")}` : ctx.url;
      writeFileSync(
        join(dir, "schema.ts"),
        `import { MetaData, check, integer, sql } from ${JSON.stringify(SRC)};
export const metadata = new MetaData();
metadata.table("cli_nums", { id: integer().primaryKey(), n: integer() }, (c) => [check("cli_nums_even", sql<boolean>\`(\${c.n} & 1) = 0\`)]);
`,
      );
      const cfg = ["--url", url, "--dir", join(dir, "migrations"), "--version-table", "cli_note_versions"];
      const schema = ["--schema", join(dir, "schema.ts")];
      const first = await run(["migrate", "generate", "-m", "nums", ...schema, ...cfg]);
      assert.equal(first.code, 0, first.err);
      assert.equal((await run(["migrate", "up", ...cfg])).code, 0);
      const again = await run(["migrate", "generate", "-m", "again", ...schema, ...cfg]);
      assert.equal(again.out, "No changes: the database matches the schema.\n");
      // SQLite keeps the condition as Arbor wrote it; the others re-spell it with an operator Arbor does not read.
      if (ctx.name === "sqlite") assert.equal(again.err, "");
      else assert.match(again.err, /^Note: check cli_nums_even on cli_nums: the database spells its condition .* Arbor cannot tell whether they say the same/);
      assert.equal((await run(["migrate", "down", "base", ...cfg])).code, 0);
      if (ctx.name !== "sqlite") await ctx.engine.withConnection((conn) => conn.runSql("DROP TABLE cli_note_versions"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("issue 15: arbor migrate generate, up, status, history, --sql and down from a config file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arbor-migrate-cli-"));
    try {
      const url = ctx.name === "sqlite" ? `sqlite:///${join(dir, "app.db")}` : ctx.url;
      const schema = (withEmail: boolean) => `import { MetaData, integer, varchar } from ${JSON.stringify(SRC)};
export const metadata = new MetaData();
metadata.table("cli_accounts", { id: integer().primaryKey().autoincrement(), name: varchar(80).notNull()${withEmail ? ", email: varchar(120).unique()" : ""} });
`;
      writeFileSync(join(dir, "schema.ts"), schema(false));
      writeFileSync(join(dir, "arbor.config.json"), JSON.stringify({ url, schema: "./schema.ts", migrations: "./migrations", versionTable: "cli_versions" }));
      const cfg = ["--config", join(dir, "arbor.config.json")];

      const gen = await run(["migrate", "generate", "-m", "accounts", ...cfg]);
      assert.equal(gen.code, 0, gen.err);
      assert.match(gen.out, /^Wrote .*migrations\/0001_accounts\.ts \(1 operation\):\n {2}create table cli_accounts\n$/);
      const up = await run(["migrate", "up", ...cfg]);
      assert.deepEqual([up.code, up.out], [0, "Applied 0001_accounts\n"], up.err);
      assert.equal((await run(["migrate", "generate", "-m", "again", ...cfg])).out, "No changes: the database matches the schema.\n");

      writeFileSync(join(dir, "schema.ts"), schema(true));
      // The module is imported again under another name: an import is cached by its URL.
      writeFileSync(join(dir, "schema2.ts"), schema(true));
      const gen2 = await run(["migrate", "generate", "-m", "email", "--schema", join(dir, "schema2.ts"), ...cfg]);
      assert.equal(gen2.code, 0, gen2.err);
      assert.match(gen2.out, /add column cli_accounts\.email\n {2}add unique \(email\) on cli_accounts\n$/);
      const status = await run(["migrate", "status", ...cfg]);
      assert.equal(status.out, "Current: 0001_accounts\nPending: 0002_email\n");
      const sqlUp = await run(["migrate", "up", "--sql", ...cfg]);
      assert.match(sqlUp.out, /-- 0002_email \(up\): email\n/);
      assert.match(sqlUp.out, /INSERT INTO ["`]cli_versions["`] \(["`]id["`], ["`]applied_at["`]\) VALUES \('0002_email', /);
      assert.equal((await run(["migrate", "up", "2", ...cfg])).out, "Applied 0002_email\n");
      const history = await run(["migrate", "history", ...cfg]);
      assert.match(history.out, /^0001_accounts {2}applied \d{4}-\d\d-\d\dT[\d:.]+Z {2}accounts\n0002_email {2}applied .* {2}email\n$/);
      const sqlDown = await run(["migrate", "down", "base", "--sql", ...cfg]);
      assert.match(sqlDown.out, /-- 0002_email \(down\)[\s\S]*-- 0001_accounts \(down\)[\s\S]*DROP TABLE ["`]cli_accounts["`];/);
      assert.equal((await run(["migrate", "down", "base", ...cfg])).out, "Reverted 0002_email\nReverted 0001_accounts\n");
      assert.equal((await run(["migrate", "status", ...cfg])).out, "Current: none (no migration applied)\nPending: 0001_accounts, 0002_email\n");
      assert.deepEqual(readdirSync(join(dir, "migrations")), ["0001_accounts.ts", "0002_email.ts"]);
      const failing = await run(["migrate", "up", "9", ...cfg]);
      assert.deepEqual([failing.code, failing.err], [1, `arbor migrate: error: No migration "9" in ${join(dir, "migrations")}\n`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
