// Runs every benchmark present (core, ring, nested, stream, orm, session, flush, shard, dist, load) on the
// built package, one plain `node` process each, in order, passing --quick on when given (the others'
// own flags: run them one by one). `npm run bench [-- --quick]` builds first (bench/build.mjs: dist/
// and bench/.out/), then runs this from bench/.out/run.mjs; its output is the markdown of
// bench/RESULTS.md's "Latest" part. Exits non-zero when one fails.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, ".out");
const quick = process.argv.includes("--quick");
// The short runs: session takes only its engine as an argument; load and stream have their own sizes.
const QUICK_FLAGS: Readonly<Record<string, readonly string[]>> = { session: [], load: ["--seconds", "10"], stream: ["--parents=100000"] };
const flagsOf = (name: string): readonly string[] => (!quick ? [] : (QUICK_FLAGS[name] ?? ["--quick"]));
let failed = 0;
for (const name of ["core", "ring", "nested", "stream", "orm", "session", "flush", "shard", "dist", "load"]) {
  const file = path.join(out, `${name}.mjs`);
  if (!existsSync(file)) continue;
  const flags = flagsOf(name);
  console.log(`\n# bench/${name}.ts (node bench/.out/${name}.mjs${flags.length ? " " + flags.join(" ") : ""})\n`);
  const { status, error } = spawnSync(process.execPath, [file, ...flags], { stdio: "inherit" });
  if (error || status !== 0) {
    console.error(`bench/${name} failed${error ? `: ${error.message}` : ` with exit code ${status}`}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
