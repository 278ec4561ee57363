// The compliance suite on Node's built-in SQLite through the nodeSqlite() adapter, which knows only
// the public Driver contract. Where this Node has no node:sqlite (Node 20) the suite is skipped
// with the reason, and the adapter must refuse to connect with NotSupportedError.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NotSupportedError, createEngine, nodeSqlite, select, sql, types } from "../../src/index.js";
import { runDialectCompliance } from "../../src/testing/index.js";

// By a name TypeScript does not resolve: Node 20's types have no node:sqlite.
const builtin: string = "node:sqlite";
const missing = await import(builtin).then(
  () => undefined,
  (err: Error) => `node:sqlite cannot be imported in Node ${process.versions.node} (${err.message})`,
);

if (missing === undefined) {
  const dir = mkdtempSync(join(tmpdir(), "arbor-node-sqlite-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  runDialectCompliance({
    name: "node:sqlite",
    connect: () => createEngine({ driver: nodeSqlite({ path: join(dir, "compliance.db"), poolSize: 2 }) }),
    unreachable: () => createEngine({ driver: nodeSqlite({ path: join(dir, "no-such-dir", "x.db") }) }),
    skip: { cancel: "node:sqlite runs a statement to its end on the main thread, with no interrupt" },
  });
} else {
  // ARBOR_NODE_WITH_SQLITE names a Node binary that has node:sqlite (CI fetches one): this file runs
  // again under it, so the adapter is proven even where the test process's own Node lacks it.
  const other = process.env.ARBOR_NODE_WITH_SQLITE;
  test(`dialect compliance [node:sqlite]${other ? ` under ${other}` : ""}`, {
    skip: other ? false : `${missing}; set ARBOR_NODE_WITH_SQLITE to a Node 22+ binary to run it`,
  }, async () => {
    const file = fileURLToPath(import.meta.url);
    const run = spawnSync(other!, ["--no-warnings", "--import", "tsx", "--test", "--test-reporter=spec", file], {
      encoding: "utf8",
      timeout: 240_000,
      // Without NODE_TEST_CONTEXT the child reports on its own stdout, not to this runner.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_TEST_CONTEXT")), ARBOR_NODE_WITH_SQLITE: "" },
    });
    const out = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, out.slice(-6000));
    // It really ran the suite there, not this branch again.
    assert.match(out, /node:sqlite/);
    assert.doesNotMatch(out, /cannot be imported/);
    assert.match(out, /ℹ pass [1-9]\d*/);
    assert.match(out, /ℹ fail 0/);
  });

  test("without node:sqlite, the adapter refuses to connect with NotSupportedError naming the Node version", async () => {
    const engine = createEngine({ driver: nodeSqlite({ path: ":memory:" }) });
    try {
      await assert.rejects(engine.execute(select(sql`1`.typed(types.integer).as("one"))), (err: Error) => {
        assert.ok(err instanceof NotSupportedError, `${err.name}: ${err.message}`);
        assert.match(err.message, new RegExp(`node:sqlite is not available in Node ${process.versions.node.replace(/\./g, "\\.")}`));
        return true;
      });
    } finally {
      await engine.dispose();
    }
  });
}
