// Runs the peers benchmark on the built package with plain `node`: build.mjs builds Arbor (src/ →
// dist/) and bundles harness.ts and every contender into .out/, then .out/harness.mjs runs in a
// child `node` without tsx, whose transform would wrap every named closure (Arbor's in dist/ and the
// peers' in node_modules alike) in __name() calls. Flags are passed on to the harness.
//
//   npx tsx run.ts [--quick] [--only=raw,arbor] [--workloads=1,2,3,4,5] [--no-write]
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
for (const args of [[path.join(here, "build.mjs")], [path.join(here, ".out", "harness.mjs"), ...process.argv.slice(2)]]) {
  const r = spawnSync(process.execPath, args, { cwd: here, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
