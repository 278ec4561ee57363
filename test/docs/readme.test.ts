// The README's TypeScript examples compile: its ```ts blocks, in order, as one strict module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chapterModule, parseChapter } from "./doctest.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("the README's code blocks type-check", { timeout: 120_000 }, () => {
  const readme = parseChapter(readFileSync(join(ROOT, "README.md"), "utf8"));
  assert.ok(readme.blocks.length >= 3);
  mkdirSync(join(ROOT, ".tmp/readme"), { recursive: true });
  const file = join(ROOT, ".tmp/readme/readme.ts");
  writeFileSync(file, chapterModule(readme, "../../src/index.js", "README.md"));
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const args = ["--ignoreConfig", "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", "--skipLibCheck"];
  const run = spawnSync(process.execPath, [tsc, ...args, file], { cwd: ROOT, encoding: "utf8", timeout: 100_000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
