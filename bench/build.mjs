// Builds the benchmarks to run on the built package with plain `node`, so the library code they time
// is exactly what ships: `npm run build` (src/ → dist/), then every bench/*.ts is bundled with the
// bench and test support files it imports into bench/.out/<name>.mjs, imports of src/ pointing at
// dist/ (bench/bundle.mjs).
//
//   node bench/build.mjs [--no-package] [--out <dir>]
//
// --no-package: skip `npm run build` (dist/ already current). --out: another output folder.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackage, bundle, root } from "./bundle.mjs";

const bench = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf("--out");
const out = at >= 0 ? path.resolve(args[at + 1]) : path.join(bench, ".out");

if (!args.includes("--no-package")) await buildPackage();
const entries = readdirSync(bench)
  .filter((f) => f.endsWith(".ts") && f !== "support.ts")
  .map((f) => path.join(bench, f));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await bundle({ entries, base: bench, out });
console.log(`bench/build.mjs: ${entries.length} benchmarks → ${path.relative(root, out) || "."}/`);
