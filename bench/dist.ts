// Distributed engine benchmark: a customer → order → item group (1,000 × 3 × 3) on three backends,
// read as nested trees (one statement) three ways — through the head (MariaDB Spider, or
// PostgreSQL hash partitions over postgres_fdw), straight to the owning backend(s) as Arbor routes
// it, and on a single node holding all the data — reported as ratios to the single node.
//
//   node bench/.out/dist.mjs [--quick] [--probe] [--spider-only | --fdw-only]
//
// Whole graph: every customer's tree. Direct: the same statement on each backend in parallel, the
// parts concatenated in key order (a group lives wholly on one backend, so nothing else merges).
// Point lookup: one customer's tree by root key, for random keys (direct = `dist.execute`, which
// routes it to the owning backend). Medians over rounds in rotated order. Needs
// scripts/dist-up.sh's instances (started if absent).
//
// The single node is a server configured exactly like a backend, so that a ratio compares one node
// with three, not two configurations. MariaDB: the bed's fifth instance (127.0.0.6), started by
// scripts/dist-up.sh with the backends' flags (--no-defaults, 24 MB buffer pool, utf8mb4_bin
// server collation, its data beside theirs). The default server on 3306 runs Debian's
// configuration (128 MB buffers, utf8mb4_general_ci, its own data directory): the owning backend's
// engine answered a point lookup in 1.43× its time there, a difference of configurations, not of
// routing; --probe still times it, as a reference. PostgreSQL: a database of the backends' own
// cluster, so one configuration by construction. Every database is ANALYZEd after loading.
//
// --probe: where a point lookup's time goes, per lookup — wall time, this process's CPU and the
// servers' CPU (/proc/<id>/schedstat of the server threads, MariaDB, or processes, PostgreSQL, of
// the sessions on the databases read: CPU time moves less with other load than wall time) — for:
// the single node; the single node through three connections taking turns as the backends do
// (three server sessions answering in turn, without routing; three processes on PostgreSQL); the
// single node and backend 0 reading backend 0's groups only (one backend answering every time, as
// the single node does); the owning backend's engine called directly (its index found
// beforehand); `dist.execute`; `dist.routeOf` alone. Instruction counts of the routing alone, with
// no server: bench/dist-route.ts.
import { readFileSync } from "node:fs";
import os from "node:os";
import { DistributedEngine, type Engine, createEngine, insert } from "../src/index.js";
import {
  BACKEND_HOSTS,
  DB,
  DIST_PORT,
  HEAD_HOST,
  SINGLE_HOST,
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
const lookup = (k: bigint) => tree().where(shop.customer.c.id.eq(k));

async function load(e: Engine): Promise<void> {
  await e.execute(insert(shop.customer).values(rows.customer));
  await e.execute(insert(shop.order).values(rows.order));
  await e.execute(insert(shop.item).values(rows.item));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Runs `fn` for each key in turn. */
async function each(keys: readonly bigint[], fn: (k: bigint, i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < keys.length; i++) await fn(keys[i], i);
}
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** CPU time (ms) the given server threads (MariaDB) or processes (PostgreSQL) have run. */
function serverCpu(ids: readonly number[]): number {
  let ns = 0;
  for (const id of ids) ns += Number(readFileSync(`/proc/${id}/schedstat`, "utf8").split(" ")[0]);
  return ns / 1e6;
}

/** A probe contender: n point lookups, and the server threads or processes answering them. */
interface Probe {
  readonly run: (keys: readonly bigint[], owner: readonly number[]) => Promise<unknown>;
  readonly pids: () => Promise<number[]>;
}

interface Setup {
  readonly label: string;
  readonly dist: DistributedEngine;
  readonly single: Engine;
  /** Extra probe rows (the default server on 3306). */
  readonly extra?: Record<string, Probe>;
  /** The server threads (MariaDB) or processes (PostgreSQL) of the sessions on the single node's database and on the backends'. */
  readonly singlePids: () => Promise<number[]>;
  readonly backendPids: () => Promise<number[]>;
  /** Engines on the single node's database, as many as backends (for the three-connection probe). */
  readonly singles: readonly Engine[];
}

async function measure(s: Setup): Promise<void> {
  const { label, dist, single } = s;
  const whole = { single: [] as number[], head: [] as number[], direct: [] as number[] };
  const point = { single: [] as number[], head: [] as number[], direct: [] as number[] };
  const keys = Array.from({ length: POINTS }, (_, i) => rows.customer[(i * 7919) % CUSTOMERS].id);
  const owner = keys.map((k) => dist.backendFor(k));
  // As many lookups of backend 0's groups only: one backend answering every time, like the single node.
  const own0 = rows.customer.filter((c) => dist.backendFor(c.id) === 0);
  const keys0 = keys.map((_, i) => own0[(i * 7919) % own0.length].id);
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
    single: (k: bigint) => single.execute(lookup(k)),
    head: (k: bigint) => dist.head.execute(lookup(k)),
    direct: (k: bigint) => dist.execute(lookup(k)),
  };
  const probes: Record<string, Probe> = {
    "single node": { run: (ks) => each(ks, (k) => single.execute(lookup(k))), pids: s.singlePids },
    "single node, connections taking turns": { run: (ks, own) => each(ks, (k, i) => s.singles[own[i]].execute(lookup(k))), pids: s.singlePids },
    ...s.extra,
    "single node, backend 0's groups only": { run: () => each(keys0, (k) => single.execute(lookup(k))), pids: s.singlePids },
    "backend 0 alone, its groups only": { run: () => each(keys0, (k) => dist.backends[0].execute(lookup(k))), pids: s.backendPids },
    "owning backend's engine directly": { run: (ks, own) => each(ks, (k, i) => dist.backends[own[i]].execute(lookup(k))), pids: s.backendPids },
    "dist.execute": { run: (ks) => each(ks, (k) => dist.execute(lookup(k))), pids: s.backendPids },
    "dist.routeOf alone": {
      run: async (ks) => {
        for (const k of ks) dist.routeOf(lookup(k));
      },
      pids: async () => [],
    },
  };
  const probed = Object.fromEntries(Object.keys(probes).map((k) => [k, { wall: [] as number[], node: [] as number[], server: [] as number[] }]));
  for (let r = 0; r < ROUNDS + 1; r++) {
    const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
    const w = { single: 0, head: 0, direct: 0 };
    const p = { single: 0, head: 0, direct: 0 };
    for (const k of order) w[k] = await time(wholeRun[k]);
    for (const k of order)
      p[k] = await time(async () => {
        for (const key of keys) await pointRun[k](key);
      });
    if (PROBE) {
      const names = Object.keys(probes);
      for (const name of names.map((_, i) => names[(i + r) % names.length])) {
        const probe = probes[name];
        const pids = await probe.pids();
        const server0 = serverCpu(pids);
        const node0 = process.cpuUsage();
        const wall = await time(() => probe.run(keys, owner));
        const node = process.cpuUsage(node0);
        const server = serverCpu(pids) - server0;
        if (r === 0) continue;
        probed[name].wall.push(wall / keys.length);
        probed[name].node.push((node.user + node.system) / 1000 / keys.length);
        probed[name].server.push(server / keys.length);
      }
    }
    if (r === 0) continue; // warm-up
    for (const k of kinds) {
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
  if (!PROBE) return;
  const us = (v: number) => `${(v * 1000).toFixed(0)} µs`;
  const base = median(probed["single node"].wall);
  console.log(`\n${label}, per point lookup (medians of ${ROUNDS} rounds; wall range in brackets):\n`);
  console.log("| contender | wall | × single node | this process's CPU | servers' CPU |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [name, m] of Object.entries(probed))
    console.log(
      `| ${name} | ${us(median(m.wall))} (${us(Math.min(...m.wall))}–${us(Math.max(...m.wall))}) | ${(median(m.wall) / base).toFixed(2)}× | ${us(median(m.node))} | ${us(median(m.server))} |`,
    );
  console.log("");
}

/** The server threads of the sessions on database `db` (the Spider head's connections to a backend among them: idle while it is read directly). */
async function threads(e: Engine, db: string): Promise<number[]> {
  const r = await e.withConnection((c) => c.runSql(`SELECT tid FROM information_schema.processlist WHERE db = '${db}'`));
  return r.rows.map((x) => Number(x[0]));
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
  const single = createEngine(url(SINGLE_HOST));
  const singles = BACKEND_HOSTS.map(() => createEngine(url(SINGLE_HOST)));
  // The default server (Debian's configuration), timed by --probe only, as a reference.
  const defaultServer = PROBE ? createEngine(await prepareNamespace("mariadb", `${DB}_bench`)) : undefined;
  try {
    await dist.create(BACKEND_HOSTS.map((host) => ({ host, port: DIST_PORT, user: "root", password: "", database: DB })));
    await load(dist.head);
    for (const e of [single, ...(defaultServer ? [defaultServer] : [])]) {
      await shop.md.createAll(e);
      await load(e);
    }
    const analyze = "ANALYZE TABLE `customer`, `cust_order`, `item`";
    for (const e of [single, ...dist.backends, ...(defaultServer ? [defaultServer] : [])]) await e.withConnection((c) => c.runSql(analyze));
    const extra: Record<string, Probe> | undefined = defaultServer && {
      "default server (3306, Debian's configuration)": {
        run: (ks) => each(ks, (k) => defaultServer.execute(lookup(k))),
        pids: () => threads(defaultServer, `${DB}_bench`),
      },
    };
    await measure({
      label: "MariaDB Spider",
      dist,
      single,
      singles,
      extra,
      singlePids: () => threads(single, DB),
      backendPids: async () => (await Promise.all(dist.backends.map((b) => threads(b, DB)))).flat(),
    });
  } finally {
    if (defaultServer) await defaultServer.withConnection((c) => c.runSql(`DROP DATABASE IF EXISTS \`${DB}_bench\``));
    await dist.dispose();
    for (const e of [single, ...singles, ...(defaultServer ? [defaultServer] : [])]) await e.dispose();
    await dropSpiderDatabases();
  }
}

async function fdw(): Promise<void> {
  const PG = new URL(process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test");
  const dbs = pgDatabases(3);
  const singleDb = `${dbs.head}_single`;
  const all = [dbs.head, ...dbs.backends, singleDb];
  const url = (db: string) => Object.assign(new URL(PG), { pathname: `/${db}` }).toString();
  await freshPgDatabases(all);
  const dist = new DistributedEngine({
    kind: "postgres_fdw",
    metadata: shop.md,
    head: createEngine(url(dbs.head)),
    backends: dbs.backends.map((d) => createEngine(url(d))),
  });
  const single = createEngine(url(singleDb));
  const singles = dbs.backends.map(() => createEngine(url(singleDb)));
  const admin = createEngine(url(dbs.head));
  // The server processes of the sessions on these databases (the head's postgres_fdw sessions on
  // the backends included: idle while the backends are read directly).
  const sessions = async (names: readonly string[]) => {
    const list = names.map((n) => `'${n}'`).join(", ");
    const r = await admin.withConnection((c) => c.runSql(`SELECT pid FROM pg_stat_activity WHERE datname IN (${list}) AND backend_type = 'client backend'`));
    return r.rows.map((x) => Number(x[0]));
  };
  try {
    await dist.create(dbs.backends.map((database) => ({ host: PG.hostname, port: Number(PG.port || 5432), user: PG.username || "root", database })));
    await shop.md.createAll(single);
    await load(dist.head);
    await load(single);
    for (const e of [single, ...dist.backends]) await e.withConnection((c) => c.runSql("ANALYZE"));
    await measure({
      label: "PostgreSQL postgres_fdw",
      dist,
      single,
      singles,
      singlePids: () => sessions([singleDb]),
      backendPids: () => sessions(dbs.backends),
    });
  } finally {
    await dist.dispose();
    for (const e of [single, ...singles, admin]) await e.dispose();
    await dropPgDatabases(all);
  }
}

console.log(`bench/dist.ts — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores; medians of ${ROUNDS} rounds\n`);
console.log("| deployment | workload | single node | through the head | straight to the backend(s) |");
console.log("|---|---|---:|---:|---:|");
if (!process.argv.includes("--fdw-only")) await spider();
if (!process.argv.includes("--spider-only")) await fdw();
