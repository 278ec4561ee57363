// Runs every benchmark present (core, ring, nested, orm, flush, shard), one tsx process each, in order,
// passing the flags given here on (e.g. `npx tsx bench/run.ts --quick`). Exits non-zero when one fails.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.join(here, "..", "node_modules", ".bin", "tsx");
const flags = process.argv.slice(2);
let failed = 0;
for (const name of ["core.ts", "ring.ts", "nested.ts", "orm.ts", "flush.ts", "shard.ts"]) {
  const file = path.join(here, name);
  if (!existsSync(file)) continue;
  console.log(`\n# bench/${name}${flags.length ? " " + flags.join(" ") : ""}\n`);
  const { status, error } = spawnSync(existsSync(tsx) ? tsx : "tsx", [file, ...flags], { stdio: "inherit" });
  if (error || status !== 0) {
    console.error(`bench/${name} failed${error ? `: ${error.message}` : ` with exit code ${status}`}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
