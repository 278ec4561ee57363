// `npm run fuzz`: the differential fuzz test with more statements (FUZZ_COUNT, default 10000) on a
// fresh seed unless FUZZ_SEED is given.
import { spawn } from "node:child_process";

const fresh = String((Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0);
const env = { ...process.env, FUZZ_COUNT: process.env.FUZZ_COUNT ?? "10000", FUZZ_SEED: process.env.FUZZ_SEED ?? fresh };
const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", "test/fuzz/fuzz.test.ts"], { stdio: "inherit", env });
child.on("close", (code) => process.exit(code ?? 1));
