// SQLite rebuilt a table once per operation its ALTER TABLE cannot do (issue 15): a migration that
// drops a column, retypes another, adds a column, an index and a check on one table copied its rows
// three times. It is rebuilt once per migration, up and down; the other engines run the same
// migration with their own ALTER TABLE. The rows are checked after each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetaData, check, index, integer, migrate, sql, text, varchar } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

function notes(v: 1 | 2): MetaData {
  const md = new MetaData();
  if (v === 1) md.table("b_note", { id: integer().primaryKey(), title: varchar(20).notNull(), body: text(), old: integer() });
  else
    md.table("b_note", { id: integer().primaryKey(), title: varchar(40), body: text(), tag: varchar(10).notNull().serverDefault("x") }, (c) => [
      index([c.tag]),
      check("b_note_id_positive", c.id.gt(0)),
    ]);
  return md;
}

forEachEngine(import.meta.url, (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-rebuild-"));

  test("issue 15: SQLite rebuilds a table once for all the operations of a migration on it, up and down", async () => {
    const m = migrate(ctx.engine, { dir });
    await m.generate(notes(1), "notes");
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO b_note (id, title, body, old) VALUES (${1}, ${"one"}, ${"first"}, ${10}), (${2}, ${"two"}, ${null}, ${20})`);
    const g = await m.generate(notes(2), "reshape notes");
    assert.ok(g.up.length >= 5, g.source);

    const upSql = await m.sql("up");
    const rebuilds = (s: string): number => s.split('CREATE TABLE "_arbor_rebuild_b_note"').length - 1;
    if (ctx.name === "sqlite") {
      assert.equal(rebuilds(upSql), 1, upSql);
      assert.match(upSql, /-- rebuild b_note \(operations [\d, ]+\)\n/);
      assert.match(upSql, /INSERT INTO "_arbor_rebuild_b_note" \("id", "title", "body"\) SELECT "id", "title", "body" FROM "b_note";/);
      assert.match(upSql, /CREATE INDEX "ix_b_note_tag" ON "b_note" \("tag"\);/);
    }
    await m.up();
    assert.deepEqual((await m.generate(notes(2), "again", { dryRun: true })).up, []);
    const rows = async (): Promise<unknown[][]> =>
      (await ctx.engine.execute(sql`SELECT * FROM b_note ORDER BY id`)).rows.map((r) =>
        Object.keys(r)
          .sort()
          .map((k) => [k, typeof r[k] === "bigint" ? Number(r[k]) : r[k]]),
      );
    assert.deepEqual(await rows(), [
      [
        ["body", "first"],
        ["id", 1],
        ["tag", "x"],
        ["title", "one"],
      ],
      [
        ["body", null],
        ["id", 2],
        ["tag", "x"],
        ["title", "two"],
      ],
    ]);
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO b_note (id, title) VALUES (${-1}, ${"negative"})`), "the check is there");

    if (ctx.name === "sqlite") assert.equal(rebuilds(await m.sql("down")), 1);
    await m.down();
    assert.deepEqual(await rows(), [
      [
        ["body", "first"],
        ["id", 1],
        ["old", null],
        ["title", "one"],
      ],
      [
        ["body", null],
        ["id", 2],
        ["old", null],
        ["title", "two"],
      ],
    ]);
    await m.down("base");
  });

  test("teardown", () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
