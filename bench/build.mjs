// Builds the benchmarks to run on the built package with plain `node`, so the library code they time
// is exactly what ships: `npm run build` (src/ → dist/), then every bench/*.ts is bundled with the
// bench and test support files it imports into bench/.out/<name>.mjs, every import of src/ rewritten
// to the matching dist/ file and left external, packages left external. No keepNames: tsx's transform
// wraps named closures in __name() calls, which changes what V8 optimises.
//
//   node bench/build.mjs [--no-package] [--out <dir>]
//
// --no-package: skip `npm run build` (dist/ already current). --out: another output folder (the
// dist/ paths are written relative to it).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const src = path.join(root, "src") + path.sep;
const args = process.argv.slice(2);
const at = args.indexOf("--out");
const out = at >= 0 ? path.resolve(args[at + 1]) : path.join(bench, ".out");

if (!args.includes("--no-package")) {
  const run = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

// src/<file>.ts → <root>/dist/<file>.js, as a path relative to the output folder.
const toDist = {
  name: "src-to-dist",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) => {
      const file = path.resolve(a.resolveDir, a.path);
      if (!file.startsWith(src)) return undefined;
      const dist = path.join(root, "dist", file.slice(src.length)).replace(/\.ts$/, ".js");
      return { path: path.relative(out, dist).split(path.sep).join("/"), external: true };
    });
    // A bundled file's import.meta.url would name the output; keep the source's, so the relative
    // URLs support files resolve (scripts/, ../shared data) point where they did.
    b.onLoad({ filter: /\.ts$/ }, (a) => ({
      contents: readFileSync(a.path, "utf8").replaceAll("import.meta.url", JSON.stringify(pathToFileURL(a.path).href)),
      loader: "ts",
    }));
  },
};

const entries = readdirSync(bench)
  .filter((f) => f.endsWith(".ts") && f !== "support.ts")
  .map((f) => path.join(bench, f));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: entries,
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  keepNames: false,
  logLevel: "warning",
  plugins: [toDist],
});
console.log(`bench/build.mjs: ${entries.length} benchmarks → ${path.relative(root, out) || "."}/`);
