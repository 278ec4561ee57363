// Migrations end to end on every engine (issue 15): generate → up → generate finds no changes,
// up/down/up reflects the same schema, a failing migration leaves schema and version table as they
// were where DDL is transactional (and says what stayed applied where it is not), concurrent runs
// apply each migration once, and --sql prints what would run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import {
  MetaData,
  MigrationError,
  createEngine,
  describeSchema,
  integer,
  migrate,
  reflect,
  text,
  timestamp,
  varchar,
  boolean,
  index,
  check,
  sql,
  type Engine,
  type SchemaDescription,
} from "../../src/index.js";
import { normalizeDefault } from "../../src/migrate/diff.js";
import { forEachEngine } from "../support/engines.js";

function v1(): MetaData {
  const md = new MetaData();
  const users = md.table("m_users", { id: integer().primaryKey().autoincrement(), name: varchar(100).notNull() });
  md.table(
    "m_posts",
    {
      id: integer().primaryKey().autoincrement(),
      userId: integer()
        .named("user_id")
        .references(() => users.c.id),
      title: text(),
    },
    (c) => [index([c.userId])],
  );
  return md;
}

function v2(engineName: string): MetaData {
  const md = new MetaData();
  const users = md.table("m_users", {
    id: integer().primaryKey().autoincrement(),
    name: varchar(100).notNull(),
    email: varchar(200).unique(),
    active: boolean().notNull().serverDefault(true),
  });
  const tags = md.table("m_tags", { id: integer().primaryKey(), label: varchar(50).notNull() }, (c) =>
    engineName === "sqlite" ? [] : [check("m_tags_label_len", sql<boolean>`char_length(${c.label}) > 0`)],
  );
  md.table(
    "m_posts",
    {
      id: integer().primaryKey().autoincrement(),
      userId: integer()
        .named("user_id")
        .notNull()
        .references(() => users.c.id, { onDelete: "CASCADE" }),
      title: varchar(300).notNull().serverDefault("untitled"),
      tagId: integer()
        .named("tag_id")
        .references(() => tags.c.id),
      created: timestamp(),
    },
    (c) => [index([c.title, c.created], { name: "ix_m_posts_title_created" })],
  );
  return md;
}

const without = (d: SchemaDescription, name: string): SchemaDescription => ({ tables: d.tables.filter((t) => t.name !== name) });

/** Engines re-spell defaults and check conditions: compared as autogenerate compares them. */
function normalized(d: SchemaDescription): SchemaDescription {
  return {
    tables: d.tables.map((t) => ({
      ...t,
      columns: t.columns.map((c) => ({ ...c, default: c.default === null ? null : normalizeDefault(c.default) })),
      checks: t.checks.map((c) => ({ name: c.name, condition: "" })),
    })),
  };
}

async function described(engine: Engine): Promise<SchemaDescription> {
  return normalized(without(describeSchema(await reflect(engine), engine.dialect), "arbor_migrations"));
}

const declared = (md: MetaData, engine: Engine): SchemaDescription => normalized(describeSchema(md, engine.dialect));

forEachEngine(import.meta.url, (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-migrate-"));

  test("issue 15: generate → up → generate gives no changes; up/down/up reflects the same schema", async () => {
    const m = migrate(ctx.engine, { dir });
    const first = await m.generate(v1(), "create users and posts");
    assert.ok(first.path, "a migration file is written");
    assert.deepEqual(
      first.up.map((o) => o.kind),
      ["createTable", "createTable"],
    );
    assert.match(first.source!, /export function up\(op: MigrationOps\): void \{\n {2}op\.createTable\(\{ name: "m_users"/);
    assert.deepEqual(await m.up(), ["0001_create_users_and_posts"]);
    const again1 = await m.generate(v1(), "again", { dryRun: true });
    assert.equal(again1.up.length, 0, again1.source);
    assert.deepEqual(await described(ctx.engine), declared(v1(), ctx.engine));

    await ctx.engine.execute(sql`INSERT INTO m_users (name) VALUES (${"ann"})`);
    await ctx.engine.execute(sql`INSERT INTO m_posts (user_id, title) VALUES (${1}, ${"hello"})`);
    const second = await m.generate(v2(ctx.name), "users get email, posts get tags");
    assert.ok(second.path);
    assert.deepEqual(await m.up(), ["0002_users_get_email_posts_get_tags"]);
    const again2 = await m.generate(v2(ctx.name), "again", { dryRun: true });
    assert.equal(again2.up.length, 0, again2.source);
    const afterUp = await described(ctx.engine);
    assert.deepEqual(afterUp, declared(v2(ctx.name), ctx.engine));
    const rows = (await ctx.engine.execute(sql`SELECT p.title AS title, u.active AS active FROM m_posts p JOIN m_users u ON u.id = p.user_id`)).rows;
    assert.equal(rows.length, 1, "the rows survive the migration");
    assert.equal(rows[0].title, "hello");

    assert.deepEqual(await m.down(), ["0002_users_get_email_posts_get_tags"]);
    assert.deepEqual(await described(ctx.engine), declared(v1(), ctx.engine));
    assert.deepEqual(await m.up(), ["0002_users_get_email_posts_get_tags"]);
    assert.deepEqual(await described(ctx.engine), afterUp);
    const status = await m.status();
    assert.deepEqual([status.current, status.pending], ["0002_users_get_email_posts_get_tags", []]);
    assert.equal((await m.history()).filter((h) => h.appliedAt !== null).length, 2);
  });

  test("issue 15: --sql prints what down and up would run, and changes nothing", async () => {
    const m = migrate(ctx.engine, { dir });
    const before = await described(ctx.engine);
    const down = await m.sql("down", "base");
    assert.match(down, /-- 0002_users_get_email_posts_get_tags \(down\)/);
    assert.match(down, /DROP TABLE ["`]m_users["`]/);
    assert.match(down, /DELETE FROM ["`]arbor_migrations["`] WHERE ["`]id["`] = '0001_create_users_and_posts'/);
    assert.deepEqual(await described(ctx.engine), before);
    assert.equal(await m.sql("up"), "\n");
  });

  test("issue 15: a migration failing half-way leaves the schema and version table as they were (or names what stayed applied)", async () => {
    writeFileSync(
      join(dir, "0003_broken.ts"),
      `export function up(op: any) { op.addColumn("m_users", { name: "nick", type: { kind: "varchar", length: 20 }, nullable: true }); op.execute("SELECT * FROM m_no_such_table"); }
export function down(op: any) { op.dropColumn("m_users", "nick"); }`,
    );
    const m = migrate(ctx.engine, { dir });
    const before = await described(ctx.engine);
    const err = await m.up().then(
      () => assert.fail("the migration should fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MigrationError, String(err));
    assert.equal(err.migration, "0003_broken");
    assert.match(err.message, /operation 2 of 2, execute "SELECT \* FROM m_no_such_table"/);
    if (ctx.name === "mariadb") {
      assert.deepEqual(err.applied, ["add column m_users.nick"]);
      assert.match(err.message, /MariaDB commits each DDL statement, so what ran before stays: add column m_users.nick/);
      await ctx.engine.execute(sql`ALTER TABLE m_users DROP COLUMN nick`);
    } else {
      assert.deepEqual(err.applied, []);
      assert.match(err.message, /rolled back/);
    }
    assert.deepEqual(await described(ctx.engine), before);
    assert.deepEqual((await m.status()).pending, ["0003_broken"]);
    rmSync(join(dir, "0003_broken.ts"));
  });

  test("issue 15: two concurrent up runs apply each migration once", async () => {
    const cdir = mkdtempSync(join(tmpdir(), "arbor-migrate-c-"));
    const table = "m_concurrent_versions";
    // SQLite's driver waits for a lock synchronously: the two runs are two processes, as in production.
    const url = ctx.name === "sqlite" ? `sqlite:///${join(cdir, "db.sqlite")}` : ctx.url;
    try {
      for (let i = 1; i <= 3; i++)
        writeFileSync(
          join(cdir, `000${i}_step.ts`),
          `export function up(op: any) { op.createTable({ name: "m_c${i}", columns: [{ name: "id", type: { kind: "integer" }, nullable: false }], primaryKey: ["id"], uniques: [], indexes: [], foreignKeys: [], checks: [] }); }
export function down(op: any) { op.dropTable("m_c${i}"); }`,
        );
      const script = join(cdir, "run.mts");
      writeFileSync(
        script,
        `import { createEngine, migrate } from ${JSON.stringify(new URL("../../src/index.js", import.meta.url).pathname.replace(/\.js$/, ".ts"))};
const engine = createEngine(process.argv[2]);
try { process.stdout.write(JSON.stringify(await migrate(engine, { dir: process.argv[3], versionTable: process.argv[4] }).up())); } finally { await engine.dispose(); }`,
      );
      const run = (): Promise<string[]> =>
        new Promise((resolve, reject) => {
          execFile(process.execPath, ["--import", "tsx", script, url, cdir, table], (err, stdout, stderr) =>
            err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout)),
          );
        });
      const runs = await Promise.all([run(), run()]);
      assert.deepEqual(runs.flat().sort(), ["0001_step", "0002_step", "0003_step"], JSON.stringify(runs));
      const engine = createEngine(url);
      try {
        assert.deepEqual(await migrate(engine, { dir: cdir, versionTable: table }).down("base"), ["0003_step", "0002_step", "0001_step"]);
        await engine.execute(sql`DROP TABLE ${sql.id(table)}`);
      } finally {
        await engine.dispose();
      }
    } finally {
      rmSync(cdir, { recursive: true, force: true });
    }
  });

  test("teardown", () => {
    void readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
    rmSync(dir, { recursive: true, force: true });
  });
});
