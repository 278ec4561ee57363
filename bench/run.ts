// Runs every benchmark present (core, ring, nested, orm, flush, shard) on the built package, one plain
// `node` process each, in order, passing the flags given here on. `npm run bench [-- --quick]` builds
// first (bench/build.mjs: dist/ and bench/.out/), then runs this from bench/.out/run.mjs.
// Exits non-zero when one fails.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, ".out");
const flags = process.argv.slice(2);
let failed = 0;
for (const name of ["core", "ring", "nested", "orm", "flush", "shard"]) {
  const file = path.join(out, `${name}.mjs`);
  if (!existsSync(file)) continue;
  console.log(`\n# bench/${name}.ts (node bench/.out/${name}.mjs)${flags.length ? " " + flags.join(" ") : ""}\n`);
  const { status, error } = spawnSync(process.execPath, [file, ...flags], { stdio: "inherit" });
  if (error || status !== 0) {
    console.error(`bench/${name} failed${error ? `: ${error.message}` : ` with exit code ${status}`}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
