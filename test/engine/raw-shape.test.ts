// Raw SQL (the `sql` tag) has no declared result columns: rows are keyed by the names the engine
// reports. A shape cached for a SQL text must follow those names when the same text later means
// other columns: a table recreated with other columns, or the same text on another database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, sql, type Connection, type Engine } from "../../src/index.js";
import { dropNamespace, forEachEngine, namespaceFor, prepareNamespace } from "../support/engines.js";

const q = (name: string) => `"${name}"`;

type Rows = readonly (readonly [number, string])[];

/** Drops and creates rs_t with two columns of these names, holding `rows`. */
async function recreateOn(c: Connection, columns: readonly string[], rows: Rows, mysql: boolean): Promise<void> {
  const id = (n: string) => (mysql ? "`" + n + "`" : q(n));
  await c.runSql(`DROP TABLE IF EXISTS ${id("rs_t")}`);
  await c.runSql(`CREATE TABLE ${id("rs_t")} (${id(columns[0])} INTEGER, ${id(columns[1])} VARCHAR(20))`);
  for (const [n, s] of rows) await c.execute(sql([`INSERT INTO ${id("rs_t")} VALUES (`, ", ", ")"] as unknown as TemplateStringsArray, n, s));
}

const recreate = (e: Engine, columns: readonly string[], rows: Rows, mysql: boolean) => e.withConnection((c) => recreateOn(c, columns, rows, mysql));

const star = () => sql`SELECT * FROM rs_t ORDER BY 1`;
const starOver = (min: number) => sql`SELECT * FROM rs_t WHERE 1 > ${min} ORDER BY 1`;
/** Raw SQL on SQLite returns integers as bigint (no declared type says they fit a number). */
const int = (engine: string, n: number): number | bigint => (engine === "sqlite" ? BigInt(n) : n);

forEachEngine(import.meta.url, (ctx) => {
  const mysql = ctx.name === "mariadb";
  const I = (n: number) => int(ctx.name, n);

  test("issue 20.21: raw SQL rows follow the column names after the table is recreated with others", async () => {
    await recreate(
      ctx.engine,
      ["a", "b"],
      [
        [1, "x"],
        [2, "y"],
      ],
      mysql,
    );
    for (let i = 0; i < 3; i++)
      assert.deepEqual((await ctx.engine.execute(star())).rows, [
        { a: I(1), b: "x" },
        { a: I(2), b: "y" },
      ]);
    await recreate(ctx.engine, ["c", "d"], [[3, "z"]], mysql);
    for (let i = 0; i < 3; i++) assert.deepEqual((await ctx.engine.execute(star())).rows, [{ c: I(3), d: "z" }]);
    // With a parameter the text is kept prepared on PostgreSQL once it has run twice.
    for (let i = 0; i < 3; i++) assert.deepEqual((await ctx.engine.execute(starOver(0))).rows, [{ c: I(3), d: "z" }]);
    await recreate(ctx.engine, ["g", "h"], [[6, "u"]], mysql);
    for (let i = 0; i < 3; i++) assert.deepEqual((await ctx.engine.execute(starOver(0))).rows, [{ g: I(6), h: "u" }]);
    // Same names in another order.
    await recreate(ctx.engine, ["d", "c"], [[4, "w"]], mysql);
    assert.deepEqual((await ctx.engine.execute(star())).rows, [{ d: I(4), c: "w" }]);
    // The same text on a connection held across the change, and in a stream.
    await ctx.engine.withConnection(async (c) => {
      assert.deepEqual((await c.execute(star())).rows, [{ d: I(4), c: "w" }]);
      await recreateOn(c, ["e", "f"], [[5, "v"]], mysql);
      assert.deepEqual((await c.execute(star())).rows, [{ e: I(5), f: "v" }]);
      const streamed: unknown[] = [];
      for await (const r of c.stream(star())) streamed.push(r);
      assert.deepEqual(streamed, [{ e: I(5), f: "v" }]);
    });
    await ctx.engine.withConnection((c) => c.runSql(`DROP TABLE ${mysql ? "`rs_t`" : q("rs_t")}`));
  });

  test("issue 20.21: the same raw SQL text on another database returns that database's columns", async () => {
    const ns = namespaceFor(new URL(import.meta.url).pathname) + "_b";
    const other = createEngine(await prepareNamespace(ctx.name, ns));
    try {
      await recreate(ctx.engine, ["a", "b"], [[1, "x"]], mysql);
      await recreate(other, ["c", "d"], [[2, "y"]], mysql);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual((await ctx.engine.execute(star())).rows, [{ a: I(1), b: "x" }]);
        assert.deepEqual((await other.execute(star())).rows, [{ c: I(2), d: "y" }]);
      }
    } finally {
      await other.dispose();
      await dropNamespace(ctx.name, ns);
    }
  });
});

test("issue 20.21: SQLite: a table recreated by another connection to the same file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-raw-shape-"));
  const url = `sqlite:${join(dir, "db.sqlite")}`;
  const a = createEngine(url);
  const b = createEngine(url);
  const I = (n: number) => int("sqlite", n);
  try {
    await recreate(a, ["a", "b"], [[1, "x"]], false);
    for (let i = 0; i < 3; i++) assert.deepEqual((await a.execute(star())).rows, [{ a: I(1), b: "x" }]);
    await recreate(b, ["c", "d"], [[2, "y"]], false);
    for (let i = 0; i < 3; i++) assert.deepEqual((await a.execute(star())).rows, [{ c: I(2), d: "y" }]);
    assert.deepEqual(a.executeSync(star()).rows, [{ c: I(2), d: "y" }]);
  } finally {
    await a.dispose();
    await b.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
