// Arbor Core: nested() — the whole tree from one statement, types restored (Date, bigint,
// numeric string with its scale, boolean), on PostgreSQL and on SQLite. Written against the
// repository's src/; build.mjs points the import at the built package (dist/), which is what runs.
//
// 1/5 graph load: select(customer…, nested(select(order…, nested(select(item…)))) built once.
// 2   one graph: the same statement with WHERE customer.id = param("id"), built once.
// 3   insert: one insert(t).values([...]).returning(id) per table in a transaction (Core has
//     no unit of work: this is the hand-written path; the ORM contenders come with src/orm).
// 4   update: one update(item).set({ qty }).where(id = param) per row, prepared once, in a
//     transaction (Core has no UPDATE … FROM VALUES).
// "(prepare: false)": workloads 1 and 2 on an engine created with { prepare: false } (what runs behind
//     a pooler without session state): every statement unnamed, parsed and planned by the server per call.
import {
  MetaData,
  bigint,
  boolean,
  createEngine,
  index,
  insert,
  integer,
  nested,
  numeric,
  param,
  select,
  text,
  timestamptz,
  types,
  update,
  type Engine,
} from "../../../src/index.js";
import type { BenchContext, Contender, EngineKind, NewCustomer } from "../lib/contender.js";

const md = new MetaData();
const customer = md.table("customer", {
  id: integer().primaryKey().autoincrement(),
  name: text().notNull(),
  vip: boolean().notNull().default(false),
  created: timestamptz().notNull(),
});
const order = md.table(
  "cust_order",
  {
    id: integer().primaryKey().autoincrement(),
    customerId: integer().notNull().named("customer_id").references(() => customer.c.id),
    ordernum: text().notNull(),
    placedAt: timestamptz().notNull().named("placed_at"),
    total: numeric(10, 2).notNull(),
  },
  (c) => [index([c.customerId])],
);
const item = md.table(
  "item",
  {
    id: integer().primaryKey().autoincrement(),
    orderId: integer().notNull().named("order_id").references(() => order.c.id),
    sku: text().notNull(),
    qty: integer().notNull(),
    price: numeric(10, 2).notNull(),
    serial: bigint().notNull(),
  },
  (c) => [index([c.orderId])],
);

const tree = select(
  customer.c.id,
  customer.c.name,
  customer.c.vip,
  customer.c.created,
  nested(
    select(
      order.c.id,
      order.c.ordernum,
      order.c.placedAt,
      order.c.total,
      nested(select(item.c.id, item.c.sku, item.c.qty, item.c.price, item.c.serial).orderBy(item.c.id)).as("items"),
    ).orderBy(order.c.id),
  ).as("orders"),
);
const all = tree.orderBy(customer.c.id);
const one = tree.where(customer.c.id.eq(param("id", types.integer)));
const forUpdate = select(item.c.id, item.c.qty).where(item.c.id.le(param("n", types.integer))).orderBy(item.c.id);
const setQty = update(item).set({ qty: param("qty", types.integer) }).where(item.c.id.eq(param("id", types.integer)));

const DESCRIPTION =
  "engine.execute(select(customer…, nested(select(order…, nested(select(item…)).as('items'))).as('orders'))): one statement, statements built once (param() for the id). ";

function arborCore(kind: EngineKind, unprepared = false): Contender {
  let engine: Engine;
  let loaded: { id: number; qty: number }[] = [];
  return {
    name: kind === "sqlite" ? "Arbor Core nested() (SQLite)" : unprepared ? "Arbor Core nested() (prepare: false)" : "Arbor Core nested()",
    engine: kind,
    order: unprepared ? 11 : 10,
    workloads: kind === "sqlite" ? [5] : unprepared ? [1, 2] : [1, 2, 3, 4],
    description: unprepared
      ? `Workloads 1 and 2 only, on createEngine(url, { prepare: false }): every statement unnamed (the server parses and plans it on every call, as behind a transaction-mode pooler). ${DESCRIPTION}`
      : `${DESCRIPTION}Insert: insert(t).values([...]).returning(id) per table in a transaction (the floor's three statements, RETURNING included); update: a prepared update(item) per row in a transaction.`,
    async setup(ctx: BenchContext) {
      engine =
        kind === "postgres" ? createEngine(ctx.pgUrl, { poolSize: ctx.poolSize, prepare: !unprepared }) : createEngine(`sqlite:${ctx.sqliteFile}`);
    },
    async graphLoad() {
      return (await engine.execute(all)).rows;
    },
    async oneGraph(id: number) {
      return (await engine.execute(one, { id })).rows[0];
    },
    async insertGraph(data: readonly NewCustomer[]) {
      await engine.transaction(async (tx) => {
        const cIds = (await tx.execute(insert(customer).values(data.map((c) => ({ name: c.name, vip: c.vip, created: c.created }))).returning(customer.c.id))).rows;
        const orders = data.flatMap((c, k) => c.orders.map((o) => ({ customerId: cIds[k].id, ordernum: o.ordernum, placedAt: o.placedAt, total: o.total, src: o })));
        const oIds = (await tx.execute(insert(order).values(orders.map(({ src: _src, ...o }) => o)).returning(order.c.id))).rows;
        const items = orders.flatMap((o, k) => o.src.items.map((i) => ({ orderId: oIds[k].id, sku: i.sku, qty: i.qty, price: i.price, serial: i.serial })));
        // RETURNING id as the floor's item INSERT has it: the same three statements. (Without it a
        // PostgreSQL backend re-faults about 1,700 more pages per pass and spends ~10 % more CPU,
        // whoever sends it: bench/peers/wire-w3.mjs.)
        await tx.execute(insert(item).values(items).returning(item.c.id));
      });
    },
    async loadForUpdate(n: number) {
      loaded = (await engine.execute(forUpdate, { n })).rows;
    },
    async updateLoaded() {
      await engine.transaction(async (tx) => {
        for (const r of loaded) {
          r.qty += 1;
          await tx.execute(setQty, { qty: r.qty, id: r.id });
        }
      });
    },
    async teardown() {
      await engine.dispose();
    },
  };
}

export default [arborCore("postgres"), arborCore("postgres", true), arborCore("sqlite")];
