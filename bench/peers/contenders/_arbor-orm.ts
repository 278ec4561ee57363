// Arbor ORM contenders (shared by arbor-orm-*.ts): mapped entities, a fresh Session per request,
// the whole customer → orders → items graph loaded with one loader strategy.
// Insert goes through the unit of work (add the graph, commit: one multi-row INSERT … RETURNING
// per table and page); update loads the items into a Session, changes qty and commits (the unit
// of work sends one UPDATE per changed row, in one transaction).
import {
  MetaData, Model, Registry, Session, bigint, boolean, createEngine, index, integer, joinedload, manyToOne, nestedload, numeric,
  oneToMany, selectinload, text, timestamptz, type Engine,
} from "../../../src/index.js";
import type { BenchContext, Contender, EngineKind, NewCustomer } from "../lib/contender.js";

const md = new MetaData();
const customerT = md.table("customer", {
  id: integer().primaryKey().autoincrement(),
  name: text().notNull(),
  vip: boolean().notNull().default(false),
  created: timestamptz().notNull(),
});
const orderT = md.table(
  "cust_order",
  {
    id: integer().primaryKey().autoincrement(),
    customerId: integer().notNull().named("customer_id").references(() => customerT.c.id),
    ordernum: text().notNull(),
    placedAt: timestamptz().notNull().named("placed_at"),
    total: numeric(10, 2).notNull(),
  },
  (c) => [index([c.customerId])],
);
const itemT = md.table(
  "item",
  {
    id: integer().primaryKey().autoincrement(),
    orderId: integer().notNull().named("order_id").references(() => orderT.c.id),
    sku: text().notNull(),
    qty: integer().notNull(),
    price: numeric(10, 2).notNull(),
    serial: bigint().notNull(),
  },
  (c) => [index([c.orderId])],
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
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer", orderBy: () => [orderT.c.id] }) } });
registry.map(Order, {
  relationships: {
    customer: manyToOne(() => Customer, { backPopulates: "orders" }),
    items: oneToMany(() => Item, { backPopulates: "order", orderBy: () => [itemT.c.id] }),
  },
});
registry.map(Item, { relationships: { order: manyToOne(() => Order, { backPopulates: "items" }) } });

const strategies = { nestedload, joinedload, selectinload } as const;
export type StrategyName = keyof typeof strategies;

export function arborOrm(strategy: StrategyName, kind: EngineKind, order: number): Contender {
  let engine: Engine;
  let session: Session | undefined;
  let loaded: Item[] = [];
  const option = () => strategies[strategy](Customer, "orders", "items");
  return {
    name: `Arbor ORM ${strategy}${kind === "sqlite" ? " (SQLite)" : ""}`,
    engine: kind,
    order,
    workloads: kind === "postgres" ? (strategy === "nestedload" ? [1, 2, 3, 4] : [1, 2]) : [5],
    description: `session.query(Customer).options(${strategy}(Customer, "orders", "items")).orderBy(Customer.c.id).all() in a fresh Session; entities in an identity map.`,
    async setup(ctx: BenchContext) {
      engine = kind === "postgres" ? createEngine(ctx.pgUrl, { poolSize: ctx.poolSize }) : createEngine(`sqlite:${ctx.sqliteFile}`);
    },
    async graphLoad() {
      const s = new Session(engine, { registry });
      try {
        return await s.query(Customer).options(option()).orderBy(Customer.c.id).all();
      } finally {
        await s.close();
      }
    },
    async oneGraph(id: number) {
      const s = new Session(engine, { registry });
      try {
        return await s.query(Customer).options(option()).where(Customer.c.id.eq(id)).first();
      } finally {
        await s.close();
      }
    },
    async insertGraph(data: readonly NewCustomer[]) {
      const s = new Session(engine, { registry });
      for (const c of data) {
        const customer = new Customer({ name: c.name, vip: c.vip, created: c.created });
        for (const o of c.orders) {
          const ord = new Order({ ordernum: o.ordernum, placedAt: o.placedAt, total: o.total });
          for (const i of o.items) ord.items.push(new Item({ sku: i.sku, qty: i.qty, price: i.price, serial: i.serial }));
          customer.orders.push(ord);
        }
        s.add(customer);
      }
      await s.commit();
      await s.close();
    },
    async loadForUpdate(n: number) {
      session = new Session(engine, { registry, expireOnCommit: false });
      loaded = await session.query(Item).where(Item.c.id.le(n)).orderBy(Item.c.id).all();
    },
    async updateLoaded() {
      for (const i of loaded) i.qty += 1;
      await session!.commit();
      await session!.close();
    },
    async teardown() {
      await engine.dispose();
    },
  };
}
