// Sharding benchmark: group writes and single-root reads through a ShardedSession over three
// PostgreSQL databases, against the same work through a plain Session on one database.
//
//   node bench/.out/shard.mjs [--quick]
//
// A group is one customer with 5 orders of 4 items (26 rows). Writes: N groups added and
// committed in batches of 50. Reads: `get(Customer, id)` of random roots, each loading its whole
// group in one statement (grouping relationships load nested by default), in a fresh session.
// Rebalance: SMALL groups of 3 rows (a customer, an order, an item) on two shards, rebalanced onto
// three (a third of the groups move), in batches of 2,000 groups: groups moved per second.
import os from "node:os";
import pg from "pg";
import {
  MetaData,
  Model,
  Registry,
  Session,
  ShardSet,
  ShardedSession,
  createEngine,
  foreignKey,
  integer,
  manyToOne,
  numeric,
  oneToMany,
  ShardedEngine,
  insert,
  rebalance,
  select,
  func,
  text,
  unique,
  type Engine,
} from "../src/index.js";

const QUICK = process.argv.includes("--quick");
const GROUPS = QUICK ? 300 : 1500;
const READS = QUICK ? 300 : 2000;
const SMALL = QUICK ? 6000 : 30000;
const PG = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const DBS = ["arbor_bench_single", "arbor_bench_s1", "arbor_bench_s2", "arbor_bench_s3"];

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
    num: text().notNull(),
  },
  (c) => [unique([c.customerId, c.id])],
);
const itemT = md.table(
  "item",
  {
    id: integer().primaryKey(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    price: numeric(10, 2).notNull(),
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
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer" }) } });
registry.map(Order, {
  relationships: { customer: manyToOne(() => Customer, { backPopulates: "orders" }), items: oneToMany(() => Item, { backPopulates: "order" }) },
});
registry.map(Item, { relationships: { order: manyToOne(() => Order, { backPopulates: "items" }) } });

function group(id: number): Customer {
  const c = new Customer({ id, name: `customer ${id}` });
  for (let o = 0; o < 5; o++) {
    const order = new Order({ id: id * 10 + o, num: `N${o}` });
    for (let i = 0; i < 4; i++) order.items.push(new Item({ id: (id * 10 + o) * 10 + i, price: `${i}.25` }));
    c.orders.push(order);
  }
  return c;
}

interface Target {
  add(o: object): void;
  commit(): Promise<void>;
  close(): Promise<void>;
  get(id: number): Promise<Customer | undefined>;
}

async function timeWrites(make: () => Target): Promise<number> {
  const t0 = performance.now();
  for (let start = 1; start <= GROUPS; start += 50) {
    const s = make();
    for (let id = start; id < start + 50 && id <= GROUPS; id++) s.add(group(id));
    await s.commit();
    await s.close();
  }
  return performance.now() - t0;
}

async function timeReads(make: () => Target): Promise<number[]> {
  const lat: number[] = [];
  let seed = 7;
  for (let n = 0; n < READS; n++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const id = 1 + (seed % GROUPS);
    const s = make();
    const t0 = performance.now();
    const c = await s.get(id);
    lat.push(performance.now() - t0);
    if (!c || c.orders.length !== 5 || c.orders[0].items.length !== 4) throw new Error(`group ${id} incomplete`);
    await s.close();
  }
  return lat.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  for (const db of DBS) {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [db]);
    if (!exists.rowCount) await admin.query(`CREATE DATABASE ${db}`);
  }
  await admin.end();
  const url = (db: string) => Object.assign(new URL(PG), { pathname: `/${db}` }).toString();
  const single = createEngine(url(DBS[0]));
  const shardEngines: Record<string, Engine> = { s1: createEngine(url(DBS[1])), s2: createEngine(url(DBS[2])), s3: createEngine(url(DBS[3])) };
  for (const e of [single, ...Object.values(shardEngines)])
    await e.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
  const shards = new ShardSet(shardEngines, { metadata: md });

  const plain = (): Target => {
    const s = new Session(single, { registry });
    return { add: (o) => s.add(o), commit: () => s.commit(), close: () => s.close(), get: (id) => s.get(Customer, id) };
  };
  const sharded = (): Target => {
    const s = new ShardedSession(shards, { registry });
    return { add: (o) => s.add(o), commit: () => s.commit(), close: () => s.close(), get: (id) => s.get(Customer, id) };
  };

  const wSingle = await timeWrites(plain);
  const wSharded = await timeWrites(sharded);
  const placed = await Promise.all(shards.names.map(async (n) => (await shards.engine(n).execute(select(func.count().as("n")).from(customerT))).scalar()));
  await timeReads(plain); // warm-up: connections, statement caches, JIT
  await timeReads(sharded);
  const rSingle = await timeReads(plain);
  const rSharded = await timeReads(sharded);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))].toFixed(2);

  console.log(`Sharded vs single database, PostgreSQL, ${GROUPS} groups of 26 rows, ${READS} reads; Node ${process.version}, ${os.cpus().length} cores`);
  console.log(`groups per shard: ${shards.names.map((n, i) => `${n}=${placed[i]}`).join(", ")}`);
  console.log("| workload | single DB | 3 shards | ratio |");
  console.log("|---|---:|---:|---:|");
  console.log(`| write ${GROUPS} groups (ms, batches of 50) | ${wSingle.toFixed(0)} | ${wSharded.toFixed(0)} | ${(wSharded / wSingle).toFixed(2)} |`);
  console.log(
    `| read one group by root: p50 ms | ${pct(rSingle, 0.5)} | ${pct(rSharded, 0.5)} | ${(Number(pct(rSharded, 0.5)) / Number(pct(rSingle, 0.5))).toFixed(2)} |`,
  );
  console.log(
    `| read one group by root: p99 ms | ${pct(rSingle, 0.99)} | ${pct(rSharded, 0.99)} | ${(Number(pct(rSharded, 0.99)) / Number(pct(rSingle, 0.99))).toFixed(2)} |`,
  );

  // Rebalance: two shards → three.
  for (const e of Object.values(shardEngines))
    await e.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
  const ringOf = (names: string[]) => new ShardSet(Object.fromEntries(names.map((n) => [n, shardEngines[n]])), { metadata: md });
  const two = ringOf(["s1", "s2"]);
  const three = ringOf(["s1", "s2", "s3"]);
  const loader = new ShardedEngine(two);
  for (let start = 1; start <= SMALL; start += 1000) {
    const ids = Array.from({ length: Math.min(1000, SMALL - start + 1) }, (_x, i) => start + i);
    await loader.execute(insert(customerT).values(ids.map((id) => ({ id, name: `c${id}` }))));
    await loader.execute(insert(orderT).values(ids.map((id) => ({ id: id * 10, customerId: id, num: "N" }))));
    await loader.execute(insert(itemT).values(ids.map((id) => ({ id: id * 100, customerId: id, orderId: id * 10, price: "1.25" }))));
  }
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
  let planned = 0;
  const r0 = performance.now();
  const report = await rebalance(two, three, {
    groupsPerBatch: 2000,
    onProgress: (p) => {
      if (p.phase === "planned") planned = performance.now();
    },
  });
  const r1 = performance.now();
  console.log(
    `rebalance: ${SMALL} groups of 3 rows on 2 shards → 3: ${report.moved} moved in ${(r1 - r0).toFixed(0)} ms (scan ${(planned - r0).toFixed(0)} ms, moves ${(r1 - planned).toFixed(0)} ms): ` +
      `${Math.round(report.moved / ((r1 - planned) / 1000))} groups/s moving, ${Math.round(report.moved / ((r1 - r0) / 1000))} groups/s overall; load average ${load}`,
  );
  for (const e of [single, ...Object.values(shardEngines)]) await e.withConnection((c) => md.dropAll(c));
  await single.dispose();
  await shards.dispose();
}

await main();
