// Runs the type checker over the type-level tests so `npm test` fails when inference regresses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("inferred result types (tsc over test/types/*.types.ts)", { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "test/types/tsconfig.json"], { encoding: "utf8" });
  assert.equal(r.status, 0, `tsc reported:\n${r.stdout}${r.stderr}`);
});
