// The benchmarks time the package as it ships: bench/build.mjs and bench/peers/build.mjs bundle the
// benchmarks for plain `node` with every library import pointing at dist/ (never src/), and without
// esbuild's keepNames __name() wrappers, which tsx adds to every named closure and which change what
// V8 optimises.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every .mjs file under `dir`, as a path. */
function built(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? built(join(dir, e.name)) : e.name.endsWith(".mjs") ? [join(dir, e.name)] : [],
  );
}

/** Builds with `script` into a temporary folder; returns how many imports of dist/ the output holds. */
function check(script: string, expect: string[]): number {
  const out = mkdtempSync(join(tmpdir(), "arbor-bench-build-"));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, script), "--no-package", "--out", out], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const files = built(out);
    for (const name of expect) assert.ok(files.includes(join(out, name)), `${script} did not write ${name}: ${files.join(", ")}`);
    let library = 0;
    for (const f of files) {
      const code = readFileSync(f, "utf8");
      assert.ok(!code.includes("__name("), `${f} holds __name(`);
      for (const [, spec] of code.matchAll(/(?:from|import\()\s*"(\.[^"]+|\/[^"]+|file:[^"]+)"/g)) {
        const target = spec.startsWith("file:") ? fileURLToPath(spec) : resolve(dirname(f), spec);
        // A module the build could not find (a client not generated yet) stays outside dist/ and src/.
        assert.ok(!target.startsWith(join(ROOT, "src") + "/"), `${f} imports ${spec}, in src/`);
        if (target.startsWith(join(ROOT, "dist") + "/")) library++;
      }
    }
    return library;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test("bench build imports library code from dist/ only, without __name() wrappers", () => {
  assert.ok(check("bench/build.mjs", ["core.mjs", "nested.mjs", "run.mjs"]) >= 10);
});

test("bench/peers build imports Arbor from dist/ only, without __name() wrappers", () => {
  // arbor-core, and the three ORM contenders through _arbor-orm.ts.
  assert.ok(check("bench/peers/build.mjs", ["harness.mjs", "contenders/arbor-core.mjs", "contenders/raw-pg.mjs"]) >= 4);
});
