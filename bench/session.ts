// Point loads with a Session per call, on SQLite, PostgreSQL and MariaDB: `get(Customer, id)` and
// one customer's nestedload graph (10 orders, 50 items) by key. Prints the statements one call
// sends (counted with the engine's echo hook) and p50/p99 latency over CALLS calls (default 1,000)
// after as many warm-up calls.
//
//   node bench/.out/session.mjs [sqlite|postgres|mariadb]
import {
  MetaData,
  Model,
  Registry,
  Session,
  bigint,
  createEngine,
  foreignKey,
  insert,
  integer,
  manyToOne,
  nestedload,
  numeric,
  oneToMany,
  text,
  unique,
  type LogEntry,
} from "../src/index.js";
import pg from "pg";
import mysql from "mysql2/promise";

const md = new MetaData();
const customerT = md.table("customer", { id: integer().primaryKey(), name: text().notNull() });
const orderT = md.table(
  "cust_order",
  {
    id: integer().primaryKey(),
    customerId: integer()
      .notNull()
      .named("customer_id")
      .references(() => customerT.c.id, { grouping: true }),
    ordernum: text().notNull(),
    total: numeric(10, 2).notNull(),
  },
  (c) => [unique([c.customerId, c.id])],
);
const itemT = md.table(
  "item",
  {
    id: integer().primaryKey(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    sku: text().notNull(),
    serial: bigint().notNull(),
  },
  (c) => [foreignKey([c.customerId, c.orderId], () => [orderT.c.customerId, orderT.c.id], { grouping: true })],
);
const registry = new Registry();
class Customer extends Model(customerT) {
  declare orders: Order[];
}
class Order extends Model(orderT) {
  declare customer: Customer | null;
  declare items: Item[];
}
class Item extends Model(itemT) {
  declare order: Order | null;
}
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer", lazy: "lazy" }) } });
registry.map(Order, {
  relationships: { customer: manyToOne(() => Customer, { backPopulates: "orders" }), items: oneToMany(() => Item, { backPopulates: "order", lazy: "lazy" }) },
});
registry.map(Item, { relationships: { order: manyToOne(() => Order, { backPopulates: "items" }) } });

const PG = process.env.ARBOR_PG_HOST ?? "postgres://root@127.0.0.1:5432";
const MY = process.env.ARBOR_MYSQL_HOST ?? "mariadb://root@127.0.0.1:3306";
const urls: Record<string, string> = {
  sqlite: "sqlite::memory:",
  postgres: `${PG}/test?schema=arbor_bench_session`,
  mariadb: `${MY}/arbor_bench_session`,
};
const CALLS = Number(process.env.CALLS ?? 1000);
const only = process.argv[2];
for (const [name, url] of Object.entries(urls)) {
  if (only && only !== name) continue;
  if (name === "postgres") {
    const c = new pg.Client(`${PG}/test`);
    await c.connect();
    await c.query("CREATE SCHEMA IF NOT EXISTS arbor_bench_session");
    await c.end();
  }
  if (name === "mariadb") {
    const c = await mysql.createConnection({ host: "127.0.0.1", user: "root" });
    await c.query("CREATE DATABASE IF NOT EXISTS arbor_bench_session");
    await c.end();
  }
  let log: string[] = [];
  const engine = createEngine(url, {
    echo: (e: LogEntry) => {
      log.push(e.sql.split(" ")[0]);
    },
  });
  await engine.withConnection(async (c) => {
    await md.dropAll(c);
    await md.createAll(c);
    const cs: { id: number; name: string }[] = [];
    const os: { id: number; customerId: number; ordernum: string; total: string }[] = [];
    const is: { id: number; customerId: number; orderId: number; sku: string; serial: bigint }[] = [];
    for (let i = 1; i <= 200; i++) {
      cs.push({ id: i, name: `c${i}` });
      for (let j = 0; j < 10; j++) {
        const oid = i * 10 + j;
        os.push({ id: oid, customerId: i, ordernum: `O${oid}`, total: "1.50" });
        for (let k = 0; k < 5; k++) is.push({ id: oid * 10 + k, customerId: i, orderId: oid, sku: `S${k}`, serial: 9007199254740993n + BigInt(k) });
      }
    }
    await c.execute(insert(customerT).values(cs));
    for (let i = 0; i < os.length; i += 100) await c.execute(insert(orderT).values(os.slice(i, i + 100)));
    for (let i = 0; i < is.length; i += 100) await c.execute(insert(itemT).values(is.slice(i, i + 100)));
  });
  const get = async (id: number) => {
    const s = new Session(engine, { registry });
    try {
      return await s.get(Customer, id);
    } finally {
      await s.close();
    }
  };
  const graph = async (id: number) => {
    const s = new Session(engine, { registry });
    try {
      return await s
        .query(Customer)
        .options(nestedload(Customer, "orders", "items"))
        .where(Customer.c.id.eq(id))
        .one();
    } finally {
      await s.close();
    }
  };
  for (const [label, fn] of [
    ["get(Customer, id)", get],
    ["nestedload graph by key", graph],
  ] as const) {
    log = [];
    await fn(7);
    const wire = log.join(",");
    const t: number[] = [];
    for (let pass = 0; pass < 2; pass++)
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        await fn(((i * 7919) % 200) + 1);
        if (pass) t.push(performance.now() - t0);
      }
    t.sort((a, b) => a - b);
    console.log(
      `${name}\t${label}\ttrips=${wire.split(",").length}\t[${wire}]\tp50=${t[t.length >> 1].toFixed(3)}ms\tp99=${t[Math.floor(t.length * 0.99)].toFixed(3)}ms`,
    );
  }
  await engine.withConnection((c) => md.dropAll(c));
  await engine.dispose();
}
