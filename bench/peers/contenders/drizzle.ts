// Drizzle ORM 0.45 relational queries (db.query.customer.findMany({ with: { orders: { with: {
// items } } } })), one statement with JSON aggregation on PostgreSQL (json_build_array) and on
// SQLite (json_array). Best type options offered: timestamp mode 'date', bigint mode 'bigint',
// numeric as string. Drizzle maps nested JSON values through the column's decoder, so nested
// dates come back as Date, but the JSON has already turned int8 and numeric into numbers: nested
// serials above 2^53 are inexact (even as bigint) and "2.30" comes back as "2.3".
//
// SQLite: timestamps are ISO text in this schema, which Drizzle's sqlite-core has no mode for:
// a documented customType (text ↔ Date) is used; the int8 column is integer (number mode; the
// driver is not in safeIntegers mode).
//
// 3 insert: db.insert(t).values([...]).returning({ id }) per table in a transaction.
// 4 update: db.update(item).set({ qty }).where(eq(item.id, id)) per row in a transaction.
import Database from "better-sqlite3";
import { asc, eq, lte, relations } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { bigint, boolean, index, integer, numeric, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import { customType, integer as sInteger, numeric as sNumeric, sqliteTable, text as sText } from "drizzle-orm/sqlite-core";
import pg from "pg";
import type { BenchContext, Contender, NewCustomer } from "../lib/contender.js";

// PostgreSQL schema
const customer = pgTable("customer", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  vip: boolean("vip").notNull().default(false),
  created: timestamp("created", { withTimezone: true, mode: "date" }).notNull(),
});
const custOrder = pgTable(
  "cust_order",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id").notNull().references(() => customer.id),
    ordernum: text("ordernum").notNull(),
    placedAt: timestamp("placed_at", { withTimezone: true, mode: "date" }).notNull(),
    total: numeric("total", { precision: 10, scale: 2 }).notNull(),
  },
  (t) => [index("cust_order_customer_id_idx").on(t.customerId)],
);
const item = pgTable(
  "item",
  {
    id: serial("id").primaryKey(),
    orderId: integer("order_id").notNull().references(() => custOrder.id),
    sku: text("sku").notNull(),
    qty: integer("qty").notNull(),
    price: numeric("price", { precision: 10, scale: 2 }).notNull(),
    serial: bigint("serial", { mode: "bigint" }).notNull(),
  },
  (t) => [index("item_order_id_idx").on(t.orderId)],
);
const pgSchema = {
  customer,
  custOrder,
  item,
  customerRelations: relations(customer, ({ many }) => ({ orders: many(custOrder) })),
  orderRelations: relations(custOrder, ({ one, many }) => ({ customer: one(customer, { fields: [custOrder.customerId], references: [customer.id] }), items: many(item) })),
  itemRelations: relations(item, ({ one }) => ({ order: one(custOrder, { fields: [item.orderId], references: [custOrder.id] }) })),
};

// SQLite schema
const isoDate = customType<{ data: Date; driverData: string }>({
  dataType: () => "text",
  toDriver: (d) => d.toISOString(),
  fromDriver: (s) => new Date(s),
});
const sCustomer = sqliteTable("customer", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  name: sText("name").notNull(),
  vip: sInteger("vip", { mode: "boolean" }).notNull(),
  created: isoDate("created").notNull(),
});
const sOrder = sqliteTable("cust_order", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  customerId: sInteger("customer_id").notNull(),
  ordernum: sText("ordernum").notNull(),
  placedAt: isoDate("placed_at").notNull(),
  total: sNumeric("total").notNull(),
});
const sItem = sqliteTable("item", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  orderId: sInteger("order_id").notNull(),
  sku: sText("sku").notNull(),
  qty: sInteger("qty").notNull(),
  price: sNumeric("price").notNull(),
  serial: sInteger("serial").notNull(),
});
const sqliteSchema = {
  customer: sCustomer,
  custOrder: sOrder,
  item: sItem,
  customerRelations: relations(sCustomer, ({ many }) => ({ orders: many(sOrder) })),
  orderRelations: relations(sOrder, ({ one, many }) => ({ customer: one(sCustomer, { fields: [sOrder.customerId], references: [sCustomer.id] }), items: many(sItem) })),
  itemRelations: relations(sItem, ({ one }) => ({ order: one(sOrder, { fields: [sItem.orderId], references: [sOrder.id] }) })),
};

const findArgs = {
  columns: { id: true, name: true, vip: true, created: true },
  with: {
    orders: {
      columns: { id: true, ordernum: true, placedAt: true, total: true },
      orderBy: (o: { id: unknown }) => [asc(o.id as never)],
      with: {
        items: {
          columns: { id: true, sku: true, qty: true, price: true, serial: true },
          orderBy: (i: { id: unknown }) => [asc(i.id as never)],
        },
      },
    },
  },
} as const;

function drizzlePostgres(): Contender {
  let pool: pg.Pool;
  let db: ReturnType<typeof drizzlePg<typeof pgSchema>>;
  let loaded: { id: number; qty: number }[] = [];
  return {
    name: "Drizzle",
    engine: "postgres",
    order: 31,
    description:
      "db.query.customer.findMany({ with: { orders: { with: { items } } } }) with orderBy at every level (one statement, json_build_array); node-postgres pg.Pool. " +
      "Insert: db.insert(t).values([...]).returning({ id }) per table in a transaction; update: db.update(item) per row in a transaction.",
    async setup(ctx: BenchContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize });
      db = drizzlePg({ client: pool, schema: pgSchema });
    },
    async graphLoad() {
      return await db.query.customer.findMany({ ...findArgs, orderBy: (c: { id: unknown }) => [asc(c.id as never)] } as never);
    },
    async oneGraph(id: number) {
      return await db.query.customer.findFirst({ ...findArgs, where: (c: { id: unknown }) => eq(c.id as never, id) } as never);
    },
    async insertGraph(data: readonly NewCustomer[]) {
      await db.transaction(async (tx) => {
        const cIds = await tx.insert(customer).values(data.map((c) => ({ name: c.name, vip: c.vip, created: c.created }))).returning({ id: customer.id });
        const orders = data.flatMap((c, k) => c.orders.map((o) => ({ cid: cIds[k].id, o })));
        const oIds = await tx
          .insert(custOrder)
          .values(orders.map(({ cid, o }) => ({ customerId: cid, ordernum: o.ordernum, placedAt: o.placedAt, total: o.total })))
          .returning({ id: custOrder.id });
        await tx.insert(item).values(orders.flatMap(({ o }, k) => o.items.map((i) => ({ orderId: oIds[k].id, sku: i.sku, qty: i.qty, price: i.price, serial: i.serial }))));
      });
    },
    async loadForUpdate(n: number) {
      loaded = await db.select({ id: item.id, qty: item.qty }).from(item).where(lte(item.id, n)).orderBy(asc(item.id));
    },
    async updateLoaded() {
      await db.transaction(async (tx) => {
        for (const r of loaded) {
          r.qty += 1;
          await tx.update(item).set({ qty: r.qty }).where(eq(item.id, r.id));
        }
      });
    },
    async teardown() {
      await pool.end();
    },
  };
}

function drizzleSqliteContender(): Contender {
  let conn: Database.Database;
  let db: ReturnType<typeof drizzleSqlite<typeof sqliteSchema>>;
  return {
    name: "Drizzle (SQLite)",
    engine: "sqlite",
    order: 31,
    workloads: [5],
    description: "db.query.customer.findMany({ with: { orders: { with: { items } } } }) on drizzle-orm/better-sqlite3 (one statement, json_array); dates through a customType (ISO text ↔ Date).",
    async setup(ctx: BenchContext) {
      conn = new Database(ctx.sqliteFile);
      db = drizzleSqlite({ client: conn, schema: sqliteSchema });
    },
    async graphLoad() {
      return await db.query.customer.findMany({ ...findArgs, orderBy: (c: { id: unknown }) => [asc(c.id as never)] } as never);
    },
    async teardown() {
      conn.close();
    },
  };
}

export default [drizzlePostgres(), drizzleSqliteContender()];
