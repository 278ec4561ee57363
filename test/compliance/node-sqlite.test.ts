// The compliance suite on Node's built-in SQLite through the nodeSqlite() adapter, which knows only
// the public Driver contract. Where this Node has no node:sqlite (Node 20) the suite is skipped
// with the reason, and the adapter must refuse to connect with NotSupportedError.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
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
  test("dialect compliance [node:sqlite]", { skip: missing }, () => {});

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
