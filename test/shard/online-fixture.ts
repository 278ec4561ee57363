// An online rebalance under load: a customer → cust_order group (orders keyed by their customer),
// writers inserting, updating and deleting through a ShardedSession whose ShardSet names the
// previous ring, readers counting through a ShardedEngine, and the rebalance in a child process
// (killed with SIGKILL at seeded random moments when asked, then run again).
//
// Run directly (`node --import tsx test/shard/online-fixture.ts child <json>`) it rebalances and
// prints its progress.
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  MetaData,
  Model,
  Registry,
  RetryableError,
  ShardedEngine,
  ShardedSession,
  createEngine,
  func,
  integer,
  manyToOne,
  oneToMany,
  primaryKey,
  select,
  text,
  type Engine,
} from "../../src/index.js";
import { HashRing } from "../../src/shard/ring.js";
import { ShardSet } from "../../src/shard/shards.js";
import type { RebalanceStep } from "../../src/shard/rebalance.js";
import { Gen } from "../support/random.js";

export const md = new MetaData();
export const customer = md.table("customer", { id: integer().primaryKey(), name: text().notNull(), balance: integer().notNull() });
export const order = md.table(
  "cust_order",
  {
    customerId: integer()
      .notNull()
      .named("customer_id")
      .references(() => customer.c.id, { grouping: true }),
    id: integer().notNull(),
    qty: integer().notNull(),
  },
  (c) => [primaryKey(c.customerId, c.id)],
);

export const registry = new Registry();
export class Customer extends Model(customer) {
  declare orders: Order[];
}
export class Order extends Model(order) {
  declare customer: Customer | null;
}
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer" }) } });
registry.map(Order, { relationships: { customer: manyToOne(() => Customer, { backPopulates: "orders" }) } });

export function ring(names: readonly string[]): HashRing<string> {
  const r = new HashRing<string>();
  for (const n of names) r.set(n, n);
  return r;
}

export function shardSet(engines: Readonly<Record<string, Engine>>, names: readonly string[], previous?: readonly string[]): ShardSet {
  const all = new Set([...names, ...(previous ?? [])]);
  return new ShardSet(Object.fromEntries([...all].map((n) => [n, engines[n]])), {
    metadata: md,
    ring: ring(names),
    previous: previous ? ring(previous) : undefined,
    moveWait: 20_000,
  });
}

/** What the database must hold: per customer id, its balance and orders (id → qty). */
export type Model_ = Map<number, { name: string; balance: number; orders: Map<number, number> }>;

/** `count` customers with ids 1…count, 0–3 orders each, inserted where `shards` places them. */
export async function load(shards: ShardSet, count: number, seed: number): Promise<Model_> {
  const g = new Gen(seed);
  const model: Model_ = new Map();
  const s = new ShardedSession(shards, { registry });
  for (let id = 1; id <= count; id++) {
    const c = new Customer({ id, name: `c${id}`, balance: 0 });
    const orders = new Map<number, number>();
    for (let o = 1, n = g.int(0, 3); o <= n; o++) {
      const qty = g.int(1, 9);
      c.orders.push(new Order({ customerId: id, id: o, qty }));
      orders.set(o, qty);
    }
    s.add(c);
    model.set(id, { name: c.name, balance: 0, orders });
  }
  await s.commit();
  await s.close();
  return model;
}

export interface LoadStats {
  ops: number;
  retries: number;
  moved: number;
  reads: number;
  readRetries: number;
  problems: string[];
}

/** Runs `op` in a fresh ShardedSession until it commits, rolling back and rerunning on a retryable error. */
async function attempt(shards: ShardSet, stats: LoadStats, op: (s: ShardedSession) => Promise<(() => void) | undefined>): Promise<void> {
  for (let i = 0; ; i++) {
    const s = new ShardedSession(shards, { registry });
    try {
      const apply = await op(s);
      await s.commit();
      apply?.();
      stats.ops++;
      return;
    } catch (err) {
      await s.rollback().catch(() => undefined);
      if (!(err instanceof RetryableError) || i >= 200) throw err;
      stats.retries++;
      if (err.name === "GroupMovedError") stats.moved++;
      await new Promise((r) => setTimeout(r, 2));
    } finally {
      await s.close();
    }
  }
}

/**
 * One writer: until `stop()` is true, random writes to its own customers (ids ≡ w mod writers, so
 * writers never race each other and the model is exact): balance updates, order inserts and
 * deletes, new customers with orders, and deleting customers it created.
 */
export async function writer(shards: ShardSet, model: Model_, w: number, writers: number, seed: number, stats: LoadStats, stop: () => boolean): Promise<void> {
  // Off the caller's synchronous path: a Session's connection claim marks the async context it is
  // made in, and writers started in one tick would otherwise share their claims.
  await new Promise((r) => setImmediate(r));
  const g = new Gen(seed);
  // New customers: 100000 + w, + writers, … (this writer's residue).
  let nextCustomer = 100_000 + w;
  const mine = () => [...model.keys()].filter((id) => id % writers === w);
  while (!stop()) {
    // A short pause between units of work leaves the pools (one connection per SQLite file) to readers too.
    await new Promise((r) => setTimeout(r, 3));
    const ids = mine();
    const id = g.pick(ids);
    const entry = model.get(id)!;
    const kind = g.int(0, 9);
    if (kind <= 3) {
      await attempt(shards, stats, async (s) => {
        const c = await s.get(Customer, id);
        if (!c) {
          stats.problems.push(`customer ${id} not found`);
          return undefined;
        }
        c.balance += 1;
        return () => void (entry.balance += 1);
      });
    } else if (kind <= 5) {
      const oid = Math.max(0, ...entry.orders.keys()) + 1;
      const qty = g.int(1, 9);
      await attempt(shards, stats, async (s) => {
        s.add(new Order({ customerId: id, id: oid, qty }));
        return () => void entry.orders.set(oid, qty);
      });
    } else if (kind <= 7 && entry.orders.size > 0) {
      const oid = g.pick([...entry.orders.keys()]);
      await attempt(shards, stats, async (s) => {
        const o = await s.get(Order, [id, oid]);
        if (!o) {
          stats.problems.push(`order ${id}/${oid} not found`);
          return undefined;
        }
        s.delete(o);
        return () => void entry.orders.delete(oid);
      });
    } else if (kind === 8 || id < 100_000) {
      const nid = nextCustomer;
      nextCustomer += writers;
      const n = g.int(0, 2);
      await attempt(shards, stats, async (s) => {
        const c = new Customer({ id: nid, name: `n${nid}`, balance: 5 });
        for (let o = 1; o <= n; o++) c.orders.push(new Order({ customerId: c.id, id: o, qty: o }));
        s.add(c);
        return () =>
          void model.set(nid, {
            name: `n${nid}`,
            balance: 5,
            orders: new Map(Array.from({ length: n }, (_x, i) => [i + 1, i + 1] as [number, number])),
          });
      });
    } else {
      await attempt(shards, stats, async (s) => {
        const c = await s.get(Customer, id);
        const orders = await s.query(Order).where(order.c.customerId.eq(id)).all();
        if (!c) {
          stats.problems.push(`customer ${id} not found for delete`);
          return undefined;
        }
        for (const o of orders) s.delete(o);
        s.delete(c);
        return () => void model.delete(id);
      });
    }
  }
}

/** Counts the first `fixed` customers (never deleted) through a fan-out until `stop()`: always exactly `fixed`. */
export async function reader(shards: ShardSet, fixed: number, stats: LoadStats, stop: () => boolean): Promise<void> {
  await new Promise((r) => setImmediate(r));
  const sharded = new ShardedEngine(shards);
  while (!stop()) {
    try {
      const n = (await sharded.execute(select(func.count().as("n")).from(customer).where(customer.c.id.le(fixed)))).one().n;
      stats.reads++;
      if (Number(n) !== fixed) stats.problems.push(`a fan-out counted ${n} of the ${fixed} fixed customers`);
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      stats.readRetries++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every customer of `model` on exactly its ring shard with exactly its rows; nothing else anywhere. */
export async function problems(engines: Readonly<Record<string, Engine>>, shards: ShardSet, model: Model_): Promise<string[]> {
  const out: string[] = [];
  const seen = new Map<number, string[]>();
  const found = new Map<number, { name: string; balance: number; orders: Map<number, number> }>();
  for (const [name, e] of Object.entries(engines)) {
    for (const c of (await e.execute(select(customer))).rows) {
      seen.set(c.id, [...(seen.get(c.id) ?? []), name]);
      found.set(c.id, { name: c.name, balance: c.balance, orders: new Map() });
    }
    for (const o of (await e.execute(select(order))).rows) {
      const f = found.get(o.customerId);
      if (!f || !seen.get(o.customerId)?.includes(name)) out.push(`order ${o.customerId}/${o.id} on ${name} without its customer`);
      else if (f.orders.has(o.id)) out.push(`order ${o.customerId}/${o.id} twice`);
      else f.orders.set(o.id, o.qty);
    }
  }
  for (const [id, want] of model) {
    const where = seen.get(id) ?? [];
    const ring = shards.shardFor([id]);
    if (where.length !== 1 || where[0] !== ring) out.push(`customer ${id} is on [${where.join(", ")}], expected only on ${ring}`);
    const got = found.get(id);
    if (!got) continue;
    if (got.balance !== want.balance) out.push(`customer ${id}: balance ${got.balance}, expected ${want.balance}`);
    const o1 = JSON.stringify([...got.orders].sort((a, b) => a[0] - b[0]));
    const o2 = JSON.stringify([...want.orders].sort((a, b) => a[0] - b[0]));
    if (o1 !== o2) out.push(`customer ${id}: orders ${o1}, expected ${o2}`);
  }
  for (const id of seen.keys()) if (!model.has(id)) out.push(`customer ${id} exists but was deleted (or never committed)`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The rebalance, in a child process.

export interface OnlineChildSpec {
  readonly urls: Record<string, string>;
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly groupsPerBatch: number;
  readonly throttle: number;
  /** Milliseconds to pause at each step of each batch (inside its transactions too), so kills land anywhere. */
  readonly pauseMs: number;
  /** Prints "step <name>" and waits there (a kill then lands at that step, e.g. with a batch in flight). */
  readonly holdAt?: RebalanceStep;
}

/**
 * Runs the rebalance in a child process; with `kill`, kills it (SIGKILL) `kill.delay` ms after it
 * reported `kill.after` groups done.
 */
export function runChild(
  spec: OnlineChildSpec,
  kill?: { after: number; delay: number; atStep?: boolean },
): Promise<{ finished: boolean; killed: boolean; out: string }> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, "child", JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      const done = Math.max(0, ...[...out.matchAll(/progress (\d+)\//g)].map((m) => Number(m[1])));
      if (kill?.atStep) {
        if (timer === undefined && /^step /m.test(out)) timer = setTimeout(() => child.kill("SIGKILL"), 0);
      } else if (kill && timer === undefined && done >= kill.after) timer = setTimeout(() => child.kill("SIGKILL"), kill.delay);
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== "SIGKILL" && code !== 0) reject(new Error(`the rebalance exited with ${code}: ${err}${out}`));
      else resolve({ finished: out.includes("done "), killed: signal === "SIGKILL", out });
    });
  });
}

async function child(spec: OnlineChildSpec): Promise<void> {
  const { rebalance } = await import("../../src/shard/rebalance.js");
  const engines = Object.fromEntries(Object.entries(spec.urls).map(([n, u]) => [n, createEngine(u)]));
  try {
    const report = await rebalance(shardSet(engines, spec.from), shardSet(engines, spec.to), {
      groupsPerBatch: spec.groupsPerBatch,
      throttle: spec.throttle,
      faultHook: async (step) => {
        if (step === spec.holdAt) {
          process.stdout.write(`step ${step}\n`);
          await new Promise((r) => setTimeout(r, 3000));
        }
        await new Promise((r) => setTimeout(r, spec.pauseMs));
      },
      onProgress: (p) => process.stdout.write(p.phase === "planned" ? `planned ${p.total}\n` : `progress ${p.done}/${p.total}\n`),
    });
    process.stdout.write(`done ${JSON.stringify({ moved: report.moved, staleCopies: report.staleCopies, alreadyCopied: report.alreadyCopied })}\n`);
  } finally {
    await Promise.all(Object.values(engines).map((e) => e.dispose()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === "child") {
  await child(JSON.parse(process.argv[3]) as OnlineChildSpec);
}
