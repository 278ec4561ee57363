// Distributed engine benchmark: a customer → order → item group (1,000 × 3 × 3) on three backends,
// read as nested trees (one statement) three ways — through the head (MariaDB Spider, or
// PostgreSQL hash partitions over postgres_fdw), straight to the owning backend(s) as Arbor routes
// it, and on a single node holding all the data — reported as ratios to the single node.
//
//   node bench/.out/dist.mjs [--quick] [--spider-only | --fdw-only]
//
// Whole graph: every customer's tree. Direct: the same statement on each backend in parallel, the
// parts concatenated in key order (a group lives wholly on one backend, so nothing else merges).
// Point lookup: one customer's tree by root key, for random keys (direct = the owning backend).
// Medians over interleaved rounds. Needs scripts/dist-up.sh's instances (started if absent).
import os from "node:os";
import { DistributedEngine, type Engine, createEngine, insert } from "../src/index.js";
import {
  BACKEND_HOSTS,
  DB,
  DIST_PORT,
  HEAD_HOST,
  distShop,
  dropPgDatabases,
  dropSpiderDatabases,
  ensureSpiderBed,
  freshPgDatabases,
  freshSpiderDatabases,
  pgDatabases,
  shopRows,
  shopTree,
} from "../test/distributed/fixture.js";
import { prepareNamespace } from "../test/support/engines.js";

const quick = process.argv.includes("--quick");
const CUSTOMERS = quick ? 300 : 1000;
const ROUNDS = quick ? 3 : 7;
const POINTS = quick ? 50 : 200;
const PROBE = process.argv.includes("--probe");
const shop = distShop();
const rows = shopRows(CUSTOMERS, 42);

const tree = () => shopTree(shop);

async function load(e: Engine): Promise<void> {
  await e.execute(insert(shop.customer).values(rows.customer));
  await e.execute(insert(shop.order).values(rows.order));
  await e.execute(insert(shop.item).values(rows.item));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(label: string, dist: DistributedEngine, single: Engine): Promise<void> {
  const whole = { single: [] as number[], head: [] as number[], direct: [] as number[] };
  const point = { single: [] as number[], head: [] as number[], direct: [] as number[] };
  const keys = Array.from({ length: POINTS }, (_, i) => rows.customer[(i * 7919) % CUSTOMERS].id);
  // --probe: where a direct point lookup's time goes — the owning backend's engine called
  // directly (its index found beforehand) and dist.routeOf alone, per lookup.
  const owner = keys.map((k) => {
    const r = dist.routeOf(tree().where(shop.customer.c.id.eq(k)));
    return r.to === "backend" ? r.index : 0;
  });
  const probe = { backend: [] as number[], route: [] as number[] };
  const direct = async () => {
    const parts = await Promise.all(dist.backends.map((b) => b.execute(tree())));
    return parts.flatMap((p) => p.rows).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  // Same answer three ways before timing anything.
  const expected = JSON.stringify((await single.execute(tree())).rows, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  for (const got of [(await dist.head.execute(tree())).rows, await direct()])
    if (JSON.stringify(got, (_, v) => (typeof v === "bigint" ? v.toString() : v)) !== expected)
      throw new Error(`${label}: trees differ from the single node's`);
  // Contenders run in a rotated order each round: whichever ran right after the head found the
  // backends still busy with the head's remote work (postgres_fdw cursors, Spider's connections),
  // which in a fixed order always charged the direct route (1.4–1.9× for point lookups).
  const kinds = ["single", "head", "direct"] as const;
  const wholeRun = { single: () => single.execute(tree()), head: () => dist.head.execute(tree()), direct };
  const pointRun = {
    single: (k: unknown) => single.execute(tree().where(shop.customer.c.id.eq(k as bigint))),
    head: (k: unknown) => dist.head.execute(tree().where(shop.customer.c.id.eq(k as bigint))),
    direct: (k: unknown) => dist.execute(tree().where(shop.customer.c.id.eq(k as bigint))),
  };
  for (let r = 0; r < ROUNDS + 1; r++) {
    const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
    const w = { single: 0, head: 0, direct: 0 };
    const p = { single: 0, head: 0, direct: 0 };
    for (const k of order) w[k] = await time(wholeRun[k]);
    for (const k of order)
      p[k] = await time(async () => {
        for (const key of keys) await pointRun[k](key);
      });
    if (r === 0) continue; // warm-up
    if (PROBE) {
      const b = await time(async () => {
        for (let i = 0; i < keys.length; i++) await dist.backends[owner[i]].execute(tree().where(shop.customer.c.id.eq(keys[i])));
      });
      const t = await time(async () => {
        for (const key of keys) dist.routeOf(tree().where(shop.customer.c.id.eq(key)));
      });
      probe.backend.push(b / keys.length);
      probe.route.push(t / keys.length);
    }
    for (const k of ["single", "head", "direct"] as const) {
      whole[k].push(w[k]);
      point[k].push(p[k] / keys.length);
    }
  }
  const row = (name: string, xs: typeof whole, unit: (v: number) => string) => {
    const base = median(xs.single);
    return `| ${label} | ${name} | ${unit(base)} | ${unit(median(xs.head))} (${(median(xs.head) / base).toFixed(2)}×) | ${unit(median(xs.direct))} (${(median(xs.direct) / base).toFixed(2)}×) |`;
  };
  console.log(row(`whole graph (${CUSTOMERS} groups)`, whole, (v) => `${v.toFixed(1)} ms`));
  console.log(row("point lookup (one group)", point, (v) => `${v.toFixed(2)} ms`));
  if (PROBE)
    console.log(
      `\n${label} probe, per point lookup: owning backend's engine directly ${median(probe.backend).toFixed(3)} ms (${Math.min(...probe.backend).toFixed(3)}–${Math.max(...probe.backend).toFixed(3)}), routeOf alone ${(median(probe.route) * 1000).toFixed(0)} µs\n`,
    );
}

async function spider(): Promise<void> {
  await ensureSpiderBed();
  await freshSpiderDatabases();
  const url = (h: string) => `mariadb://root@${h}:${DIST_PORT}/${DB}`;
  const dist = new DistributedEngine({
    kind: "spider",
    metadata: shop.md,
    head: createEngine(url(HEAD_HOST)),
    backends: BACKEND_HOSTS.map((h) => createEngine(url(h))),
  });
  const single = createEngine(await prepareNamespace("mariadb", `${DB}_bench`));
  try {
    await dist.create(BACKEND_HOSTS.map((host) => ({ host, port: DIST_PORT, user: "root", password: "", database: DB })));
    await shop.md.createAll(single);
    await load(dist.head);
    await load(single);
    await measure("MariaDB Spider", dist, single);
  } finally {
    await single.withConnection((c) => c.runSql(`DROP DATABASE IF EXISTS \`${DB}_bench\``));
    await dist.dispose();
    await single.dispose();
    await dropSpiderDatabases();
  }
}

async function fdw(): Promise<void> {
  const PG = new URL(process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test");
  const dbs = pgDatabases(3);
  const all = [dbs.head, ...dbs.backends, `${dbs.head}_single`];
  const url = (db: string) => Object.assign(new URL(PG), { pathname: `/${db}` }).toString();
  await freshPgDatabases(all);
  const dist = new DistributedEngine({
    kind: "postgres_fdw",
    metadata: shop.md,
    head: createEngine(url(dbs.head)),
    backends: dbs.backends.map((d) => createEngine(url(d))),
  });
  const single = createEngine(url(`${dbs.head}_single`));
  try {
    await dist.create(dbs.backends.map((database) => ({ host: PG.hostname, port: Number(PG.port || 5432), user: PG.username || "root", database })));
    await shop.md.createAll(single);
    await load(dist.head);
    await load(single);
    await measure("PostgreSQL postgres_fdw", dist, single);
  } finally {
    await dist.dispose();
    await single.dispose();
    await dropPgDatabases(all);
  }
}

console.log(`bench/dist.ts — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores; medians of ${ROUNDS} rounds\n`);
console.log("| deployment | workload | single node | through the head | straight to the backend(s) |");
console.log("|---|---|---:|---:|---:|");
if (!process.argv.includes("--fdw-only")) await spider();
if (!process.argv.includes("--spider-only")) await fdw();
