// Exact SQL per dialect for the grammar's main constructs (executed in queries.test.ts).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  and,
  or,
  not,
  exists,
  func,
  param,
  sql,
  select,
  insert,
  update,
  deleteFrom,
  excluded,
  value,
  caseWhen,
  alias,
  types,
  mysqlDialect,
  postgresDialect,
  sqliteDialect,
  NotSupportedError,
  ArgumentError,
  type Dialect,
  type Statement,
} from "../../src/index.js";
import { cellNode } from "../../src/sql/insert-rows.js";
import { customer, order, item, employee } from "../fixtures/shop.js";

const compile = (d: Dialect, s: Statement<unknown>) => d.createCompiler().compile(s.statementNode);
const pgSql = (s: Statement<unknown>) => compile(postgresDialect, s).sql;
const liteSql = (s: Statement<unknown>) => compile(sqliteDialect, s).sql;
const mySql = (s: Statement<unknown>) => compile(mysqlDialect, s).sql;

describe("compiler", () => {
  test("select infers FROM and joins on the foreign key", () => {
    const q = select(customer.c.name, order.c.ordernum).join(order).where(customer.c.id.eq(1));
    assert.equal(
      pgSql(q),
      'SELECT "customer"."name", "cust_order"."ordernum" FROM "customer" JOIN "cust_order" ON "cust_order"."customer_id" = "customer"."id" WHERE "customer"."id" = $1::integer',
    );
    assert.equal(
      mySql(q),
      "SELECT `customer`.`name`, `cust_order`.`ordernum` FROM `customer` JOIN `cust_order` ON `cust_order`.`customer_id` = `customer`.`id` WHERE `customer`.`id` = ?",
    );
    assert.deepEqual(compile(postgresDialect, q).params, [{ value: 1, type: types.integer }]);
  });

  test("labels, AND/OR precedence, IN, BETWEEN, LIKE, IS NULL", () => {
    const q = select(customer.c.id, customer.c.name.as("who"))
      .where(or(and(customer.c.id.in([1, 2, 3]), customer.c.name.like("A%")), customer.c.email.eq(null)), customer.c.id.between(1, 10))
      .orderBy(customer.c.name.asc(), customer.c.id.desc());
    assert.equal(
      liteSql(q),
      `SELECT "customer"."id", "customer"."name" AS "who" FROM "customer" WHERE ("customer"."id" IN (?, ?, ?) AND "customer"."name" LIKE ? ESCAPE '\\' OR "customer"."email" IS NULL) AND "customer"."id" BETWEEN ? AND ? ORDER BY "customer"."name" ASC, "customer"."id" DESC`,
    );
  });

  test("empty IN lists compile to constant conditions", () => {
    assert.equal(pgSql(select(customer.c.id).where(customer.c.id.in([]))), 'SELECT "customer"."id" FROM "customer" WHERE 1 = 0');
    assert.equal(pgSql(select(customer.c.id).where(customer.c.id.notIn([]))), 'SELECT "customer"."id" FROM "customer" WHERE 1 = 1');
  });

  test("ILIKE is native on PostgreSQL and lower() LIKE lower() elsewhere", () => {
    const q = select(customer.c.id).where(customer.c.name.ilike("a%"));
    assert.match(pgSql(q), /"customer"\."name" ILIKE \$1::text$/);
    assert.match(liteSql(q), /arbor_lower\("customer"\."name"\) LIKE arbor_lower\(\?\) ESCAPE '\\'$/);
    assert.match(mySql(q), /LOWER\(`customer`\.`name`\) LIKE LOWER\(\?\)$/);
  });

  test("concatenation is || except on MySQL", () => {
    const q = select(customer.c.name.concat("!").as("shout"));
    assert.equal(pgSql(q), 'SELECT "customer"."name" || $1::text AS "shout" FROM "customer"');
    assert.equal(mySql(q), "SELECT CONCAT(`customer`.`name`, ?) AS `shout` FROM `customer`");
  });

  test("NULLS FIRST/LAST native, emulated on MySQL", () => {
    const q = select(order.c.id).orderBy(order.c.total.asc().nullsLast(), order.c.total.desc().nullsFirst());
    assert.equal(pgSql(q), 'SELECT "cust_order"."id" FROM "cust_order" ORDER BY "cust_order"."total" ASC NULLS LAST, "cust_order"."total" DESC NULLS FIRST');
    assert.equal(
      mySql(q),
      "SELECT `cust_order`.`id` FROM `cust_order` ORDER BY (`cust_order`.`total`) IS NULL, `cust_order`.`total` ASC, (`cust_order`.`total`) IS NOT NULL, `cust_order`.`total` DESC",
    );
  });

  test("LIMIT/OFFSET, and OFFSET alone where LIMIT is required", () => {
    assert.equal(pgSql(select(customer.c.id).limit(5).offset(10)), 'SELECT "customer"."id" FROM "customer" LIMIT $1::integer OFFSET $2::integer');
    assert.equal(liteSql(select(customer.c.id).offset(10)), 'SELECT "customer"."id" FROM "customer" LIMIT -1 OFFSET ?');
    assert.equal(mySql(select(customer.c.id).offset(10)), "SELECT `customer`.`id` FROM `customer` LIMIT 18446744073709551615 OFFSET ?");
    assert.throws(() => select(customer.c.id).limit(-1), ArgumentError);
  });

  test("correlated scalar subquery auto-correlates to the enclosing FROM", () => {
    const n = select(func.count().as("n")).where(order.c.customerId.eq(customer.c.id)).scalar();
    const q = select(customer.c.name, n.as("orders"));
    assert.equal(
      pgSql(q),
      'SELECT "customer"."name", (SELECT count(*) AS "n" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id") AS "orders" FROM "customer"',
    );
  });

  test("correlate(false) keeps the enclosing table in the subquery's FROM", () => {
    const sub = select(func.max(customer.c.id).as("m")).where(order.c.customerId.eq(customer.c.id)).correlate(false).scalar();
    const q = select(customer.c.id).where(customer.c.id.eq(sub));
    assert.match(pgSql(q), /\(SELECT max\("customer"\."id"\) AS "m" FROM "customer", "cust_order" WHERE/);
  });

  test("EXISTS, NOT, IN (subquery)", () => {
    const hasOrders = exists(select(order.c.id).where(order.c.customerId.eq(customer.c.id)));
    const q = select(customer.c.id).where(not(hasOrders), customer.c.id.notIn(select(order.c.customerId)));
    assert.equal(
      liteSql(q),
      'SELECT "customer"."id" FROM "customer" WHERE NOT EXISTS (SELECT "cust_order"."id" FROM "cust_order" WHERE "cust_order"."customer_id" = "customer"."id") AND "customer"."id" NOT IN (SELECT "cust_order"."customer_id" AS "customerId" FROM "cust_order")',
    );
  });

  test("derived tables, GROUP BY and HAVING", () => {
    const totals = select(order.c.customerId, func.sum(order.c.total).as("spent")).groupBy(order.c.customerId).having(func.count().gt(1)).as("totals");
    const q = select(customer.c.name, totals.c.spent).join(totals, totals.c.customerId.eq(customer.c.id));
    assert.equal(
      pgSql(q),
      'SELECT "customer"."name", "totals"."spent" FROM "customer" JOIN (SELECT "cust_order"."customer_id" AS "customerId", sum("cust_order"."total") AS "spent" FROM "cust_order" GROUP BY "cust_order"."customer_id" HAVING count(*) > $1::integer) AS "totals" ON "totals"."customerId" = "customer"."id"',
    );
  });

  test("recursive CTE", () => {
    const anchor = select(employee.c.id, employee.c.name, employee.c.managerId).where(employee.c.managerId.isNull());
    const chain = anchor
      .cte("chain", { recursive: true })
      .unionAll((self) => select(employee.c.id, employee.c.name, employee.c.managerId).join(self, employee.c.managerId.eq(self.c.id)));
    const q = select(chain.c.name).from(chain).orderBy(chain.c.id);
    assert.equal(
      pgSql(q),
      'WITH RECURSIVE "chain" ("id", "name", "managerId") AS (SELECT "employee"."id", "employee"."name", "employee"."manager_id" AS "managerId" FROM "employee" WHERE "employee"."manager_id" IS NULL UNION ALL SELECT "employee"."id", "employee"."name", "employee"."manager_id" AS "managerId" FROM "employee" JOIN "chain" ON "employee"."manager_id" = "chain"."id") SELECT "chain"."name" FROM "chain" ORDER BY "chain"."id" ASC',
    );
  });

  test("window functions", () => {
    const rn = func.rowNumber().over({ partitionBy: [order.c.customerId], orderBy: [order.c.placedAt.desc()] });
    const running = func.sum(order.c.total).over({ orderBy: [order.c.id], frame: { unit: "ROWS", start: "UNBOUNDED PRECEDING", end: "CURRENT ROW" } });
    const q = select(order.c.id, rn.as("rn"), running.as("running"));
    assert.equal(
      pgSql(q),
      'SELECT "cust_order"."id", row_number() OVER (PARTITION BY "cust_order"."customer_id" ORDER BY "cust_order"."placed_at" DESC) AS "rn", sum("cust_order"."total") OVER (ORDER BY "cust_order"."id" ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "running" FROM "cust_order"',
    );
  });

  test("UNION / INTERSECT / EXCEPT with ORDER BY on output names", () => {
    const a = select(customer.c.id).where(customer.c.vip.eq(true));
    const b = select(order.c.customerId.as("id"));
    const u = a.union(b);
    assert.equal(
      pgSql(u.orderBy(u.col("id").desc()).limit(3)),
      'SELECT "customer"."id" FROM "customer" WHERE "customer"."vip" = $1::boolean UNION SELECT "cust_order"."customer_id" AS "id" FROM "cust_order" ORDER BY "id" DESC LIMIT $2::integer',
    );
    assert.match(liteSql(a.except(b)), / EXCEPT /);
    assert.match(mySql(a.intersect(b)), / INTERSECT /);
  });

  test("self-join through an alias", () => {
    const manager = alias(employee, "manager");
    const q = select(employee.c.name, manager.c.name.as("manager")).leftJoin(manager, employee.c.managerId.eq(manager.c.id));
    assert.equal(
      pgSql(q),
      'SELECT "employee"."name", "manager"."name" AS "manager" FROM "employee" LEFT JOIN "employee" AS "manager" ON "employee"."manager_id" = "manager"."id"',
    );
  });

  test("FULL JOIN is refused where the engine has none", () => {
    const q = select(customer.c.id, order.c.id.as("oid")).fullJoin(order);
    assert.match(pgSql(q), /FULL JOIN/);
    assert.throws(() => mySql(q), NotSupportedError);
  });

  test("CASE and CAST", () => {
    const q = select(
      caseWhen(order.c.total.gt("100"), "big").when(order.c.total.gt("10"), "mid").else("small").as("size"),
      order.c.id.cast(types.text).as("sid"),
    );
    assert.equal(
      pgSql(q),
      'SELECT CASE WHEN "cust_order"."total" > $1::numeric(10, 2) THEN $2::text WHEN "cust_order"."total" > $3::numeric(10, 2) THEN $4::text ELSE $5::text END AS "size", CAST("cust_order"."id" AS text) AS "sid" FROM "cust_order"',
    );
    assert.match(mySql(q), /CAST\(`cust_order`\.`id` AS LONGTEXT\)|CAST\(`cust_order`\.`id` AS CHAR\)/);
  });

  test("multi-row INSERT with RETURNING; client defaults fill missing keys", () => {
    const q = insert(customer)
      .values([{ name: "a" }, { name: "b", vip: true }])
      .returning(customer.c.id);
    assert.equal(pgSql(q), 'INSERT INTO "customer" ("name", "vip") VALUES ($1, $2), ($3, $4) RETURNING "customer"."id"');
    const slots = [
      { value: "a", type: types.text },
      { value: false, type: types.boolean },
      { value: "b", type: types.text },
      { value: true, type: types.boolean },
    ];
    // Checked values on every dialect: the engine encodes them for its driver (SQLite's 0/1) when it runs.
    for (const d of [postgresDialect, sqliteDialect, mysqlDialect]) assert.deepEqual(compile(d, q).params, slots, d.name);
  });

  // A cast per value cost PostgreSQL a type lookup each: a bulk INSERT parsed markedly slower.
  test("INSERT values of their column's type carry no cast; a value of another type keeps its own", () => {
    const same = insert(customer).values({ name: "a", vip: true });
    assert.equal(pgSql(same), 'INSERT INTO "customer" ("name", "vip") VALUES ($1, $2)');
    // A cell given as an expression of another type (integer into text): its cast stays.
    const node = same.statementNode;
    const other = { statementNode: { ...node, cells: undefined, rows: [[value(7, types.integer).node, cellNode(node, 0, 1)]] } };
    assert.equal(pgSql(other), 'INSERT INTO "customer" ("name", "vip") VALUES ($1::integer, $2)');
    // Elsewhere values keep their type in the text: a comparison of two parameters needs it.
    assert.equal(pgSql(update(customer).set({ name: "b" })), 'UPDATE "customer" SET "name" = $1::text');
  });

  test("INSERT … SELECT", () => {
    const q = insert(customer).fromSelect([customer.c.name], select(employee.c.name));
    assert.equal(pgSql(q), 'INSERT INTO "customer" ("name") SELECT "employee"."name" FROM "employee"');
  });

  test("upsert: ON CONFLICT on PostgreSQL/SQLite, ON DUPLICATE KEY UPDATE on MySQL", () => {
    const q = insert(customer)
      .values({ id: 1, name: "a" })
      .onConflict({ target: [customer.c.id], set: { name: excluded(customer.c.name) } });
    assert.equal(pgSql(q), 'INSERT INTO "customer" ("id", "name", "vip") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name"');
    assert.equal(mySql(q), "INSERT INTO `customer` (`id`, `name`, `vip`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
    const nothing = insert(customer)
      .values({ id: 1, name: "a" })
      .onConflict({ target: [customer.c.id] });
    assert.match(liteSql(nothing), /ON CONFLICT \("id"\) DO NOTHING$/);
    assert.match(mySql(nothing), /ON DUPLICATE KEY UPDATE `id` = `id`$/);
  });

  test("UPDATE with expressions and RETURNING; refused on MariaDB", () => {
    const q = update(item)
      .set({ qty: item.c.qty.add(1) })
      .where(item.c.id.eq(5))
      .returning(item.c.qty);
    assert.equal(pgSql(q), 'UPDATE "item" SET "qty" = "item"."qty" + $1::integer WHERE "item"."id" = $2::integer RETURNING "item"."qty"');
    assert.throws(() => mySql(q), NotSupportedError);
  });

  test("DELETE with a subquery", () => {
    const q = deleteFrom(order).where(order.c.customerId.in(select(customer.c.id).where(customer.c.vip.eq(false))));
    assert.equal(
      liteSql(q),
      'DELETE FROM "cust_order" WHERE "cust_order"."customer_id" IN (SELECT "customer"."id" FROM "customer" WHERE "customer"."vip" = ?)',
    );
  });

  test("the sql tag binds values and embeds builders", () => {
    const who = "O'Brien";
    const q = select(customer.c.id).where(sql<boolean>`${customer.c.name} = ${who} OR ${customer.c.id} > ${10}`);
    assert.equal(pgSql(q), 'SELECT "customer"."id" FROM "customer" WHERE "customer"."name" = $1 OR "customer"."id" > $2');
    assert.deepEqual(compile(postgresDialect, q).params, [
      { value: who, type: types.text },
      { value: 10, type: types.integer },
    ]);
    assert.equal(pgSql(sql`SELECT * FROM ${sql.id('we"ird')}`), 'SELECT * FROM "we""ird"');
  });

  test("named parameters are slots filled at execution", () => {
    const q = select(customer.c.name).where(customer.c.id.eq(param("id", types.integer)));
    assert.deepEqual(compile(postgresDialect, q).params, [{ name: "id", type: types.integer }]);
  });

  test("compiled statements are cached per statement object, by the engine", async () => {
    const { createEngine } = await import("../../src/engine/engine.js");
    const [a, b] = [createEngine("sqlite::memory:"), createEngine("sqlite::memory:")];
    const q = select(customer.c.id);
    assert.equal(a.compile(q), a.compile(q));
    // Each engine owns its caches: nothing is shared through module state.
    assert.notEqual(a.compile(q), b.compile(q));
    assert.deepEqual(a.compile(q).sql, b.compile(q).sql);
    await Promise.all([a.dispose(), b.dispose()]);
  });
});
