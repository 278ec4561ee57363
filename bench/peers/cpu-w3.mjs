// Workload 3 (insert a 10,000-object graph) in CPU time, which does not depend on the machine's
// load: per pass, the client's CPU (this process) and the server's (the database's backends, from
// /proc/<pid>/stat), for the floor and the Arbor contenders, over interleaved rounds on a pool of one
// connection. Splits the harness's wall-clock ratio into what the client library costs and what
// the server costs. Needs the bundles (`node build.mjs`) and the schema the harness made (run it
// once on the same database first); the server must run on this machine (Linux /proc).
//
//   node cpu-w3.mjs [--rounds=15] [--only=floor,core,orm]   (ARBOR_PEERS_PG_URL as for the harness)
//
// With --cpu-prof (node --cpu-prof cpu-w3.mjs --only=core) the profile shows where the client's
// share goes. The graph is the harness's (lib/data.ts makeInsertGraph): 200 customers × 7 orders × 6 items.
// It leaves the tables empty, as the harness's workload 3 does: run the harness again before cpu-w2.mjs.
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { serverCpu } from "./server-cpu.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
// The harness's own graph, from the bundle build.mjs makes of lib/data.ts.
const { makeInsertGraph } = await import(pathToFileURL(path.join(here, ".out", "lib", "data.mjs")).href);
const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(opt("rounds") ?? 15);
const ONLY = (opt("only") ?? "floor,core nested(),orm nestedload").toLowerCase().split(",");
const PG_URL = process.env.ARBOR_PEERS_PG_URL ?? "postgres://root@127.0.0.1:5432/arbor_peers";

const graph = makeInsertGraph();

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
const empty = () => admin.query("TRUNCATE item, cust_order, customer RESTART IDENTITY");

const entries = [];
for (const file of ["raw-pg.mjs", "arbor-core.mjs", "arbor-orm-nestedload.mjs"]) {
  const mod = await import(pathToFileURL(path.join(here, ".out", "contenders", file)).href);
  for (const c of mod.default) {
    if (c.engine !== "postgres" || !c.insertGraph) continue;
    if (!ONLY.some((s) => c.name.toLowerCase().includes(s))) continue;
    await c.setup({ pgUrl: PG_URL, poolSize: 1, sqliteFile: "" });
    for (let k = 0; k < 2; k++) {
      await empty();
      await c.insertGraph(graph); // warm-up
    }
    entries.push({ c, client: [], server: [], wall: [] });
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < entries.length; k++) {
    const e = entries[(k + round) % entries.length];
    await empty();
    const s0 = await serverCpu(admin);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await e.c.insertGraph(graph);
    e.wall.push(performance.now() - t0);
    const cu = process.cpuUsage(c0);
    e.client.push((cu.user + cu.system) / 1000);
    const s1 = await serverCpu(admin);
    let server = 0;
    for (const [pid, ms] of s1) server += ms - (s0.get(pid) ?? 0);
    e.server.push(server);
  }
}
for (const e of entries) await e.c.teardown();
await empty();
await admin.end();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = entries.map((e) => ({ name: e.c.name, client: median(e.client), server: median(e.server), wall: median(e.wall) }));
const floor = rows.find((r) => r.name.includes("floor"));
const f = (x) => x.toFixed(1);
console.log(`Workload 3 in CPU time: medians of ${ROUNDS} interleaved passes, pool of 1; load average ${os.loadavg()[0].toFixed(2)} (wall is load-dependent, CPU is not; server CPU from /proc/<pid>/schedstat)\n`);
console.log("| contender | client CPU ms/pass | server CPU ms/pass | wall ms/pass | client vs floor | wall vs floor |");
console.log("|---|--:|--:|--:|--:|--:|");
for (const r of rows) {
  const c = floor ? `${(r.client / floor.client).toFixed(2)}x` : "";
  const w = floor ? `${(r.wall / floor.wall).toFixed(2)}x` : "";
  console.log(`| ${r.name} | ${f(r.client)} | ${f(r.server)} | ${f(r.wall)} | ${c} | ${w} |`);
}
