// Bundles TypeScript entry points for plain `node`, against the built package: every import of
// src/ becomes an external import of the matching dist/ file (relative to the output), packages
// stay external, and each file keeps its source's import.meta.url so the relative URLs support
// files resolve (scripts/, ../shared data, generated clients) point where they did. No keepNames:
// tsx's transform wraps named closures in __name() calls, which changes what V8 optimises.
// Used by bench/build.mjs and bench/peers/build.mjs.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, "src") + path.sep;

/** Builds each of `entries` into `out`, at its path relative to `base`, as <name>.mjs. */
export async function bundle({ entries, base, out }) {
  for (const entry of entries) {
    const outdir = path.join(out, path.relative(base, path.dirname(entry)));
    const toDist = {
      name: "src-to-dist",
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (a) => {
          const file = path.resolve(a.resolveDir, a.path);
          if (file.startsWith(src)) {
            const dist = path.join(root, "dist", file.slice(src.length)).replace(/\.ts$/, ".js");
            return { path: path.relative(outdir, dist).split(path.sep).join("/"), external: true };
          }
          // A generated client not generated yet: left for the runtime to report.
          if (!existsSync(file) && !existsSync(file.replace(/\.js$/, ".ts"))) return { path: pathToFileURL(file).href, external: true };
          return undefined;
        });
        b.onLoad({ filter: /\.[cm]?ts$/ }, (a) => ({
          contents: readFileSync(a.path, "utf8").replaceAll("import.meta.url", JSON.stringify(pathToFileURL(a.path).href)),
          loader: "ts",
        }));
      },
    };
    await build({
      entryPoints: [entry],
      outdir,
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
  }
}

/** Runs the package build (scripts/build.mjs: src/ → dist/); exits on failure. */
export async function buildPackage() {
  const { spawnSync } = await import("node:child_process");
  const run = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
