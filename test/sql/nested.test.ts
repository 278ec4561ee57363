// nested() / nestedOne() on every engine: exact SQL shape, ordering and limits per parent, empty
// children, many-to-one, self-reference to depth 3, correlation errors and index warnings.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  select,
  insert,
  nested,
  nestedOne,
  alias,
  func,
  sql,
  MetaData,
  integer,
  text,
  ArgumentError,
  NotSupportedError,
  postgresDialect,
  sqliteDialect,
  mysqlDialect,
  type Dialect,
  type Statement,
} from "../../src/index.js";
import { md, customer, order, item, employee } from "../fixtures/shop.js";
import { forEachEngine } from "../support/engines.js";

const compile = (d: Dialect, s: Statement<unknown>) => d.createCompiler().compile(s.statementNode);

test("nested() compiles to each engine's JSON aggregation", () => {
  const q = select(customer.c.name, nested(select(order.c.ordernum, order.c.total).orderBy(order.c.ordernum)).as("orders"));
  assert.equal(
    compile(postgresDialect, q).sql,
    'SELECT "customer"."name", (SELECT coalesce(json_agg(json_build_array("cust_order"."ordernum", CAST("cust_order"."total" AS text)) ORDER BY "cust_order"."ordernum" ASC), \'[]\') AS "nested" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id") AS "orders" FROM "customer"',
  );
  assert.equal(
    compile(sqliteDialect, q).sql,
    'SELECT "customer"."name", (SELECT coalesce(json_group_array(json_array("cust_order"."ordernum", "cust_order"."total") ORDER BY "cust_order"."ordernum" ASC), \'[]\') AS "nested" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id") AS "orders" FROM "customer"',
  );
  assert.equal(
    compile(mysqlDialect, q).sql,
    "SELECT `customer`.`name`, (SELECT coalesce(JSON_ARRAYAGG(JSON_ARRAY(`cust_order`.`ordernum`, CAST(`cust_order`.`total` AS CHAR)) ORDER BY `cust_order`.`ordernum` ASC), JSON_ARRAY()) AS `nested` FROM `cust_order` WHERE `cust_order`.`customer_id` = `customer`.`id`) AS `orders` FROM `customer`",
  );
});

test("LIMIT per parent: a derived table on PostgreSQL/SQLite, the aggregate's own LIMIT on MariaDB", () => {
  const q = select(customer.c.id, nested(select(order.c.ordernum).orderBy(order.c.id.desc()).limit(2)).as("latest"));
  assert.match(
    compile(postgresDialect, q).sql,
    /FROM \(SELECT "cust_order"\."ordernum" AS "c0", "cust_order"\."id" AS "o0" FROM "cust_order" WHERE "cust_order"\."customer_id" = "customer"\."id" ORDER BY "cust_order"\."id" DESC LIMIT \$1::integer\) AS "nested_rows"/,
  );
  assert.match(compile(mysqlDialect, q).sql, /JSON_ARRAYAGG\(JSON_ARRAY\(`cust_order`\.`ordernum`\) ORDER BY `cust_order`\.`id` DESC LIMIT 2\)/);
});

test("an explicit where() referring to the enclosing query replaces auto-correlation", () => {
  const q = select(customer.c.id, nested(select(order.c.id).where(order.c.customerId.eq(customer.c.id), order.c.total.gt("5"))).as("big"));
  const s = compile(postgresDialect, q).sql;
  assert.equal((s.match(/"cust_order"\."customer_id" = "customer"\."id"/g) ?? []).length, 1);
});

test("missing or ambiguous links ask for an explicit where()", () => {
  const m = new MetaData();
  const account = m.table("account", { id: integer().primaryKey() });
  const transfer = m.table("transfer", {
    id: integer().primaryKey(),
    fromId: integer().references(() => account.c.id),
    toId: integer().references(() => account.c.id),
  });
  const lonely = m.table("lonely", { id: integer().primaryKey(), v: text() });
  assert.throws(
    () => compile(postgresDialect, select(account.c.id, nested(select(transfer.c.id)).as("t"))),
    (e: Error) => e instanceof ArgumentError && /Several foreign keys link transfer/.test(e.message),
  );
  assert.throws(
    () => compile(postgresDialect, select(account.c.id, nested(select(lonely.c.v)).as("l"))),
    (e: Error) => e instanceof ArgumentError && /No foreign key links lonely/.test(e.message),
  );
});

test("reserve refuses a key the nested select already has, and __proto__", () => {
  assert.throws(
    () => nested(select(order.c.ordernum), { reserve: ["ordernum"] }),
    (e: Error) => e instanceof ArgumentError && /already has that column/.test(e.message),
  );
  assert.throws(() => nested(select(order.c.ordernum), { reserve: ["__proto__"] }), ArgumentError);
});

test("a nesting correlation without an index is reported", () => {
  const m = new MetaData();
  const parent = m.table("parent", { id: integer().primaryKey() });
  const child = m.table("child", { id: integer().primaryKey(), parentId: integer().references(() => parent.c.id) });
  const warnings = compile(sqliteDialect, select(parent.c.id, nested(select(child.c.id)).as("kids"))).warnings;
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /child correlates on \(parentId\) without an index/);
  assert.deepEqual(compile(sqliteDialect, select(customer.c.id, nested(select(order.c.id)).as("o"))).warnings, []);
});

forEachEngine(import.meta.url, (ctx) => {
  test("setup", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(insert(customer).values([{ name: "Ann", vip: true }, { name: "Bob" }, { name: "Cy" }]));
      const t = (i: number) => new Date(Date.UTC(2020, 0, i, 12, 0, 0, i));
      await c.execute(
        insert(order).values([
          { customerId: 1, ordernum: "A1", placedAt: t(1), total: "2.30" },
          { customerId: 1, ordernum: "A2", placedAt: t(3), total: null },
          { customerId: 1, ordernum: "A3", placedAt: t(2), total: "100.00" },
          { customerId: 2, ordernum: "B1", placedAt: t(4), total: "0.05" },
        ]),
      );
      await c.execute(
        insert(item).values([
          { orderId: 1, sku: "x", qty: 1, price: "2.30", serial: 2n ** 63n - 1n },
          { orderId: 1, sku: "y", qty: 2, price: "0.10" },
          { orderId: 4, sku: "z", qty: 3, price: "9.99", serial: -(2n ** 63n) },
        ]),
      );
      await c.execute(
        insert(employee).values([
          { id: 1, name: "ceo" },
          { id: 2, name: "cto", managerId: 1 },
          { id: 3, name: "cfo", managerId: 1 },
          { id: 4, name: "dev", managerId: 2 },
          { id: 5, name: "intern", managerId: 4 },
        ]),
      );
    });
  });

  test("inner ORDER BY is kept; empty child sets are []", async () => {
    const rows = (
      await ctx.engine.execute(select(customer.c.name, nested(select(order.c.ordernum).orderBy(order.c.placedAt.desc())).as("orders")).orderBy(customer.c.id))
    ).rows;
    assert.deepEqual(rows, [
      { name: "Ann", orders: [{ ordernum: "A2" }, { ordernum: "A3" }, { ordernum: "A1" }] },
      { name: "Bob", orders: [{ ordernum: "B1" }] },
      { name: "Cy", orders: [] },
    ]);
  });

  test("LIMIT and OFFSET apply per parent", async () => {
    const q = select(customer.c.name, nested(select(order.c.ordernum).orderBy(order.c.ordernum).limit(1).offset(1)).as("second")).orderBy(customer.c.id);
    assert.deepEqual((await ctx.engine.execute(q)).rows, [
      { name: "Ann", second: [{ ordernum: "A2" }] },
      { name: "Bob", second: [] },
      { name: "Cy", second: [] },
    ]);
  });

  test("three levels restore every type inside the nesting", async () => {
    const q = select(
      customer.c.name,
      customer.c.vip,
      nested(
        select(
          order.c.ordernum,
          order.c.placedAt,
          order.c.total,
          nested(select(item.c.sku, item.c.price, item.c.serial).orderBy(item.c.sku)).as("items"),
        ).orderBy(order.c.id),
      ).as("orders"),
    ).where(customer.c.id.eq(1));
    const [ann] = (await ctx.engine.execute(q)).rows;
    assert.equal(ann.vip, true);
    assert.deepEqual(ann.orders[0], {
      ordernum: "A1",
      placedAt: new Date(Date.UTC(2020, 0, 1, 12, 0, 0, 1)),
      total: "2.30",
      items: [
        { sku: "x", price: "2.30", serial: 2n ** 63n - 1n },
        { sku: "y", price: "0.10", serial: null },
      ],
    });
    assert.deepEqual(ann.orders[1].items, []);
    assert.equal(ann.orders[1].total, null);
  });

  test("nestedOne() gives the parent row or null (many-to-one)", async () => {
    const q = select(order.c.ordernum, nestedOne(select(customer.c.name, customer.c.vip)).as("customer")).orderBy(order.c.id);
    const rows = (await ctx.engine.execute(q)).rows;
    assert.deepEqual(rows[0], { ordernum: "A1", customer: { name: "Ann", vip: true } });
    assert.deepEqual(rows[3], { ordernum: "B1", customer: { name: "Bob", vip: false } });
    const none = select(customer.c.name, nestedOne(select(order.c.ordernum).orderBy(order.c.id)).as("first")).orderBy(customer.c.id);
    assert.deepEqual(
      (await ctx.engine.execute(none)).rows.map((r) => r.first),
      [{ ordernum: "A1" }, { ordernum: "B1" }, null],
    );
  });

  test("reserve: nested rows are built with the reserved keys holding undefined, in SQL nothing changes", async () => {
    const inner = () => select(order.c.ordernum).orderBy(order.c.placedAt.desc());
    const plain = select(customer.c.name, nested(inner()).as("orders")).orderBy(customer.c.id);
    const reserved = select(customer.c.name, nested(inner(), { reserve: ["owner", "note"] }).as("orders")).orderBy(customer.c.id);
    assert.equal(ctx.engine.compile(reserved).sql, ctx.engine.compile(plain).sql);
    // Run the plain shape first: the reserved one must not be served its cached decoder.
    const before = (await ctx.engine.execute(plain)).rows;
    assert.deepEqual(Object.keys(before[0].orders[0]), ["ordernum"]);
    const rows = (await ctx.engine.execute(reserved)).rows;
    const first = rows[0].orders[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), ["ordernum", "owner", "note"]);
    assert.equal(first.owner, undefined);
    assert.deepEqual(
      rows.map((r) => r.orders.map((o) => o.ordernum)),
      before.map((r) => r.orders.map((o) => o.ordernum)),
    );
    const one = (await ctx.engine.execute(select(order.c.id, nestedOne(select(customer.c.name), { reserve: ["x"] }).as("c")).orderBy(order.c.id))).rows[0];
    assert.deepEqual(Object.keys(one.c!), ["name", "x"]);
  });

  test("self-referential nesting: employee → reports to depth 3", async () => {
    const e2 = alias(employee, "e2");
    const e3 = alias(employee, "e3");
    const e4 = alias(employee, "e4");
    const q = select(
      employee.c.name,
      nested(
        select(e2.c.name, nested(select(e3.c.name, nested(select(e4.c.name).orderBy(e4.c.id)).as("reports")).orderBy(e3.c.id)).as("reports")).orderBy(e2.c.id),
      ).as("reports"),
    ).where(employee.c.managerId.isNull());
    assert.deepEqual((await ctx.engine.execute(q)).rows, [
      {
        name: "ceo",
        reports: [
          { name: "cto", reports: [{ name: "dev", reports: [{ name: "intern" }] }] },
          { name: "cfo", reports: [] },
        ],
      },
    ]);
  });

  test("aggregates and GROUP BY inside a nested select", async () => {
    const q = select(
      customer.c.name,
      nested(select(item.c.sku, func.count().as("n")).join(order).where(order.c.customerId.eq(customer.c.id)).groupBy(item.c.sku).orderBy(item.c.sku)).as(
        "skus",
      ),
    ).orderBy(customer.c.id);
    if (ctx.name === "mariadb") {
      // MariaDB refuses outer references inside derived tables; Arbor says so before sending.
      await assert.rejects(ctx.engine.execute(q), NotSupportedError);
      return;
    }
    const rows = (await ctx.engine.execute(q)).rows;
    assert.deepEqual(rows[0].skus, [
      { sku: "x", n: 1 },
      { sku: "y", n: 1 },
    ]);
  });

  test("nested rows are addressable by column object", async () => {
    const res = await ctx.engine.execute(select(customer.c.name, nested(select(order.c.ordernum).orderBy(order.c.id)).as("orders")).where(customer.c.id.eq(2)));
    const row = res.one();
    assert.equal(res.get(row, customer.c.name), "Bob");
    assert.throws(() => res.get(row, customer.c.vip), ArgumentError);
    assert.equal(res.key(order.c.ordernum), "ordernum");
    assert.equal(res.get(row.orders[0], order.c.ordernum), "B1");
  });

  test("nested() works inside a sql-tag fragment's neighbours and with bound values", async () => {
    const q = select(customer.c.name, nested(select(order.c.ordernum).where(order.c.ordernum.like(sql<string>`${"A%"}`))).as("a")).where(customer.c.id.eq(1));
    assert.deepEqual((await ctx.engine.execute(q)).rows[0].a.length, 3);
  });
});
