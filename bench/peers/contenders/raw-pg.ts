// Raw node-postgres on PostgreSQL, hand-written SQL, named (prepared) statements, and the same typed
// objects Arbor returns (int8 → bigint: pg returns it as a string; timestamptz → Date and numeric →
// string with its scale are pg's defaults for columns).
//
// "raw pg json_agg (floor)", the floor every ratio is taken against: the strongest hand-written SQL.
// 1/5 graph load: ONE statement, each customer row with its orders and their items as nested
//     json_agg (every level ordered by id); numerics sent as text (keeps "2.30"), int8 as text
//     (restored with BigInt()), timestamptz as ISO text (restored with new Date()).
// 2   one graph: the same statement WHERE c.id = $1.
// 3   insert: in one transaction, one multi-row INSERT … RETURNING id per table (customers,
//     then orders, then items: 3 statements; RETURNING order follows VALUES order).
// 4   update: one UPDATE item … FROM (VALUES ($1::int, $2::int), …) statement (autocommit).
// "raw pg stitched" (workloads 1 and 2): graph load in three queries on one connection (customers;
//     their orders by customer_id = ANY($1); those orders' items by order_id = ANY($1)) stitched
//     with Maps; one graph as one LEFT JOIN of the three tables (≤ 50 rows), regrouped.
// "raw pg json_agg, unnamed" (workloads 1 and 2): the floor's statements sent unnamed, so the server
//     parses and plans them on every call (what any client does with prepared statements off).
// "raw pg unnest" (workload 3 only): the floor's three INSERTs written as INSERT … SELECT * FROM
//     unnest($1::int[], …), one array literal per column built by hand, as Arbor sends a bulk
//     INSERT on PostgreSQL: the strongest hand-written form, shown beside the VALUES floor.
// "raw pg, UPDATE per row" (workload 4 only): one prepared UPDATE per row in a transaction, which
//     is what an ORM without batched updates sends.
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

// The graph in one statement: a row per customer, its orders (with their items) as one json column.
const JSON_TREE = `SELECT c.id, c.name, c.vip, c.created,
  (SELECT coalesce(json_agg(json_build_object('id', o.id, 'ordernum', o.ordernum, 'placedAt', o.placed_at, 'total', o.total::text,
     'items', (SELECT coalesce(json_agg(json_build_object('id', i.id, 'sku', i.sku, 'qty', i.qty, 'price', i.price::text, 'serial', i.serial::text)
                ORDER BY i.id), '[]') FROM item i WHERE i.order_id = o.id)) ORDER BY o.id), '[]')
   FROM cust_order o WHERE o.customer_id = c.id) AS orders
  FROM customer c`;
const Q_JSON_ALL = { name: "peers_json_all", text: `${JSON_TREE} ORDER BY c.id` };
const Q_JSON_ONE = `${JSON_TREE} WHERE c.id = $1`;

interface JsonOrder { id: number; ordernum: string; placedAt: string | Date; total: string; items: { id: number; sku: string; qty: number; price: string; serial: string | bigint }[] }

/** Restores the types JSON cannot carry, in place: timestamptz text → Date, int8 text → bigint. */
function restore(r: { id: number; name: string; vip: boolean; created: Date; orders: JsonOrder[] }): Customer {
  for (const o of r.orders) {
    o.placedAt = new Date(o.placedAt);
    for (const i of o.items) i.serial = BigInt(i.serial);
  }
  return r as Customer;
}

function rawPgJsonAgg(): Contender {
  let pool: pg.Pool;
  let loaded: { id: number; qty: number }[] = [];
  return {
    name: "raw pg json_agg (floor)",
    engine: "postgres",
    floor: true,
    order: 0,
    description:
      "node-postgres, named statements. Graph load and one graph: ONE statement, orders and items as nested json_agg (numeric and int8 as text, restored: Date, bigint, \"2.30\"); " +
      "insert: 3 multi-row INSERT … RETURNING id in a transaction; update: one UPDATE … FROM (VALUES …).",
    async setup(ctx: BenchContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize });
    },
    async graphLoad() {
      const rows = (await pool.query(Q_JSON_ALL)).rows;
      for (let k = 0; k < rows.length; k++) rows[k] = restore(rows[k]);
      return rows as Customer[];
    },
    async oneGraph(id: number) {
      const rows = (await pool.query({ name: "peers_json_one", text: Q_JSON_ONE, values: [id] })).rows;
      return rows.length === 0 ? undefined : restore(rows[0]);
    },
    insertGraph: (data: readonly NewCustomer[]) => insertGraph(pool, data),
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

/** Workload 3 by hand: one multi-row INSERT … RETURNING id per table, in one transaction. */
async function insertGraph(pool: pg.Pool, data: readonly NewCustomer[]): Promise<void> {
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
}

function rawPgUnnamed(): Contender {
  let pool: pg.Pool;
  return {
    name: "raw pg json_agg, unnamed",
    engine: "postgres",
    order: 3,
    workloads: [1, 2],
    description:
      "The floor's json_agg statements and type restoration, sent unnamed: the server parses and plans each call (the cost a client without prepared statements pays).",
    async setup(ctx: BenchContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize });
    },
    async graphLoad() {
      const rows = (await pool.query(Q_JSON_ALL.text)).rows;
      for (let k = 0; k < rows.length; k++) rows[k] = restore(rows[k]);
      return rows as Customer[];
    },
    async oneGraph(id: number) {
      const rows = (await pool.query(Q_JSON_ONE, [id])).rows;
      return rows.length === 0 ? undefined : restore(rows[0]);
    },
    async teardown() {
      await pool.end();
    },
  };
}

function rawPgStitched(): Contender {
  let pool: pg.Pool;
  return {
    name: "raw pg stitched",
    engine: "postgres",
    order: 1,
    workloads: [1, 2],
    description:
      "node-postgres, named statements, hand-written stitching; int8 converted with BigInt(). Graph load: 3 queries (customers, orders by customer_id = ANY, items by order_id = ANY); " +
      "one graph: one LEFT JOIN regrouped.",
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
    async teardown() {
      await pool.end();
    },
  };
}

function rawPgPerRow(): Contender {
  let pool: pg.Pool;
  let loaded: { id: number; qty: number }[] = [];
  const base = rawPgJsonAgg();
  return {
    name: "raw pg, UPDATE per row",
    engine: "postgres",
    order: 2,
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

/** Workload 3 with one array per column: `INSERT … SELECT * FROM unnest($1::t[], …) RETURNING id`. */
function rawPgUnnest(): Contender {
  let pool: pg.Pool;
  const base = rawPgJsonAgg();
  return {
    name: "raw pg unnest",
    engine: "postgres",
    order: 4,
    workloads: [3],
    description:
      "Workload 3 only: the floor's three INSERTs in one transaction, each INSERT … SELECT * FROM unnest($1::integer[], …) RETURNING id with one hand-built array literal per column (text quoted and escaped).",
    async setup(ctx: BenchContext) {
      pool = new pg.Pool({ connectionString: ctx.pgUrl, max: ctx.poolSize });
      await base.setup(ctx);
    },
    graphLoad: () => base.graphLoad(),
    async insertGraph(data: readonly NewCustomer[]) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const quote = (s: string) => `"${s.replace(/["\\]/g, "\\$&")}"`;
        const array = (values: readonly unknown[], quoted: boolean) => `{${values.map((v) => (quoted ? quote(String(v)) : String(v))).join(",")}}`;
        const cIds = (
          await client.query("INSERT INTO customer (name, vip, created) SELECT * FROM unnest($1::text[], $2::boolean[], $3::timestamptz[]) RETURNING id", [
            array(data.map((c) => c.name), true),
            array(data.map((c) => c.vip), false),
            array(data.map((c) => c.created.toISOString()), true),
          ])
        ).rows;
        const orders = data.flatMap((c, k) => c.orders.map((o) => [cIds[k].id, o]) as [number, NewCustomer["orders"][number]][]);
        const oIds = (
          await client.query(
            "INSERT INTO cust_order (customer_id, ordernum, placed_at, total) SELECT * FROM unnest($1::integer[], $2::text[], $3::timestamptz[], $4::numeric[]) RETURNING id",
            [
              array(orders.map(([cid]) => cid), false),
              array(orders.map(([, o]) => o.ordernum), true),
              array(orders.map(([, o]) => o.placedAt.toISOString()), true),
              array(orders.map(([, o]) => o.total), false),
            ],
          )
        ).rows;
        const items = orders.flatMap(([, o], k) => o.items.map((i) => [oIds[k].id, i] as const));
        await client.query(
          "INSERT INTO item (order_id, sku, qty, price, serial) SELECT * FROM unnest($1::integer[], $2::text[], $3::integer[], $4::numeric[], $5::bigint[]) RETURNING id",
          [
            array(items.map(([oid]) => oid), false),
            array(items.map(([, i]) => i.sku), true),
            array(items.map(([, i]) => i.qty), false),
            array(items.map(([, i]) => i.price), false),
            array(items.map(([, i]) => i.serial), false),
          ],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
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

export default [rawPgJsonAgg(), rawPgStitched(), rawPgPerRow(), rawPgUnnamed(), rawPgUnnest()];
