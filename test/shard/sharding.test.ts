// Sharding by group root on real databases — two PostgreSQL databases, a SQLite file and a MariaDB
// database as shards, one SQLite database as the unsharded reference: routing, identity tokens,
// and fan-out queries merged to exactly what the single database returns.
import { TEST_PREFIX } from "../support/prefix.js";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import mysql from "mysql2/promise";
import {
  MetaData,
  Model,
  NotSupportedError,
  Registry,
  ShardSet,
  ShardedEngine,
  ShardedSession,
  createEngine,
  foreignKey,
  func,
  integer,
  manyToOne,
  numeric,
  oneToMany,
  select,
  text,
  timestamptz,
  unique,
  insert,
  nested,
  type Engine,
} from "../../src/index.js";

const PG = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const MY = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";

const md = new MetaData();
const customer = md.table("customer", { id: integer().primaryKey(), name: text().notNull(), region: text().notNull() });
const order = md.table(
  "cust_order",
  {
    id: integer().primaryKey(),
    customerId: integer()
      .notNull()
      .named("customer_id")
      .references(() => customer.c.id, { grouping: true }),
    total: numeric(10, 2).notNull(),
    placed: timestamptz().notNull(),
  },
  (c) => [unique([c.customerId, c.id])],
);
const item = md.table(
  "item",
  {
    id: integer().primaryKey(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    qty: integer().notNull(),
  },
  (c) => [foreignKey([c.customerId, c.orderId], () => [order.c.customerId, order.c.id], { grouping: true })],
);

const registry = new Registry();
class Customer extends Model(customer) {
  declare orders: Order[];
}
class Order extends Model(order) {
  declare customer: Customer | null;
}
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer", orderBy: () => [order.c.id] }) } });
registry.map(Order, { relationships: { customer: manyToOne(() => Customer, { backPopulates: "orders" }) } });

const PG_DBS = [`${TEST_PREFIX}arbor_route_1`, `${TEST_PREFIX}arbor_route_2`];
const MY_DB = `${TEST_PREFIX}arbor_route_m`;

async function createDatabases(): Promise<void> {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  for (const db of PG_DBS) {
    const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [db]);
    if (!exists.rowCount) await c.query(`CREATE DATABASE ${db}`);
  }
  await c.end();
  const u = new URL(MY);
  const m = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root" });
  await m.query(`CREATE DATABASE IF NOT EXISTS ${MY_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
  await m.end();
}

function pgUrl(db: string): string {
  const u = new URL(PG);
  u.pathname = `/${db}`;
  return u.toString();
}

describe("sharding by group root", () => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-shard-"));
  let engines: Record<string, Engine>;
  let shards: ShardSet;
  let sharded: ShardedEngine;
  let reference: Engine;
  const customers = Array.from({ length: 60 }, (_, i) => ({ id: i + 1, name: `c${i + 1}`, region: ["north", "south", "east"][i % 3] }));
  const orders = customers.flatMap((c) =>
    Array.from({ length: c.id % 4 }, (_, k) => ({
      id: c.id * 10 + k,
      customerId: c.id,
      total: `${(c.id * 7 + k * 3) % 100}.${String((c.id + k) % 100).padStart(2, "0")}`,
      placed: new Date(Date.UTC(2024, 0, 1 + ((c.id * 13 + k) % 300), 12)),
    })),
  );
  const items = orders.flatMap((o) =>
    Array.from({ length: (o.id % 3) + 1 }, (_, j) => ({ id: o.id * 10 + j, customerId: o.customerId, orderId: o.id, qty: (o.id + j) % 7 })),
  );

  before(async () => {
    await createDatabases();
    engines = {
      pg1: createEngine(pgUrl(PG_DBS[0])),
      pg2: createEngine(pgUrl(PG_DBS[1])),
      lite: createEngine(`sqlite:${join(dir, "shard.db")}`),
      maria: createEngine(new URL(`/${MY_DB}`, MY).toString()),
    };
    reference = createEngine("sqlite::memory:");
    for (const e of [...Object.values(engines), reference])
      await e.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
    shards = new ShardSet(engines, { metadata: md });
    sharded = new ShardedEngine(shards);
    for (const [t, rows] of [
      [customer, customers],
      [order, orders],
      [item, items],
    ] as const) {
      await sharded.execute(insert(t as typeof customer).values(rows as never));
      await reference.execute(insert(t as typeof customer).values(rows as never));
    }
  });

  after(async () => {
    for (const e of Object.values(engines)) await e.withConnection((c) => md.dropAll(c));
    await shards.dispose();
    await reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every member of a group lives on its root's shard, and only there", async () => {
    const counts: Record<string, number> = {};
    for (const name of shards.names) {
      const e = shards.engine(name);
      const ids = (await e.execute(select(customer.c.id))).scalars();
      counts[name] = ids.length;
      for (const id of ids) assert.equal(shards.shardFor([id]), name);
      for (const o of (await e.execute(select(order.c.customerId))).rows) assert.equal(shards.shardFor([o.customerId]), name);
      for (const i of (await e.execute(select(item.c.customerId))).rows) assert.equal(shards.shardFor([i.customerId]), name);
    }
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      customers.length,
    );
    assert.ok(
      Object.values(counts).every((n) => n > 0),
      JSON.stringify(counts),
    );
  });

  test("a query pinned to one root key runs on one shard, nested results included", async () => {
    const q = select(
      customer.c.name,
      nested(select(order.c.id, order.c.total, nested(select(item.c.qty).orderBy(item.c.id)).as("items")).orderBy(order.c.id)).as("orders"),
    ).where(customer.c.id.eq(7));
    assert.deepEqual(sharded.shardsOf(q), [shards.shardFor([7])]);
    assert.deepEqual((await sharded.execute(q)).rows, (await reference.execute(q)).rows);
    assert.equal(sharded.shardsOf(select(customer.c.id).where(customer.c.id.in([1, 2, 3, 4, 5, 6]))).length > 1, true);
    assert.deepEqual(sharded.shardsOf(select(order.c.id).where(order.c.customerId.eq(9), order.c.total.gt("1"))), [shards.shardFor([9])]);
  });

  const fanOut: [string, () => Parameters<ShardedEngine["execute"]>[0]][] = [
    ["ORDER BY with LIMIT/OFFSET", () => select(order.c.id, order.c.total, order.c.placed).orderBy(order.c.placed.desc(), order.c.id).limit(7).offset(5)],
    ["ORDER BY a numeric then id", () => select(order.c.total, order.c.id).orderBy(order.c.total, order.c.id)],
    [
      "count, sum, min, max",
      () =>
        select(func.count().as("n"), func.sum(order.c.total).as("sum"), func.min(order.c.placed).as("first"), func.max(item.c.id).as("maxItem"))
          .from(order)
          .join(item, item.c.orderId.eq(order.c.id)),
    ],
    [
      "aggregates grouped, ordered",
      () =>
        select(customer.c.region, func.count().as("n"), func.sum(order.c.total).as("sum")).join(order).groupBy(customer.c.region).orderBy(customer.c.region),
    ],
    ["DISTINCT ordered", () => select(customer.c.region).distinct().orderBy(customer.c.region)],
    ["join with a filter, ordered", () => select(customer.c.name, order.c.id).join(order).where(order.c.total.gt("50")).orderBy(order.c.id)],
  ];
  for (const [name, build] of fanOut)
    test(`fan-out equals one database: ${name}`, async () => {
      const q = build();
      assert.equal(sharded.shardsOf(q).length, shards.names.length);
      assert.deepEqual((await sharded.execute(q)).rows, (await reference.execute(q)).rows);
    });

  test("a sharded session places groups by root key and keeps the shard in the identity key", async () => {
    const ss = new ShardedSession(shards, { registry });
    const c = new Customer({ id: 1001, name: "new", region: "west" });
    c.orders.push(new Order({ id: 10010, total: "1.00", placed: new Date(0) }), new Order({ id: 10011, total: "2.00", placed: new Date(1) }));
    ss.add(c);
    const orphan = new Order({ id: 99999, total: "0.00", placed: new Date(0) });
    orphan.customer = c;
    ss.add(orphan);
    await ss.commit();
    const home = shards.shardFor([1001]);
    assert.equal(ss.shardOf(c), home);
    assert.equal(ss.shardOf(orphan), home);
    assert.match(ss.session(home).inspect(c).identityKey!, new RegExp(`@${home}$`));
    const rows = (await shards.engine(home).execute(select(order.c.id).where(order.c.customerId.eq(1001)).orderBy(order.c.id))).scalars();
    assert.deepEqual(rows, [10010, 10011, 99999]);
    for (const other of shards.names.filter((n) => n !== home))
      assert.equal((await shards.engine(other).execute(select(customer.c.id).where(customer.c.id.eq(1001)))).rows.length, 0);

    const again = new ShardedSession(shards, { registry });
    const got = (await again.get(Customer, 1001))!;
    assert.equal(again.shardOf(got), home);
    assert.deepEqual(
      got.orders.map((o) => o.id),
      [10010, 10011, 99999],
    );
    assert.equal(await again.get(Customer, 1001), got);
    // An order's primary key does not hold the root key: asked of every shard, found on one.
    const o = (await again.get(Order, 10011))!;
    assert.equal(again.shardOf(o), home);

    const page = await again.query(Customer).where(Customer.c.id.lt(1000)).orderBy(Customer.c.name.desc()).limit(4).offset(3).all();
    const expected = (await reference.execute(select(customer.c.name).orderBy(customer.c.name.desc()).limit(4).offset(3))).scalars();
    assert.deepEqual(
      page.map((x) => x.name),
      expected,
    );
    assert.deepEqual(again.query(Customer).where(Customer.c.id.eq(5)).targets(), [shards.shardFor([5])]);
    await again.close();

    const cleanup = new ShardedSession(shards, { registry });
    cleanup.delete((await cleanup.get(Customer, 1001))!);
    await cleanup.commit();
    await cleanup.close();
    await ss.close();
    // Regression: a detached object's identity key kept its shard token.
    const viewer = new ShardedSession(shards, { registry }).session(home);
    assert.equal(viewer.inspect(c).status, "detached");
    assert.match(viewer.inspect(c).identityKey!, new RegExp(`@${home}$`));
    assert.match(viewer.inspect(got).identityKey!, new RegExp(`@${home}$`));
    await viewer.close();
  });

  test("regression: a sharded session query whose condition reads other groups is refused, not answered per shard", async () => {
    const ss = new ShardedSession(shards, { registry });
    const biggest = select(func.max(order.c.total).as("m")).from(order).scalar();
    assert.throws(() => ss.query(Order).where(order.c.customerId.eq(1), order.c.total.eq(biggest)).targets(), NotSupportedError);
    await assert.rejects(ss.query(Order).where(order.c.total.eq(biggest)).all(), NotSupportedError);
    // Correlated on the root key, it runs on the pinned shard.
    const own = select(func.max(order.c.total).as("m")).from(order).where(order.c.customerId.eq(customer.c.id)).scalar();
    assert.equal(ss.query(Customer).where(customer.c.id.eq(1), own.isNotNull()).targets().length, 1);
    await ss.close();
  });

  test("an object whose root key is unknown cannot be placed", async () => {
    const ss = new ShardedSession(shards, { registry });
    assert.throws(() => ss.add(new Order({ id: 5, total: "1.00", placed: new Date(0) })), /Cannot place Order: its root key \(customerId\) is not set/);
    await ss.close();
  });
});
