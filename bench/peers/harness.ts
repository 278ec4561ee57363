// Arbor against peer ORMs and query builders: one run, every contender on the same PostgreSQL
// server and database, the same `pg` driver version and pool size, the same schema and indexes.
// Runs with plain `node` from .out/harness.mjs, built with the contenders by build.mjs (run.ts
// builds, then starts it), Arbor imported from the built package (dist/).
//
//   cd bench/peers && npm install && npm run bench          (full run, writes RESULTS.md)
//   npm run bench:quick                                      (fewer repetitions, for development)
//   npx tsx run.ts [--quick] [--only=raw,arbor] [--workloads=1,2,3,4,5] [--no-write]
//
// Workloads (README.md in this folder has the details):
//   1  graph load: 1,000 customers × 10 orders × 5 items, every level, ordered by id
//   2  one customer's graph by primary key, 2,000 calls: p50 / p99 latency
//   3  insert a 10,000-object graph (200 × 7 × 6), ORMs through their unit of work / bulk API
//   4  update 1,000 loaded items (qty + 1 each) and flush (load untimed, change + flush timed)
//   5  workload 1 on SQLite (better-sqlite3, WAL file)
//
// Every contender's results are checked before timing (shape, counts, order, values) and the JS
// types it returns are recorded. Passes are interleaved across contenders (order rotated per
// repetition) after warm-up passes, with no forced GC: a pass pays for the collections its own
// garbage causes, as in an application; the rotation spreads one that falls in the next pass.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type pg from "pg";
import type { BenchContext, Contender, ContenderModule, EngineKind } from "./lib/contender.js";
import { goalsTable, type Summary } from "./lib/goals.js";
import {
  CUSTOMERS,
  INSERT_DIGEST_SQL,
  INSERT_SHAPE,
  ITEMS,
  ORDERS,
  checkCustomer,
  checkGraph,
  createPgSchema,
  createSqlite,
  describeFidelity,
  ensureDatabase,
  insertDigest,
  loadPg,
  makeGraph,
  makeInsertGraph,
  newFidelity,
  pgAdmin,
  truncatePg,
} from "./lib/data.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
/** run.ts --pin put this process on CPU 0 and the PostgreSQL server on the others (pin.ts). */
const PINNED = args.includes("--pin");
const opt = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ONLY = opt("only")?.toLowerCase().split(",").filter(Boolean);
const WORKLOADS = new Set((opt("workloads") ?? "1,2,3,4,5").split(",").map(Number));
const WRITE = !args.includes("--no-write") && !ONLY && WORKLOADS.size === 5;

const PG_BASE = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const PG_URL = process.env.ARBOR_PEERS_PG_URL ?? Object.assign(new URL(PG_BASE), { pathname: "/arbor_peers" }).toString();
const POOL_SIZE = 10;
const SQLITE_FILE = path.join(os.tmpdir(), `arbor-peers-${process.pid}.db`);

const CFG = QUICK
  ? { w1: { warm: 1, reps: 3 }, w2: { warm: 1, reps: 2, calls: 200 }, w3: { warm: 1, reps: 2 }, w4: { warm: 1, reps: 3 }, w5: { warm: 1, reps: 3 } }
  : { w1: { warm: 3, reps: 10 }, w2: { warm: 1, reps: 3, calls: 2_000 }, w3: { warm: 2, reps: 11 }, w4: { warm: 2, reps: 9 }, w5: { warm: 3, reps: 10 } };
const UPDATE_N = 1_000;
const LOAD_START = os.loadavg()[0];

/** Fails a contender whose call never settles (instead of Node exiting silently on an empty event loop). */
const PASS_TIMEOUT_MS = 300_000;
function watchdog<T>(p: Promise<T>, what: string, ms = PASS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Contenders

interface Entry {
  readonly c: Contender;
  /** Set when setup or the checks failed: the contender is left out of the timings. */
  failed?: string;
  fidelity?: string;
  ready?: boolean;
}
const unavailable: { file: string; reason: string }[] = [];

/** Does the contender take part in workload n? */
function does(e: Entry, n: number): boolean {
  if (e.c.workloads && !e.c.workloads.includes(n)) return false;
  switch (n) {
    case 2:
      return !!e.c.oneGraph;
    case 3:
      return !!e.c.insertGraph;
    case 4:
      return !!e.c.updateLoaded && !!e.c.loadForUpdate;
    default:
      return true;
  }
}

async function discover(): Promise<Entry[]> {
  const dir = path.join(here, ".out", "contenders");
  const out: Entry[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".mjs") || file.startsWith("_")) continue;
    try {
      const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: ContenderModule };
      const list = Array.isArray(mod.default) ? (mod.default as readonly Contender[]) : [mod.default as Contender];
      for (const c of list) if (!ONLY || ONLY.some((s) => c.name.toLowerCase().includes(s) || c.floor)) out.push({ c });
    } catch (err) {
      unavailable.push({ file, reason: oneLine(err) });
      console.log(`! ${file}: cannot be loaded: ${oneLine(err)}`);
    }
  }
  return out.sort((a, b) => (a.c.engine === b.c.engine ? (a.c.floor ? -1 : b.c.floor ? 1 : (a.c.order ?? 50) - (b.c.order ?? 50)) : a.c.engine < b.c.engine ? -1 : 1));
}

function oneLine(err: unknown): string {
  const e = err as Error;
  return String(e?.message ?? err).split("\n").filter(Boolean).slice(0, 3).join(" / ").slice(0, 400);
}

// ---------------------------------------------------------------------------------------------
// Timing

interface Series {
  readonly name: string;
  readonly ms: number[];
  /** Per-call latencies (workload 2). */
  readonly calls?: number[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/**
 * Runs `warm + reps` rounds; in each round every contender runs one pass (order rotated).
 * `before` runs untimed before each pass, `pass` is timed, `after` runs untimed.
 */
async function measure(
  entries: Entry[],
  cfg: { warm: number; reps: number },
  pass: (e: Entry, calls: number[] | undefined) => Promise<unknown>,
  hooks: { before?: (e: Entry) => Promise<void>; after?: (e: Entry, round: number) => Promise<void>; perCall?: boolean } = {},
): Promise<Series[]> {
  const series = entries.map((e) => ({ name: e.c.name, ms: [] as number[], calls: hooks.perCall ? ([] as number[]) : undefined }));
  for (let round = 0; round < cfg.warm + cfg.reps; round++) {
    const timed = round >= cfg.warm;
    process.stdout.write(timed ? "." : "w");
    for (let j = 0; j < entries.length; j++) {
      const k = (round + j) % entries.length;
      const e = entries[k];
      if (e.failed) continue;
      try {
        if (hooks.before) await hooks.before(e);
        const calls = timed ? series[k].calls : undefined;
        const t0 = performance.now();
        await watchdog(pass(e, calls), "pass");
        const ms = performance.now() - t0;
        if (timed) series[k].ms.push(ms);
        if (hooks.after) await hooks.after(e, round);
      } catch (err) {
        e.failed = oneLine(err);
        console.log(`\n! ${e.c.name}: failed: ${e.failed}`);
      }
    }
  }
  process.stdout.write("\n");
  return series;
}

// ---------------------------------------------------------------------------------------------
// Reporting

const fmt = (x: number): string => (Number.isNaN(x) ? "–" : x < 10 ? x.toFixed(2) : x < 1000 ? x.toFixed(1) : x.toFixed(0));

/** A Markdown table; the first `left` columns are text (left-aligned), the rest figures. */
function table(head: string[], rows: string[][], left: number | number[] = 1): string {
  const isLeft = (c: number): boolean => (Array.isArray(left) ? left.includes(c) : c < left);
  const cells = [head, ...rows];
  const width = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]): string => "| " + r.map((v, c) => (isLeft(c) ? v.padEnd(width[c]) : v.padStart(width[c]))).join(" | ") + " |";
  const rule = "|" + width.map((w, c) => (isLeft(c) ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(head), rule, ...rows.map(line)].join("\n");
}

const sections: string[] = [];
function emit(md: string): void {
  console.log(md);
  sections.push(md);
}

const summaries: Summary[] = [];

function report(title: string, intro: string, engine: EngineKind, entries: Entry[], series: Series[], opts: { fidelity?: boolean; latency?: boolean } = {}): void {
  const floorEntry = entries.find((e) => e.c.floor && e.c.engine === engine);
  const byName = new Map(series.map((s) => [s.name, s]));
  const key = (s: Series): number => (opts.latency ? median(s.calls ?? []) : median(s.ms));
  const floor = floorEntry && byName.get(floorEntry.c.name)?.ms.length ? key(byName.get(floorEntry.c.name)!) : NaN;
  const rows: string[][] = [];
  const medians = new Map<string, number>();
  for (const e of entries) {
    const s = byName.get(e.c.name);
    if (!s) continue;
    if (e.failed && s.ms.length === 0) {
      rows.push(opts.latency ? [e.c.name, "failed", "", "", "", "", "", ""] : [e.c.name, "failed", "", "", "", ...(opts.fidelity ? [e.failed] : [])]);
      continue;
    }
    const m = key(s);
    medians.set(e.c.name, m);
    const ratio = Number.isNaN(floor) ? "–" : `${(m / floor).toFixed(2)}x`;
    if (opts.latency) {
      const calls = s.calls ?? [];
      rows.push([e.c.name, fmt(m), fmt(pct(calls, 99)), fmt(Math.max(...calls)), fmt(median(s.ms)), fmt(Math.min(...s.ms)), fmt(Math.max(...s.ms)), ratio]);
    } else {
      rows.push([e.c.name, fmt(m), fmt(Math.min(...s.ms)), fmt(Math.max(...s.ms)), ratio, ...(opts.fidelity ? [e.fidelity ?? ""] : [])]);
    }
  }
  summaries.push({ workload: title, engine, medians, floor: floorEntry?.c.name });
  const head = opts.latency
    ? ["contender", "p50 ms", "p99 ms", "max ms", "pass median ms", "pass min", "pass max", "p50 vs floor"]
    : ["contender", "median ms", "min", "max", "vs floor", ...(opts.fidelity ? ["types returned (dates · int8 · numeric)"] : [])];
  emit(`\n### ${title}\n\n${intro}\n\n${table(head, rows, opts.fidelity ? [0, 5] : 1)}`);
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const started = new Date();
  console.log(`Arbor peers benchmark${QUICK ? " (--quick)" : ""}: PostgreSQL ${PG_URL.replace(/\/\/[^@]*@/, "//…@")}, SQLite ${SQLITE_FILE}\n`);
  const graph = makeGraph();
  const insertData = makeInsertGraph();
  const expectedDigest = insertDigest(insertData);

  await ensureDatabase(PG_URL);
  const admin = await pgAdmin(PG_URL);
  const pgVersion = (await admin.query("SHOW server_version")).rows[0].server_version as string;
  await createPgSchema(admin);
  await loadPg(admin, graph);
  createSqlite(SQLITE_FILE, graph);

  const ctx: BenchContext = { pgUrl: PG_URL, poolSize: POOL_SIZE, sqliteFile: SQLITE_FILE };
  const all = await discover();
  for (const e of all) {
    if (e.c.unavailable) {
      e.failed = `not run: ${e.c.unavailable}`;
      console.log(`- ${e.c.name}: ${e.failed}`);
      continue;
    }
    try {
      await watchdog(e.c.setup(ctx), "setup", 120_000);
      e.ready = true;
    } catch (err) {
      e.failed = `setup: ${oneLine(err)}`;
      console.log(`! ${e.c.name}: ${e.failed}`);
    }
  }

  // Checks: the whole graph (shape, counts, order, values, types), a few single graphs.
  const lookupIds = (() => {
    let a = 12345;
    const n = CFG.w2.calls;
    return Array.from({ length: n }, () => {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      return 1 + (a % CUSTOMERS);
    });
  })();
  for (const e of all) {
    if (e.failed || !(does(e, 1) || does(e, 5) || does(e, 2))) continue;
    try {
      const f = newFidelity();
      const counts = checkGraph(f, await watchdog(e.c.graphLoad(), "graph load", 180_000), graph);
      e.fidelity = describeFidelity(f, { items: ITEMS, numerics: ORDERS + ITEMS });
      if (does(e, 2)) {
        const oneGraph = e.c.oneGraph!.bind(e.c);
        for (const id of [1, 500, CUSTOMERS]) checkCustomer(newFidelity(), await oneGraph(id), graph[id - 1]);
        const missing = await oneGraph(CUSTOMERS + 10);
        if (missing !== undefined && missing !== null) throw new Error(`oneGraph(absent id) returned ${typeof missing}`);
      }
      console.log(`✓ ${e.c.name}: ${counts.customers} customers, ${counts.orders} orders, ${counts.items} items; ${e.fidelity}`);
    } catch (err) {
      e.failed = `check: ${oneLine(err)}`;
      console.log(`✗ ${e.c.name}: ${e.failed}`);
    }
  }

  const pgs = all.filter((e) => e.c.engine === "postgres");
  const sqlites = all.filter((e) => e.c.engine === "sqlite");

  if (WORKLOADS.has(1)) {
    console.log("\nWorkload 1: graph load");
    const with1 = pgs.filter((e) => does(e, 1));
    const s = await measure(with1, CFG.w1, (e) => e.c.graphLoad());
    report(
      `1. Graph load, PostgreSQL: ${CUSTOMERS.toLocaleString("en")} customers × 10 orders × 5 items`,
      `Every customer with its orders and their items (${CUSTOMERS.toLocaleString("en")} + ${ORDERS.toLocaleString("en")} + ${ITEMS.toLocaleString("en")} objects), every level ordered by id. ` +
        `One pass = one full load; ${CFG.w1.warm} warm-up + ${CFG.w1.reps} timed passes per contender. ` +
        `The last column is what came back, checked against the stored values (✗ = weaker than the column type: text dates, inexact or string int8, numerics without their scale).`,
      "postgres",
      with1,
      s,
      { fidelity: true },
    );
  }

  if (WORKLOADS.has(2)) {
    console.log("\nWorkload 2: one graph by primary key");
    const with2 = pgs.filter((e) => does(e, 2));
    const s = await measure(
      with2,
      CFG.w2,
      async (e, calls) => {
        for (const id of lookupIds) {
          const t0 = performance.now();
          await e.c.oneGraph!(id);
          calls?.push(performance.now() - t0);
        }
      },
      { perCall: true },
    );
    report(
      `2. One customer's graph by primary key, PostgreSQL: ${lookupIds.length.toLocaleString("en")} calls`,
      `One customer (10 orders, 50 items) per call, ${lookupIds.length.toLocaleString("en")} sequential calls per pass over a fixed pseudo-random id sequence; ` +
        `p50/p99/max over every timed call (${CFG.w2.reps} passes after ${CFG.w2.warm} warm-up), plus the pass totals.`,
      "postgres",
      with2,
      s,
      { latency: true },
    );
  }

  if (WORKLOADS.has(4)) {
    console.log("\nWorkload 4: update 1,000 loaded objects");
    const with4 = pgs.filter((e) => does(e, 4));
    const sumQty = async (): Promise<number> => (await admin.query("SELECT sum(qty)::int AS s FROM item WHERE id <= $1", [UPDATE_N])).rows[0].s as number;
    let before = 0;
    const s = await measure(with4, CFG.w4, (e) => e.c.updateLoaded!(UPDATE_N), {
      before: async (e) => {
        before = await sumQty();
        await e.c.loadForUpdate!(UPDATE_N);
      },
      after: async (e) => {
        const after = await sumQty();
        if (after !== before + UPDATE_N) throw new Error(`${e.c.name}: sum(qty) went from ${before} to ${after}, expected +${UPDATE_N}`);
      },
    });
    report(
      `4. Update ${UPDATE_N.toLocaleString("en")} loaded objects, PostgreSQL`,
      `Items 1..${UPDATE_N.toLocaleString("en")} are loaded (untimed; ORMs into a fresh unit of work); the timed part changes qty (+1) on each and flushes/commits. ` +
        `Every pass is checked (sum(qty) grows by ${UPDATE_N.toLocaleString("en")}). ${CFG.w4.warm} warm-up + ${CFG.w4.reps} timed passes.`,
      "postgres",
      with4,
      s,
    );
  }

  if (WORKLOADS.has(3)) {
    console.log("\nWorkload 3: insert a 10,000-object graph");
    const with3 = pgs.filter((e) => does(e, 3));
    const s = await measure(with3, CFG.w3, (e) => e.c.insertGraph!(insertData), {
      before: async () => {
        await truncatePg(admin);
      },
      after: async (e) => {
        const r = (await admin.query(INSERT_DIGEST_SQL)).rows[0] as { n: number; digest: string; customers: number; orders: number };
        const { customers, orders, items } = INSERT_SHAPE;
        if (r.n !== customers * orders * items || r.customers !== customers || r.orders !== customers * orders || r.digest !== expectedDigest)
          throw new Error(`${e.c.name}: inserted graph differs (${r.customers} customers, ${r.orders} orders, ${r.n} items, digest ${r.digest})`);
      },
    });
    const { customers, orders, items } = INSERT_SHAPE;
    report(
      `3. Insert a 10,000-object graph, PostgreSQL`,
      `${customers} customers × ${orders} orders × ${items} items (${customers} + ${(customers * orders).toLocaleString("en")} + ${(customers * orders * items).toLocaleString("en")} = 10,000 objects) into empty tables (TRUNCATE … RESTART IDENTITY before each pass, untimed); ` +
        `ids are generated by the database and children must reference them. Every pass is checked: counts and an md5 over every stored value (dates to the ms, numeric text, int8 text). ` +
        `${CFG.w3.warm} warm-up + ${CFG.w3.reps} timed passes.`,
      "postgres",
      with3,
      s,
    );
    await loadPg(admin, graph);
  }

  if (WORKLOADS.has(5) && sqlites.length) {
    console.log("\nWorkload 5: graph load on SQLite");
    const with5 = sqlites.filter((e) => does(e, 5));
    const s = await measure(with5, CFG.w5, (e) => e.c.graphLoad());
    report(
      `5. Graph load, SQLite: ${CUSTOMERS.toLocaleString("en")} customers × 10 orders × 5 items`,
      `Workload 1 on SQLite (better-sqlite3 12, one database file in WAL mode; timestamps stored as ISO-8601 text, numerics with NUMERIC affinity, so "2.30" is stored as the REAL 2.3). ` +
        `${CFG.w5.warm} warm-up + ${CFG.w5.reps} timed passes.`,
      "sqlite",
      with5,
      s,
      { fidelity: true },
    );
  }

  for (const e of all) if (e.ready) await watchdog(e.c.teardown(), "teardown", 30_000).catch((err) => console.log(`! ${e.c.name}: teardown: ${oneLine(err)}`));
  await admin.end();
  for (const f of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) if (existsSync(f)) rmSync(f);

  targets();
  const finished = new Date();
  if (WRITE) writeResults(all, started, finished, pgVersion);
  else console.log("\n(RESULTS.md not written: partial run; --only/--workloads/--no-write given)");
}

/** The performance goals, for the Arbor contenders present (lib/goals.ts). */
function targets(): void {
  const table = goalsTable(summaries);
  if (table === undefined) return;
  emit(`\n### Goals\n\nArbor's goals, each a ratio to the floor of its workload on PostgreSQL (W2: p50 latency).\n\n${table}`);
}

function pkgVersion(name: string): string {
  for (const base of [path.join(here, "node_modules"), path.join(here, "..", "..", "node_modules")]) {
    const p = path.join(base, name, "package.json");
    if (existsSync(p)) return (JSON.parse(readFileSync(p, "utf8")) as { version: string }).version;
  }
  return "not installed";
}

function gitDescribe(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "../../src"], { cwd: here, encoding: "utf8" }).trim() ? " + uncommitted changes in src/" : "";
    return `${head}${dirty}`;
  } catch {
    return "unknown";
  }
}

function writeResults(all: Entry[], started: Date, finished: Date, pgVersion: string): void {
  const cpus = os.cpus();
  const event = process.env.npm_lifecycle_event;
  const command = event === "bench" || event === "bench:quick" ? `cd bench/peers && npm run ${event}` : `cd bench/peers && npx tsx run.ts ${args.join(" ")}`.trim();
  const pkgs = ["pg", "better-sqlite3", "kysely", "drizzle-orm", "@mikro-orm/core", "@mikro-orm/postgresql", "@mikro-orm/better-sqlite", "typeorm", "prisma", "@prisma/client", "@prisma/adapter-pg", "tsx"];
  const arborPg = path.join(here, "..", "..", "node_modules", "pg", "package.json");
  const contenders = all.map((e) => `| ${e.c.name} | ${e.c.engine} | ${e.c.description}${e.failed ? ` **Left out of the timings: ${e.failed}**` : ""} |`);
  const body = [
    "# Arbor against peer ORMs and query builders",
    "",
    `Generated by \`${command}\` (bench/peers/run.ts) on ${started.toISOString().slice(0, 10)}, ${started.toISOString().slice(11, 16)}–${finished.toISOString().slice(11, 16)} UTC. Do not edit by hand: rerun.`,
    "",
    "## Setup",
    "",
    `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; ${PINNED ? "the client pinned to CPU 0 and the PostgreSQL server to the other CPUs (`run.ts --pin`). " : "the client and the server share the machine, unpinned. "}` +
      `Load average (1 min) ${LOAD_START.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end${LOAD_START > cpus.length * 0.75 ? " — other work was running on the machine: expect noise, read the min column too" : ""}.`,
    `- Node ${process.version}; PostgreSQL ${pgVersion} on 127.0.0.1 (database \`arbor_peers\`, \`jit = off\` and \`TimeZone = UTC\` set on the database, so every contender's sessions get them); SQLite via better-sqlite3 ${pkgVersion("better-sqlite3")} (a WAL file in the OS temp folder).`,
    `- Arbor: the built package (../../dist, built from src/ at ${gitDescribe()} by run.ts), run with plain node like everything here (its \`pg\` resolves to the repository's node_modules: ${existsSync(arborPg) ? (JSON.parse(readFileSync(arborPg, "utf8")) as { version: string }).version : "?"}).`,
    `- Peers: ${pkgs.map((p) => `${p} ${pkgVersion(p)}`).join(", ")}. One \`pg\` for every peer (npm \`overrides\` in package.json), pool size ${POOL_SIZE} everywhere.`,
    `- Schema: plain SQL in lib/data.ts — customer, cust_order (customer_id → customer, indexed), item (order_id → cust_order, indexed; serial bigint with values above 2^53). Data: ${CUSTOMERS.toLocaleString("en")} customers, ${ORDERS.toLocaleString("en")} orders, ${ITEMS.toLocaleString("en")} items.`,
    `- Method: every contender's graph load is checked first (counts, order, every value); passes are interleaved across contenders with the order rotated each round, no forced GC; medians with min/max; ratios against the floor of the same engine (PostgreSQL: one hand-written json_agg statement per graph load, raw node-postgres, every type exact).${QUICK ? " **--quick run: few repetitions, figures are indicative only.**" : ""}`,
    "",
    "## Results",
    ...sections,
    "",
    "## Contenders",
    "",
    "| contender | engine | what it runs |",
    "|---|---|---|",
    ...contenders,
    ...(unavailable.length ? ["", "Modules that could not be loaded:", "", ...unavailable.map((u) => `- ${u.file}: ${u.reason}`)] : []),
    "",
  ].join("\n");
  writeFileSync(path.join(here, "RESULTS.md"), body + "\n" + NOTES);
  console.log(`\nWrote ${path.join(here, "RESULTS.md")}`);
}

/** Fixed notes appended to RESULTS.md (install notes and caveats). */
const NOTES = existsSync(path.join(here, "NOTES.md")) ? readFileSync(path.join(here, "NOTES.md"), "utf8") : "";

main().then(
  // A peer may leave handles open (timers, pools): the run is over either way.
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
