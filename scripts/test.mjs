// Runs every test file under test/ with node's test runner (TypeScript through tsx),
// then prints the totals as one closing line: "N passed, N failed".
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function find(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = find("test");
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));

const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...files],
  { stdio: ["ignore", "pipe", "inherit"] },
);
let out = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on("close", (code) => {
  // The totals come once, but failing and todo tests are listed after them: take the last match.
  const count = (label) => {
    const all = [...out.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, "gm"))];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  const passed = count("pass");
  // A file that fails before its tests run (an error while defining suites) counts nothing above.
  const counted = count("fail") + count("cancelled");
  const failed = counted === 0 && code !== 0 ? 1 : counted;
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
