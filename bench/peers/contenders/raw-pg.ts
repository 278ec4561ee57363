// The floor on PostgreSQL: node-postgres with hand-written SQL and hand-written stitching, named
// (prepared) statements, and the same typed objects Arbor returns (int8 → bigint: pg returns it
// as a string; timestamptz → Date and numeric → string with its scale are pg's defaults).
//
// 1/5 graph load: three queries on one connection (customers; their orders by customer_id =
//     ANY($1); those orders' items by order_id = ANY($1)), stitched with Maps.
// 2   one graph: one LEFT JOIN of the three tables by customer id (one round trip, ≤ 50 rows),
//     regrouped.
// 3   insert: in one transaction, one multi-row INSERT … RETURNING id per table (customers,
//     then orders, then items: 3 statements; RETURNING order follows VALUES order).
// 4   update: one UPDATE item … FROM (VALUES ($1::int, $2::int), …) statement (autocommit).
//     A second contender, "raw pg, UPDATE per row", does one prepared UPDATE per row in a
//     transaction (workload 4 only), which is what an ORM without batched updates sends.
import pg from "pg";
import type { BenchContext, Contender, NewCustomer } from "../lib/contender.js";

interface Item { id: number; sku: string; qty: number; price: string; serial: bigint }
interface Order { id: number; ordernum: string; placedAt: Date; total: string; items: Item[] }
interface Customer { id: number; name: string; vip: boolean; created: Date; orders: Order[] }

const Q_CUSTOMERS = { name: "peers_customers", text: "SELECT id, name, vip, created FROM customer ORDER BY id" };
const Q_ORDERS = "SELECT id, customer_id, ordernum, placed_at, total FROM cust_order WHERE customer_id = ANY($1) ORDER BY id";
const Q_ITEMS = "SELECT id, order_id, sku, qty, price, serial FROM item WHERE order_id = ANY($1) ORDER BY id";
const Q_ONE = `SELECT c.id, c.name, c.vip, c.created, o.id AS o_id, o.ordernum, o.placed_at, o.total,
  i.id AS i_id, i.sku, i.qty, i.price, i.serial
  FROM customer c LEFT JOIN cust_order o ON o.customer_id = c.id LEFT JOIN item i ON i.order_id = o.id
  WHERE c.id = $1 ORDER BY o.id, i.id`;

function rawPg(): Contender {
  let pool: pg.Pool;
  let loaded: { id: number; qty: number }[] = [];
  return {
    name: "raw pg (floor)",
    engine: "postgres",
    floor: true,
    order: 0,
    description:
      "node-postgres, named statements, hand-written stitching; int8 converted with BigInt(). Graph load: 3 queries (customers, orders by customer_id = ANY, items by order_id = ANY); " +
      "one graph: one LEFT JOIN regrouped; insert: 3 multi-row INSERT … RETURNING id in a transaction; update: one UPDATE … FROM (VALUES …).",
    async setup(ctx: BenchContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize });
    },
    async graphLoad() {
      const client = await pool.connect();
      try {
        const customers: Customer[] = [];
        const byId = new Map<number, Customer>();
        for (const r of (await client.query(Q_CUSTOMERS)).rows) {
          const c: Customer = { id: r.id, name: r.name, vip: r.vip, created: r.created, orders: [] };
          customers.push(c);
          byId.set(c.id, c);
        }
        const orders = new Map<number, Order>();
        for (const r of (await client.query({ name: "peers_orders", text: Q_ORDERS, values: [[...byId.keys()]] })).rows) {
          const o: Order = { id: r.id, ordernum: r.ordernum, placedAt: r.placed_at, total: r.total, items: [] };
          byId.get(r.customer_id)!.orders.push(o);
          orders.set(o.id, o);
        }
        for (const r of (await client.query({ name: "peers_items", text: Q_ITEMS, values: [[...orders.keys()]] })).rows)
          orders.get(r.order_id)!.items.push({ id: r.id, sku: r.sku, qty: r.qty, price: r.price, serial: BigInt(r.serial) });
        return customers;
      } finally {
        client.release();
      }
    },
    async oneGraph(id: number) {
      const rows = (await pool.query({ name: "peers_one", text: Q_ONE, values: [id] })).rows;
      if (rows.length === 0) return undefined;
      const r0 = rows[0];
      const c: Customer = { id: r0.id, name: r0.name, vip: r0.vip, created: r0.created, orders: [] };
      let o: Order | undefined;
      for (const r of rows) {
        if (r.o_id === null) continue;
        if (!o || o.id !== r.o_id) c.orders.push((o = { id: r.o_id, ordernum: r.ordernum, placedAt: r.placed_at, total: r.total, items: [] }));
        if (r.i_id !== null) o.items.push({ id: r.i_id, sku: r.sku, qty: r.qty, price: r.price, serial: BigInt(r.serial) });
      }
      return c;
    },
    async insertGraph(data: readonly NewCustomer[]) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const multi = (table: string, cols: string[], rows: unknown[][]) => {
          const params: unknown[] = [];
          const tuples = rows.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(",")})`).join(",");
          return client.query(`INSERT INTO ${table} (${cols.join(",")}) VALUES ${tuples} RETURNING id`, params);
        };
        const cIds = (await multi("customer", ["name", "vip", "created"], data.map((c) => [c.name, c.vip, c.created]))).rows;
        const orders = data.flatMap((c, k) => c.orders.map((o) => [cIds[k].id, o]) as [number, NewCustomer["orders"][number]][]);
        const oIds = (await multi("cust_order", ["customer_id", "ordernum", "placed_at", "total"], orders.map(([cid, o]) => [cid, o.ordernum, o.placedAt, o.total]))).rows;
        const items = orders.flatMap(([, o], k) => o.items.map((i) => [oIds[k].id, i.sku, i.qty, i.price, i.serial.toString()]));
        await multi("item", ["order_id", "sku", "qty", "price", "serial"], items);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      } finally {
        client.release();
      }
    },
    async loadForUpdate(n: number) {
      loaded = (await pool.query("SELECT id, qty FROM item WHERE id <= $1 ORDER BY id", [n])).rows;
    },
    async updateLoaded() {
      const params: number[] = [];
      const tuples: string[] = [];
      for (const r of loaded) {
        r.qty += 1;
        params.push(r.id, r.qty);
        tuples.push(`($${params.length - 1}::int, $${params.length}::int)`);
      }
      await pool.query(`UPDATE item AS t SET qty = v.qty FROM (VALUES ${tuples.join(",")}) AS v(id, qty) WHERE t.id = v.id`, params);
    },
    async teardown() {
      await pool.end();
    },
  };
}

function rawPgPerRow(): Contender {
  let pool: pg.Pool;
  let loaded: { id: number; qty: number }[] = [];
  const base = rawPg();
  return {
    name: "raw pg, UPDATE per row",
    engine: "postgres",
    order: 1,
    workloads: [4],
    description: "Workload 4 only: one prepared UPDATE item SET qty = $1 WHERE id = $2 per row, in one transaction.",
    async setup(ctx: BenchContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize });
      await base.setup(ctx);
    },
    graphLoad: () => base.graphLoad(),
    async loadForUpdate(n: number) {
      loaded = (await pool.query("SELECT id, qty FROM item WHERE id <= $1 ORDER BY id", [n])).rows;
    },
    async updateLoaded() {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const r of loaded) {
          r.qty += 1;
          await client.query({ name: "peers_upd", text: "UPDATE item SET qty = $1 WHERE id = $2", values: [r.qty, r.id] });
        }
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    },
    async teardown() {
      await pool.end();
      await base.teardown();
    },
  };
}

export default [rawPg(), rawPgPerRow()];
