// Changes autogenerate used to refuse (issue 15): an enum's values, a column to or from an enum, a
// primary key, autoincrement switched on and off; each run up and down with rows in the tables,
// and the rows checked after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetaData, enumOf, integer, json, migrate, primaryKey, sql, unique, varchar, type Engine } from "../../src/index.js";
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

/** k_item keyed by code, then by (code, n) with code still unique; k_line references code throughout. */
function items(key: "code" | "code_n"): MetaData {
  const md = new MetaData();
  const item = md.table("k_item", { code: varchar(10).notNull(), n: integer().notNull(), label: varchar(20) }, (c) =>
    key === "code" ? [primaryKey(c.code)] : [primaryKey(c.code, c.n), unique([c.code])],
  );
  md.table("k_line", { id: integer().primaryKey(), item: varchar(10).references(() => item.c.code) });
  return md;
}

/** k_tag keyed by its natural code, then by a new generated id with code still unique. */
function tags(surrogate: boolean): MetaData {
  const md = new MetaData();
  if (surrogate) md.table("k_tag", { id: integer().primaryKey().autoincrement(), code: varchar(10).notNull().unique(), label: varchar(20) });
  else md.table("k_tag", { code: varchar(10).primaryKey(), label: varchar(20) });
  return md;
}

function sequence(auto: boolean | "wide"): MetaData {
  const md = new MetaData();
  if (auto === "wide")
    // The generated column stays, under a wider key (not on SQLite, whose generated key is the whole key).
    md.table("k_seq", { id: integer().notNull().autoincrement(), label: varchar(20).notNull() }, (c) => [primaryKey(c.id, c.label)]);
  else md.table("k_seq", { id: auto ? integer().primaryKey().autoincrement() : integer().primaryKey(), label: varchar(20) });
  return md;
}

const statuses = async (engine: Engine): Promise<string[]> =>
  (await engine.execute(sql`SELECT status FROM c_doc ORDER BY id`)).rows.map((r) => String(r.status));

forEachEngine(import.meta.url, (ctx) => {
  const dirs: string[] = [];
  // Each test owns its migrations and reverts them all at its end: generate compares the whole database.
  const migrator = () => {
    dirs.push(mkdtempSync(join(tmpdir(), "arbor-changes-")));
    return migrate(ctx.engine, { dir: dirs[dirs.length - 1] });
  };

  test("issue 15: an enum's values change up and down, and a column changes to and from an enum, keeping its rows", async () => {
    const m = migrator();
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
    await m.down("base");
  });

  test("issue 15: an enum column renamed by hand stays the enum (PostgreSQL's check is renamed; MariaDB's keeps the old name)", async () => {
    const m = migrator();
    await m.generate(withStatus("two"), "docs");
    writeFileSync(
      join(dirs[dirs.length - 1], "0002_rename.ts"),
      `export function up(op: any) { op.renameColumn("c_doc", "status", "state"); }
export function down(op: any) { op.renameColumn("c_doc", "state", "status"); }`,
    );
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO c_doc (id, state) VALUES (${1}, ${"live"})`);
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO c_doc (id, state) VALUES (${2}, ${"gone"})`));
    const renamed = new MetaData();
    renamed.table("c_doc", { id: integer().primaryKey(), state: enumOf(["draft", "live"]).notNull().serverDefault("draft") });
    const g = await m.generate(renamed, "again", { dryRun: true });
    assert.deepEqual(g.up, [], g.source);
    await m.down();
    assert.deepEqual((await autogenerate(ctx.engine, withStatus("two"), "arbor_migrations")).up, []);
    await m.down("base");
  });

  test("issue 15: a JSON column renamed by hand stays JSON (MariaDB's json_valid check keeps the old column's name)", async () => {
    const m = migrator();
    const docs = (column: string): MetaData => {
      const md = new MetaData();
      md.table("j_doc", { id: integer().primaryKey(), [column]: json() });
      return md;
    };
    await m.generate(docs("body"), "docs");
    writeFileSync(
      join(dirs[dirs.length - 1], "0002_rename.ts"),
      `export function up(op: any) { op.renameColumn("j_doc", "body", "content"); }
export function down(op: any) { op.renameColumn("j_doc", "content", "body"); }`,
    );
    await m.up();
    const g = await m.generate(docs("content"), "again", { dryRun: true });
    assert.deepEqual(g.up, [], g.source);
    await m.down("base");
  });

  test("issue 15: a primary key changes up and down around the foreign key that references it, keeping the rows", async () => {
    const m = migrator();
    await m.generate(items("code"), "items");
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO k_item (code, n, label) VALUES (${"a"}, ${1}, ${"first"}), (${"b"}, ${2}, ${"second"})`);
    await ctx.engine.execute(sql`INSERT INTO k_line (id, item) VALUES (${1}, ${"a"}), (${2}, ${"b"})`);

    const g = await m.generate(items("code_n"), "key by code and n");
    const kinds = g.up.map((o) => `${o.kind} ${"table" in o ? o.table : ""}`);
    if (ctx.name === "sqlite") assert.deepEqual(kinds, ["dropPrimaryKey k_item", "addPrimaryKey k_item", "addUnique k_item"], g.source);
    else
      assert.deepEqual(kinds, ["dropForeignKey k_line", "dropPrimaryKey k_item", "addPrimaryKey k_item", "addUnique k_item", "addForeignKey k_line"], g.source);
    await m.up();
    assert.deepEqual((await m.generate(items("code_n"), "again", { dryRun: true })).up, []);
    // The new key lets a code repeat with another n no more (code stays unique), and refuses a repeated (code, n).
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO k_item (code, n) VALUES (${"a"}, ${1})`));
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO k_line (id, item) VALUES (${3}, ${"zz"})`), "the foreign key is back");
    const rows = (await ctx.engine.execute(sql`SELECT i.code AS code, i.n AS n, i.label AS label FROM k_line l JOIN k_item i ON i.code = l.item ORDER BY l.id`))
      .rows;
    assert.deepEqual(
      rows.map((r) => [r.code, Number(r.n), r.label]),
      [
        ["a", 1, "first"],
        ["b", 2, "second"],
      ],
    );

    await m.down();
    assert.deepEqual((await autogenerate(ctx.engine, items("code"), "arbor_migrations")).up, [], "down gives the key on code back");
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO k_item (code, n) VALUES (${"a"}, ${9})`));
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO k_line (id, item) VALUES (${3}, ${"zz"})`), "the foreign key is back");
    assert.equal(Number((await ctx.engine.execute(sql`SELECT COUNT(*) AS n FROM k_line l JOIN k_item i ON i.code = l.item`)).rows[0].n), 2);
    await m.down("base");
  });

  test("issue 15: autoincrement is switched on and off, generating keys past the rows already there", async () => {
    const m = migrator();
    await m.generate(sequence(false), "sequence");
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO k_seq (id, label) VALUES (${1}, ${"one"}), (${7}, ${"seven"})`);
    // SQLite gives any INTEGER PRIMARY KEY a rowid (Arbor's autoincrement is the one without NOT NULL).
    const noId = async (): Promise<void> => {
      if (ctx.name !== "sqlite") await assert.rejects(ctx.engine.execute(sql`INSERT INTO k_seq (label) VALUES (${"no id"})`));
    };
    await noId();

    const on = await m.generate(sequence(true), "generate ids");
    assert.deepEqual(
      on.up.map((o) => [o.kind, o.kind === "alterColumn" ? o.autoincrement : undefined]),
      [["alterColumn", true]],
      on.source,
    );
    await m.up();
    assert.deepEqual((await m.generate(sequence(true), "again", { dryRun: true })).up, []);
    await ctx.engine.execute(sql`INSERT INTO k_seq (label) VALUES (${"eight"})`);
    const ids = async (): Promise<[number, string][]> =>
      (await ctx.engine.execute(sql`SELECT id, label FROM k_seq ORDER BY id`)).rows.map((r) => [Number(r.id), String(r.label)]);
    assert.deepEqual(await ids(), [
      [1, "one"],
      [7, "seven"],
      [8, "eight"],
    ]);

    if (ctx.name !== "sqlite") {
      const wide = await m.generate(sequence("wide"), "wider key");
      assert.deepEqual(
        wide.up.map((o) => o.kind + (o.kind === "alterColumn" ? ` ${o.column} ${JSON.stringify(o.autoincrement ?? o.nullable)}` : "")),
        ctx.name === "mariadb"
          ? ["alterColumn id false", "dropPrimaryKey", "alterColumn label false", "addPrimaryKey", "alterColumn id true"]
          : ["dropPrimaryKey", "alterColumn label false", "addPrimaryKey"],
        wide.source,
      );
      await m.up();
      assert.deepEqual((await m.generate(sequence("wide"), "again", { dryRun: true })).up, []);
      await ctx.engine.execute(sql`INSERT INTO k_seq (label) VALUES (${"nine"})`);
      await ctx.engine.execute(sql`INSERT INTO k_seq (id, label) VALUES (${9}, ${"nine again"})`);
      assert.deepEqual((await ids()).slice(-2), [
        [9, "nine"],
        [9, "nine again"],
      ]);
      await ctx.engine.execute(sql`DELETE FROM k_seq WHERE id = ${9}`);
      await m.down();
      assert.deepEqual((await autogenerate(ctx.engine, sequence(true), "arbor_migrations")).up, [], "down gives the key on id back");
    }
    await m.down();
    assert.deepEqual((await autogenerate(ctx.engine, sequence(false), "arbor_migrations")).up, [], "down stops generating ids");
    await noId();
    assert.deepEqual((await ids()).length, 3);
    await m.down("base");
  });

  test("issue 15: a natural primary key gives way to a new generated id, which numbers the rows already there", async () => {
    const m = migrator();
    await m.generate(tags(false), "tags");
    await m.up();
    await ctx.engine.execute(sql`INSERT INTO k_tag (code, label) VALUES (${"b"}, ${"bee"}), (${"a"}, ${"ay"})`);
    const g = await m.generate(tags(true), "surrogate ids");
    assert.deepEqual(
      g.up.map((o) => o.kind),
      ["dropPrimaryKey", "addColumn", "addPrimaryKey", "addUnique"],
      g.source,
    );
    await m.up();
    assert.deepEqual((await m.generate(tags(true), "again", { dryRun: true })).up, []);
    await ctx.engine.execute(sql`INSERT INTO k_tag (code, label) VALUES (${"c"}, ${"see"})`);
    const rows = (await ctx.engine.execute(sql`SELECT id, code FROM k_tag ORDER BY id`)).rows.map((r): [number, string] => [Number(r.id), String(r.code)]);
    assert.deepEqual(rows.map((r) => r[1]).sort(), ["a", "b", "c"]);
    assert.equal(new Set(rows.map((r) => r[0])).size, 3, "every row has its own id");
    assert.deepEqual(rows[2], [Math.max(...rows.map((r) => r[0])), "c"], "the new row's id comes after the others");
    await assert.rejects(ctx.engine.execute(sql`INSERT INTO k_tag (code) VALUES (${"a"})`), "code stays unique");
    await m.down();
    assert.deepEqual((await autogenerate(ctx.engine, tags(false), "arbor_migrations")).up, [], "down gives the natural key back");
    assert.deepEqual(
      (await ctx.engine.execute(sql`SELECT code, label FROM k_tag ORDER BY code`)).rows.map((r) => `${r.code} ${r.label}`),
      ["a ay", "b bee", "c see"],
    );
    await m.down("base");
  });

  test("teardown", () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
});
