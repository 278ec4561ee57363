// `arbor animate` and `npm run animate`: the page is written from the tour, self-contained (no
// URL it would fetch), with the trace embedded safely; usage errors are exit code 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main, type CliIO } from "../../src/cli/main.js";
import { animationHtml, SessionTrace, type SessionTraceJSON } from "../../src/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function io(): CliIO & { output: string; errors: string } {
  const r = {
    output: "",
    errors: "",
    isTTY: false,
    out(t: string) {
      r.output += t;
    },
    err(t: string) {
      r.errors += t;
    },
  };
  return r;
}

test("arbor animate writes one self-contained page and the trace as JSON", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-animate-"));
  try {
    const out = io();
    const html = join(dir, "tour.html");
    const json = join(dir, "tour.json");
    const code = await main(["animate", join(ROOT, "examples/session-tour.ts"), "-o", html, "--json", json], out);
    assert.equal(code, 0, out.errors);
    assert.match(out.output, /^Wrote .*tour\.html: \d+ steps, \d+ statements, 9 objects\.\n$/);
    const page = readFileSync(html, "utf8");
    assert.match(page, /^<!doctype html>/);
    // Nothing is fetched: no src/href to a URL, no import, no fetch.
    assert.doesNotMatch(page, /\b(?:src|href)=["']?(?:https?:|\/\/)/i);
    assert.doesNotMatch(page, /\bfetch\(|\bimport\(|XMLHttpRequest/);
    assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
    const trace = JSON.parse(readFileSync(json, "utf8")) as SessionTraceJSON;
    assert.equal(trace.format, "arbor-session-trace");
    assert.ok(trace.steps.length > 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the trace is embedded so that no value can close the script element", () => {
  const t = new SessionTrace().toJSON();
  const evil = { ...t, sources: { "x.ts": ["</script><script>alert(1)</script>", "<!--", "\u2028"] } };
  const page = animationHtml(evil, { title: "<b>title</b>" });
  assert.equal(page.match(/<\/script>/g)?.length, 2, "only the page's own two script elements close");
  assert.doesNotMatch(page, /<b>title/);
  const json = page.slice(page.indexOf('id="arbor-trace">') + 'id="arbor-trace">'.length, page.indexOf("</script>"));
  assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(evil)));
});

test("arbor animate: usage errors exit with 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-animate-"));
  try {
    const noDefault = join(dir, "none.mjs");
    writeFileSync(noDefault, "export const x = 1;\n");
    for (const [args, message] of [
      [["animate"], /missing <script>/],
      [["animate", "a.ts", "b.ts"], /one script, not 2/],
      [["animate", noDefault], /has no default export taking a SessionTrace/],
      [["animate", join(dir, "missing.ts")], /cannot import/],
    ] as const) {
      const out = io();
      assert.equal(await main([...args], out), 2, out.errors);
      assert.match(out.errors, message);
    }
    const help = io();
    assert.equal(await main(["animate", "--help"], help), 0);
    assert.match(help.output, /Usage: arbor animate <script>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("npm run animate writes session-tour.html from the tour", { timeout: 120_000 }, () => {
  const target = join(ROOT, "session-tour.html");
  rmSync(target, { force: true });
  const r = spawnSync("npm", ["run", "--silent", "animate"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(existsSync(target));
  assert.match(readFileSync(target, "utf8"), /<title>Arbor Session: the tour<\/title>/);
});
