// A fixed-iteration driver for counting instructions (docs/performance.md): one workload, a fixed
// number of iterations, on SQLite in memory, no timing. Counted under valgrind, so the figure is the
// work done, whatever else runs on the machine:
//
//   node bench/build.mjs
//   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null node bench/.out/instructions.mjs <workload> <n>
//
// The count with n = 0 (setup only) is subtracted from the count with n iterations. Workloads:
//   lookup    n selects by primary key, the statement built per call (executeSync)
//   prepared  n selects by primary key, one statement with param("id") (executeSync)
//   scan      n selects of 2,000 rows × 8 columns (Date, bigint, numeric, boolean, …)
//   key       n shape keys of a join with GROUP BY, HAVING, CASE and an IN list, built per call
//   walk      n full walks (every child) of the same statement
//   compile   n compiles of the same statement (no cache)
//   orm       n Session loads of 20 customers × 5 orders × 3 items with nestedload
//   orm-point n Sessions each loading one customer by key with its orders and their lines
//             (nestedload, the query rebuilt per call as an application writes it): bench/peers
//             workload 2's client share
//   core-point the same graph by key through Core: one nested() statement with param("id")
//   insert    n multi-row INSERTs of 8,400 rows × 8 columns built, planned and their values encoded
//             for PostgreSQL (no connection: the client's share of a bulk insert)
//   orm-insert n Sessions each adding a new graph of 20 customers × 7 orders × 6 items (1,000
//             objects, database-assigned keys, tables of their own) and committing it
//   orm-reassign n Sessions each loading a customer with 4,000 orders, assigning the collection
//             its own members in reverse order and flushing (membership compared both ways), then
//             rolling back
//   orm-backref n new customers each given 4,000 new orders by setting each order's customer
//             (the back-reference adds the order to the customer's collection); no Session
//   mixed     n lookups as above, and every 20th iteration a scan whose rows are kept until four
//             scans later, as an application holding results does: the old generation fills and
//             full collections happen on their own (what class anchors are for), none forced
// A third argument k forces a full collection every k iterations (a bound for class anchors: their
// whole gain comes after full collections), e.g. `lookup 3000 500`.
import v8 from "node:v8";
import vm from "node:vm";
import {
  MetaData,
  Model,
  Registry,
  Session,
  selectinload,
  bigint,
  boolean,
  caseWhen,
  createEngine,
  double,
  func,
  insert,
  integer,
  manyToOne,
  nested,
  nestedload,
  numeric,
  oneToMany,
  param,
  select,
  text,
  timestamptz,
  types,
} from "../src/index.js";
import { PlanCache } from "../src/engine/plan-cache.js";
import { postgresDialect } from "../src/index.js";
import { shapeKey } from "../src/sql/cache-key.js";
import type { Node } from "../src/sql/nodes/index.js";
import { eachChild } from "../src/sql/traverse.js";

const workload = process.argv[2] ?? "lookup";
const n = Number(process.argv[3] ?? 1000);
const gcEvery = Number(process.argv[4] ?? 0);
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const md = new MetaData();
const item = md.table("item", {
  id: integer().primaryKey(),
  name: text().notNull(),
  qty: integer().notNull(),
  price: double().notNull(),
  active: boolean().notNull(),
  created: timestamptz().notNull(),
  amount: numeric(10, 2).notNull(),
  big: bigint().notNull(),
});
const customer = md.table("customer", { id: integer().primaryKey(), name: text().notNull() });
const order = md.table("cust_order", {
  id: integer().primaryKey(),
  customerId: integer()
    .named("customer_id")
    .notNull()
    .references(() => customer.c.id),
  total: numeric(10, 2).notNull(),
});
const line = md.table("line", {
  id: integer().primaryKey(),
  orderId: integer()
    .named("order_id")
    .notNull()
    .references(() => order.c.id),
  sku: text().notNull(),
});

// Tables of orm-insert: keys assigned by the database.
const newCustomer = md.table("new_customer", { id: integer().primaryKey().autoincrement(), name: text().notNull() });
const newOrder = md.table("new_order", {
  id: integer().primaryKey().autoincrement(),
  customerId: integer()
    .named("customer_id")
    .notNull()
    .references(() => newCustomer.c.id),
  total: numeric(10, 2).notNull(),
});
const newLine = md.table("new_line", {
  id: integer().primaryKey().autoincrement(),
  orderId: integer()
    .named("order_id")
    .notNull()
    .references(() => newOrder.c.id),
  sku: text().notNull(),
});

const ROWS = 2_000;
const engine = createEngine("sqlite::memory:");
await engine.withConnection(async (c) => {
  await md.createAll(c);
  const start = Date.UTC(2020, 0, 1);
  const rows = Array.from({ length: ROWS }, (_, k) => ({
    id: k + 1,
    name: `item ${k + 1}`,
    qty: (k * 7919) % 100_000,
    price: k / 7,
    active: k % 2 === 0,
    created: new Date(start + k * 86_400_123),
    amount: ((k * 12_347) / 100).toFixed(2),
    big: BigInt(k + 1) * 1_000_000_007n,
  }));
  for (let i = 0; i < ROWS; i += 500) await c.execute(insert(item).values(rows.slice(i, i + 500)));
  await c.execute(insert(customer).values(Array.from({ length: 20 }, (_, k) => ({ id: k + 1, name: `c${k + 1}` }))));
  await c.execute(insert(order).values(Array.from({ length: 100 }, (_, k) => ({ id: k + 1, customerId: (k % 20) + 1, total: `${k}.50` }))));
  await c.execute(insert(line).values(Array.from({ length: 300 }, (_, k) => ({ id: k + 1, orderId: (k % 100) + 1, sku: `s${k}` }))));
});

const registry = new Registry();
class Customer extends Model(customer) {
  declare orders: Order[];
}
class Order extends Model(order) {
  declare lines: Line[];
}
class Line extends Model(line) {}
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { orderBy: () => [order.c.id] }) } });
registry.map(Order, { relationships: { lines: oneToMany(() => Line, { orderBy: () => [line.c.id] }) } });
registry.map(Line, {});

class NewCustomer extends Model(newCustomer) {
  declare orders: NewOrder[];
}
class NewOrder extends Model(newOrder) {
  declare customer: NewCustomer | null;
  declare lines: NewLine[];
}
class NewLine extends Model(newLine) {
  declare order: NewOrder | null;
}
registry.map(NewCustomer, { relationships: { orders: oneToMany(() => NewOrder, { backPopulates: "customer" }) } });
registry.map(NewOrder, {
  relationships: { customer: manyToOne(() => NewCustomer, { backPopulates: "orders" }), lines: oneToMany(() => NewLine, { backPopulates: "order" }) },
});
registry.map(NewLine, { relationships: { order: manyToOne(() => NewOrder, { backPopulates: "lines" }) } });

/** The customer orm-reassign loads, with its 4,000 orders (made once, on first use). */
let bigCustomer: number | undefined;
async function reassign(): Promise<number> {
  if (bigCustomer === undefined) {
    const s = new Session(engine, { registry });
    const c = new NewCustomer({ name: "big" });
    for (let o = 0; o < 4_000; o++) c.orders.push(new NewOrder({ total: `${o}.50` }));
    s.add(c);
    await s.commit();
    bigCustomer = c.id;
    await s.close();
  }
  const s = new Session(engine, { registry });
  const c = await s.query(NewCustomer).options(selectinload(NewCustomer, "orders")).where(NewCustomer.c.id.eq(bigCustomer)).first();
  if (!c) throw new Error("the big customer is gone");
  c.orders = [...c.orders].reverse();
  const n = c.orders.length;
  await s.flush();
  await s.rollback();
  await s.close();
  return n;
}

/** A new customer given 4,000 new orders through each order's back-reference. */
function backrefs(i: number): number {
  const cust = new NewCustomer({ name: `b${i}` });
  for (let o = 0; o < 4_000; o++) new NewOrder({ total: "1.25" }).customer = cust;
  return cust.orders.length;
}

/** One new graph of 1,000 objects added and committed (the rows stay: keys keep growing). */
async function insertGraph(i: number): Promise<number> {
  const s = new Session(engine, { registry });
  let n = 0;
  for (let c = 0; c < 20; c++) {
    const cust = new NewCustomer({ name: `n${i}-${c}` });
    for (let o = 0; o < 7; o++) {
      const ord = new NewOrder({ total: `${o}.25` });
      for (let l = 0; l < 6; l++) ord.lines.push(new NewLine({ sku: `s${l}` }));
      cust.orders.push(ord);
    }
    s.add(cust);
    n += cust.orders.length;
  }
  await s.commit();
  await s.close();
  return n;
}

const joined = (i: number) =>
  select(customer.c.name, func.count(order.c.id).as("n"), caseWhen(customer.c.id.gt(i), "late").else("early").as("band"))
    .from(customer)
    .join(order, order.c.customerId.eq(customer.c.id))
    .where(order.c.id.in([i, i + 1, i + 2]))
    .groupBy(customer.c.name, customer.c.id)
    .having(func.count(order.c.id).gt(1))
    .orderBy(customer.c.name);

let sink = 0;
const kept: unknown[] = [];
const walk = (node: Node): void => {
  sink++;
  eachChild(node, walk);
};
const lookup = select(item)
  .from(item)
  .where(item.c.id.eq(param("id", types.integer)));
const all = select(item).from(item);
const pointGraph = select(
  customer.c.id,
  customer.c.name,
  nested(
    select(
      order.c.id,
      order.c.customerId,
      order.c.total,
      nested(select(line.c.id, line.c.orderId, line.c.sku).where(line.c.orderId.eq(order.c.id)).orderBy(line.c.id)).as("lines"),
    )
      .where(order.c.customerId.eq(customer.c.id))
      .orderBy(order.c.id),
  ).as("orders"),
).where(customer.c.id.eq(param("id", types.integer)));
const compiler = engine.dialect;
const bulkRows = Array.from({ length: 8_400 }, (_, k) => ({
  id: k + 1,
  name: `item ${k + 1}`,
  qty: k % 1_000,
  price: k / 7,
  active: k % 2 === 0,
  created: new Date(Date.UTC(2020, 0, 1) + k * 86_400_123),
  amount: ((k * 12_347) / 100).toFixed(2),
  big: BigInt(k + 1) * 1_000_000_007n,
}));
const pgPlans = new PlanCache(postgresDialect);
const stmt = joined(1).statementNode;

for (let i = 0; i < n; i++) {
  if (gcEvery > 0 && i % gcEvery === gcEvery - 1) gc();
  const id = 1 + ((i * 7919) % ROWS);
  switch (workload) {
    case "lookup":
      sink += engine.executeSync(select(item).from(item).where(item.c.id.eq(id))).rows.length;
      break;
    case "prepared":
      sink += engine.executeSync(lookup, { id }).rows.length;
      break;
    case "scan":
      sink += engine.executeSync(all).rows.length;
      break;
    case "mixed":
      sink += engine.executeSync(select(item).from(item).where(item.c.id.eq(id))).rows.length;
      if (i % 20 === 0) kept[(i / 20) % 4] = engine.executeSync(all).rows;
      break;
    case "key":
      sink += shapeKey(joined(i).statementNode)?.key.length ?? 0;
      break;
    case "walk":
      walk(stmt);
      break;
    case "compile":
      sink += compiler.createCompiler().compile(stmt).sql.length;
      break;
    case "insert":
      sink += pgPlans.planFor(insert(item).values(bulkRows).statementNode).fill(postgresDialect, undefined).length;
      break;
    case "orm": {
      const s = new Session(engine, { registry });
      sink += (
        await s
          .query(Customer)
          .options(nestedload(Customer, "orders", "lines"))
          .orderBy(Customer.c.id)
          .all()
      ).length;
      await s.close();
      break;
    }
    case "orm-point": {
      const s = new Session(engine, { registry });
      const c = await s
        .query(Customer)
        .options(nestedload(Customer, "orders", "lines"))
        .where(Customer.c.id.eq(1 + (i % 20)))
        .first();
      sink += c?.orders.length ?? 0;
      await s.close();
      break;
    }
    case "core-point":
      sink += ((await engine.execute(pointGraph, { id: 1 + (i % 20) })).rows[0]?.orders.length as number | undefined) ?? 0;
      break;
    case "orm-insert":
      sink += await insertGraph(i);
      break;
    case "orm-reassign":
      sink += await reassign();
      break;
    case "orm-backref":
      sink += backrefs(i);
      break;
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}
await engine.dispose();
console.log(`${workload} × ${n}: ${sink}`);
