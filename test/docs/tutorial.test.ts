// The tutorial can never rot: every ```ts block of every chapter in docs/tutorial/ runs, in order,
// as one module per chapter on embedded SQLite, and what a block prints must equal the ```text
// block that follows it in the chapter. The chapters also type-check under strict settings.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chapterModule, parseChapter, resolveImports, splitOutput } from "./doctest.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOCS = join(ROOT, "docs/tutorial");
const OUT = join(ROOT, ".tmp/tutorial");
const chapters = readdirSync(DOCS).filter((f) => /^\d\d-.*\.md$/.test(f)).sort();

mkdirSync(OUT, { recursive: true });
const generated = chapters.map((file) => {
  const chapter = parseChapter(readFileSync(join(DOCS, file), "utf8"));
  const path = join(OUT, file.replace(/\.md$/, ".ts"));
  writeFileSync(path, chapterModule(chapter, "../../src/index.js", `docs/tutorial/${file}`));
  for (const [name, code] of chapter.files) writeFileSync(join(OUT, name), resolveImports(code, "../../src/index.js"));
  return { file, chapter, path };
});
const modules = generated.flatMap((g) => [...g.chapter.files.keys()].map((name) => join(OUT, name)));

describe("tutorial", { timeout: 240_000 }, () => {
  test("there are chapters 00 to 06, each with code that runs", () => {
    assert.deepEqual(chapters.map((f) => f.slice(0, 2)), ["00", "01", "02", "03", "04", "05", "06"]);
    for (const g of generated) assert.ok(g.chapter.blocks.length > 0, `${g.file} has no code`);
  });

  for (const { file, chapter, path } of generated) {
    test(`${file}: every block runs and prints what the chapter shows`, () => {
      const run = spawnSync(process.execPath, ["--import", "tsx", path], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      const outputs = splitOutput(run.stdout);
      const ran = outputs.length;
      // Name the first block that failed or printed something else, with its line in the chapter.
      for (const [i, block] of chapter.blocks.entries()) {
        const where = `${file}:${block.line}`;
        if (i >= ran) assert.fail(`${where}: the block did not finish (exit ${run.status})\n${run.stderr}`);
        if (block.expected !== undefined) assert.equal(outputs[i], block.expected, `${where}: printed output differs`);
      }
      assert.equal(run.status, 0, `${file} exited ${run.status}\n${run.stderr}`);
    });
  }

  test("every chapter type-checks (strict)", () => {
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const args = ["--ignoreConfig", "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", "--skipLibCheck"];
    const run = spawnSync(process.execPath, [tsc, ...args, ...generated.map((g) => g.path), ...modules], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
});
