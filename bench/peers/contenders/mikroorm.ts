// MikroORM 6.6 (7 needs a newer Node): entities declared with EntitySchema (no decorators, so no
// emitDecoratorMetadata is needed under tsx/esbuild), populate: ['orders.items'] with the joined
// and the select-in strategy. A fresh EntityManager fork per logical request (per graph load, per
// oneGraph call, per insert, per update pass), as in a web request.
//
// Types: datetime → Date, decimal(10,2) → string (DecimalType's default), int8 → bigint
// (BigIntType('bigint'), the documented option for exact values).
//
// 3 insert: em.create() for every customer, order and item, then one em.flush() (the unit of
//   work batches the INSERT … RETURNING statements).
// 4 update: em.find(Item, { id: { $lte: n } }) in a fork (untimed); timed: qty + 1 on each entity,
//   em.flush() (MikroORM batches the updates).
// SQLite (workload 5): @mikro-orm/better-sqlite (MikroORM's better-sqlite3 driver), same entities.
import "reflect-metadata";
import { BigIntType, Collection, EntitySchema, LoadStrategy, MikroORM, type Options } from "@mikro-orm/core";
import type { BenchContext, Contender, EngineKind, NewCustomer } from "../lib/contender.js";

function model(kind: EngineKind) {
  // PostgreSQL: timestamptz columns; SQLite: MikroORM's default datetime mapping.
  const tz = kind === "postgres" ? { columnType: "timestamptz" } : {};
  class Customer {
    id!: number;
    name!: string;
    vip!: boolean;
    created!: Date;
    orders = new Collection<CustOrder>(this);
  }
  class CustOrder {
    id!: number;
    customer!: Customer;
    ordernum!: string;
    placedAt!: Date;
    total!: string;
    items = new Collection<Item>(this);
  }
  class Item {
    id!: number;
    order!: CustOrder;
    sku!: string;
    qty!: number;
    price!: string;
    serial!: bigint;
  }
  const schemas = [
    new EntitySchema<Customer>({
      class: Customer,
      tableName: "customer",
      properties: {
        id: { type: "integer", primary: true, autoincrement: true },
        name: { type: "text" },
        vip: { type: "boolean" },
        created: { type: "datetime", ...tz },
        orders: { kind: "1:m", entity: () => CustOrder, mappedBy: "customer", orderBy: { id: "asc" } },
      },
    }),
    new EntitySchema<CustOrder>({
      class: CustOrder,
      tableName: "cust_order",
      properties: {
        id: { type: "integer", primary: true, autoincrement: true },
        customer: { kind: "m:1", entity: () => Customer, fieldName: "customer_id", index: true },
        ordernum: { type: "text" },
        placedAt: { type: "datetime", fieldName: "placed_at", ...tz },
        total: { type: "decimal", precision: 10, scale: 2 },
        items: { kind: "1:m", entity: () => Item, mappedBy: "order", orderBy: { id: "asc" } },
      },
    }),
    new EntitySchema<Item>({
      class: Item,
      tableName: "item",
      properties: {
        id: { type: "integer", primary: true, autoincrement: true },
        order: { kind: "m:1", entity: () => CustOrder, fieldName: "order_id", index: true },
        sku: { type: "text" },
        qty: { type: "integer" },
        price: { type: "decimal", precision: 10, scale: 2 },
        serial: { type: new BigIntType("bigint") },
      },
    }),
  ];
  return { Customer, CustOrder, Item, schemas };
}

function mikro(kind: EngineKind, strategy: "joined" | "select-in"): Contender {
  const { Customer, CustOrder, Item, schemas } = model(kind);
  let orm: MikroORM;
  let loadedEm: ReturnType<MikroORM["em"]["fork"]>;
  let loaded: InstanceType<typeof Item>[] = [];
  const loadStrategy = strategy === "joined" ? LoadStrategy.JOINED : LoadStrategy.SELECT_IN;
  const populate = ["orders.items"] as never;
  return {
    name: `MikroORM 6 (${strategy})${kind === "sqlite" ? " (SQLite)" : ""}`,
    engine: kind,
    order: strategy === "joined" ? 40 : 41,
    // Insert and update do not depend on the load strategy: measured once, with the joined contender.
    workloads: kind === "sqlite" ? [5] : strategy === "joined" ? [1, 2, 3, 4] : [1, 2],
    description:
      `em.fork().find(Customer, {}, { populate: ['orders.items'], strategy: '${strategy}', orderBy: { id: 'asc' } }) with orderBy { id: 'asc' } on both collections; EntitySchema entities, ` +
      `BigIntType('bigint'), decimal as string.` +
      (kind === "postgres" && strategy === "joined" ? " Insert: em.create() × 10,000 + one flush; update: qty + 1 on 1,000 managed entities + flush." : ""),
    async setup(ctx: BenchContext) {
      const common: Options = {
        entities: schemas,
        debug: false,
        allowGlobalContext: false,
        discovery: { disableDynamicFileAccess: true },
        loadStrategy,
      };
      if (kind === "postgres") {
        const { PostgreSqlDriver } = await import("@mikro-orm/postgresql");
        orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: ctx.pgUrl, pool: { min: 0, max: ctx.poolSize } } as Options);
      } else {
        const { BetterSqliteDriver } = await import("@mikro-orm/better-sqlite");
        orm = await MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: ctx.sqliteFile } as Options);
      }
    },
    async graphLoad() {
      return await orm.em.fork().find(Customer, {}, { populate, strategy: loadStrategy, orderBy: { id: "asc" } });
    },
    async oneGraph(id: number) {
      return (await orm.em.fork().findOne(Customer, { id }, { populate, strategy: loadStrategy })) ?? undefined;
    },
    async insertGraph(data: readonly NewCustomer[]) {
      const em = orm.em.fork();
      for (const c of data) {
        const customer = em.create(Customer, { name: c.name, vip: c.vip, created: c.created } as never);
        for (const o of c.orders) {
          const order = em.create(CustOrder, { customer, ordernum: o.ordernum, placedAt: o.placedAt, total: o.total } as never);
          for (const i of o.items) em.create(Item, { order, sku: i.sku, qty: i.qty, price: i.price, serial: i.serial } as never);
        }
      }
      await em.flush();
    },
    async loadForUpdate(n: number) {
      loadedEm = orm.em.fork();
      loaded = await loadedEm.find(Item, { id: { $lte: n } } as never, { orderBy: { id: "asc" } });
    },
    async updateLoaded() {
      for (const i of loaded) i.qty += 1;
      await loadedEm.flush();
    },
    async teardown() {
      await orm.close(true);
    },
  };
}

export default [mikro("postgres", "joined"), mikro("postgres", "select-in"), mikro("sqlite", "joined"), mikro("sqlite", "select-in")];
