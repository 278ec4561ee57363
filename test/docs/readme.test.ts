// The README's TypeScript examples compile: its ```ts blocks, in order, as one strict module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generatePages, typecheck } from "./pages.js";

test("the README's code blocks type-check", { timeout: 120_000 }, () => {
  const [readme] = generatePages(".", (f) => f === "README.md", "readme");
  assert.ok(readme && readme.chapter.blocks.length >= 3);
  const run = typecheck([readme.path]);
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
