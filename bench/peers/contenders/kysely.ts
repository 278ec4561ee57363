// Kysely 0.28 (0.29 needs Node 22): jsonArrayFrom() from kysely/helpers/{postgres,sqlite} for the
// nested levels — one statement, like Arbor's nested(). Kysely returns what the driver and the
// database's JSON give: nested dates as ISO strings, nested int8 and numerics as JSON numbers
// (int8 above 2^53 inexact, "2.30" → 2.3). Nothing is converted back here.
//
// 3 insert: insertInto(t).values([...]).returning('id') per table in a transaction.
// 4 update: updateTable('item').set({ qty }).where('id', '=', id) per row in a transaction (a
//   query builder has no unit of work).
import Database from "better-sqlite3";
import { Kysely, ParseJSONResultsPlugin, PostgresDialect, SqliteDialect, type ColumnType, type Generated } from "kysely";
import { jsonArrayFrom as pgJsonArrayFrom } from "kysely/helpers/postgres";
import { jsonArrayFrom as sqliteJsonArrayFrom } from "kysely/helpers/sqlite";
import pg from "pg";
import type { BenchContext, Contender, EngineKind, NewCustomer } from "../lib/contender.js";

interface DB {
  customer: { id: Generated<number>; name: string; vip: boolean; created: ColumnType<Date, Date | string, Date | string> };
  cust_order: { id: Generated<number>; customer_id: number; ordernum: string; placed_at: ColumnType<Date, Date | string, Date | string>; total: ColumnType<string, string, string> };
  item: { id: Generated<number>; order_id: number; sku: string; qty: number; price: ColumnType<string, string, string>; serial: ColumnType<string, bigint | string, bigint | string> };
}

function kysely(kind: EngineKind): Contender {
  let db: Kysely<DB>;
  let loaded: { id: number; qty: number }[] = [];
  const jsonArrayFrom = kind === "postgres" ? pgJsonArrayFrom : sqliteJsonArrayFrom;
  const tree = () =>
    db
      .selectFrom("customer")
      .select(["customer.id", "customer.name", "customer.vip", "customer.created"])
      .select((eb) =>
        jsonArrayFrom(
          eb
            .selectFrom("cust_order as o")
            .select(["o.id", "o.ordernum", "o.placed_at as placedAt", "o.total"])
            .select((eb2) =>
              jsonArrayFrom(eb2.selectFrom("item as i").select(["i.id", "i.sku", "i.qty", "i.price", "i.serial"]).whereRef("i.order_id", "=", "o.id").orderBy("i.id")).as("items"),
            )
            .whereRef("o.customer_id", "=", "customer.id")
            .orderBy("o.id"),
        ).as("orders"),
      );
  return {
    name: kind === "postgres" ? "Kysely" : "Kysely (SQLite)",
    engine: kind,
    order: 30,
    workloads: kind === "postgres" ? [1, 2, 3, 4] : [5],
    description:
      "selectFrom('customer').select(eb => jsonArrayFrom(… jsonArrayFrom(…).as('items')).as('orders')), PostgresDialect over a pg.Pool (SQLite: SqliteDialect over better-sqlite3). " +
      "Insert: insertInto().values([...]).returning('id') per table in a transaction; update: updateTable() per row in a transaction.",
    async setup(ctx: BenchContext) {
      db = new Kysely<DB>({
        dialect:
          kind === "postgres"
            ? new PostgresDialect({ pool: new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize }) })
            : new SqliteDialect({ database: new Database(ctx.sqliteFile) }),
        // SQLite returns JSON as text: Kysely's documented plugin parses it (PostgreSQL's pg does it itself).
        plugins: kind === "sqlite" ? [new ParseJSONResultsPlugin()] : [],
      });
    },
    async graphLoad() {
      return await tree().orderBy("customer.id").execute();
    },
    async oneGraph(id: number) {
      return await tree().where("customer.id", "=", id).executeTakeFirst();
    },
    async insertGraph(data: readonly NewCustomer[]) {
      await db.transaction().execute(async (trx) => {
        const cIds = await trx.insertInto("customer").values(data.map((c) => ({ name: c.name, vip: c.vip, created: c.created }))).returning("id").execute();
        const orders = data.flatMap((c, k) => c.orders.map((o) => ({ cid: cIds[k].id, o })));
        const oIds = await trx
          .insertInto("cust_order")
          .values(orders.map(({ cid, o }) => ({ customer_id: cid, ordernum: o.ordernum, placed_at: o.placedAt, total: o.total })))
          .returning("id")
          .execute();
        const items = orders.flatMap(({ o }, k) => o.items.map((i) => ({ order_id: oIds[k].id, sku: i.sku, qty: i.qty, price: i.price, serial: i.serial })));
        await trx.insertInto("item").values(items).execute();
      });
    },
    async loadForUpdate(n: number) {
      loaded = await db.selectFrom("item").select(["id", "qty"]).where("id", "<=", n).orderBy("id").execute();
    },
    async updateLoaded() {
      await db.transaction().execute(async (trx) => {
        for (const r of loaded) {
          r.qty += 1;
          await trx.updateTable("item").set({ qty: r.qty }).where("id", "=", r.id).execute();
        }
      });
    },
    async teardown() {
      await db.destroy();
    },
  };
}

export default [kysely("postgres"), kysely("sqlite")];
