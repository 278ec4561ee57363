// Workload 2 in CPU time, which does not depend on the machine's load: per call, the client's CPU
// (this process) and the server's (the database's backends, from /proc/<pid>/schedstat) over rounds of N
// sequential one-graph calls (on one connection of a pool of the harness's size). Splits the wall-clock ratio of the harness
// into what the client library costs and what the server costs (parse + plan for an unnamed
// statement). Needs the bundles (`node build.mjs`) and the data the harness loaded (run it once on
// the same database first); the server must run on this machine (Linux /proc).
//
//   node cpu-w2.mjs [--calls=2000] [--rounds=7] [--pool=10] [--only=floor,unnamed,core,orm]   (ARBOR_PEERS_PG_URL as for the harness)
//
// --count: the client's instructions instead, which no load changes: the first contender matching
// --only, set up and warmed, then --calls calls and nothing else; count under valgrind with
// --calls=0 and --calls=N and subtract (the server's work runs in its own processes, not counted):
//   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --predictable --predictable-gc-schedule --hash-seed=1 --random-seed=1 cpu-w2.mjs --count --only='(prepare: false)' --calls=2000
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { serverCpu } from "./server-cpu.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const CALLS = Number(opt("calls") ?? 2000);
const ROUNDS = Number(opt("rounds") ?? 7);
// The harness's pool size: with a pool of one, a Session's claim on a connection would make the
// engine track holds (engine/holds.ts), which the harness's runs never do.
const POOL = Number(opt("pool") ?? 10);
const ONLY = (opt("only") ?? "floor,unnamed,core nested(),orm nestedload").toLowerCase().split(",");
const PG_URL = process.env.ARBOR_PEERS_PG_URL ?? "postgres://root@127.0.0.1:5432/arbor_peers";

const ids = (() => {
  let a = 12345;
  return Array.from({ length: CALLS }, () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return 1 + (a % 1000);
  });
})();

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();

const entries = [];
const COUNT = args.includes("--count");
for (const file of ["raw-pg.mjs", "arbor-core.mjs", "arbor-orm-nestedload.mjs"]) {
  const mod = await import(pathToFileURL(path.join(here, ".out", "contenders", file)).href);
  for (const c of mod.default) {
    if (c.engine !== "postgres" || !c.oneGraph || (c.workloads && !c.workloads.includes(2))) continue;
    if (!ONLY.some((s) => c.name.toLowerCase().includes(s))) continue;
    await c.setup({ pgUrl: PG_URL, poolSize: POOL, sqliteFile: "" });
    for (let k = 0; k < 300; k++) await c.oneGraph(1 + ((k * 37) % 1000)); // warm-up
    entries.push({ c, client: [], server: [], wall: [] });
    if (COUNT) break;
  }
  if (COUNT && entries.length) break;
}
if (COUNT) {
  const c = entries[0].c;
  for (const id of ids) await c.oneGraph(id);
  await c.teardown();
  await admin.end();
  console.log(`${c.name}: ${CALLS} calls`);
  process.exit(0);
}
// Rounds interleaved across contenders, the order rotated each round; medians over rounds. The
// server's CPU is that of every backend on the database other than this one's (only the running
// contender's is busy; a pool may have replaced an idle connection meanwhile, hence no fixed pid).
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < entries.length; k++) {
    const e = entries[(k + round) % entries.length];
    for (let j = 0; j < 10; j++) await e.c.oneGraph(1 + j); // the pool's connection is open and used
    const s0 = await serverCpu(admin);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const id of ids) await e.c.oneGraph(id);
    e.wall.push((performance.now() - t0) / CALLS);
    const cu = process.cpuUsage(c0);
    e.client.push((cu.user + cu.system) / 1000 / CALLS);
    const s1 = await serverCpu(admin);
    let server = 0;
    for (const [pid, ms] of s1) server += ms - (s0.get(pid) ?? 0);
    e.server.push(server / CALLS);
  }
}
for (const e of entries) await e.c.teardown();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = entries.map((e) => ({ name: e.c.name, client: median(e.client), server: median(e.server), wall: median(e.wall) }));
await admin.end();

const floor = rows.find((r) => r.name.includes("floor"));
const f = (x) => x.toFixed(3);
console.log(`Workload 2 in CPU time: medians of ${ROUNDS} interleaved rounds of ${CALLS} calls, pool of ${POOL}; load average ${os.loadavg()[0].toFixed(2)} (wall is load-dependent, CPU is not)\n`);
console.log("| contender | client CPU ms/call | server CPU ms/call | sum ms/call | sum vs floor | wall ms/call |");
console.log("|---|--:|--:|--:|--:|--:|");
for (const r of rows) {
  const sum = r.client + r.server;
  const ratio = floor ? `${(sum / (floor.client + floor.server)).toFixed(2)}x` : "";
  console.log(`| ${r.name} | ${f(r.client)} | ${f(r.server)} | ${f(sum)} | ${ratio} | ${f(r.wall)} |`);
}
