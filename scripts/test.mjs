// Runs the test files under test/ with node's test runner (TypeScript through tsx), the spec
// reporter on stdout, then prints the totals as one closing line: "N passed, N failed".
//
//   npm test                          every file
//   npm test -- sql orm/flush         files whose path contains one of the words
//   npm test -- --grep "issue 20"     tests whose name matches the pattern (any file)
//   npm run coverage                  the same, with a coverage report (node's built-in)
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function find(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const filters = [];
const runner = [];
const grep = (pattern) => {
  // Suites create their tables in a test named "setup": it runs whatever the pattern.
  if (!runner.some((a) => a.startsWith("--test-name-pattern="))) runner.push("--test-name-pattern=^setup$");
  runner.push(`--test-name-pattern=${pattern}`);
};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--grep" || a === "-g") grep(args[++i]);
  else if (a.startsWith("--grep=")) grep(a.slice("--grep=".length));
  else if (a === "--coverage") runner.push("--experimental-test-coverage");
  else filters.push(a);
}
let files = find("test");
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.log(`no test file matches ${filters.join(", ")}\n\n0 passed, 1 failed`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "arbor-test-"));
const totalsFile = join(dir, "totals.json");
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    ...runner,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=./scripts/count-reporter.mjs",
    `--test-reporter-destination=${totalsFile}`,
    ...files,
  ],
  { stdio: ["ignore", "inherit", "inherit"] },
);
child.on("close", (code) => {
  let totals;
  try {
    totals = JSON.parse(readFileSync(totalsFile, "utf8"));
  } catch {
    totals = { passed: 0, failed: 0, failures: [] };
  }
  rmSync(dir, { recursive: true, force: true });
  // The runner failed without reporting a failed test (it crashed, or was killed): count one.
  const failed = totals.failed === 0 && code !== 0 ? 1 : totals.failed;
  if (totals.failures.length) console.log(`\nfailed:\n  ${totals.failures.join("\n  ")}`);
  console.log(`\n${totals.passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 && totals.passed > 0 ? 0 : 1);
});
