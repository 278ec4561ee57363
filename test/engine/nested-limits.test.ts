// Large nested results come back whole, and a result the engine cut short is a typed error, never
// fewer children. MariaDB builds nested rows with JSON_ARRAYAGG, which it cuts at the session's
// group_concat_max_len (1 MiB by default) and at max_allowed_packet, with only a warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DatabaseError,
  MetaData,
  TruncatedResultError,
  createEngine,
  insert,
  integer,
  mysqlDialect,
  nested,
  postgresDialect,
  select,
  sql,
  sqliteDialect,
  text,
  type Connection,
} from "../../src/index.js";
import { nestedDecoder } from "../../src/engine/nested.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const parent = md.table("nl_parent", { id: integer().primaryKey(), name: text().notNull() });
const child = md.table("nl_child", {
  id: integer().primaryKey(),
  parentId: integer()
    .notNull()
    .named("parent_id")
    .references(() => parent.c.id),
  note: text().notNull(),
});

const MANY = 70_000;
const note = (id: number) => `child ${id}`;
const tree = () => select(parent.c.id, nested(select(child.c.id, child.c.note).orderBy(child.c.id)).as("children")).orderBy(parent.c.id);

async function fill(c: Connection): Promise<void> {
  await md.dropAll(c);
  await md.createAll(c);
  await c.execute(
    insert(parent).values([
      { id: 1, name: "many" },
      { id: 2, name: "few" },
    ]),
  );
  const rows = Array.from({ length: MANY }, (_, i) => ({ id: i + 1, parentId: 1, note: note(i + 1) }));
  rows.push({ id: MANY + 1, parentId: 2, note: note(MANY + 1) });
  for (let i = 0; i < rows.length; i += 5000) await c.execute(insert(child).values(rows.slice(i, i + 5000)));
}

type Tree = { id: number; children: { id: number; note: string }[] };

function assertWhole(rows: readonly Tree[]): void {
  assert.deepEqual(
    rows.map((r) => [r.id, r.children.length]),
    [
      [1, MANY],
      [2, 1],
    ],
  );
  const kids = rows[0].children;
  for (let i = 0; i < MANY; i++) if (kids[i].id !== i + 1 || kids[i].note !== note(i + 1)) assert.fail(`child ${i} is ${JSON.stringify(kids[i])}`);
  assert.deepEqual(rows[1].children, [{ id: MANY + 1, note: note(MANY + 1) }]);
}

forEachEngine(import.meta.url, (ctx) => {
  test("issue 20.6: a parent with 70,000 children gets every one of them (execute, forEach, stream)", { timeout: 120_000 }, () =>
    ctx.engine.withConnection(async (c) => {
      await fill(c);
      assertWhole((await c.execute(tree())).rows);
      const each: Tree[] = [];
      await c.forEach(tree(), (r) => each.push(r));
      assertWhole(each);
      const streamed: Tree[] = [];
      for await (const r of c.stream(tree())) streamed.push(r);
      assertWhole(streamed);
    }),
  );

  test("issue 20.6: a nested result cut by the server is a TruncatedResultError, never fewer children", { timeout: 60_000 }, async (t) => {
    if (ctx.name !== "mariadb") return t.skip("only MariaDB cuts aggregated text");
    // 20 children of 240 bytes each ('["' + 236 + '"]') joined by commas: with a limit of 4,096 bytes the
    // cut falls right after the 17th, and the server returns valid JSON holding 17 of the 20.
    const small = createEngine(ctx.url, { onConnect: ["SET SESSION group_concat_max_len = 4096"], poolSize: 1 });
    const q = () => select(parent.c.id, nested(select(child.c.note).orderBy(child.c.id)).as("children")).where(parent.c.id.eq(3));
    try {
      await ctx.engine.withConnection(async (c) => {
        await c.execute(insert(parent).values({ id: 3, name: "cut" }));
        await c.execute(insert(child).values(Array.from({ length: 20 }, (_, i) => ({ id: 100_000 + i, parentId: 3, note: "a".repeat(236) }))));
      });
      await small.withConnection(async (c) => {
        await assert.rejects(c.execute(q()), TruncatedResultError);
        await assert.rejects(
          c.forEach(q(), () => undefined),
          TruncatedResultError,
        );
        await assert.rejects(async () => {
          for await (const _ of c.stream(q()));
        }, TruncatedResultError);
        // Raw SQL aggregating text is checked the same way.
        await assert.rejects(c.execute(sql`SELECT GROUP_CONCAT(note) AS g FROM nl_child WHERE parent_id = ${3}`), TruncatedResultError);
        // A limit raised again within the session is followed.
        await c.runSql("SET SESSION group_concat_max_len = 1048576");
        assert.equal((await c.execute(q())).one().children.length, 20);
      });
      // The limit lowered by a statement within a session is followed too; the engine's own
      // sessions get every child of the same parent.
      await ctx.engine.withConnection(async (c) => {
        assert.equal((await c.execute(q())).one().children.length, 20);
        await c.runSql("SET SESSION group_concat_max_len = 4096");
        try {
          await assert.rejects(c.execute(q()), TruncatedResultError);
        } finally {
          await c.runSql("SET SESSION group_concat_max_len = 1073741824");
        }
        assert.equal((await c.execute(q())).one().children.length, 20);
      });
      // A cut that leaves invalid JSON (here within a row) is a typed error as well.
      await small.withConnection(async (c) => {
        await c.runSql("SET SESSION group_concat_max_len = 4000");
        await assert.rejects(c.execute(q()), TruncatedResultError);
      });
    } finally {
      await small.dispose();
    }
  });
});

test("issue 20.6: nested JSON text that does not parse is a DatabaseError, not a bare SyntaxError", () => {
  const type = nested(select(child.c.id, child.c.note)).node.type;
  for (const dialect of [sqliteDialect, postgresDialect, mysqlDialect]) {
    const decode = nestedDecoder(dialect, type);
    assert.deepEqual(decode('[[1, "a"]]'), [{ id: 1, note: "a" }]);
    assert.throws(
      () => decode('[[1, "a"], [2, "b'),
      (e: Error) => e instanceof DatabaseError && /not valid JSON/.test(e.message),
    );
  }
});
