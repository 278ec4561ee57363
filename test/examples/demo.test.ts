// `npm run demo` is one of the two quick-start commands: keep it working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("the demo prints the customer → orders → items tree from one statement", { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/demo.ts"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /customer → orders → items, loaded by 1 statement:/);
  assert.match(
    r.stdout,
    /Ada Lovelace \(vip\)\n├─ ORD-1 {2}placed 1843-08-01T09:30:00\.000Z\n│ {2}├─ 1 × difference-engine @ 2\.30 {2}serial 9007199254740994n/,
  );
  assert.match(r.stdout, /Grace Hopper\n└─ \(no orders\)/);
});
