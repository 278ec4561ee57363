// Nested benchmark: 1,000 customers × 10 orders × 5 items loaded as one tree, on PostgreSQL,
// SQLite and MariaDB.
//
//   node bench/.out/nested.mjs [--quick] [--sqlite-only | --postgres-only | --mariadb-only] [--no-shapes | --shapes-only]
//
// Contenders per engine:
//   floor          the raw driver (pg / better-sqlite3 / mysql2, rows as arrays) running the exact
//                  SQL Arbor compiled (engine.compile(stmt), its parameter values) plus JSON.parse
//                  of the nested column: no type restoration. Same session settings as Arbor's
//                  driver (on PostgreSQL `-c TimeZone=UTC -c jit=off`: the JIT doubles this
//                  query's time, and Arbor's driver turns it off per session). On PostgreSQL the
//                  floor uses pg's default json parser (JSON.parse as each row arrives); the
//                  same with JSON.parse after the query returns is shown for context.
//   Arbor nested   engine.execute(select(customer…, nested(select(order…, nested(select(item…))))))
//                  on an engine with one pooled connection, the statement built once; every value
//                  restored (Date, bigint above 2^53, numeric string with its scale, boolean).
//   flat join      the raw driver running a hand-written LEFT JOIN of the three tables ordered by
//                  the three ids, regrouped into the same tree in JS, restoring the same types.
//   Arbor flat     Arbor's own select … leftJoin(order).leftJoin(item) (types restored by Arbor),
//                  regrouped in JS.
//
// Before timing, Arbor's tree must equal (deepStrictEqual) the tree built from the generated data,
// the raw flat join's regrouped tree and Arbor's flat regrouped tree; the floor must parse to the
// same shape. Contenders are interleaved within each repetition (order rotated) after warm-up
// passes, with no forced GC (a pass pays for the collections its garbage causes; the rotation
// spreads one that falls in the next contender's pass). Reported: median, min and max ms, the ratio of medians to the
// floor's, the paired ratio (median over repetitions of time / the floor's time in that repetition)
// and the CPU time the Node process spent per pass (driver, JSON.parse, decoding, GC; not the server's).
//
// Unless --no-shapes (or --quick), the PostgreSQL part also times alternative SQL shapes for the
// same tree, raw SQL only: server execution time (EXPLAIN ANALYZE, TIMING OFF) and round trip +
// JSON.parse on the client.
import { readFileSync } from "node:fs";
import os from "node:os";
import { isDeepStrictEqual } from "node:util";
import Database from "better-sqlite3";
import mysql from "mysql2";
import pg from "pg";
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
  select,
  sqliteDialect,
  text,
  timestamptz,
  type CompiledQuery,
  type Dialect,
  type Engine,
} from "../src/index.js";
import { mulberry32 } from "./support.js";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const ONLY = args.find((a) => /^--(sqlite|postgres|mariadb)-only$/.test(a))?.slice(2, -5);
const SHAPES_ONLY = args.includes("--shapes-only");
const ENGINES = SHAPES_ONLY ? ["postgres"] : ONLY ? [ONLY] : ["postgres", "sqlite", "mariadb"];
const SHAPES = SHAPES_ONLY || (!QUICK && !args.includes("--no-shapes") && ENGINES.includes("postgres"));
const REPS = QUICK ? 5 : 21;
const WARMUP = QUICK ? 2 : 4;
const CUSTOMERS = 1_000;
const ORDERS_PER = 10;
const ITEMS_PER = 5;
const PG_URL = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const MY_URL = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";
const NS = "arbor_bench_nested";
const TARGET_PG = 1.1;

// ---------------------------------------------------------------------------------------------
// Schema and data

const md = new MetaData();
const customer = md.table("customer", {
  id: integer().primaryKey(),
  name: text().notNull(),
  vip: boolean().notNull(),
  created: timestamptz().notNull(),
});
const order = md.table(
  "cust_order",
  {
    id: integer().primaryKey(),
    customerId: integer()
      .notNull()
      .named("customer_id")
      .references(() => customer.c.id),
    ordernum: text().notNull(),
    placedAt: timestamptz().notNull().named("placed_at"),
    total: numeric(10, 2).notNull(),
  },
  (c) => [index([c.customerId])],
);
const item = md.table(
  "item",
  {
    id: integer().primaryKey(),
    orderId: integer()
      .notNull()
      .named("order_id")
      .references(() => order.c.id),
    sku: text().notNull(),
    qty: integer().notNull(),
    price: numeric(10, 2).notNull(),
    serial: bigint().notNull(),
  },
  (c) => [index([c.orderId])],
);

interface Item {
  id: number;
  sku: string;
  qty: number;
  price: string;
  serial: bigint;
}
interface Order {
  id: number;
  ordernum: string;
  placedAt: Date;
  total: string;
  items: Item[];
}
interface Customer {
  id: number;
  name: string;
  vip: boolean;
  created: Date;
  orders: Order[];
}

/** "2.30"-style amounts; one in ten whole ("40.00"), which SQLite stores as an integer. */
function money(rnd: () => number, k: number, max: number): string {
  const cents = Math.floor(rnd() * max);
  return ((k % 10 === 0 ? cents - (cents % 100) : cents) / 100).toFixed(2);
}

/** The tree every contender must return: customers, orders and items in id order. */
function makeTree(): Customer[] {
  const rnd = mulberry32(2026);
  const start = Date.UTC(2015, 0, 1);
  const span = 10 * 365 * 86_400_000;
  const out: Customer[] = [];
  let orderId = 0;
  let itemId = 0;
  for (let c = 1; c <= CUSTOMERS; c++) {
    const orders: Order[] = [];
    for (let o = 0; o < ORDERS_PER; o++) {
      const oid = ++orderId;
      const items: Item[] = [];
      for (let i = 0; i < ITEMS_PER; i++) {
        const iid = ++itemId;
        items.push({
          id: iid,
          sku: `SKU-${Math.floor(rnd() * 1e6).toString(36)}-${iid}`,
          qty: 1 + Math.floor(rnd() * 50),
          price: iid === 1 ? "2.30" : money(rnd, iid, 100_000),
          serial: 2n ** 53n + BigInt(iid) * 1_000_003n + BigInt(Math.floor(rnd() * 1000)),
        });
      }
      orders.push({
        id: oid,
        ordernum: `ORD-${String(oid).padStart(6, "0")}`,
        placedAt: new Date(start + Math.floor(rnd() * span)),
        total: money(rnd, oid, 10_000_000),
        items,
      });
    }
    out.push({
      id: c,
      name: `Customer ${c} ${Math.floor(rnd() * 2 ** 32).toString(36)}`,
      vip: rnd() < 0.2,
      created: new Date(start + Math.floor(rnd() * span)),
      orders,
    });
  }
  return out;
}

const TREE = makeTree();
const N_ORDERS = CUSTOMERS * ORDERS_PER;
const N_ITEMS = N_ORDERS * ITEMS_PER;

/** Multi-row INSERT statements (1,000 rows each: 6,000 parameters, under every engine's limit). */
function insertStatements() {
  const chunk = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
  const custRows = TREE.map(({ id, name, vip, created }) => ({ id, name, vip, created }));
  const orderRows = TREE.flatMap((c) => c.orders.map(({ id, ordernum, placedAt, total }) => ({ id, customerId: c.id, ordernum, placedAt, total })));
  const itemRows = TREE.flatMap((c) => c.orders.flatMap((o) => o.items.map((it) => ({ ...it, orderId: o.id }))));
  return [
    ...chunk(custRows, 1000).map((rows) => insert(customer).values(rows)),
    ...chunk(orderRows, 1000).map((rows) => insert(order).values(rows)),
    ...chunk(itemRows, 1000).map((rows) => insert(item).values(rows)),
  ];
}

async function fill(engine: Engine): Promise<void> {
  await engine.withConnection(async (c) => {
    await md.dropAll(c);
    await md.createAll(c);
    await c.transaction(async (tx) => {
      for (const s of insertStatements()) await tx.execute(s);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The statements

/** The tree in one statement. */
const nestedTree = select(
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
).orderBy(customer.c.id);

/** Arbor's flat join, every value restored by Arbor. */
const flatTree = select(
  customer.c.id,
  customer.c.name,
  customer.c.vip,
  customer.c.created,
  order.c.id.as("orderId"),
  order.c.ordernum,
  order.c.placedAt,
  order.c.total,
  item.c.id.as("itemId"),
  item.c.sku,
  item.c.qty,
  item.c.price,
  item.c.serial,
)
  .from(customer)
  .leftJoin(order)
  .leftJoin(item)
  .orderBy(customer.c.id, order.c.id, item.c.id);

/** The hand-written flat join the raw contenders run (q = the engine's identifier quote). */
const flatSql = (q: string): string =>
  `SELECT c.id, c.name, c.vip, c.created, o.id, o.ordernum, o.placed_at, o.total, i.id, i.sku, i.qty, i.price, i.serial ` +
  `FROM customer c LEFT JOIN ${q}cust_order${q} o ON o.customer_id = c.id LEFT JOIN item i ON i.order_id = o.id ORDER BY c.id, o.id, i.id`;

/** A compile's values as its engine sends them (encoded for the driver: SQLite's 0/1, dates as text). */
const paramValues = (c: CompiledQuery, d: Dialect): unknown[] =>
  c.params.map((p) => ("value" in p ? (p.value === null || p.value === undefined ? null : d.encode(p.type, p.value)) : undefined));

// ---------------------------------------------------------------------------------------------
// Regrouping a flat join (rows: customer 0-3, order 4-7, item 8-12), one function per engine so each
// restores its driver's values inline, as a hand-written loader would.

type Row = unknown[];

/** Arbor's flat rows: values already restored. */
function regroupArbor(
  rows: readonly {
    id: number;
    name: string;
    vip: boolean;
    created: Date;
    orderId: number;
    ordernum: string;
    placedAt: Date;
    total: string;
    itemId: number;
    sku: string;
    qty: number;
    price: string;
    serial: bigint;
  }[],
): Customer[] {
  const out: Customer[] = [];
  let cust: Customer | undefined;
  let ord: Order | undefined;
  for (const r of rows) {
    if (cust === undefined || cust.id !== r.id) {
      cust = { id: r.id, name: r.name, vip: r.vip, created: r.created, orders: [] };
      out.push(cust);
      ord = undefined;
    }
    if (r.orderId === null) continue;
    if (ord === undefined || ord.id !== r.orderId) {
      ord = { id: r.orderId, ordernum: r.ordernum, placedAt: r.placedAt, total: r.total, items: [] };
      cust.orders.push(ord);
    }
    if (r.itemId === null) continue;
    ord.items.push({ id: r.itemId, sku: r.sku, qty: r.qty, price: r.price, serial: r.serial });
  }
  return out;
}

/** pg with its default parsers (Date, boolean, numeric as exact text) and int8 → BigInt. */
function regroupPg(rows: readonly Row[]): Customer[] {
  const out: Customer[] = [];
  let cust: Customer | undefined;
  let ord: Order | undefined;
  for (const r of rows) {
    const cid = r[0] as number;
    if (cust === undefined || cust.id !== cid) {
      cust = { id: cid, name: r[1] as string, vip: r[2] as boolean, created: r[3] as Date, orders: [] };
      out.push(cust);
      ord = undefined;
    }
    if (r[4] === null) continue;
    const oid = r[4] as number;
    if (ord === undefined || ord.id !== oid) {
      ord = { id: oid, ordernum: r[5] as string, placedAt: r[6] as Date, total: r[7] as string, items: [] };
      cust.orders.push(ord);
    }
    if (r[8] === null) continue;
    ord.items.push({ id: r[8] as number, sku: r[9] as string, qty: r[10] as number, price: r[11] as string, serial: r[12] as bigint });
  }
  return out;
}

/** SQLite NUMERIC(10,2) comes back as a float, or an integer when whole: format to 2 places. */
const sqliteMoney = (v: unknown): string => (typeof v === "bigint" ? `${v}.00` : (v as number).toFixed(2));

/** better-sqlite3 with safeIntegers (exact serial): ints as bigint, 0/1 booleans, ISO text dates. */
function regroupSqlite(rows: readonly Row[]): Customer[] {
  const out: Customer[] = [];
  let cust: Customer | undefined;
  let ord: Order | undefined;
  for (const r of rows) {
    const cid = Number(r[0] as bigint);
    if (cust === undefined || cust.id !== cid) {
      cust = { id: cid, name: r[1] as string, vip: r[2] !== 0n, created: new Date(r[3] as string), orders: [] };
      out.push(cust);
      ord = undefined;
    }
    if (r[4] === null) continue;
    const oid = Number(r[4] as bigint);
    if (ord === undefined || ord.id !== oid) {
      ord = { id: oid, ordernum: r[5] as string, placedAt: new Date(r[6] as string), total: sqliteMoney(r[7]), items: [] };
      cust.orders.push(ord);
    }
    if (r[8] === null) continue;
    ord.items.push({ id: Number(r[8] as bigint), sku: r[9] as string, qty: Number(r[10] as bigint), price: sqliteMoney(r[11]), serial: r[12] as bigint });
  }
  return out;
}

/** mysql2 with timezone "Z" (DATETIME → Date), big numbers as strings, DECIMAL as exact text, TINYINT booleans. */
function regroupMysql(rows: readonly Row[]): Customer[] {
  const out: Customer[] = [];
  let cust: Customer | undefined;
  let ord: Order | undefined;
  for (const r of rows) {
    const cid = r[0] as number;
    if (cust === undefined || cust.id !== cid) {
      cust = { id: cid, name: r[1] as string, vip: r[2] !== 0, created: r[3] as Date, orders: [] };
      out.push(cust);
      ord = undefined;
    }
    if (r[4] === null) continue;
    const oid = r[4] as number;
    if (ord === undefined || ord.id !== oid) {
      ord = { id: oid, ordernum: r[5] as string, placedAt: r[6] as Date, total: r[7] as string, items: [] };
      cust.orders.push(ord);
    }
    if (r[8] === null) continue;
    ord.items.push({ id: r[8] as number, sku: r[9] as string, qty: r[10] as number, price: r[11] as string, serial: BigInt(r[12] as string) });
  }
  return out;
}

/** The floor's work after the driver: JSON.parse of the nested column, nothing else. */
function parseNested(rows: Row[]): Row[] {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    r[4] = JSON.parse(r[4] as string);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Checks and timing

function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`Benchmark contenders disagree: ${what}`);
}

/** The floor returns the same tree shape (row and child counts) as the data. */
function checkFloor(rows: Row[], what: string): void {
  const counts = (rs: Row[]) => [
    rs.length,
    rs.reduce((n, r) => n + (r[4] as Row[]).length, 0),
    rs.reduce((n, r) => n + (r[4] as Row[]).reduce((m, o) => m + (o[4] as Row[]).length, 0), 0),
  ];
  same(counts(rows), [CUSTOMERS, N_ORDERS, N_ITEMS], `${what}: floor row counts`);
}

type Pass = () => unknown;
interface Contender {
  readonly name: string;
  readonly pass: Pass;
  /** PostgreSQL: the backend process serving this contender, whose CPU time is read too. */
  readonly backend?: number;
}
let sink = 0;
const consume = (x: unknown): void => {
  if (Array.isArray(x)) sink += x.length;
  else if (x !== undefined) sink++;
};

/**
 * CPU time (ms) a process has run so far, from /proc/<pid>/schedstat (Linux; the server runs on
 * this machine), or NaN. CPU times are steadier than wall times when other work shares the machine.
 */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

interface Sample {
  readonly wall: number;
  /** This Node process, all threads (driver, JSON.parse, decoding, GC). */
  readonly node: number;
  /** The PostgreSQL backend, when known. */
  readonly server: number;
}
/** Per contender name, the samples of the last measure(). */
const samples = new Map<string, Sample[]>();

async function timeOnce(pass: Pass, backend?: number): Promise<Sample> {
  const s0 = cpuOf(backend);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = pass();
  consume(r instanceof Promise ? await r : r);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, node: (c.user + c.system) / 1000, server: cpuOf(backend) - s0 };
}

async function measure(contenders: readonly Contender[], reps = REPS, warmup = WARMUP): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) samples.set(c.name, []);
  for (let rep = 0; rep < warmup + reps; rep++) {
    for (let j = 0; j < contenders.length; j++) {
      const c = contenders[(rep + j) % contenders.length];
      const t = await timeOnce(c.pass, c.backend);
      if (rep >= warmup) {
        out.get(c.name)!.push(t.wall);
        samples.get(c.name)!.push(t);
      }
    }
  }
  return out;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));

function table(head: string[], rows: string[][]): string {
  const cells = [head, ...rows];
  const width = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]): string => "| " + r.map((v, c) => (c === 0 ? v.padEnd(width[c]) : v.padStart(width[c]))).join(" | ") + " |";
  const rule = "|" + width.map((w, c) => (c === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(head), rule, ...rows.map(line)].join("\n");
}

const summary: { engine: string; floor: number; arbor: number; flat: number; arborFlat: number; paired: number; cpu: number }[] = [];

function report(engine: string, results: Map<string, number[]>, cpuComparable: boolean): void {
  const floors = results.get("floor")!;
  const floor = median(floors);
  // Paired: each repetition's time over the floor's time in the same repetition, then the median;
  // steadier than the ratio of medians when other work shares the machine.
  const paired = (xs: readonly number[]): number => median(xs.map((x, i) => x / floors[i]));
  const cpu = (name: string): { node: number; server: number; total: number } => {
    const xs = samples.get(name)!;
    const node = median(xs.map((x) => x.node));
    const server = median(xs.map((x) => x.server));
    return { node, server, total: Number.isNaN(server) ? node : median(xs.map((x) => x.node + x.server)) };
  };
  const floorCpu = cpu("floor").total;
  const rows = [...results].map(([name, xs]) => {
    const c = cpu(name);
    return [
      name,
      ms(median(xs)),
      ms(Math.min(...xs)),
      ms(Math.max(...xs)),
      (median(xs) / floor).toFixed(2) + "x",
      paired(xs).toFixed(2) + "x",
      ms(c.node),
      Number.isNaN(c.server) ? "-" : ms(c.server),
      cpuComparable ? (c.total / floorCpu).toFixed(2) + "x" : "-",
    ];
  });
  console.log(`\n### ${engine}\n`);
  console.log(table(["contender", "median ms", "min", "max", "vs floor", "paired vs floor", "Node CPU ms", "server CPU ms", "CPU vs floor"], rows));
  summary.push({
    engine,
    floor,
    arbor: median(results.get("Arbor nested")!),
    flat: median(results.get("flat join, raw + regroup")!),
    arborFlat: median(results.get("Arbor flat + regroup")!),
    paired: paired(results.get("Arbor nested")!),
    cpu: cpuComparable ? cpu("Arbor nested").total / floorCpu : Number.NaN,
  });
}

/** Backend process ids (PostgreSQL) of the floor's, the flat join's and Arbor's connections. */
interface Backends {
  readonly floor?: number;
  readonly flat?: number;
  readonly arbor?: number;
}

/**
 * The four contenders, checked against each other before timing. `cpuComparable`: every CPU the
 * contenders use is counted (SQLite runs in this process; PostgreSQL backends are read), so the
 * ratio of CPU times is a fair, load-insensitive companion to the wall-time ratio.
 */
async function run(
  engine: string,
  arbor: Engine,
  floor: () => Promise<Row[]> | Row[],
  flat: () => Promise<Customer[]> | Customer[],
  backends: Backends,
  cpuComparable: boolean,
  /** Further contenders shown for context (not checked against the tree). */
  context: readonly Contender[] = [],
): Promise<void> {
  const tree = (await arbor.execute(nestedTree)).rows;
  same(tree, TREE, `${engine}: Arbor nested vs the generated data`);
  same(await flat(), TREE, `${engine}: raw flat join regrouped vs the generated data`);
  same(regroupArbor((await arbor.execute(flatTree)).rows), TREE, `${engine}: Arbor flat regrouped vs the generated data`);
  checkFloor(await floor(), engine);
  report(
    engine,
    await measure([
      { name: "floor", pass: floor, backend: backends.floor },
      { name: "Arbor nested", pass: async () => (await arbor.execute(nestedTree)).rows, backend: backends.arbor },
      { name: "flat join, raw + regroup", pass: flat, backend: backends.flat },
      { name: "Arbor flat + regroup", pass: async () => regroupArbor((await arbor.execute(flatTree)).rows), backend: backends.arbor },
      ...context,
    ]),
    cpuComparable,
  );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const compiledSql: Record<string, string> = {};

function pgClient(config: pg.ClientConfig = {}): pg.Client {
  // The session settings Arbor's driver uses: UTC and no JIT (which doubles this query's time).
  return new pg.Client({ connectionString: PG_URL, options: `-c TimeZone=UTC -c jit=off -c search_path=${NS}`, ...config });
}
/** Type parsers: the driver's defaults, with `override` for some OIDs. */
function parsers(override: Record<number, (s: string) => unknown>): pg.ClientConfig["types"] {
  return {
    getTypeParser: ((oid: number, format?: string) => override[oid] ?? pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
  };
}

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
}
/** The backend of the engine's one pooled connection. */
async function arborBackend(engine: Engine): Promise<number> {
  return engine.withConnection(async (c) => Number((await c.runSql("SELECT pg_backend_pid()")).rows[0][0]));
}

async function benchPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${NS} CASCADE`);
  await admin.query(`CREATE SCHEMA ${NS}`);
  const url = new URL(PG_URL);
  url.searchParams.set("schema", NS);
  const engine = createEngine(url.toString(), { poolSize: 1 });
  // The floor: pg's defaults, whose json parser is JSON.parse, run on each row as it arrives (so
  // parsing overlaps with the server still sending). For context, and for the shape study, the
  // same with json (OID 114; jsonb 3802) left as text and parsed after the query returns.
  const floorClient = pgClient();
  const raw = pgClient({ types: parsers({ 114: (s) => s, 3802: (s) => s }) });
  // The flat join: pg's defaults plus int8 → BigInt.
  const restoring = pgClient({ types: parsers({ 20: (s) => BigInt(s) }) });
  await floorClient.connect();
  await raw.connect();
  await restoring.connect();
  try {
    await fill(engine);
    await raw.query("ANALYZE customer; ANALYZE cust_order; ANALYZE item");
    const compiled = engine.compile(nestedTree);
    compiledSql.postgres = compiled.sql;
    const values = paramValues(compiled, engine.dialect);
    const flat = flatSql('"');
    if (!SHAPES_ONLY)
      await run(
        "postgres",
        engine,
        async () => (await floorClient.query({ text: compiled.sql, values, rowMode: "array" })).rows as Row[],
        async () => regroupPg((await restoring.query({ text: flat, rowMode: "array" })).rows as Row[]),
        { floor: await backendPid(floorClient), flat: await backendPid(restoring), arbor: await arborBackend(engine) },
        true,
        [
          {
            name: "floor, JSON.parse after the query",
            pass: async () => parseNested((await raw.query({ text: compiled.sql, values, rowMode: "array" })).rows as Row[]),
            backend: await backendPid(raw),
          },
        ],
      );
    if (SHAPES) await pgShapes(raw);
  } finally {
    await engine.dispose();
    await floorClient.end();
    await raw.end();
    await restoring.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${NS} CASCADE`);
    await admin.end();
  }
}

/**
 * Alternative SQL shapes for the same tree, raw SQL only. Each returns the same data; the shapes
 * differ in how rows are spelled inside the JSON and what the server has to build.
 */
function pgShapeSql(): Record<string, string> {
  const T = "::text";
  return {
    "json_agg(json_build_array(...)), ::text casts (Arbor)": compiledSql.postgres,
    "json_agg(json_build_array(...)), no casts (lossy)": `SELECT c.id, c.name, c.vip, c.created, (SELECT coalesce(json_agg(json_build_array(o.id, o.ordernum, o.placed_at, o.total, (SELECT coalesce(json_agg(json_build_array(i.id, i.sku, i.qty, i.price, i.serial) ORDER BY i.id), '[]') FROM item i WHERE i.order_id = o.id)) ORDER BY o.id), '[]') FROM cust_order o WHERE o.customer_id = c.id) AS orders FROM customer c ORDER BY c.id`,
    "json_agg(json_build_array(...)), casts on bigint/numeric only": `SELECT c.id, c.name, c.vip, c.created, (SELECT coalesce(json_agg(json_build_array(o.id, o.ordernum, o.placed_at, o.total${T}, (SELECT coalesce(json_agg(json_build_array(i.id, i.sku, i.qty, i.price${T}, i.serial${T}) ORDER BY i.id), '[]') FROM item i WHERE i.order_id = o.id)) ORDER BY o.id), '[]') FROM cust_order o WHERE o.customer_id = c.id) AS orders FROM customer c ORDER BY c.id`,
    "json_agg(json_build_object(...)), ::text casts": `SELECT c.id, c.name, c.vip, c.created, (SELECT coalesce(json_agg(json_build_object('id', o.id, 'ordernum', o.ordernum, 'placedAt', o.placed_at${T}, 'total', o.total${T}, 'items', (SELECT coalesce(json_agg(json_build_object('id', i.id, 'sku', i.sku, 'qty', i.qty, 'price', i.price${T}, 'serial', i.serial${T}) ORDER BY i.id), '[]') FROM item i WHERE i.order_id = o.id)) ORDER BY o.id), '[]') FROM cust_order o WHERE o.customer_id = c.id) AS orders FROM customer c ORDER BY c.id`,
    "json_agg(t) of a derived table (records), ::text casts": `SELECT c.id, c.name, c.vip, c.created, (SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM (SELECT o.id, o.ordernum, o.placed_at${T} AS "placedAt", o.total${T} AS total, (SELECT coalesce(json_agg(u ORDER BY u.id), '[]') FROM (SELECT i.id, i.sku, i.qty, i.price${T} AS price, i.serial${T} AS serial FROM item i WHERE i.order_id = o.id) u) AS items FROM cust_order o WHERE o.customer_id = c.id) t) AS orders FROM customer c ORDER BY c.id`,
    "jsonb_agg(jsonb_build_array(...)), ::text casts": `SELECT c.id, c.name, c.vip, c.created, (SELECT coalesce(jsonb_agg(jsonb_build_array(o.id, o.ordernum, o.placed_at${T}, o.total${T}, (SELECT coalesce(jsonb_agg(jsonb_build_array(i.id, i.sku, i.qty, i.price${T}, i.serial${T}) ORDER BY i.id), '[]') FROM item i WHERE i.order_id = o.id)) ORDER BY o.id), '[]') FROM cust_order o WHERE o.customer_id = c.id) AS orders FROM customer c ORDER BY c.id`,
    "LEFT JOIN LATERAL + json_agg(json_build_array(...)), ::text casts": `SELECT c.id, c.name, c.vip, c.created, coalesce(os.orders, '[]') AS orders FROM customer c LEFT JOIN LATERAL (SELECT json_agg(json_build_array(o.id, o.ordernum, o.placed_at${T}, o.total${T}, coalesce(its.items, '[]')) ORDER BY o.id) AS orders FROM cust_order o LEFT JOIN LATERAL (SELECT json_agg(json_build_array(i.id, i.sku, i.qty, i.price${T}, i.serial${T}) ORDER BY i.id) AS items FROM item i WHERE i.order_id = o.id) its ON true WHERE o.customer_id = c.id) os ON true ORDER BY c.id`,
    "flat LEFT JOIN (no JSON), for reference": flatSql('"'),
  };
}

async function pgShapes(client: pg.Client): Promise<void> {
  const shapes = Object.entries(pgShapeSql());
  const backend = await backendPid(client);
  const rounds = QUICK ? 3 : 15;
  const run = async (sql: string): Promise<Row[]> => {
    const rows = (await client.query({ text: sql, rowMode: "array" })).rows as Row[];
    return typeof rows[0][4] === "string" ? parseNested(rows) : rows;
  };
  // The size of each shape's JSON, and a check that each returns the whole tree (row counts).
  const size = new Map<string, number>();
  const children = (x: unknown): unknown[] => (Array.isArray(x) ? (x[4] as unknown[]) : (x as { items: unknown[] }).items);
  for (const [name, sql] of shapes) {
    const raw = (await client.query({ text: sql, rowMode: "array" })).rows as Row[];
    size.set(
      name,
      raw.reduce((n, r) => n + (typeof r[4] === "string" ? r[4].length : 0), 0),
    );
    if (size.get(name) === 0) {
      same(raw.length, N_ITEMS, `${name}: row count`);
      continue;
    }
    const rows = parseNested(raw);
    const orders = rows.flatMap((r) => r[4] as unknown[]);
    same([rows.length, orders.length, orders.reduce((n: number, o) => n + children(o).length, 0)], [CUSTOMERS, N_ORDERS, N_ITEMS], `${name}: row counts`);
  }
  const results = await measure(
    shapes.map(([name, sql]) => ({ name, pass: () => run(sql), backend })),
    rounds,
    1,
  );
  const med = (name: string, f: (x: Sample) => number): number => median(samples.get(name)!.map(f));
  const base = shapes[0][0];
  console.log(
    `\n### postgres: SQL shapes for the same tree (raw SQL on the floor's client)\n\n` +
      `server CPU = the backend's CPU time running the query and sending its result (/proc/<pid>/schedstat), ` +
      `min and median (other work on the machine only ever adds to it); Node CPU = driver + JSON.parse; ` +
      `wall = round trip + JSON.parse; medians of ${rounds} interleaved passes.\n`,
  );
  console.log(
    table(
      ["shape", "JSON MB", "server CPU min ms", "median", "min vs Arbor's", "Node CPU ms", "wall ms", "vs Arbor's"],
      shapes.map(([name]) => {
        const serverMin = Math.min(...samples.get(name)!.map((x) => x.server));
        const wall = median(results.get(name)!);
        return [
          name,
          size.get(name) ? (size.get(name)! / 1e6).toFixed(2) : "-",
          ms(serverMin),
          ms(med(name, (x) => x.server)),
          (serverMin / Math.min(...samples.get(base)!.map((x) => x.server))).toFixed(2) + "x",
          ms(med(name, (x) => x.node)),
          ms(wall),
          (wall / median(results.get(base)!)).toFixed(2) + "x",
        ];
      }),
    ),
  );
  // What the JIT does to this query (Arbor's driver and the floor turn it off). At the default
  // jit_above_cost the planner may or may not reach the threshold, so it is also forced.
  const jit = async (label: string, setting: string): Promise<string> => {
    await client.query(setting);
    const plan = await client.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${compiledSql.postgres}`);
    const used = (JSON.parse(plan.rows[0]["QUERY PLAN"] as string) as { JIT?: unknown }[])[0].JIT !== undefined;
    await measure([{ name: label, pass: () => run(compiledSql.postgres), backend }], rounds, 1);
    await client.query("RESET jit_above_cost; RESET jit_inline_above_cost; RESET jit_optimize_above_cost; SET jit = off");
    const server = samples.get(label)!.map((x) => x.server);
    return `${label}: server CPU min ${ms(Math.min(...server))} / median ${ms(median(server))} ms, wall median ${ms(median(samples.get(label)!.map((x) => x.wall)))} ms (JIT ${used ? "used" : "not used"})`;
  };
  const lines = [
    await jit("jit = off", "SET jit = off"),
    await jit("jit = on, default thresholds", "SET jit = on"),
    await jit("jit = on, every threshold 0", "SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0"),
  ];
  console.log(`\nArbor's SQL and the JIT:\n${lines.map((l) => `- ${l}`).join("\n")}`);
}

// ---------------------------------------------------------------------------------------------
// SQLite: Arbor's in-memory database and a second in-memory database for the raw driver, built
// from the same DDL and the same compiled INSERTs.

async function benchSqlite(): Promise<void> {
  const engine = createEngine("sqlite::memory:", { poolSize: 1 });
  const db = new Database(":memory:");
  try {
    await fill(engine);
    for (const s of md.createStatements({ dialect: sqliteDialect })) db.exec(s);
    db.transaction(() => {
      for (const s of insertStatements()) {
        const c = engine.compile(s);
        db.prepare(c.sql).run(...paramValues(c, engine.dialect));
      }
    })();
    db.exec("ANALYZE");
    await engine.withConnection((c) => c.runSql("ANALYZE"));
    const compiled = engine.compile(nestedTree);
    compiledSql.sqlite = compiled.sql;
    const values = paramValues(compiled, engine.dialect);
    // As Arbor's driver runs it: raw arrays, and no safeIntegers (no top-level bigint column).
    const floorStmt = db.prepare(compiled.sql).raw(true);
    const flatStmt = db.prepare(flatSql("")).raw(true).safeIntegers(true);
    await run(
      "sqlite",
      engine,
      () => parseNested(floorStmt.all(...values) as Row[]),
      () => regroupSqlite(flatStmt.all() as Row[]),
      {},
      true,
    );
  } finally {
    await engine.dispose();
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// MariaDB

type MyConn = mysql.Connection;

function myQuery(conn: MyConn, sql: string, values: unknown[]): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    // As Arbor's driver does: prepared statements (execute) when there are parameters, else query.
    const run = values.length ? conn.execute.bind(conn) : conn.query.bind(conn);
    run({ sql, values, rowsAsArray: true }, (err: Error | null, rows: unknown) => (err ? reject(err) : resolve(rows as Row[])));
  });
}

async function myConnect(options: mysql.ConnectionOptions, init: readonly string[] = []): Promise<MyConn> {
  const u = new URL(MY_URL);
  const conn = mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root", password: u.password, ...options });
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  for (const statement of init) await myQuery(conn, statement, []);
  return conn;
}

async function benchMariadb(): Promise<void> {
  const admin = await myConnect({});
  await myQuery(admin, `DROP DATABASE IF EXISTS ${NS}`, []);
  await myQuery(admin, `CREATE DATABASE ${NS} CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`, []);
  const url = new URL(MY_URL);
  url.pathname = `/${NS}`;
  const engine = createEngine(url.toString(), { poolSize: 1 });
  // The floor: the connection options and session settings of Arbor's driver.
  const raw = await myConnect(
    { database: NS, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, jsonStrings: true, timezone: "Z", charset: "utf8mb4_bin" },
    [
      "SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin",
      "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    ],
  );
  // The flat join as one would hand-write it: DATETIME → Date in UTC, BIGINT as a string.
  const restoring = await myConnect({ database: NS, supportBigNumbers: true, bigNumberStrings: true, timezone: "Z", charset: "utf8mb4_bin" }, [
    "SET time_zone = '+00:00'",
  ]);
  try {
    await fill(engine);
    await myQuery(raw, "ANALYZE TABLE customer, cust_order, item", []);
    const compiled = engine.compile(nestedTree);
    compiledSql.mariadb = compiled.sql;
    const values = paramValues(compiled, engine.dialect);
    const flat = flatSql("`");
    await run(
      "mariadb",
      engine,
      async () => parseNested(await myQuery(raw, compiled.sql, values)),
      async () => regroupMysql(await myQuery(restoring, flat, [])),
      {},
      false,
    );
  } finally {
    await engine.dispose();
    for (const c of [raw, restoring]) c.end();
    await myQuery(admin, `DROP DATABASE IF EXISTS ${NS}`, []);
    admin.end();
  }
}

// ---------------------------------------------------------------------------------------------

const cpus = os.cpus();
console.log(`## Nested: ${CUSTOMERS.toLocaleString("en")} customers × ${ORDERS_PER} orders × ${ITEMS_PER} items\n`);
console.log(
  `Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ${os.platform()} ${os.arch()}; ` +
    `${QUICK ? "--quick: " : ""}median of ${REPS} passes after ${WARMUP} warm-up passes, contenders interleaved, no forced GC.`,
);
console.log(
  `${CUSTOMERS.toLocaleString("en")} + ${N_ORDERS.toLocaleString("en")} + ${N_ITEMS.toLocaleString("en")} rows; every contender's tree checked equal before timing.`,
);
if (ENGINES.includes("postgres")) await benchPostgres();
if (ENGINES.includes("sqlite")) await benchSqlite();
if (ENGINES.includes("mariadb")) await benchMariadb();

if (summary.length) {
  console.log(`\n### Summary (medians, ratio to the floor)\n`);
  console.log(
    table(
      ["engine", "floor ms", "Arbor nested", "paired", "CPU", "flat join, raw + regroup", "Arbor flat + regroup"],
      summary.map((s) => [
        s.engine,
        ms(s.floor),
        `${ms(s.arbor)} (${(s.arbor / s.floor).toFixed(2)}x)`,
        `${s.paired.toFixed(2)}x`,
        Number.isNaN(s.cpu) ? "-" : `${s.cpu.toFixed(2)}x`,
        `${ms(s.flat)} (${(s.flat / s.floor).toFixed(2)}x)`,
        `${ms(s.arborFlat)} (${(s.arborFlat / s.floor).toFixed(2)}x)`,
      ]),
    ),
  );
}
const pgRow = summary.find((s) => s.engine === "postgres");
if (pgRow) {
  const r = pgRow.arbor / pgRow.floor;
  console.log(
    `\nTarget on PostgreSQL: Arbor nested <= ${TARGET_PG.toFixed(2)}x the floor: ${r.toFixed(2)}x ` +
      `(paired ${pgRow.paired.toFixed(2)}x, CPU ${pgRow.cpu.toFixed(2)}x), ${r <= TARGET_PG ? "met" : "NOT met"}.`,
  );
}
for (const [engine, sql] of Object.entries(compiledSql)) console.log(`\nCompiled SQL (${engine}):\n${sql}`);
if (sink < 0) console.log(sink);
