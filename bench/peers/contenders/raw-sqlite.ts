// The floor on SQLite: better-sqlite3 with hand-written SQL and stitching, producing the same
// typed objects Arbor returns: three prepared statements (customers, orders, items ordered by id),
// items read with safeIntegers(true) for the exact int8, ISO text → Date, 0/1 → boolean, NUMERIC
// (stored as REAL/INTEGER) → string with 2 decimals. Synchronous calls, wrapped in a promise.
import Database from "better-sqlite3";
import type { BenchContext, Contender } from "../lib/contender.js";

interface Item { id: number; sku: string; qty: number; price: string; serial: bigint }
interface Order { id: number; ordernum: string; placedAt: Date; total: string; items: Item[] }
interface Customer { id: number; name: string; vip: boolean; created: Date; orders: Order[] }

const money = (v: number | bigint): string => (typeof v === "bigint" ? `${v}.00` : v.toFixed(2));

function rawSqlite(): Contender {
  let db: Database.Database;
  let qc: Database.Statement;
  let qo: Database.Statement;
  let qi: Database.Statement;
  return {
    name: "raw better-sqlite3 (floor)",
    engine: "sqlite",
    floor: true,
    order: 0,
    workloads: [5],
    description:
      "better-sqlite3, 3 prepared statements (customers, orders, items, each ORDER BY id; items with safeIntegers) stitched with Maps; values restored to Date, bigint, boolean and 2-decimal strings.",
    async setup(ctx: BenchContext) {
      db = new Database(ctx.sqliteFile);
      db.pragma("journal_mode = WAL");
      qc = db.prepare("SELECT id, name, vip, created FROM customer ORDER BY id");
      qo = db.prepare("SELECT id, customer_id, ordernum, placed_at, total FROM cust_order ORDER BY id");
      qi = db.prepare("SELECT id, order_id, sku, qty, price, serial FROM item ORDER BY id").safeIntegers(true);
    },
    async graphLoad() {
      const customers: Customer[] = [];
      const byId = new Map<number, Customer>();
      for (const r of qc.all() as { id: number; name: string; vip: number; created: string }[]) {
        const c: Customer = { id: r.id, name: r.name, vip: r.vip !== 0, created: new Date(r.created), orders: [] };
        customers.push(c);
        byId.set(r.id, c);
      }
      const orders = new Map<number, Order>();
      for (const r of qo.all() as { id: number; customer_id: number; ordernum: string; placed_at: string; total: number }[]) {
        const o: Order = { id: r.id, ordernum: r.ordernum, placedAt: new Date(r.placed_at), total: money(r.total), items: [] };
        byId.get(r.customer_id)?.orders.push(o);
        orders.set(r.id, o);
      }
      for (const r of qi.all() as { id: bigint; order_id: bigint; sku: string; qty: bigint; price: number | bigint; serial: bigint }[])
        orders.get(Number(r.order_id))?.items.push({ id: Number(r.id), sku: r.sku, qty: Number(r.qty), price: money(r.price), serial: r.serial });
      return customers;
    },
    async teardown() {
      db.close();
    },
  };
}

export default rawSqlite();
