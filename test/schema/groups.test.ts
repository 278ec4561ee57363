// Table groups: computed trees, validation errors, DDL (supporting indexes, clustering) and the
// whole-group query on every engine.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  integer,
  text,
  foreignKey,
  primaryKey,
  unique,
  selectGroup,
  insert,
  ArgumentError,
  sqliteDialect,
  postgresDialect,
  mysqlDialect,
} from "../../src/index.js";
import { groupShop } from "../fixtures/group-shop.js";
import { forEachEngine } from "../support/engines.js";

describe("groups", () => {
  test("MetaData computes root, members in tree order, depth and root keys", () => {
    const { md, customer, order, item } = groupShop();
    const [g] = md.groups();
    assert.equal(g.root, customer);
    assert.deepEqual(
      g.members.map((m) => m.name),
      ["customer", "cust_order", "item"],
    );
    assert.equal(g.parentOf(item), order);
    assert.deepEqual(g.childrenOf(customer), [order]);
    assert.equal(g.depthOf(item), 2);
    assert.deepEqual(
      g.rootKeyOf(item).map((c) => c.name),
      ["customer_id"],
    );
    assert.deepEqual(
      g.rootKeyOf(customer).map((c) => c.name),
      ["id"],
    );
    assert.equal(md.groupOf(item), g);
    assert.equal(g.describe(), "customer\n  cust_order\n    item");
  });

  test("a table has at most one grouping parent", () => {
    const md = new MetaData();
    const a = md.table("a", { id: integer().primaryKey() });
    const b = md.table("b", { id: integer().primaryKey() });
    md.table("c", {
      id: integer().primaryKey(),
      aId: integer().references(() => a.c.id, { grouping: true }),
      bId: integer().references(() => b.c.id, { grouping: true }),
    });
    assert.throws(
      () => md.groups(),
      (e: Error) => e instanceof ArgumentError && /c has 2 grouping foreign keys/.test(e.message),
    );
  });

  test("grouping keys may not form a cycle", () => {
    const md = new MetaData();
    md.table("x", { id: integer().primaryKey(), yId: integer() }, (c) => [foreignKey([c.yId], () => [md.get("y").c.id], { grouping: true })]);
    md.table("y", { id: integer().primaryKey(), xId: integer() }, (c) => [foreignKey([c.xId], () => [md.get("x").c.id], { grouping: true })]);
    assert.throws(
      () => md.groups(),
      (e: Error) => e instanceof ArgumentError && /cycle/.test(e.message),
    );
  });

  test("a grandchild must carry the root key through its grouping key", () => {
    const md = new MetaData();
    const root = md.table("root", { id: integer().primaryKey() });
    const mid = md.table("mid", {
      id: integer().primaryKey(),
      rootId: integer()
        .notNull()
        .references(() => root.c.id, { grouping: true }),
    });
    md.table("leaf", {
      id: integer().primaryKey(),
      midId: integer()
        .notNull()
        .references(() => mid.c.id, { grouping: true }),
    });
    assert.throws(
      () => md.groups(),
      (e: Error) =>
        e instanceof ArgumentError && /leaf must carry the root key of group root: its grouping key to mid has to include mid.rootId/.test(e.message),
    );
  });

  test("grouping keys are foreign keys with a supporting index; ordinary keys are not members", () => {
    const { md } = groupShop();
    const ddl = md.createStatements({ dialect: postgresDialect });
    // cust_order's UNIQUE (customer_id, id) already leads with its grouping key: no extra index.
    assert.ok(!ddl.some((s) => s.startsWith('CREATE INDEX "ix_cust_order')), ddl.join("\n"));
    assert.ok(ddl.some((s) => s === 'CREATE INDEX "ix_item_customer_id_order_id" ON "item" ("customer_id", "order_id")'));
    assert.ok(
      ddl.some((s) =>
        s.includes('CONSTRAINT "fk_item_customer_id_order_id" FOREIGN KEY ("customer_id", "order_id") REFERENCES "cust_order" ("customer_id", "id")'),
      ),
    );
  });

  test("clusterByGroup: the primary key must lead with the root key; SQLite tables become WITHOUT ROWID", () => {
    const md = new MetaData();
    const root = md.table("root", { id: integer().primaryKey() });
    md.table(
      "member",
      {
        rootId: integer()
          .notNull()
          .references(() => root.c.id, { grouping: true }),
        n: integer().notNull(),
        v: text(),
      },
      (c) => [primaryKey(c.rootId, c.n)],
      { clusterByGroup: true },
    );
    const lite = md.createStatements({ dialect: sqliteDialect });
    assert.ok(
      lite.some((s) => /CREATE TABLE "member" .*PRIMARY KEY \("rootId", "n"\).*\) WITHOUT ROWID$/.test(s)),
      lite.join("\n"),
    );
    assert.ok(md.createStatements({ dialect: mysqlDialect }).some((s) => /CREATE TABLE `member` .*PRIMARY KEY \(`rootId`, `n`\)/.test(s)));

    const bad = new MetaData();
    const r2 = bad.table("root", { id: integer().primaryKey() });
    bad.table(
      "member",
      {
        id: integer().primaryKey(),
        rootId: integer()
          .notNull()
          .references(() => r2.c.id, { grouping: true }),
      },
      undefined,
      { clusterByGroup: true },
    );
    assert.throws(() => bad.createStatements({ dialect: postgresDialect }), /primary key must start with rootId/);
  });

  test("foreign keys that form a cycle are added after the tables and dropped first", () => {
    const md = new MetaData();
    md.table("p", { id: integer().primaryKey(), favId: integer() }, (c) => [foreignKey([c.favId], () => [md.get("q").c.id])]);
    md.table("q", { id: integer().primaryKey(), pId: integer() }, (c) => [foreignKey([c.pId], () => [md.get("p").c.id]), unique([c.pId])]);
    const create = md.createStatements({ dialect: postgresDialect });
    assert.match(create[create.length - 1], /^ALTER TABLE "\w" ADD CONSTRAINT "fk_\w_\w+" FOREIGN KEY/);
    const drop = md.dropStatements({ dialect: mysqlDialect });
    assert.match(drop[0], /^ALTER TABLE `\w` DROP FOREIGN KEY `fk_/);
  });
});

forEachEngine(import.meta.url, (ctx) => {
  const { md, customer, order, item } = groupShop();

  test("the whole-group query loads a root with all members in one statement", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(
        insert(customer).values([
          { id: 1, name: "Ann", vip: true },
          { id: 2, name: "Bob", vip: false },
        ]),
      );
      await c.execute(
        insert(order).values([
          { id: 10, customerId: 1, day: "2024-02-29", note: { tags: ["a"] } },
          { id: 11, customerId: 1 },
          { id: 20, customerId: 2 },
        ]),
      );
      await c.execute(
        insert(item).values([
          { id: 100, customerId: 1, orderId: 10, price: "2.30", serial: 2n ** 62n, blob: new Uint8Array([0, 255]) },
          { id: 200, customerId: 2, orderId: 20 },
        ]),
      );
      const statements: string[] = [];
      const q = selectGroup(md.groups()[0], { where: customer.c.id.eq(1) });
      const rows = (await c.execute(q)).rows;
      statements.push(c.compile(q).sql);
      assert.deepEqual(rows, [
        {
          id: 1,
          name: "Ann",
          vip: true,
          cust_order: [
            {
              id: 10,
              customerId: 1,
              placed: null,
              day: "2024-02-29",
              note: { tags: ["a"] },
              item: [{ id: 100, customerId: 1, orderId: 10, price: "2.30", serial: 2n ** 62n, blob: new Uint8Array([0, 255]) }],
            },
            { id: 11, customerId: 1, placed: null, day: null, note: null, item: [] },
          ],
        },
      ]);
      // The grandchild correlates on the composite grouping key, which includes the root key.
      assert.match(
        c.compile(q).sql,
        /"item"\."customer_id" = "cust_order"\."customer_id" AND "item"\."order_id" = "cust_order"\."id"|`item`\.`customer_id` = `cust_order`\.`customer_id` AND `item`\.`order_id` = `cust_order`\.`id`/,
      );
      assert.equal((await c.execute(selectGroup(md.groups()[0]))).rows.length, 2);
      await md.dropAll(c);
    });
  });
});
