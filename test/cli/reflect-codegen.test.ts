// `arbor reflect` writes TypeScript for a live schema (issue 15, codegen). On the Chinook scripts of
// each engine: generate (with Models) → write to a temp dir → type-check with tsc → import →
// createAll into an empty namespace → reflect again: equal, and createAll of the module issues the
// same DDL as createAll of the reflection.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createEngine, describeSchema, generateSchemaSource, MetaData, mysqlDialect, postgresDialect, reflect, sqliteDialect } from "../../src/index.js";
import { main, type CliIO } from "../../src/cli/main.js";
import { chinookStatements } from "../support/chinook.js";
import { dropNamespace, forEachEngine, namespaceFor, prepareNamespace } from "../support/engines.js";
import { groupShop } from "../fixtures/group-shop.js";
import { md as shopMd } from "../fixtures/shop.js";
import { md as ormShopMd } from "../fixtures/orm-shop.js";
import { md as ormUowMd } from "../fixtures/orm-uow.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/** tsc over `files` with the project's compiler options, as ES modules in `dir`; fails with its report. */
async function typeCheck(dir: string, files: string[], shown: string): Promise<void> {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(ROOT, "tsconfig.json"),
      compilerOptions: { noEmit: true, rootDir: "/", typeRoots: [join(ROOT, "node_modules/@types")] },
      include: [],
      files,
    }),
  );
  try {
    await promisify(execFile)(process.execPath, [TSC, "-p", join(dir, "tsconfig.json")], { cwd: dir });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    assert.fail(`tsc found errors in the generated module:\n${e.stdout ?? ""}${e.stderr ?? ""}\n${shown}`);
  }
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

test("arbor reflect --help prints its usage; a missing --url is a usage error", async () => {
  const help = await cli(["reflect", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: arbor reflect --url <url>/);
  assert.match(help.out, /--models/);
  assert.equal((await cli(["help", "reflect"])).out, help.out);
  assert.match((await cli(["--help"])).out, /reflect {5}Print TypeScript table definitions/);
  const bad = await cli(["reflect"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /arbor reflect: missing --url/);
});

test("issue 15: Arbor's test schemas written as modules type-check and issue the same DDL on every dialect", { timeout: 180_000 }, async () => {
  // Column-level references, unique and index flags, grouping foreign keys, composite keys, checks.
  const schemas: [string, MetaData][] = [
    ["shop", shopMd],
    ["group_shop", groupShop().md],
    ["orm_shop", ormShopMd],
    ["orm_uow", ormUowMd],
  ];
  const dir = mkdtempSync(join(tmpdir(), "arbor-codegen-fixtures-"));
  try {
    const files = schemas.map(([name, md]) => {
      const file = join(dir, `${name}.ts`);
      const warnings: string[] = [];
      writeFileSync(
        file,
        generateSchemaSource(md, { dialect: postgresDialect, models: true, importFrom: join(ROOT, "src/index.js"), onWarning: (m) => warnings.push(m) }),
      );
      return file;
    });
    await typeCheck(dir, files, "");
    for (const [i, [name, md]] of schemas.entries()) {
      const mod = (await import(pathToFileURL(files[i]).href)) as { metadata: MetaData };
      for (const dialect of [sqliteDialect, postgresDialect, mysqlDialect])
        assert.deepEqual(mod.metadata.createStatements({ dialect }), md.createStatements({ dialect }), `${name} on ${dialect.name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

forEachEngine(import.meta.url, (ctx) => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `arbor-codegen-${ctx.name}-`));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("issue 15: arbor reflect --models on Chinook type-checks, imports, and creates the same schema", { timeout: 180_000 }, async () => {
    // A file URL keeps the SQLite database the CLI opens the same as the test's.
    const url = ctx.name === "sqlite" ? `sqlite:///${join(dir, "chinook.db")}` : ctx.url;
    const source = createEngine(url);
    const ns = `${namespaceFor(fileURLToPath(import.meta.url))}_b`;
    const emptyUrl = ctx.name === "sqlite" ? `sqlite:///${join(dir, "empty.db")}` : await prepareNamespace(ctx.name, ns);
    const empty = createEngine(emptyUrl);
    try {
      await source.withConnection(async (c) => {
        for (const s of chinookStatements(ctx.name)) await c.runSql(s);
      });
      const run = await cli(["reflect", "--url", url, "--models", "--import-from", join(ROOT, "src/index.js")]);
      assert.equal(run.code, 0, run.err);
      const file = join(dir, "schema.ts");
      writeFileSync(file, run.out);
      assert.match(run.out, /^export const metadata = new MetaData\(\);$/m);
      assert.match(run.out, /export class Album extends Model\(album\) \{\n {2}declare artist: Artist \| null;/);
      assert.match(run.out, /declare tracks: Track\[\];/);
      assert.match(run.out, /manyToMany\(\(\) => Track, \{ secondary: playlistTrack/);

      await typeCheck(dir, [file], run.out);

      const mod = (await import(pathToFileURL(file).href)) as { metadata: MetaData };
      assert.ok(mod.metadata instanceof MetaData);
      const reflected = await reflect(source);
      assert.deepEqual(mod.metadata.createStatements(source), reflected.createStatements(source), "the same DDL");
      await mod.metadata.createAll(empty);
      const again = await reflect(empty);
      assert.deepEqual(describeSchema(again, ctx.engine.dialect), describeSchema(reflected, ctx.engine.dialect));
    } finally {
      await source.dispose();
      await empty.dispose();
      if (ctx.name !== "sqlite") await dropNamespace(ctx.name, ns);
    }
  });
});
