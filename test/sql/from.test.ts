// What goes into FROM: auto-correlation never leaves a subquery without a table of its own (20.1),
// UPDATE names every table it reads (20.2), and a table brought in by a column alone that nothing
// links to the rest is refused instead of read as a cartesian product (20.3). Exact SQL, executed.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  select,
  insert,
  update,
  func,
  nested,
  or,
  ArgumentError,
  Session,
  mysqlDialect,
  postgresDialect,
  sqliteDialect,
  type Dialect,
  type Statement,
} from "../../src/index.js";
import { md, customer, order } from "../fixtures/shop.js";
import { md as ormMd, registry, Customer, customerT, orderT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";

const compile = (d: Dialect, s: Statement<unknown>) => d.createCompiler().compile(s.statementNode).sql;
const pgSql = (s: Statement<unknown>) => compile(postgresDialect, s);

// The enclosing query joins the nested select's own table.
const counted = select(customer.c.id, func.count(order.c.id).as("n"), nested(select(order.c.id).orderBy(order.c.id)).as("orders"))
  .leftJoin(order)
  .groupBy(customer.c.id)
  .orderBy(customer.c.id);
const uncorrelated = select(customer.c.id, func.count(order.c.id).as("n"), nested(select(order.c.id).orderBy(order.c.id).correlate(false)).as("orders"))
  .leftJoin(order)
  .groupBy(customer.c.id)
  .orderBy(customer.c.id);
const retag = update(customer).set({ vip: true, name: order.c.ordernum }).from(order).where(order.c.customerId.eq(customer.c.id), order.c.ordernum.eq("A-2"));

test("issue 20.1: a nested select whose table the enclosing query joins keeps its FROM and its foreign-key correlation", () => {
  const want =
    'SELECT "customer"."id", count("cust_order"."id") AS "n", (SELECT coalesce(json_agg(json_build_array("cust_order"."id") ORDER BY "cust_order"."id" ASC), \'[]\') AS "nested" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id") AS "orders" FROM "customer" LEFT JOIN "cust_order" ON "cust_order"."customer_id" = "customer"."id" GROUP BY "customer"."id" ORDER BY "customer"."id" ASC';
  assert.equal(pgSql(counted), want);
  // correlate(false) names its tables itself and still gets the foreign-key condition.
  assert.equal(pgSql(uncorrelated), want);
});

test("issue 20.1: a nested select of the enclosing query's own table, which no foreign key links to itself, is refused", () => {
  assert.throws(
    () => pgSql(select(customer.c.name, nested(select(customer.c.name)).as("all"))),
    (e: Error) => e instanceof ArgumentError && /No foreign key links customer/.test(e.message),
  );
});

test("issue 20.1: a subquery that auto-correlation would leave without FROM is refused", () => {
  const q = select(customer.c.id, select(customer.c.name).limit(1).scalar().as("x"));
  assert.throws(
    () => pgSql(q),
    (e: Error) => e instanceof ArgumentError && /no FROM of its own/.test(e.message) && /customer/.test(e.message),
  );
});

test("issue 20.2: UPDATE refers to a table it does not name: refused", () => {
  assert.throws(
    () => pgSql(update(customer).set({ vip: true }).where(order.c.id.eq(1))),
    (e: Error) => e instanceof ArgumentError && /cust_order/.test(e.message),
  );
});

test("issue 20.2: UPDATE … FROM on PostgreSQL and SQLite, a multi-table UPDATE on MariaDB", () => {
  assert.equal(
    pgSql(retag),
    'UPDATE "customer" SET "vip" = $1::boolean, "name" = "cust_order"."ordernum" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id" AND "cust_order"."ordernum" = $2::text',
  );
  assert.equal(
    compile(sqliteDialect, retag),
    'UPDATE "customer" SET "vip" = ?, "name" = "cust_order"."ordernum" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id" AND "cust_order"."ordernum" = ?',
  );
  assert.equal(
    compile(mysqlDialect, retag),
    "UPDATE `customer`, `cust_order` SET `customer`.`vip` = ?, `customer`.`name` = `cust_order`.`ordernum` WHERE `cust_order`.`customer_id` = `customer`.`id` AND `cust_order`.`ordernum` = ?",
  );
});

test("issue 20.3: a column of a table not in FROM is refused, naming both tables", () => {
  const refused = (s: Statement<unknown>) =>
    assert.throws(
      () => pgSql(s),
      (e: Error) => e instanceof ArgumentError && /cartesian product/.test(e.message) && /customer/.test(e.message) && /cust_order/.test(e.message),
    );
  refused(select(customer.c.name).from(order));
  refused(select(order.c.id).orderBy(customer.c.id));
  refused(select(customer.c.name, order.c.ordernum));
  // OR does not link: each side constrains one table.
  refused(select(customer.c.name, order.c.ordernum).where(or(order.c.id.eq(1), customer.c.id.eq(1))));
});

test("issue 20.3: products written out, joins, and conditions relating the tables pass", () => {
  assert.equal(
    pgSql(select(customer.c.name, order.c.ordernum).from(customer, order)),
    'SELECT "customer"."name", "cust_order"."ordernum" FROM "customer", "cust_order"',
  );
  assert.equal(
    pgSql(select(customer.c.name, order.c.ordernum).crossJoin(order)),
    'SELECT "customer"."name", "cust_order"."ordernum" FROM "customer" CROSS JOIN "cust_order"',
  );
  assert.equal(
    pgSql(select(customer.c.name, order.c.ordernum).where(order.c.customerId.eq(customer.c.id))),
    'SELECT "customer"."name", "cust_order"."ordernum" FROM "customer", "cust_order" WHERE "cust_order"."customer_id" = "customer"."id"',
  );
});

forEachEngine(import.meta.url, (ctx) => {
  test("issue 20.1 / 20.2: nested rows per parent and UPDATE … FROM run on every engine", async () => {
    await md.dropAll(ctx.engine);
    await md.createAll(ctx.engine);
    await ctx.engine.execute(insert(customer).values([{ name: "a" }, { name: "b" }]));
    await ctx.engine.execute(
      insert(order).values([
        { customerId: 1, ordernum: "A-1", placedAt: new Date(0) },
        { customerId: 1, ordernum: "A-2", placedAt: new Date(0) },
      ]),
    );
    const want = [
      { id: 1, n: 2, orders: [{ id: 1 }, { id: 2 }] },
      { id: 2, n: 0, orders: [] },
    ];
    assert.deepStrictEqual((await ctx.engine.execute(counted)).rows, want);
    assert.deepStrictEqual((await ctx.engine.execute(uncorrelated)).rows, want);
    await ctx.engine.execute(retag);
    assert.deepStrictEqual((await ctx.engine.execute(select(customer.c.id, customer.c.name, customer.c.vip).orderBy(customer.c.id))).rows, [
      { id: 1, name: "A-2", vip: true },
      { id: 2, name: "b", vip: false },
    ]);
  });

  test("issue 20.3: EntityQuery.join() filters by a joined table and returns each object once; without it the query is refused", async () => {
    await ormMd.dropAll(ctx.engine);
    await ormMd.createAll(ctx.engine);
    await ctx.engine.execute(insert(customerT).values([{ name: "c1" }, { name: "c2" }, { name: "c3" }]));
    await ctx.engine.execute(
      insert(orderT).values([
        { customerId: 1, num: "x" },
        { customerId: 1, num: "y" },
        { customerId: 3, num: "z" },
      ]),
    );
    const s = new Session(ctx.engine, { registry });
    try {
      await assert.rejects(
        s
          .query(Customer)
          .where(orderT.c.num.in(["x", "y"]))
          .all(),
        ArgumentError,
      );
      const found = await s
        .query(Customer)
        .noEager()
        .join(orderT)
        .where(orderT.c.num.in(["x", "y", "z"]))
        .orderBy(Customer.c.id)
        .all();
      assert.deepStrictEqual(
        found.map((c) => c.name),
        ["c1", "c3"],
      );
      const one = await s
        .query(Customer)
        .noEager()
        .join(orderT)
        .where(orderT.c.num.in(["x", "y"]))
        .one();
      assert.equal(one.name, "c1");
    } finally {
      await s.close();
    }
  });
});
