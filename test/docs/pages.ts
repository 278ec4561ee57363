// Documentation pages as programs (see doctest.ts): generated into .tmp/, run one process per page,
// and type-checked together under strict settings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chapterModule, parseChapter, resolveImports, splitOutput, type Chapter } from "./doctest.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = "../../src/index.js";

export interface Page {
  readonly file: string;
  readonly chapter: Chapter;
  /** The generated program. */
  readonly path: string;
  /** Modules the page defines (```ts file=…), generated beside it. */
  readonly modules: readonly string[];
}

/** Every page in `dir` (relative to the root) whose name matches, generated into .tmp/<out>/. */
export function generatePages(dir: string, matches: (name: string) => boolean, out: string): Page[] {
  const outDir = join(ROOT, ".tmp", out);
  mkdirSync(outDir, { recursive: true });
  return readdirSync(join(ROOT, dir))
    .filter(matches)
    .sort()
    .map((file) => {
      const chapter = parseChapter(readFileSync(join(ROOT, dir, file), "utf8"));
      const path = join(outDir, file.replace(/\.md$/, ".ts"));
      writeFileSync(path, chapterModule(chapter, ENTRY, `${dir}/${file}`));
      const modules = [...chapter.files].map(([name, code]) => {
        writeFileSync(join(outDir, name), resolveImports(code, ENTRY));
        return join(outDir, name);
      });
      return { file, chapter, path, modules };
    });
}

/** Type-checks `files` alone, strictly, as a user's project would. */
export function typecheck(files: readonly string[]): SpawnSyncReturns<string> {
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const args = [
    "--ignoreConfig",
    "--noEmit",
    "--strict",
    "--target",
    "es2022",
    "--lib",
    "es2022",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--types",
    "node",
    "--skipLibCheck",
  ];
  return spawnSync(process.execPath, [tsc, ...args, ...files], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
}

/** Declares a test per page (its blocks run and print what the page shows) and one type check. */
export function pageTests(pages: readonly Page[]): void {
  for (const { file, chapter, path } of pages) {
    test(`${file}: every block runs and prints what the page shows`, () => {
      const run = spawnSync(process.execPath, ["--import", "tsx", path], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      const outputs = splitOutput(run.stdout);
      // Name the first block that failed or printed something else, with its line in the page.
      for (const [i, block] of chapter.blocks.entries()) {
        const where = `${file}:${block.line}`;
        if (i >= outputs.length) assert.fail(`${where}: the block did not finish (exit ${run.status})\n${run.stderr}`);
        if (block.expected !== undefined) assert.equal(outputs[i], block.expected, `${where}: printed output differs`);
      }
      assert.equal(run.status, 0, `${file} exited ${run.status}\n${run.stderr}`);
    });
  }
  test("every page type-checks (strict)", () => {
    const run = typecheck(pages.flatMap((p) => [p.path, ...p.modules]));
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
}
