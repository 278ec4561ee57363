// Changes autogenerate used to refuse (issue 15): an enum's values, a column to or from an enum,
// each run up and down with rows in the table, and the rows checked after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetaData, enumOf, integer, migrate, sql, varchar, type Engine } from "../../src/index.js";
import { autogenerate } from "../../src/migrate/generate.js";
import { forEachEngine } from "../support/engines.js";

function withStatus(status: "two" | "three" | "varchar"): MetaData {
  const md = new MetaData();
  md.table("c_doc", {
    id: integer().primaryKey(),
    status:
      status === "varchar"
        ? varchar(20).notNull()
        : enumOf(status === "two" ? ["draft", "live"] : ["draft", "live", "archived"])
            .notNull()
            .serverDefault("draft"),
  });
  return md;
}

const statuses = async (engine: Engine): Promise<string[]> =>
  (await engine.execute(sql`SELECT status FROM c_doc ORDER BY id`)).rows.map((r) => String(r.status));

forEachEngine(import.meta.url, (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-changes-"));

  test("issue 15: an enum's values change up and down, and a column changes to and from an enum, keeping its rows", async () => {
    const m = migrate(ctx.engine, { dir });
    await m.generate(withStatus("two"), "docs");
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${1}, ${"draft"}), (${2}, ${"live"})`);
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${3}, ${"archived"})`));

    const added = await m.generate(withStatus("three"), "archived docs");
    assert.deepEqual(
      added.up.map((o) => o.kind),
      ["alterColumn"],
      added.source,
    );
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${3}, ${"archived"})`);
    assert.deepEqual(await statuses(ctx.engine), ["draft", "live", "archived"]);
    assert.deepEqual((await m.generate(withStatus("three"), "again", { dryRun: true })).up, []);
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${4}, ${"gone"})`));

    // Down removes the value again: refused while a row holds it, done once none does.
    await assert.rejects(m.down());
    if (ctx.name === "mariadb") assert.deepEqual((await m.status()).current, "0002_archived_docs", "MariaDB's failed MODIFY changed nothing");
    await ctx.engine.execute(sql`DELETE FROM c_doc WHERE id = ${3}`);
    await m.down();
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${3}, ${"archived"})`));
    assert.deepEqual(await statuses(ctx.engine), ["draft", "live"]);
    assert.deepEqual((await autogenerate(ctx.engine, withStatus("two"), "arbor_migrations")).up, [], "down gives the two values back");
    await m.up();

    const plain = await m.generate(withStatus("varchar"), "free status");
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${5}, ${"anything"})`);
    assert.deepEqual(await statuses(ctx.engine), ["draft", "live", "anything"]);
    assert.deepEqual((await m.generate(withStatus("varchar"), "again", { dryRun: true })).up, [], plain.source);
    await ctx.engine.execute(sql`DELETE FROM c_doc WHERE id = ${5}`);
    await m.down();
    assert.deepEqual((await autogenerate(ctx.engine, withStatus("three"), "arbor_migrations")).up, [], "down gives the enum back");
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO c_doc (id, status) VALUES (${5}, ${"anything"})`));
    assert.deepEqual(await statuses(ctx.engine), ["draft", "live"]);
  });

  test("teardown", () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
