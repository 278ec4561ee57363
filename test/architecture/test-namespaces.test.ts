// Regression: test/engine/faults.test.ts and test/orm/faults.test.ts shared the namespace t_faults,
// so run in parallel they dropped each other's tables ("relation fault_entry does not exist").
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { namespaceFor } from "../support/engines.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function testFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

test("every test file gets a namespace of its own", () => {
  const files = testFiles(root);
  assert.ok(files.length > 100, `found only ${files.length} test files`);
  const owners = new Map<string, string>();
  for (const f of files) {
    const ns = namespaceFor(f);
    const other = owners.get(ns);
    assert.equal(other, undefined, `${path.relative(root, f)} and ${other && path.relative(root, other)} share the namespace ${ns}`);
    owners.set(ns, f);
  }
  assert.notEqual(namespaceFor(path.join(root, "engine/faults.test.ts")), namespaceFor(path.join(root, "orm/faults.test.ts")));
});
