// One long-lived SQLAlchemy process (sa_runner.py) answering batches of scenarios, one JSON line
// each way. A missing Python or SQLAlchemy fails the oracle loudly: it is never skipped.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Outcome, Scenario } from "./ops.js";

const PYTHON = process.env.ARBOR_PYTHON ?? "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./sa_runner.py", import.meta.url));

export class SqlAlchemy {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = "";
  private stderr = "";
  private readonly waiting: { resolve: (v: Outcome[]) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | undefined;

  /** `ddl` makes the schema of every scenario's fresh database, `dump` reads it (model.ts). */
  constructor(
    private readonly ddl: readonly string[],
    private readonly dump: string,
  ) {
    this.proc = spawn(PYTHON, [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout.setEncoding("utf8");
    this.proc.stdout.on("data", (chunk: string) => this.read(chunk));
    this.proc.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    const fail = (why: string) => {
      this.exited = new Error(`The SQLAlchemy oracle (${PYTHON} ${SCRIPT}) ${why}${this.stderr ? `:\n${this.stderr.slice(-2000)}` : ""}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    };
    this.proc.on("error", (e) => fail(`could not start: ${e.message}`));
    this.proc.on("exit", (code) => fail(`exited with code ${code}`));
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const msg = JSON.parse(line) as Outcome[] | { fatal: string };
      const w = this.waiting.shift();
      if (!w) continue;
      if (!Array.isArray(msg)) w.reject(new Error(msg.fatal));
      else w.resolve(msg);
    }
  }

  /** The outcomes of `scenarios`, in order. */
  run(scenarios: readonly Scenario[]): Promise<Outcome[]> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(JSON.stringify({ ddl: this.ddl, dump: this.dump, scenarios }) + "\n");
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}
