// The Session tour: the story of "The SQLAlchemy Session – In Depth", run by Arbor's own Session
// and recorded step by step. `npm run animate` replays it as session-tour.html; the same module
// is what `arbor animate examples/session-tour.ts -o session.html` runs.
import {
  MetaData,
  Model,
  Registry,
  Session,
  createEngine,
  foreignKey,
  integer,
  manyToOne,
  nestedload,
  numeric,
  oneToMany,
  text,
  unique,
  type SessionTrace,
} from "../src/index.js";

const md = new MetaData();
const customerT = md.table("customer", { id: integer().primaryKey().autoincrement(), name: text().notNull() });
const orderT = md.table(
  "cust_order",
  {
    id: integer().primaryKey().autoincrement(),
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
    id: integer().primaryKey().autoincrement(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    sku: text().notNull(),
    price: numeric(10, 2).notNull(),
  },
  (c) => [foreignKey([c.customerId, c.orderId], () => [orderT.c.customerId, orderT.c.id], { grouping: true })],
);

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
const registry = new Registry();
const all = "all, delete-orphan";
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer", cascade: all, orderBy: () => [orderT.c.id] }) } });
registry.map(Order, {
  relationships: {
    customer: manyToOne(() => Customer, { backPopulates: "orders" }),
    items: oneToMany(() => Item, { backPopulates: "order", cascade: all, orderBy: () => [itemT.c.id] }),
  },
});
registry.map(Item, { relationships: { order: manyToOne(() => Order, { backPopulates: "items" }) } });

export default async function tour(trace: SessionTrace): Promise<void> {
  const engine = createEngine("sqlite::memory:", { echo: trace.logger });
  await md.createAll(engine);
  const session = trace.attach(new Session(engine, { registry }));

  // New objects are transient; add() makes them pending, and cascades to Alice's order and items.
  const alice = new Customer({ name: "Alice" });
  const bob = new Customer({ name: "Bob" });
  const a1 = new Order({ num: "A-1" });
  a1.items.push(new Item({ sku: "lamp", price: "24.50" }), new Item({ sku: "bulb", price: "3.20" }));
  alice.orders.push(a1);
  trace.name({ alice, bob, a1 });
  session.add(alice);
  session.add(bob);

  // flush(): INSERTs in foreign-key order (customers, orders, items) inside the transaction.
  await session.flush();

  // Autoflush: Bob's new order is flushed before the query runs, so the query finds it.
  const b1 = new Order({ num: "B-1" });
  b1.items.push(new Item({ sku: "chair", price: "89.00" }));
  b1.customer = bob;
  trace.name({ b1 });
  session.add(b1);
  await session.query(Order).where(Order.c.num.eq("B-1")).all();

  // commit(): COMMIT, and every object expires: the next read comes from the database.
  await session.commit();

  // Modify: the attribute is dirty until the next flush.
  alice.name = "Alice Smith";
  const carol = new Customer({ name: "Carol" });
  trace.name({ carol });
  session.add(carol);
  await session.flush();

  // rollback(): the database and the session go back to the last commit.
  await session.rollback();
  await session.refresh(alice);

  // A SAVEPOINT: what happens after it can be rolled back alone.
  const savepoint = await session.beginNested();
  const dave = new Customer({ name: "Dave" });
  trace.name({ dave });
  session.add(dave);
  await session.flush();
  await savepoint.rollback();

  // delete(): cascades to Bob's order and its item; children are deleted first.
  await session.load(bob, "orders");
  await session.load(b1, "items");
  session.delete(bob);
  await session.commit();

  // A nested load: one statement brings in the whole customer → order → item group.
  await session
    .query(Customer)
    .where(Customer.c.name.eq("Alice"))
    .options(nestedload(Customer, "orders", "items"))
    .one();
  await session.close();
  await engine.dispose();
}
