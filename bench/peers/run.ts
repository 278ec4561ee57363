// Runs the peers benchmark on the built package with plain `node`: build.mjs builds Arbor (src/ →
// dist/) and bundles harness.ts and every contender into .out/, then .out/harness.mjs runs in a
// child `node` without tsx, whose transform would wrap every named closure (Arbor's in dist/ and the
// peers' in node_modules alike) in __name() calls. Flags are passed on to the harness.
//
//   npx tsx run.ts [--quick] [--only=raw,arbor] [--workloads=1,2,3,4,5] [--no-write] [--pin]
//
// --pin: the harness on CPU 0 and the PostgreSQL server on the other CPUs for the run (pin.ts).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pinServer, type Pinning } from "./pin.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const flags = process.argv.slice(2);
const build = spawnSync(process.execPath, [path.join(here, "build.mjs")], { cwd: here, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const pgBase = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const pgUrl = process.env.ARBOR_PEERS_PG_URL ?? Object.assign(new URL(pgBase), { pathname: "/arbor_peers" }).toString();
const pinning: Pinning | undefined = flags.includes("--pin") ? await pinServer(pgUrl) : undefined;
const harness = [path.join(here, ".out", "harness.mjs"), ...flags];
const r = pinning
  ? spawnSync("taskset", ["-c", pinning.client, process.execPath, ...harness], { cwd: here, stdio: "inherit" })
  : spawnSync(process.execPath, harness, { cwd: here, stdio: "inherit" });
await pinning?.restore();
process.exit(r.status ?? 1);
