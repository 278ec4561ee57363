// Differential fuzzing: random well-typed statements built through Arbor's API run on every engine
// and are compared with each other's and with an independent oracle's rows. `npm test` runs a
// bounded slice; `npm run fuzz` runs more (FUZZ_COUNT, FUZZ_SEED). The seed is always printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzz } from "./runner.js";
import { KNOWN_OPEN } from "./known-open.js";

const count = Number(process.env.FUZZ_COUNT ?? 2000);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;

test(`issue 20 oracle: ${count} random statements agree on every engine and with the oracle (FUZZ_SEED=${seed})`, { timeout: 3_600_000 }, async () => {
  console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_COUNT=${count}; shapes kept out while open: ${KNOWN_OPEN.map((k) => k.item).join(", ") || "none"}`);
  const report = await runFuzz({
    count,
    seed,
    maxFailures: Number(process.env.FUZZ_MAX_FAILURES ?? 3),
    shrink: process.env.FUZZ_SHRINK !== "0",
    log: (l) => console.log(`fuzz: ${l}`),
  });
  console.log(`fuzz: ${report.statements} statements in ${(report.ms / 1000).toFixed(1)} s, refusals ${JSON.stringify(report.refusals)}`);
  assert.equal(report.failures.length, 0, `FUZZ_SEED=${seed}\n\n${report.failures.join("\n\n")}`);
});
