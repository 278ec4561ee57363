#!/usr/bin/env node
// The `arbor` command (the package's bin): `npx arbor rebalance --schema … --from … --to … [--dry-run]`.
// See USAGE in ./main.ts. The first Ctrl-C stops after the group being moved (rerun to finish);
// a second one exits at once, which is safe too: every step is a transaction.
import { main } from "./main.js";

const controller = new AbortController();
let interrupts = 0;
process.on("SIGINT", () => {
  if (++interrupts > 1) process.exit(130);
  controller.abort();
  process.stderr.write("\nStopping after the batch being moved (Ctrl-C again to quit now; a rerun resumes either way)…\n");
});

const code = await main(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
  signal: controller.signal,
});
process.exitCode = code;
