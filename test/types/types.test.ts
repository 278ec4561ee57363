// Runs the type checker so `npm test` fails when inference regresses or anything stops typechecking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("inferred result types (tsc over test/types/*.types.ts)", { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "test/types/tsconfig.json"], { encoding: "utf8" });
  assert.equal(r.status, 0, `tsc reported:\n${r.stdout}${r.stderr}`);
});

// Tests run from source through tsx, which strips types without checking them: a type error in
// src, tests, benchmarks or examples would otherwise pass unnoticed.
test("the whole project typechecks (tsc --noEmit -p .)", { timeout: 180_000 }, () => {
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "."], { encoding: "utf8" });
  assert.equal(r.status, 0, `tsc reported:\n${r.stdout}${r.stderr}`);
});
