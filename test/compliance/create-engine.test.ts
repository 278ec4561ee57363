// createEngine({ driver }): an engine over a driver adapter given as is, its dialect named by the
// driver, by name or as an object, and the driver options it refuses (they configure drivers Arbor
// opens itself). The driver here is the built-in SQLite one, made through the public Dialect.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ArgumentError, createEngine, select, sql, sqliteDialect, types, type Driver } from "../../src/index.js";

const memory = (): Driver => sqliteDialect.createDriver(new URL("sqlite::memory:"), {});
const one = () => select(sql`1`.typed(types.integer).as("one"));

test("createEngine({ driver, dialect }) runs statements through the given driver, by dialect name or object", async () => {
  for (const dialect of ["sqlite", sqliteDialect] as const) {
    const engine = createEngine({ driver: memory(), dialect });
    try {
      assert.equal(engine.dialect, sqliteDialect);
      assert.equal(engine.url.href, "sqlite:driver");
      assert.deepEqual((await engine.execute(one())).rows, [{ one: 1 }]);
    } finally {
      await engine.dispose();
    }
  }
  const named = createEngine({ driver: { ...memory(), dialect: "sqlite" }, url: "sqlite:///app.db" });
  assert.equal(named.dialect, sqliteDialect);
  assert.equal(named.url.href, "sqlite:///app.db");
  await named.dispose();
});

test("createEngine({ driver }) refuses a driver naming no dialect, an unknown dialect name and driver options", () => {
  assert.throws(
    () => createEngine({ driver: memory() }),
    (err: Error) => err instanceof ArgumentError && /names no dialect/.test(err.message),
  );
  // An untyped caller's name.
  const dialect = JSON.parse('"oracle"') as "sqlite";
  assert.throws(() => createEngine({ driver: memory(), dialect }), ArgumentError);
  assert.throws(
    () => createEngine({ driver: memory(), dialect: "sqlite" }, { poolSize: 4, onConnect: ["PRAGMA x"] }),
    (err: Error) => err instanceof ArgumentError && /poolSize, onConnect/.test(err.message),
  );
  assert.throws(() => createEngine({ driver: memory(), dialect: "sqlite", url: "not a url" }), ArgumentError);
});
