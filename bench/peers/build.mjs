// Builds the peers benchmark for plain `node`: the package (src/ → dist/, unless --no-package), then
// harness.ts, each contenders/*.ts (not "_" files) and lib/data.ts (for the cpu-w*.mjs tools) bundled into .out/ (or --out <dir>) with Arbor's
// imports pointing at dist/ and packages left to node_modules (../bundle.mjs).
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackage, bundle } from "../bundle.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf("--out");
const out = at >= 0 ? path.resolve(args[at + 1]) : path.join(here, ".out");

if (!args.includes("--no-package")) await buildPackage();
const contenders = readdirSync(path.join(here, "contenders"))
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .map((f) => path.join(here, "contenders", f));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await bundle({ entries: [path.join(here, "harness.ts"), path.join(here, "lib", "data.ts"), ...contenders], base: here, out });
console.log(`bench/peers/build.mjs: harness and ${contenders.length} contender modules → ${path.relative(here, out)}/`);
