// The benchmarks time the package as it ships: bench/build.mjs bundles bench/*.ts for plain `node`
// with every library import pointing at dist/ (never src/), and without esbuild's keepNames
// __name() wrappers, which tsx adds to every named closure and which change what V8 optimises.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("bench build imports library code from dist/ only, without __name() wrappers", () => {
  const out = mkdtempSync(join(tmpdir(), "arbor-bench-build-"));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, "bench/build.mjs"), "--no-package", "--out", out], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const built = readdirSync(out).filter((f) => f.endsWith(".mjs"));
    assert.ok(built.includes("core.mjs") && built.includes("run.mjs"), built.join(", "));
    let library = 0;
    for (const f of built) {
      const code = readFileSync(join(out, f), "utf8");
      assert.ok(!code.includes("__name("), `${f} holds __name(`);
      for (const [, spec] of code.matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)) {
        const target = resolve(out, spec);
        assert.ok(target.startsWith(join(ROOT, "dist") + "/"), `${f} imports ${spec} (${target}), outside dist/`);
        assert.match(spec, /\.js$/, `${f} imports ${spec}`);
        library++;
      }
      assert.ok(!/["/]src\//.test(code.replace(/file:\/\/[^"]*/g, "")), `${f} names src/`);
    }
    assert.ok(library >= built.length - 2, `only ${library} imports of dist/`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
