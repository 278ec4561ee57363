// Differential fuzzing: random well-typed statements built through Arbor's API run on every engine
// and are compared with each other's and with an independent oracle's rows. `npm test` runs a
// bounded slice on a fixed seed, so that a change is judged on the same statements every time;
// `npm run fuzz` runs more on a fresh seed (FUZZ_COUNT, FUZZ_SEED). The seed is always printed;
// FUZZ_ONLY=<n> replays statement n of the seed alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzz } from "./runner.js";
import { KNOWN_OPEN } from "./known-open.js";

const count = Number(process.env.FUZZ_COUNT ?? 2000);
const SUITE_SEED = 20261205;
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : SUITE_SEED;
const only = process.env.FUZZ_ONLY !== undefined ? Number(process.env.FUZZ_ONLY) : undefined;

const what = only === undefined ? `${count} random statements agree` : `statement ${only} agrees`;
test(`issue 20 oracle: ${what} on every engine and with the oracle (FUZZ_SEED=${seed})`, { timeout: 3_600_000 }, async () => {
  console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_COUNT=${count}; shapes kept out while open: ${KNOWN_OPEN.map((k) => k.item).join(", ") || "none"}`);
  const report = await runFuzz({
    count,
    seed,
    maxFailures: Number(process.env.FUZZ_MAX_FAILURES ?? 3),
    shrink: process.env.FUZZ_SHRINK !== "0",
    log: (l) => console.log(`fuzz: ${l}`),
    only,
  });
  console.log(`fuzz: ${report.statements} statements in ${(report.ms / 1000).toFixed(1)} s, refusals ${JSON.stringify(report.refusals)}`);
  assert.equal(report.failures.length, 0, `FUZZ_SEED=${seed}\n\n${report.failures.join("\n\n")}`);
});
