// The distributed test bed: a customer → cust_order → item group whose keys all include the root
// key, the MariaDB Spider instances scripts/dist-up.sh starts (started here when they are not
// answering), and PostgreSQL databases for the postgres_fdw path.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import mysql from "mysql2/promise";
import pg from "pg";
import { MetaData, bigint, date, foreignKey, func, integer, nested, numeric, primaryKey, select, text } from "../../src/index.js";
import type { Engine, Statement } from "../../src/index.js";
import { TEST_PREFIX } from "../support/prefix.js";

export const DIST_PORT = Number(process.env.ARBOR_DIST_PORT ?? 3307);
export const BACKEND_HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4"] as const;
export const HEAD_HOST = "127.0.0.5";
/** An instance configured exactly like a backend, for benchmarks' single node (scripts/dist-up.sh). */
export const SINGLE_HOST = "127.0.0.6";
export const DB = `${TEST_PREFIX}dist`;

export function distShop() {
  const md = new MetaData();
  const customer = md.table("customer", { id: bigint().primaryKey(), name: text().notNull() });
  const order = md.table(
    "cust_order",
    {
      customerId: bigint()
        .notNull()
        .named("customer_id")
        .references(() => customer.c.id, { grouping: true }),
      id: integer().notNull(),
      day: date().notNull(),
      total: numeric(12, 2).notNull(),
    },
    (c) => [primaryKey(c.customerId, c.id)],
  );
  const item = md.table(
    "item",
    {
      customerId: bigint().notNull().named("customer_id"),
      orderId: integer().notNull().named("order_id"),
      id: integer().notNull(),
      sku: text().notNull(),
      qty: integer().notNull(),
    },
    (c) => [primaryKey(c.customerId, c.orderId, c.id), foreignKey([c.customerId, c.orderId], () => [order.c.customerId, order.c.id], { grouping: true })],
  );
  return { md, customer, order, item };
}

/** Every customer's tree (orders, their items) as one nested statement, in key order. */
export function shopTree(shop: ReturnType<typeof distShop>) {
  return select(
    shop.customer.c.id,
    shop.customer.c.name,
    nested(
      select(
        shop.order.c.id,
        shop.order.c.day,
        shop.order.c.total,
        nested(select(shop.item.c.id, shop.item.c.sku, shop.item.c.qty).orderBy(shop.item.c.id)).as("items"),
      ).orderBy(shop.order.c.id),
    ).as("orders"),
  ).orderBy(shop.customer.c.id);
}

const SCRIPTS = new URL("../../scripts/", import.meta.url).pathname;

async function answers(host: string): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ host, port: DIST_PORT, user: "root", connectTimeout: 2000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Starts the Spider test bed unless every instance answers; an error says what is missing. */
export async function ensureSpiderBed(): Promise<void> {
  const all = async () => (await Promise.all([...BACKEND_HOSTS, HEAD_HOST, SINGLE_HOST].map(answers))).every(Boolean);
  if (await all()) return;
  if (!existsSync("/usr/lib/mysql/plugin/ha_spider.so"))
    throw new Error("MariaDB's Spider plugin is not installed: apt-get install mariadb-plugin-spider (.ci/run does), then scripts/dist-up.sh");
  execFileSync("bash", [`${SCRIPTS}dist-up.sh`], { stdio: "ignore", timeout: 120_000 });
  if (!(await all())) throw new Error("scripts/dist-up.sh ran but the Spider instances do not answer (see /tmp/arbor-dist/*.err)");
}

/** (Re)creates database `DB` on each MariaDB instance of the bed. */
/**
 * Rolls back XA transactions an earlier run prepared and never ended (a process killed between
 * Spider's XA PREPARE and COMMIT): Spider hands their XIDs out again after a restart, and every
 * write through the head then failed with "XAER_DUPID: The XID already exists". Test data only.
 */
async function rollbackLeftoverXa(c: mysql.Connection): Promise<void> {
  const [rows] = await c.query("XA RECOVER");
  for (const r of rows as { formatID: number; gtrid_length: number; bqual_length: number; data: string | Buffer }[]) {
    const data = Buffer.from(r.data);
    const gtrid = data.subarray(0, r.gtrid_length).toString("hex");
    const bqual = data.subarray(r.gtrid_length, r.gtrid_length + r.bqual_length).toString("hex");
    await c.query(`XA ROLLBACK X'${gtrid}', X'${bqual}', ${Number(r.formatID)}`);
  }
}

export async function freshSpiderDatabases(): Promise<void> {
  for (const host of [...BACKEND_HOSTS, HEAD_HOST, SINGLE_HOST]) {
    const c = await mysql.createConnection({ host, port: DIST_PORT, user: "root" });
    await rollbackLeftoverXa(c);
    await c.query(`DROP DATABASE IF EXISTS \`${DB}\``);
    await c.query(`CREATE DATABASE \`${DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
    await c.end();
  }
}

export async function dropSpiderDatabases(): Promise<void> {
  for (const host of [...BACKEND_HOSTS, HEAD_HOST, SINGLE_HOST]) {
    const c = await mysql.createConnection({ host, port: DIST_PORT, user: "root" });
    await c.query(`DROP DATABASE IF EXISTS \`${DB}\``);
    await c.end();
  }
}

/** PostgreSQL databases for the FDW path: `<prefix>dist_head`, `<prefix>dist_b0` … */
export const pgDatabases = (backends: number): { head: string; backends: string[] } => ({
  head: `${DB}_head`,
  backends: Array.from({ length: backends }, (_, i) => `${DB}_b${i}`),
});

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test" });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function freshPgDatabases(names: readonly string[]): Promise<void> {
  await pgAdmin(async (c) => {
    for (const n of names) {
      await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${n}"`);
    }
  });
}

export async function dropPgDatabases(names: readonly string[]): Promise<void> {
  await pgAdmin(async (c) => {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
  });
}

/** Rows for `customers` customers × 3 orders × 3 items, keys spread over the signed 64-bit range. */
export function shopRows(customers: number, seed: number) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ids = new Set<bigint>();
  while (ids.size < customers) {
    const big = (BigInt(Math.floor(rnd() * 2 ** 32)) << 31n) ^ BigInt(Math.floor(rnd() * 2 ** 31));
    ids.add(rnd() < 0.3 ? BigInt(Math.floor(rnd() * 1000)) - 500n : rnd() < 0.5 ? -big : big);
  }
  const customer = [...ids].map((id, i) => ({ id, name: `customer ${i}` }));
  const order = customer.flatMap((c, i) =>
    [1, 2, 3].map((id) => ({ customerId: c.id, id, day: `2026-${String((i % 12) + 1).padStart(2, "0")}-0${id}`, total: `${(i * 7 + id) % 1000}.${id}5` })),
  );
  const item = order.flatMap((o) => [1, 2, 3].map((id) => ({ customerId: o.customerId, orderId: o.id, id, sku: `sku-${o.id}-${id}`, qty: id * o.id })));
  return { customer, order, item };
}

/**
 * Two queries pinned to one customer: one also counts every customer's orders (only the head sees
 * them all), one counts the customer's own orders (its backend holds them).
 */
export function pinnedCounts(shop: ReturnType<typeof distShop>, id: bigint) {
  const count = () => select(func.count().as("n")).from(shop.order);
  const own = count().where(shop.order.c.customerId.eq(shop.customer.c.id)).scalar();
  return {
    crossGroup: select(shop.customer.c.id, count().scalar().as("everywhere"), own.as("own")).where(shop.customer.c.id.eq(id)),
    ownGroup: select(shop.customer.c.id, own.as("own")).where(shop.customer.c.id.eq(id)),
  };
}

/**
 * How often `run` reads the fields of `stmt`'s statement node (its kind aside) while running it:
 * each walk of the statement (shape key, locality, FROM inference) reads them again.
 */
export async function nodeReads(stmt: Statement<unknown>, run: (s: Statement<unknown>) => Promise<unknown>): Promise<number> {
  let reads = 0;
  const node = new Proxy(stmt.statementNode, {
    get(target, field, receiver) {
      if (field !== "kind") reads++;
      return Reflect.get(target, field, receiver);
    },
  });
  await run({ statementNode: node });
  return reads;
}

/**
 * The guard of routing's cost: a point lookup routed by `dist` (its shape seen before) reads its
 * statement exactly as often as the owning backend's engine running it alone, so routing walks
 * nothing of its own (the shape key it walks is the engine's plan key), and counts as one
 * statement run, not two, in that engine's plan cache.
 */
export async function routingReadsNothing(
  dist: { execute(s: Statement<unknown>): Promise<unknown>; backendFor(k: unknown): number; readonly backends: readonly Engine[] },
  lookup: () => Statement<unknown>,
  key: bigint,
): Promise<{ routed: number; direct: number; misses: number; hits: number }> {
  await dist.execute(lookup());
  const backend = dist.backends[dist.backendFor(key)];
  const direct = await nodeReads(lookup(), (s) => backend.execute(s));
  const before = backend.plans.stats.statements;
  const routed = await nodeReads(lookup(), (s) => dist.execute(s));
  const after = backend.plans.stats.statements;
  return { routed, direct, misses: after.misses - before.misses, hits: after.hits - before.hits };
}
