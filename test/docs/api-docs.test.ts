// `npm run docs` builds the API reference: TypeDoc over the public entry point, every exported
// name documented as a page or an entry, no broken {@link}.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("npm run docs writes the API reference to docs/api/", { timeout: 300_000 }, () => {
  rmSync(join(ROOT, "docs/api"), { recursive: true, force: true });
  const run = spawnSync("npm", ["run", "docs"], { cwd: ROOT, encoding: "utf8", timeout: 280_000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.doesNotMatch(run.stdout + run.stderr, /\[warning\]|\[error\]/);
  for (const page of ["index.html", "classes/Session.html", "functions/select.html", "functions/nested.html", "classes/Engine.html"])
    assert.ok(existsSync(join(ROOT, "docs/api", page)), `docs/api/${page}`);
  assert.match(readFileSync(join(ROOT, "docs/api/functions/nested.html"), "utf8"), /child rows|nested/i);
});
