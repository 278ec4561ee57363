// Shared by the rebalance and CLI tests (and imported by the CLI as --schema): a customer → cust_order
// → item group with a composite, client-assigned root key (region, id); random groups; shard
// databases on PostgreSQL (arbor_shard_a/b/c, one schema per test file), MariaDB and SQLite files;
// and a snapshot of where every group is.
//
// Run directly (`node --import tsx test/shard/rebalance-fixture.ts child <json>`) it rebalances
// slowly and prints its progress, for the test that kills it with SIGKILL.
import { TEST_PREFIX } from "../support/prefix.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import mysql from "mysql2/promise";
import {
  MetaData,
  bigint,
  boolean,
  bytes,
  createEngine,
  date,
  double,
  foreignKey,
  insert,
  integer,
  json,
  numeric,
  primaryKey,
  select,
  text,
  timestamptz,
  varchar,
  type AnyColumn,
  type Engine,
  type Table,
} from "../../src/index.js";
import { checksumRows, type GroupChecksum, type RebalanceStep } from "../../src/shard/rebalance.js";
import { rootKeyText, ShardSet } from "../../src/shard/shards.js";
import { HashRing, type HashMode } from "../../src/shard/ring.js";
import { BIGINTS, Gen, TEXTS } from "../support/random.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
type Row = Record<string, unknown>;

export const metadata = new MetaData();
export const customer = metadata.table(
  "customer",
  {
    region: varchar(8).notNull(),
    id: integer().notNull(),
    name: text(),
    vip: boolean(),
    since: timestamptz(),
    balance: numeric(12, 2),
  },
  (c) => [primaryKey(c.region, c.id)],
);
export const order = metadata.table(
  "cust_order",
  {
    region: varchar(8).notNull(),
    customerId: integer().notNull().named("customer_id"),
    id: integer().notNull(),
    placed: timestamptz(),
    day: date(),
    note: json<unknown>(),
    weight: double(),
  },
  (c) => [primaryKey(c.region, c.customerId, c.id), foreignKey([c.region, c.customerId], () => [customer.c.region, customer.c.id], { grouping: true })],
);
export const item = metadata.table(
  "item",
  {
    region: varchar(8).notNull(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    line: integer().notNull(),
    sku: text().notNull(),
    qty: integer(),
    price: numeric(12, 2),
    serial: bigint(),
    blob: bytes(),
  },
  (c) => [
    primaryKey(c.region, c.customerId, c.orderId, c.line),
    foreignKey([c.region, c.customerId, c.orderId], () => [order.c.region, order.c.customerId, order.c.id], { grouping: true }),
  ],
);
export const group = metadata.groups()[0];

export interface GroupData {
  readonly key: [string, number];
  readonly rows: Map<AnyTable, Row[]>;
}

const REGIONS = ["eu", "us", "ap-sö"];

/** `count` random groups: 0–4 orders each with 0–3 items, every column type exercised. */
export function generate(seed: number, count: number): GroupData[] {
  const g = new Gen(seed);
  const cents = () => `${g.bool(0.1) ? "-" : ""}${g.int(0, 99999)}.${String(g.int(0, 99)).padStart(2, "0")}`;
  const out: GroupData[] = [];
  for (let i = 0; i < count; i++) {
    const region = REGIONS[i % REGIONS.length];
    const id = 1000 + i;
    const orders: Row[] = [];
    const items: Row[] = [];
    const nOrders = g.int(0, 4);
    for (let o = 0; o < nOrders; o++) {
      const oid = 10 * id + o;
      orders.push({
        region,
        customerId: id,
        id: oid,
        placed: g.maybe(0.2, () => new Date(Date.UTC(2020, 0, 1) + g.int(0, 1e9) * 1000 + g.int(0, 999))),
        day: g.maybe(0.3, () => g.pick(["2024-02-29", "1999-12-31", "2000-01-01", "2038-01-19"])),
        note: g.maybe(0.3, () => ({ z: g.int(-5, 5), tags: [g.pick(TEXTS), g.int(0, 9)], a: { y: g.bool(), b: null } })),
        weight: g.maybe(0.3, () => g.int(-100000, 100000) / 100),
      });
      const nItems = g.int(0, 3);
      for (let l = 0; l < nItems; l++)
        items.push({
          region,
          customerId: id,
          orderId: oid,
          line: l + 1,
          sku: g.pick(TEXTS),
          qty: g.maybe(0.2, () => g.int(-3, 1000)),
          price: g.maybe(0.2, cents),
          serial: g.maybe(0.2, () => g.pick(BIGINTS)),
          blob: g.maybe(0.3, () => Uint8Array.from({ length: g.int(0, 6) }, () => g.int(0, 255))),
        });
    }
    const root: Row = {
      region,
      id,
      name: g.maybe(0.1, () => g.pick(TEXTS)),
      vip: g.maybe(0.2, () => g.bool()),
      since: g.maybe(0.2, () => new Date(Date.UTC(2000, 0, 1) + g.int(0, 1e9) * 1000)),
      balance: g.maybe(0.2, cents),
    };
    out.push({
      key: [region, id],
      rows: new Map<AnyTable, Row[]>([
        [customer as unknown as AnyTable, [root]],
        [order as unknown as AnyTable, orders],
        [item as unknown as AnyTable, items],
      ]),
    });
  }
  return out;
}

/** Per group (by root key text): its checksum and its key, computed from the generated rows. */
export function truthOf(data: readonly GroupData[]): Map<string, { key: [string, number]; sum: GroupChecksum }> {
  return new Map(data.map((d) => [rootKeyText(d.key), { key: d.key, sum: checksumRows(group, d.rows) }]));
}

// ---------------------------------------------------------------------------------------------
// Shard databases

const PG_URL = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const MY_URL = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";
const selected = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",");

async function ensurePgDatabase(db: string): Promise<void> {
  const u = new URL(PG_URL);
  u.pathname = "/postgres";
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [db]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${db}"`);
      } catch (err) {
        // Another test file created it first.
        const code = (err as { code?: string }).code;
        if (code !== "42P04" && code !== "23505") throw err;
      }
    }
  } finally {
    await client.end();
  }
}

/** A fresh schema `ns` in PostgreSQL database `db`, and the engine URL inside it. */
async function freshPgSchema(db: string, ns: string): Promise<string> {
  await ensurePgDatabase(db);
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`);
    await client.query(`CREATE SCHEMA "${ns}"`);
  } finally {
    await client.end();
  }
  u.searchParams.set("schema", ns);
  return u.toString();
}

async function freshMariaDatabase(db: string): Promise<string> {
  const u = new URL(MY_URL);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root", password: u.password });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
  } finally {
    await conn.end();
  }
  u.pathname = `/${db}`;
  return u.toString();
}

export type ShardKind = "postgres" | "mariadb" | "sqlite";

/**
 * Prepares one database per shard: `kinds` maps shard names to engines; PostgreSQL shards take
 * databases arbor_shard_a, _b, … (in order) with schema `ns`; MariaDB shards get database
 * arbor_shard_<ns>_<name>; SQLite shards a file under os.tmpdir(). An engine left out by
 * ARBOR_ENGINES becomes a SQLite file. Creates the schema's tables on each and returns the URLs.
 */
export async function prepareShards(ns: string, kinds: Readonly<Record<string, ShardKind>>, md: MetaData = metadata): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), `arbor-${ns}-`));
  const urls: Record<string, string> = {};
  let pgIndex = 0;
  for (const [name, wanted] of Object.entries(kinds)) {
    const kind = selected.includes(wanted) ? wanted : "sqlite";
    if (kind === "postgres") urls[name] = await freshPgSchema(`${TEST_PREFIX}arbor_shard_${String.fromCharCode(97 + pgIndex++)}`, ns);
    else if (kind === "mariadb") urls[name] = await freshMariaDatabase(`arbor_shard_${ns}_${name}`);
    else urls[name] = `sqlite:${join(dir, `${name}.db`)}`;
  }
  for (const url of Object.values(urls)) {
    const e = createEngine(url);
    try {
      await e.withConnection((c) => md.createAll(c));
    } finally {
      await e.dispose();
    }
  }
  return urls;
}

/** Drops what prepareShards made: PostgreSQL schemas, MariaDB databases, SQLite files. */
export async function dropShards(ns: string, urls: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, url] of Object.entries(urls)) {
    if (url.startsWith("sqlite:")) rmSync(dirname(url.slice("sqlite:".length)), { recursive: true, force: true });
    if (url.startsWith("postgres")) {
      const u = new URL(url);
      u.searchParams.delete("schema");
      const client = new pg.Client({ connectionString: u.toString() });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`);
      await client.end();
    } else if (url.startsWith("mariadb")) {
      const u = new URL(MY_URL);
      const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root", password: u.password });
      await conn.query(`DROP DATABASE IF EXISTS \`arbor_shard_${ns}_${name}\``);
      await conn.end();
    }
  }
}

export interface RingSpec {
  readonly mode?: HashMode;
  readonly replicas?: number;
}

/** A shard set over some of `engines`, in the given order (the ring depends on names only). */
export function shardSet(engines: Readonly<Record<string, Engine>>, names: readonly string[], ring: RingSpec = {}): ShardSet {
  const r = new HashRing<string>({ mode: ring.mode, replicas: ring.replicas });
  for (const n of names) r.set(n, n);
  return new ShardSet(Object.fromEntries(names.map((n) => [n, engines[n]])), { metadata, ring: r });
}

/** Inserts each group's rows on the shard `shards` places it on, in batches per shard. */
export async function loadThroughRouting(shards: ShardSet, data: readonly GroupData[]): Promise<void> {
  const byShard = new Map<string, GroupData[]>();
  for (const d of data) {
    const name = shards.shardFor(d.key);
    byShard.set(name, [...(byShard.get(name) ?? []), d]);
  }
  for (const [name, groups] of byShard) {
    await shards.engine(name).transaction(async (tx) => {
      for (const t of group.members) {
        const rows = groups.flatMap((d) => d.rows.get(t) ?? []);
        for (let i = 0; i < rows.length; i += 200) await tx.execute(insert(t).values(rows.slice(i, i + 200) as never));
      }
    });
  }
}

/** Per root key text, per shard holding any row of that group: the group's checksum there. */
export type Placement = Map<string, Map<string, GroupChecksum>>;

/** Reads every member table on every engine and groups the rows by root key and shard. */
export async function snapshot(engines: Readonly<Record<string, Engine>>): Promise<Placement> {
  const rowsAt = new Map<string, Map<string, Map<AnyTable, Row[]>>>();
  for (const [name, engine] of Object.entries(engines)) {
    for (const t of group.members) {
      const keyCols = group.rootKeyOf(t).map((n) => t.columns.find((c) => c.node === n)!);
      for (const row of (await engine.execute(select(t))).rows as Row[]) {
        const k = rootKeyText(keyCols.map((c) => row[c.key]));
        let perShard = rowsAt.get(k);
        if (!perShard) rowsAt.set(k, (perShard = new Map()));
        let tables = perShard.get(name);
        if (!tables) perShard.set(name, (tables = new Map()));
        tables.set(t, [...(tables.get(t) ?? []), row]);
      }
    }
  }
  const out: Placement = new Map();
  for (const [k, perShard] of rowsAt) out.set(k, new Map([...perShard].map(([name, rows]) => [name, checksumRows(group, rows)])));
  return out;
}

/**
 * Every group is on exactly one shard, the one `shards` places it on, with its original checksum;
 * no rows exist for unknown root keys. Returns a description of each problem (empty when none).
 */
export function placementProblems(placement: Placement, truth: ReturnType<typeof truthOf>, shards: ShardSet): string[] {
  const problems: string[] = [];
  for (const [k, { key, sum }] of truth) {
    const at = placement.get(k);
    const where = at ? [...at.keys()] : [];
    const want = shards.shardFor(key);
    if (where.length !== 1 || where[0] !== want) problems.push(`group ${JSON.stringify(key)} is on [${where.join(", ")}], expected only on ${want}`);
    else if (at!.get(want)!.checksum !== sum.checksum)
      problems.push(
        `group ${JSON.stringify(key)} on ${want} has checksum ${at!.get(want)!.checksum.slice(0, 12)} (${at!.get(want)!.rows} rows), expected ${sum.checksum.slice(0, 12)} (${sum.rows} rows)`,
      );
  }
  for (const k of placement.keys()) if (!truth.has(k)) problems.push(`rows for unknown root key ${JSON.stringify(k)}`);
  return problems;
}

/** Rows per member table over all engines. */
export function totalCounts(placement: Placement): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(group.members.map((t) => [t.name, 0]));
  for (const perShard of placement.values()) for (const sum of perShard.values()) for (const [t, n] of Object.entries(sum.counts)) out[t] += n;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Child mode: a rebalance that is slow enough to be killed at a random point, printing progress.

export interface ChildSpec {
  readonly urls: Record<string, string>;
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** Milliseconds to pause at each step (inside transactions too), so a kill lands anywhere. */
  readonly pauseMs: number;
  /** Groups per batch (the rebalance's groupsPerBatch). */
  readonly groupsPerBatch?: number;
  /** After `after` moves, stop at `step` (printing "stopped <json>") and wait to be killed. */
  readonly stopAt?: { readonly step: RebalanceStep; readonly after: number };
}

async function child(spec: ChildSpec): Promise<void> {
  const { rebalance } = await import("../../src/shard/rebalance.js");
  const engines = Object.fromEntries(Object.entries(spec.urls).map(([n, u]) => [n, createEngine(u)]));
  let done = 0;
  try {
    const report = await rebalance(shardSet(engines, spec.from), shardSet(engines, spec.to), {
      groupsPerBatch: spec.groupsPerBatch,
      onProgress: (p) => {
        done = p.done;
        process.stdout.write(`progress ${p.done}/${p.total}\n`);
      },
      faultHook: async (step, move) => {
        if (spec.stopAt && step === spec.stopAt.step && done >= spec.stopAt.after) {
          process.stdout.write(`stopped ${JSON.stringify({ step, move })}\n`);
          await new Promise((r) => setTimeout(r, 60_000));
        }
        await new Promise((r) => setTimeout(r, spec.pauseMs));
      },
    });
    process.stdout.write(`done ${JSON.stringify({ moved: report.moved, alreadyCopied: report.alreadyCopied, skipped: report.skipped })}\n`);
  } finally {
    await Promise.all(Object.values(engines).map((e) => e.dispose()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === "child") {
  await child(JSON.parse(process.argv[3]) as ChildSpec);
}
