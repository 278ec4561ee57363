// The package as a user gets it: build, `npm pack`, install the tarball into a fresh project next to
// its driver, then use it from plain ESM, from CommonJS `require`, from strict TypeScript (nodenext
// and bundler resolution), through the `arbor` bin, from a bundle that imports `select` alone, and
// through `arbor-sql/testing`, whose compliance suite runs under `node --test` in the consumer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  // Without the test runner's own context, so a `node --test` run here reports as if run by hand.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 180_000, env: { ...env, npm_config_update_notifier: "false" } });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Every file under `dir`, relative to it. */
function files(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

// The schema every consumer below declares, as source text.
const SCHEMA = `
  const md = new MetaData();
  const artist = md.table("artist", { id: integer().primaryKey().autoincrement(), name: text().notNull() });
  const album = md.table("album", {
    id: integer().primaryKey().autoincrement(),
    artistId: integer().notNull().named("artist_id").references(() => artist.c.id),
    title: text().notNull(),
    price: numeric(10, 2),
  });
`;

// The same small program in each module system: one nested select, printed as JSON.
const PROGRAM = `${SCHEMA}
  const engine = createEngine("sqlite::memory:");
  await md.createAll(engine);
  const { id } = (await engine.execute(insert(artist).values({ name: "Ada" }).returning(artist.c.id))).one();
  await engine.execute(insert(album).values([{ artistId: id, title: "One", price: "2.30" }, { artistId: id, title: "Two", price: null }]));
  const rows = (await engine.execute(select(artist.c.name, nested(select(album.c.title, album.c.price).orderBy(album.c.id)).as("albums")))).rows;
  console.log(JSON.stringify(rows));
  await engine.dispose();
`;
const NAMES = "MetaData, integer, text, numeric, createEngine, insert, select, nested";
const EXPECTED = JSON.stringify([
  {
    name: "Ada",
    albums: [
      { title: "One", price: "2.30" },
      { title: "Two", price: null },
    ],
  },
]);

const TYPED = `
import { ${NAMES}, type Engine } from "arbor-sql";
import { runDialectCompliance, type ComplianceOptions } from "arbor-sql/testing";
${SCHEMA}
const engine: Engine = createEngine("sqlite::memory:");
await md.createAll(engine);
await engine.execute(insert(album).values({ artistId: 1, title: "One", price: "2.30" }));
const rows = (await engine.execute(select(artist.c.name, nested(select(album.c.title, album.c.price)).as("albums")))).rows;
const first = rows[0];
if (first) {
  const name: string = first.name;
  const title: string | undefined = first.albums[0]?.title;
  const price: string | null | undefined = first.albums[0]?.price;
  console.log(name, title, price);
  // @ts-expect-error: no such column
  console.log(first.nope);
}
// @ts-expect-error: a number is not a text value
insert(artist).values({ name: 1 });
const compliance: ComplianceOptions = { name: "sqlite", connect: () => createEngine("sqlite::memory:"), skip: { cancel: "no interrupt" } };
runDialectCompliance(compliance);
// @ts-expect-error: no such area
runDialectCompliance({ ...compliance, skip: { nope: "x" } });
export {};
`;

const STRICT = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
  target: "ES2022",
  lib: ["ES2022"],
  types: ["node"],
};

describe("package: pack, install, use", { timeout: 600_000 }, () => {
  let dir = "";
  let app = "";

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "arbor-pack-"));
    const out = ok(run("npm", ["pack", "--json", "--pack-destination", dir], ROOT), "npm pack");
    const tarball = join(dir, (JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[])[0]!.filename);
    app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", version: "0.0.0", private: true }));
    ok(run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", tarball], app), "npm install <tarball>");
    // The driver and Node's types from this checkout: installing them again would compile better-sqlite3.
    for (const dep of ["better-sqlite3", "@types/node"]) {
      mkdirSync(dirname(join(app, "node_modules", dep)), { recursive: true });
      symlinkSync(join(ROOT, "node_modules", dep), join(app, "node_modules", dep), "dir");
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the tarball holds dist/, README.md, LICENSE, CHANGELOG.md and package.json, nothing else", () => {
    const pkg = join(app, "node_modules/arbor-sql");
    const all = files(pkg);
    const outside = all.filter((f) => !f.startsWith("dist/") && !["README.md", "LICENSE", "CHANGELOG.md", "package.json"].includes(f));
    assert.deepEqual(outside, []);
    assert.ok(all.includes("dist/index.js") && all.includes("dist/index.d.ts") && all.includes("dist/cli/index.js"));
    assert.deepEqual(
      all.filter((f) => f.endsWith(".map")),
      [],
      "no source maps: the sources are not shipped",
    );
    assert.match(readFileSync(join(pkg, "LICENSE"), "utf8"), /^MIT License/);
  });

  test("declarations marked @internal are stripped", () => {
    const dts = files(join(app, "node_modules/arbor-sql/dist")).filter((f) => f.endsWith(".d.ts"));
    for (const f of dts) assert.doesNotMatch(readFileSync(join(app, "node_modules/arbor-sql/dist", f), "utf8"), /@internal/, f);
    const conn = readFileSync(join(app, "node_modules/arbor-sql/dist/engine/connection.d.ts"), "utf8");
    assert.doesNotMatch(conn, /releaseNow/);
  });

  test("(1) import from plain ES module JavaScript", () => {
    writeFileSync(join(app, "esm.mjs"), `import { ${NAMES} } from "arbor-sql";\n${PROGRAM}`);
    assert.equal(ok(run(process.execPath, ["esm.mjs"], app), "node esm.mjs").trim(), EXPECTED);
  });

  test("(2) require from CommonJS", () => {
    writeFileSync(join(app, "cjs.cjs"), `const { ${NAMES} } = require("arbor-sql");\n(async () => {${PROGRAM}})();`);
    assert.equal(ok(run(process.execPath, ["cjs.cjs"], app), "node cjs.cjs").trim(), EXPECTED);
  });

  test("(3) a strict TypeScript consumer type-checks with module nodenext and with moduleResolution bundler", () => {
    writeFileSync(join(app, "app.mts"), TYPED);
    writeFileSync(
      join(app, "tsconfig.nodenext.json"),
      JSON.stringify({ compilerOptions: { ...STRICT, module: "nodenext", moduleResolution: "nodenext" }, files: ["app.mts"] }),
    );
    ok(run(process.execPath, [TSC, "-p", "tsconfig.nodenext.json"], app), "tsc (nodenext)");
    writeFileSync(join(app, "bundled.ts"), TYPED);
    writeFileSync(
      join(app, "tsconfig.bundler.json"),
      JSON.stringify({ compilerOptions: { ...STRICT, module: "esnext", moduleResolution: "bundler" }, files: ["bundled.ts"] }),
    );
    ok(run(process.execPath, [TSC, "-p", "tsconfig.bundler.json"], app), "tsc (bundler)");
    // The checker really runs over the consumer: a type error in it fails.
    writeFileSync(join(app, "broken.mts"), `import { text } from "arbor-sql";\nconst n: number = text();\nexport { n };\n`);
    writeFileSync(
      join(app, "tsconfig.broken.json"),
      JSON.stringify({ compilerOptions: { ...STRICT, module: "nodenext", moduleResolution: "nodenext" }, files: ["broken.mts"] }),
    );
    const broken = run(process.execPath, [TSC, "-p", "tsconfig.broken.json"], app);
    assert.notEqual(broken.status, 0);
    assert.match(broken.stdout, /broken\.mts/);
  });

  test("(4) npx arbor --help runs the installed CLI", () => {
    const out = ok(run("npx", ["--no-install", "arbor", "--help"], app), "npx arbor --help");
    assert.match(out, /^Usage: arbor <command>/);
    assert.match(out, /npx arbor <command>/);
    assert.doesNotMatch(out, /tsx src\/cli/);
  });

  test("(5) arbor-sql/testing: the compliance suite runs under node --test in the consumer, and resolves from CommonJS", () => {
    writeFileSync(
      join(app, "compliance.test.mjs"),
      `import { createEngine } from "arbor-sql";
import { runDialectCompliance } from "arbor-sql/testing";
runDialectCompliance({
  name: "sqlite",
  connect: () => createEngine("sqlite::memory:"),
  skip: { cancel: "better-sqlite3 has no interrupt" },
});
`,
    );
    const r = run(process.execPath, ["--test", "--test-reporter=tap", "compliance.test.mjs"], app);
    const out = ok(r, "node --test compliance.test.mjs");
    assert.match(out, /^# fail 0$/m);
    const passed = Number(/^# pass (\d+)$/m.exec(out)?.[1]);
    assert.ok(passed > 50, `${passed} compliance tests passed`);
    assert.match(out, /# SKIP better-sqlite3 has no interrupt/);
    writeFileSync(join(app, "testing.cjs"), `console.log(typeof require("arbor-sql/testing").runDialectCompliance);\n`);
    assert.equal(ok(run(process.execPath, ["testing.cjs"], app), "node testing.cjs").trim(), "function");
  });

  test("a bundle importing select alone leaves the dialects and drivers out (sideEffects: false)", async () => {
    writeFileSync(join(app, "entry.mjs"), `import { select, integer } from "arbor-sql";\nconsole.log(typeof select, typeof integer);\n`);
    const bundle = await build({ entryPoints: [join(app, "entry.mjs")], bundle: true, write: false, platform: "node", format: "esm", logLevel: "silent" });
    const text = bundle.outputFiles[0]!.text;
    assert.match(text, /function select\(/);
    for (const absent of [
      "postgresDialect",
      "mysqlDialect",
      "sqliteDialect",
      "better-sqlite3",
      "mysql2",
      "class Session",
      "runDialectCompliance",
      "node:test",
      "PGliteConnection",
      "node:sqlite",
    ])
      assert.ok(!text.includes(absent), `the bundle holds ${absent}`);
  });
});
