// The schema (plain SQL, one for PostgreSQL and one for SQLite), the generated data, the loaders and
// the checks the runner applies to every contender's results.
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import type { NewCustomer } from "./contender.js";

export const CUSTOMERS = 1_000;
export const ORDERS_PER_CUSTOMER = 10;
export const ITEMS_PER_ORDER = 5;
export const ORDERS = CUSTOMERS * ORDERS_PER_CUSTOMER;
export const ITEMS = ORDERS * ITEMS_PER_ORDER;
/** Workload 3: 200 customers × 7 orders × 6 items = 200 + 1,400 + 8,400 = 10,000 objects. */
export const INSERT_SHAPE = { customers: 200, orders: 7, items: 6 } as const;

// ---------------------------------------------------------------------------------------------
// Schema

export const PG_DDL = [
  "DROP TABLE IF EXISTS item, cust_order, customer",
  `CREATE TABLE customer (
    id serial PRIMARY KEY,
    name text NOT NULL,
    vip boolean NOT NULL DEFAULT false,
    created timestamptz NOT NULL)`,
  `CREATE TABLE cust_order (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customer (id),
    ordernum text NOT NULL,
    placed_at timestamptz NOT NULL,
    total numeric(10, 2) NOT NULL)`,
  "CREATE INDEX cust_order_customer_id_idx ON cust_order (customer_id)",
  `CREATE TABLE item (
    id serial PRIMARY KEY,
    order_id integer NOT NULL REFERENCES cust_order (id),
    sku text NOT NULL,
    qty integer NOT NULL,
    price numeric(10, 2) NOT NULL,
    serial bigint NOT NULL)`,
  "CREATE INDEX item_order_id_idx ON item (order_id)",
];

/** SQLite: timestamps as ISO-8601 text (UTC, milliseconds), booleans 0/1, numerics with NUMERIC affinity. */
export const SQLITE_DDL = [
  "DROP TABLE IF EXISTS item",
  "DROP TABLE IF EXISTS cust_order",
  "DROP TABLE IF EXISTS customer",
  `CREATE TABLE customer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    vip INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL)`,
  `CREATE TABLE cust_order (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    ordernum TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    total NUMERIC NOT NULL)`,
  "CREATE INDEX cust_order_customer_id_idx ON cust_order (customer_id)",
  `CREATE TABLE item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES cust_order (id),
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    price NUMERIC NOT NULL,
    serial INTEGER NOT NULL)`,
  "CREATE INDEX item_order_id_idx ON item (order_id)",
];

// ---------------------------------------------------------------------------------------------
// Data

export interface ItemRow {
  id: number;
  sku: string;
  qty: number;
  price: string;
  serial: bigint;
}
export interface OrderRow {
  id: number;
  ordernum: string;
  placedAt: Date;
  total: string;
  items: ItemRow[];
}
export interface CustomerRow {
  id: number;
  name: string;
  vip: boolean;
  created: Date;
  orders: OrderRow[];
}

const money = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
const T0 = Date.UTC(2024, 0, 1);

/** The graph of workloads 1, 2 and 5; ids are assigned here (1..n per table, children in parent order). */
export function makeGraph(): CustomerRow[] {
  const out: CustomerRow[] = [];
  let oid = 0;
  let iid = 0;
  for (let c = 1; c <= CUSTOMERS; c++) {
    const orders: OrderRow[] = [];
    for (let o = 0; o < ORDERS_PER_CUSTOMER; o++) {
      const id = ++oid;
      const items: ItemRow[] = [];
      for (let i = 0; i < ITEMS_PER_ORDER; i++) {
        const k = ++iid;
        // Odd values between 2^53 and 2^54 have no exact double.
        items.push({ id: k, sku: `SKU-${k}`, qty: (k % 50) + 1, price: money((k * 7919) % 100_000), serial: 2n ** 53n + BigInt(2 * k + 1) });
      }
      // Every tenth total is whole ("123.00"), and one in ten has a trailing zero ("2.30").
      const cents = (id * 104_729) % 10_000_000;
      orders.push({ id, ordernum: `ORD-${String(id).padStart(6, "0")}`, placedAt: new Date(T0 + id * 61_001), total: money(id % 10 === 0 ? cents - (cents % 100) : cents), items });
    }
    out.push({ id: c, name: `customer ${c}`, vip: c % 7 === 0, created: new Date(T0 - c * 3_600_007), orders });
  }
  return out;
}

/** The graph of workload 3: 10,000 new objects, no ids. */
export function makeInsertGraph(): NewCustomer[] {
  const { customers, orders, items } = INSERT_SHAPE;
  let n = 0;
  return Array.from({ length: customers }, (_, c) => ({
    name: `new customer ${c + 1}`,
    vip: c % 5 === 0,
    created: new Date(T0 + c * 1_000_003),
    orders: Array.from({ length: orders }, (_, o) => {
      const ordernum = `NEW-${c + 1}-${o + 1}`;
      return {
        ordernum,
        placedAt: new Date(T0 + (c * orders + o) * 77_007),
        total: money(((c + 1) * (o + 1) * 1_231) % 10_000_000),
        items: Array.from({ length: items }, (_, i) => {
          n++;
          return { sku: `${ordernum}-${i + 1}`, qty: (n % 9) + 1, price: money((n * 31) % 100_000), serial: 2n ** 53n + BigInt(2 * n + 1) };
        }),
      };
    }),
  }));
}

/** One line per item of a graph, in a canonical form also computed in SQL (insertDigestSql). */
export function insertDigest(data: readonly NewCustomer[]): string {
  const lines: string[] = [];
  for (const c of data)
    for (const o of c.orders)
      for (const i of o.items)
        lines.push([c.name, c.vip, c.created.getTime(), o.ordernum, o.placedAt.getTime(), o.total, i.sku, i.qty, i.price, i.serial].join("|"));
  lines.sort();
  return createHash("md5").update(lines.join("\n")).digest("hex");
}

export const INSERT_DIGEST_SQL = `
  SELECT count(*)::int AS n, md5(coalesce(string_agg(line, E'\\n' ORDER BY line COLLATE "C"), '')) AS digest,
         (SELECT count(*)::int FROM customer) AS customers, (SELECT count(*)::int FROM cust_order) AS orders
  FROM (
    SELECT concat_ws('|', c.name, c.vip::text, (extract(epoch FROM c.created) * 1000)::bigint, o.ordernum,
                     (extract(epoch FROM o.placed_at) * 1000)::bigint, o.total::text, i.sku, i.qty, i.price::text, i.serial::text) AS line
    FROM item i JOIN cust_order o ON o.id = i.order_id JOIN customer c ON c.id = o.customer_id
  ) t`;

// ---------------------------------------------------------------------------------------------
// Loading

/** Connects to the server's maintenance database and creates the benchmark database if missing. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dbName)) throw new Error(`unexpected database name ${dbName}`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [dbName]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${dbName}`);
    // Every contender's sessions get the same settings: UTC, and no JIT (it costs tens of ms on
    // the big nested queries and Arbor's own driver turns it off per session anyway).
    await client.query(`ALTER DATABASE ${dbName} SET jit = off`);
    await client.query(`ALTER DATABASE ${dbName} SET "TimeZone" = 'UTC'`);
  } finally {
    await client.end();
  }
}

export async function pgAdmin(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function insertChunks(client: pg.Client, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  const per = Math.floor(30_000 / cols.length);
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(", ")})`);
    await client.query(`INSERT INTO ${table} (${cols.join(", ")}) VALUES ${tuples.join(", ")}`, params);
  }
}

export async function createPgSchema(client: pg.Client): Promise<void> {
  for (const s of PG_DDL) await client.query(s);
}

/** Empties the tables and loads the graph of workloads 1/2/4 (ids 1..n), then ANALYZE. */
export async function loadPg(client: pg.Client, graph: readonly CustomerRow[]): Promise<void> {
  await client.query("BEGIN");
  await client.query("TRUNCATE item, cust_order, customer RESTART IDENTITY");
  await insertChunks(client, "customer", ["id", "name", "vip", "created"], graph.map((c) => [c.id, c.name, c.vip, c.created]));
  await insertChunks(client, "cust_order", ["id", "customer_id", "ordernum", "placed_at", "total"], graph.flatMap((c) => c.orders.map((o) => [o.id, c.id, o.ordernum, o.placedAt, o.total])));
  await insertChunks(
    client,
    "item",
    ["id", "order_id", "sku", "qty", "price", "serial"],
    graph.flatMap((c) => c.orders.flatMap((o) => o.items.map((i) => [i.id, o.id, i.sku, i.qty, i.price, i.serial.toString()]))),
  );
  for (const t of ["customer", "cust_order", "item"]) await client.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT max(id) FROM ${t}))`);
  await client.query("COMMIT");
  await client.query("VACUUM ANALYZE customer, cust_order, item");
}

export async function truncatePg(client: pg.Client): Promise<void> {
  await client.query("TRUNCATE item, cust_order, customer RESTART IDENTITY");
}

export function createSqlite(file: string, graph: readonly CustomerRow[]): void {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    for (const s of SQLITE_DDL) db.exec(s);
    const ic = db.prepare("INSERT INTO customer (id, name, vip, created) VALUES (?, ?, ?, ?)");
    const io = db.prepare("INSERT INTO cust_order (id, customer_id, ordernum, placed_at, total) VALUES (?, ?, ?, ?, ?)");
    const ii = db.prepare("INSERT INTO item (id, order_id, sku, qty, price, serial) VALUES (?, ?, ?, ?, ?, ?)");
    db.transaction(() => {
      for (const c of graph) {
        ic.run(c.id, c.name, c.vip ? 1 : 0, c.created.toISOString());
        for (const o of c.orders) {
          io.run(o.id, c.id, o.ordernum, o.placedAt.toISOString(), o.total);
          for (const i of o.items) ii.run(i.id, o.id, i.sku, i.qty, i.price, i.serial);
        }
      }
    })();
    db.exec("ANALYZE");
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

export interface Fidelity {
  /** Kinds seen per field, e.g. created: Set{"Date"}. */
  readonly kinds: Record<"created" | "placedAt" | "total" | "price" | "serial" | "vip", Set<string>>;
  /** serial values that do not equal the stored value (a number cannot hold an odd value > 2^53). */
  lossySerials: number;
  /** numerics whose value is right but whose text lost the scale ("2.3" for "2.30"). */
  scaleLost: number;
}

export function newFidelity(): Fidelity {
  return { kinds: { created: new Set(), placedAt: new Set(), total: new Set(), price: new Set(), serial: new Set(), vip: new Set() }, lossySerials: 0, scaleLost: 0 };
}

function kindOf(v: unknown): string {
  if (v instanceof Date) return "Date";
  if (v === null) return "null";
  // Prisma's Decimal.js class is minified to "Decimal2".
  if (typeof v === "object") return ((v as object).constructor?.name ?? "object").replace(/^(Decimal)\d+$/, "$1");
  return typeof v;
}

class Mismatch extends Error {}

function checkDate(v: unknown, expected: Date, where: string): void {
  const ms = v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v : `${v.replace(" ", "T")}Z`) : typeof v === "number" ? v : NaN;
  if (ms !== expected.getTime()) throw new Mismatch(`${where}: ${String(v)} (${kindOf(v)}) is not ${expected.toISOString()}`);
}

function checkNumeric(f: Fidelity, v: unknown, expected: string, where: string): void {
  let text: string;
  if (typeof v === "string") text = v;
  else if (typeof v === "number" || typeof v === "bigint") text = String(v);
  else if (v !== null && typeof v === "object" && typeof (v as { toFixed?: unknown }).toFixed === "function") text = String(v);
  else throw new Mismatch(`${where}: ${String(v)} is not a numeric`);
  if (text === expected) return;
  if (Number(text) === Number(expected)) {
    f.scaleLost++;
    return;
  }
  throw new Mismatch(`${where}: ${text} is not ${expected}`);
}

function checkSerial(f: Fidelity, v: unknown, expected: bigint, where: string): void {
  let got: bigint | undefined;
  if (typeof v === "bigint") got = v;
  else if (typeof v === "string" && /^-?\d+$/.test(v)) got = BigInt(v);
  else if (typeof v === "number" && Number.isInteger(v)) got = BigInt(v);
  if (got === expected) return;
  // A value that went through a double on the way (JSON number, driver number) is off by a little.
  if (got !== undefined && (got > expected ? got - expected : expected - got) <= 4n) {
    f.lossySerials++;
    return;
  }
  throw new Mismatch(`${where}: ${String(v)} (${kindOf(v)}) is not ${expected}`);
}

function num(v: unknown): number {
  return typeof v === "bigint" ? Number(v) : typeof v === "string" ? Number(v) : (v as number);
}

/** Arrays, or iterable collections (MikroORM's Collection): what a user iterates over. */
function arrayOf(v: unknown, where: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === "object" && typeof (v as Iterable<unknown>)[Symbol.iterator] === "function") return [...(v as Iterable<unknown>)];
  throw new Mismatch(`${where} is ${kindOf(v)}, not an array`);
}

/** Checks one customer graph against the expected one (shape, counts, order, values) and notes the value kinds. */
export function checkCustomer(f: Fidelity, actual: unknown, expected: CustomerRow): void {
  const c = actual as Record<string, unknown>;
  const w = `customer ${expected.id}`;
  if (c === null || typeof c !== "object") throw new Mismatch(`${w}: ${kindOf(c)}`);
  if (num(c.id) !== expected.id) throw new Mismatch(`${w}: id ${String(c.id)}`);
  if (c.name !== expected.name) throw new Mismatch(`${w}: name ${String(c.name)}`);
  f.kinds.vip.add(kindOf(c.vip));
  if (Boolean(c.vip) !== expected.vip) throw new Mismatch(`${w}: vip ${String(c.vip)}`);
  f.kinds.created.add(kindOf(c.created));
  checkDate(c.created, expected.created, `${w}.created`);
  const orders = arrayOf(c.orders, `${w}.orders`);
  if (orders.length !== expected.orders.length) throw new Mismatch(`${w}: ${orders.length} orders, expected ${expected.orders.length}`);
  expected.orders.forEach((eo, k) => {
    const o = orders[k] as Record<string, unknown>;
    const wo = `${w} order ${eo.id}`;
    if (num(o.id) !== eo.id) throw new Mismatch(`${w}: order #${k} has id ${String(o.id)}, expected ${eo.id} (order by id)`);
    if (o.ordernum !== eo.ordernum) throw new Mismatch(`${wo}: ordernum ${String(o.ordernum)}`);
    f.kinds.placedAt.add(kindOf(o.placedAt));
    checkDate(o.placedAt, eo.placedAt, `${wo}.placedAt`);
    f.kinds.total.add(kindOf(o.total));
    checkNumeric(f, o.total, eo.total, `${wo}.total`);
    const items = arrayOf(o.items, `${wo}.items`);
    if (items.length !== eo.items.length) throw new Mismatch(`${wo}: ${items.length} items, expected ${eo.items.length}`);
    eo.items.forEach((ei, j) => {
      const i = items[j] as Record<string, unknown>;
      const wi = `${wo} item ${ei.id}`;
      if (num(i.id) !== ei.id) throw new Mismatch(`${wo}: item #${j} has id ${String(i.id)}, expected ${ei.id} (order by id)`);
      if (i.sku !== ei.sku || num(i.qty) !== ei.qty) throw new Mismatch(`${wi}: sku/qty ${String(i.sku)}/${String(i.qty)}`);
      f.kinds.price.add(kindOf(i.price));
      checkNumeric(f, i.price, ei.price, `${wi}.price`);
      f.kinds.serial.add(kindOf(i.serial));
      checkSerial(f, i.serial, ei.serial, `${wi}.serial`);
    });
  });
}

/** Checks a whole graph load; returns the counts seen. Throws on the first real mismatch. */
export function checkGraph(f: Fidelity, actual: readonly unknown[], expected: readonly CustomerRow[]): { customers: number; orders: number; items: number } {
  const rows = arrayOf(actual, "graph");
  if (rows.length !== expected.length) throw new Mismatch(`${rows.length} customers, expected ${expected.length}`);
  let orders = 0;
  let items = 0;
  expected.forEach((e, k) => {
    checkCustomer(f, rows[k], e);
    const os = arrayOf((rows[k] as { orders: unknown }).orders, "orders") as { items: unknown }[];
    orders += os.length;
    for (const o of os) items += arrayOf(o.items, "items").length;
  });
  return { customers: rows.length, orders, items };
}

/** "created Date · placedAt Date · int8 bigint · numeric '2.30'"-style summary, with ✗ where a value is weaker. */
export function describeFidelity(f: Fidelity, n: { items: number; numerics: number }): string {
  const k = (s: Set<string>): string => [...s].join("+");
  const serial = f.lossySerials ? `${k(f.kinds.serial)} ✗ ${f.lossySerials.toLocaleString("en")}/${n.items.toLocaleString("en")} inexact` : k(f.kinds.serial);
  const numericKinds = new Set([...f.kinds.total, ...f.kinds.price]);
  const numeric = `${[...numericKinds].join("+")}${f.scaleLost ? ` ✗ scale lost ("2.3") in ${f.scaleLost.toLocaleString("en")}/${n.numerics.toLocaleString("en")}` : ' "2.30"'}`;
  const dates = f.kinds.created.size === 1 && f.kinds.placedAt.size === 1 && k(f.kinds.created) === k(f.kinds.placedAt) ? k(f.kinds.created) : `${k(f.kinds.created)} (top), ${k(f.kinds.placedAt)} (nested)`;
  const datesMark = [...f.kinds.created, ...f.kinds.placedAt].some((x) => x !== "Date") ? " ✗" : "";
  const vip = [...f.kinds.vip].some((x) => x !== "boolean") ? ` · bool ${k(f.kinds.vip)} ✗` : "";
  return `dates ${dates}${datesMark} · int8 ${serial} · numeric ${numeric}${vip}`;
}

export { Mismatch };
