// The `arbor rebalance` command: help, usage errors, a dry run that changes nothing, a real run with
// progress output, and a run killed with SIGKILL then rerun to completion. Shards: two PostgreSQL
// databases, a SQLite file and MariaDB; the schema is test/shard/rebalance-fixture.ts.
import { TEST_PREFIX } from "../support/prefix.js";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine } from "../../src/index.js";
import { main, type CliIO } from "../../src/cli/main.js";
import { ProgressBar } from "../../src/cli/progress.js";
import { countMoves, planRebalance } from "../../src/shard/rebalance.js";
import type { ShardSet } from "../../src/shard/shards.js";
import {
  dropShards,
  generate,
  group,
  loadThroughRouting,
  placementProblems,
  prepareShards,
  shardSet,
  snapshot,
  truthOf,
  type RingSpec,
} from "./rebalance-fixture.js";

const NS = `${TEST_PREFIX}cli`;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "src/cli/index.ts");
const SCHEMA = fileURLToPath(new URL("./rebalance-fixture.ts", import.meta.url));
const RING: RingSpec = { mode: "ketama", replicas: 160 };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a process; `killWhen` sees stdout and stderr so far and may ask for a SIGKILL. */
function runCli(args: string[], killWhen?: (stdout: string, stderr: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    const check = () => {
      if (killWhen && !killed && killWhen(stdout, stderr)) {
        killed = true;
        child.kill("SIGKILL");
      }
    };
    child.stdout.setEncoding("utf8").on("data", (c: string) => ((stdout += c), check()));
    child.stderr.setEncoding("utf8").on("data", (c: string) => ((stderr += c), check()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `main` in this process, capturing what it writes. */
async function runMain(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

describe("arbor CLI: usage", () => {
  test("--help prints the commands; rebalance --help its options (a real process, exit code 0)", async () => {
    const [top, sub] = await Promise.all([runCli(["--help"]), runCli(["rebalance", "--help"])]);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /^Usage: arbor <command>/);
    assert.match(top.stdout, /rebalance +Move table groups/);
    assert.equal(sub.code, 0, sub.stderr);
    for (const opt of ["--schema <module>", "--from <shards>", "--to <shards>", "--group <table>", "--dry-run", "--batch-size <n>"])
      assert.ok(sub.stdout.includes(opt), opt);
    assert.match(sub.stdout, /"ring": \{ "mode": "md5", "replicas": 100 \}/);
    assert.equal((await runMain(["help", "rebalance"])).out, sub.stdout);
  });

  test("bad usage exits with 2 and says what is wrong", async () => {
    const shards = JSON.stringify({ shards: { a: "sqlite::memory:" } });
    const cases: [string[], RegExp][] = [
      [[], /^Usage: arbor/],
      [["frobnicate"], /^arbor frobnicate: unknown command "frobnicate"\nRun with --help for usage\.\n$/],
      [["rebalance", "--schema", SCHEMA, "--from", shards], /^arbor rebalance: missing --to\n/],
      [["rebalance", "--schema", SCHEMA, "--from", shards, "--to", shards, "--bogus"], /Unknown option '--bogus'/],
      [["rebalance", "--schema", SCHEMA, "--from", "{nope", "--to", shards], /--from: not valid JSON/],
      [
        ["rebalance", "--schema", SCHEMA, "--from", "/no/such/file.json", "--to", shards],
        /--from: "\/no\/such\/file\.json" is neither JSON nor a readable file \(ENOENT\)/,
      ],
      [["rebalance", "--schema", SCHEMA, "--from", JSON.stringify({ shards: {} }), "--to", shards], /--from: "shards" must be a non-empty object/],
      [
        ["rebalance", "--schema", SCHEMA, "--from", JSON.stringify({ ring: { mode: "sha1" }, shards: { a: "sqlite::memory:" } }), "--to", shards],
        /--from: ring mode must be "md5", "ketama" or "fast", got "sha1"/,
      ],
      [
        ["rebalance", "--schema", SCHEMA, "--from", shards, "--to", JSON.stringify({ shards: { a: "sqlite:/tmp/other.db" } })],
        /--to: shard "a" has URL sqlite:\/tmp\/other\.db but sqlite::memory: in --from/,
      ],
      [["rebalance", "--schema", SCHEMA, "--from", shards, "--to", JSON.stringify({ shards: { a: "redis://x" } })], /--to: shard "a" has URL/],
      [
        ["rebalance", "--schema", SCHEMA, "--from", JSON.stringify({ shards: { z: "redis://x" } }), "--to", JSON.stringify({ shards: { z: "redis://x" } })],
        /shard "z": No dialect for redis:\/\/ URLs/,
      ],
      [
        ["rebalance", "--schema", SCHEMA, "--from", shards, "--to", shards, "--group", "item"],
        /--group: No table group with root table "item" \(groups: customer\)/,
      ],
      [["rebalance", "--schema", "/no/such/schema.ts", "--from", shards, "--to", shards], /--schema: cannot import "\/no\/such\/schema\.ts"/],
      [["rebalance", "--schema", SCHEMA, "--from", shards, "--to", shards, "--batch-size", "0"], /--batch-size must be a positive integer, got "0"/],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, message, args.join(" "));
      assert.equal(r.out, "", args.join(" "));
    }
  });

  test("a failure exits with 1 and a clear message naming the shard", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arbor-cli-empty-"));
    try {
      const unopenable = JSON.stringify({ shards: { a: "sqlite:/no/such/dir/a.db" } });
      const r = await runMain(["rebalance", "--schema", SCHEMA, "--from", unopenable, "--to", unopenable, "--dry-run"]);
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        'arbor rebalance: error: Cannot read the root keys of customer on shard a: Could not open the SQLite database "/no/such/dir/a.db": Cannot open database because the directory does not exist\n',
      );
      // A new shard without the schema's tables.
      const empty = JSON.stringify({ shards: { a: `sqlite:${join(dir, "a.db")}` } });
      const e = await runMain(["rebalance", "--schema", SCHEMA, "--from", empty, "--to", empty]);
      assert.equal(e.code, 1);
      assert.equal(
        e.err,
        "arbor rebalance: error: Cannot read the root keys of customer on shard a: no such table: customer (every shard needs the schema's tables)\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("on a terminal the progress bar redraws one line; elsewhere it prints a line per 10%", () => {
    let tty = "";
    let clock = 0;
    const bar = new ProgressBar({ write: (t) => void (tty += t), isTTY: true, columns: 100 }, () => (clock += 100));
    const p = (done: number) => ({ phase: "move" as const, done, total: 4, moved: done, alreadyCopied: done > 2 ? 1 : 0, skipped: 0 });
    for (let i = 0; i <= 4; i++) bar.update(p(i));
    bar.finish();
    assert.equal(tty.split("\n").length, 2, "one line, then the newline of finish()");
    assert.ok(tty.startsWith("\r\x1b[2K[----------"), JSON.stringify(tty));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar's terminal escapes are what is checked
    assert.match(tty, /\r\x1b\[2K\[#{10,}\] 4\/4 \(100%\) moved 4 \(1 already copied\), skipped 0, \d+\.\d s\n$/);

    let log = "";
    const lines = new ProgressBar({ write: (t) => void (log += t), isTTY: false }, () => 0);
    for (let i = 0; i <= 40; i++) lines.update({ phase: "move", done: i, total: 40, moved: i, alreadyCopied: 0, skipped: 0 });
    lines.finish();
    const printed = log.trimEnd().split("\n");
    assert.equal(printed.length, 11, log);
    assert.equal(printed[10], "progress 40/40 (100%): moved 40 (0 already copied), skipped 0, 0.0 s");
  });
});

describe("arbor rebalance on PostgreSQL, SQLite and MariaDB shards", () => {
  let urls: Record<string, string> = {};
  let engines: Record<string, Engine> = {};
  const data = generate(4242, 90);
  const truth = truthOf(data);
  let current: ShardSet;
  const set = (...names: string[]) => shardSet(engines, names, RING);
  const dir = mkdtempSync(join(tmpdir(), "arbor-cli-config-"));
  /** A --from/--to argument: inline JSON, or a file when `file` is given. */
  const config = (names: string[], file?: string): string => {
    const json = JSON.stringify({ ring: RING, shards: Object.fromEntries(names.map((n) => [n, urls[n]])) });
    if (!file) return json;
    const path = join(dir, `${file}.json`);
    writeFileSync(path, json);
    return path;
  };

  before(async () => {
    urls = await prepareShards(NS, { a: "postgres", b: "postgres", s: "sqlite", m: "mariadb" });
    engines = Object.fromEntries(Object.entries(urls).map(([n, u]) => [n, createEngine(u)]));
    current = set("a", "s");
    await loadThroughRouting(current, data);
    assert.deepEqual(placementProblems(await snapshot(engines), truth, current), []);
  });
  after(async () => {
    await Promise.all(Object.values(engines).map((e) => e.dispose()));
    await dropShards(NS, urls);
    rmSync(dir, { recursive: true, force: true });
  });

  test("--dry-run prints the moves per shard pair and changes nothing (a config file for --from)", async () => {
    const next = set("a", "s", "b", "m");
    const moves = await planRebalance(current, next, group);
    const before = await snapshot(engines);
    const r = await runMain(["rebalance", "--schema", SCHEMA, "--from", config(["a", "s"], "from"), "--to", config(["a", "s", "b", "m"]), "--dry-run"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "");
    const stdout = r.out;
    const pairs = [...countMoves(moves)].map(([pair, n]) => new RegExp(`^    ${pair} +${n}$`, "m"));
    assert.match(stdout, /^Rebalancing customer: shards a, s → a, s, b, m \(dry run\)$/m);
    assert.match(stdout, new RegExp(`^Scanned ${data.length} groups; ${moves.length} groups would move:$`, "m"));
    assert.match(stdout, new RegExp(`^  customer: ${moves.length} groups$`, "m"));
    for (const p of pairs) assert.match(stdout, p);
    assert.match(stdout, /Dry run: nothing was changed\.\n$/);
    assert.deepEqual(await snapshot(engines), before);
  });

  test("a real run prints the plan, progress lines and a summary, and places every group", async () => {
    const next = set("a", "s", "b", "m");
    const moves = await planRebalance(current, next, group);
    const r = await runCli(["rebalance", "--schema", SCHEMA, "--from", config(["a", "s"]), "--to", config(["a", "s", "b", "m"], "to"), "--batch-size", "2"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Scanned ${data.length} groups; ${moves.length} groups to move:$`, "m"));
    assert.match(
      r.stdout,
      new RegExp(
        `^Moved ${moves.length} groups \\(0 already copied by an earlier run, 0 skipped\\) of ${data.length} scanned in \\d+\\.\\d s\\. Every group is on its shard\\.\\n$`,
        "m",
      ),
    );
    // Not a terminal: a line per 10%, ending at 100%.
    const progress = r.stderr.trimEnd().split("\n");
    assert.ok(progress.length >= 5, r.stderr);
    for (const line of progress) assert.match(line, /^progress \d+\/\d+ \(\d+%\): moved \d+ \(\d+ already copied\), skipped \d+, \d+\.\d s$/);
    assert.match(progress[progress.length - 1], new RegExp(`^progress ${moves.length}/${moves.length} \\(100%\\)`));
    assert.deepEqual(placementProblems(await snapshot(engines), truth, next), []);
    current = next;

    const again = await runMain(["rebalance", "--schema", SCHEMA, "--from", config(["a", "s"]), "--to", config(["a", "s", "b", "m"])]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /Scanned 90 groups; 0 groups to move\./);
    assert.match(again.out, /^Nothing to move: every group is on its shard \(90 scanned in \d+\.\d s\)\.$/m);
  });

  test("a run stopped by Ctrl-C, then one killed with SIGKILL, are finished by running the same command again", async () => {
    const next = set("b", "m", "s"); // a leaves
    const moves = await planRebalance(current, next, group);
    assert.ok(moves.length > 10, `${moves.length} moves`);
    const args = ["rebalance", "--schema", SCHEMA, "--from", config(["a", "s", "b", "m"]), "--to", config(["b", "m", "s"]), "--groups-per-batch", "1"];
    const interrupted = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        if (!/^progress [1-9]/m.test(stderr) && /^progress [1-9]/m.test(stderr + c)) child.kill("SIGINT");
        stderr += c;
      });
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.match(interrupted.stderr, /Stopping after the batch being moved/);
    const stopped =
      /^Interrupted after (\d+) groups? moved \(0 already copied by an earlier run, 0 skipped\) in \d+\.\d s; (\d+) left\. Rerun the same command to finish\.$/m.exec(
        interrupted.stdout,
      );
    assert.ok(stopped, interrupted.stdout);
    assert.equal(Number(stopped[1]) + Number(stopped[2]), moves.length);
    assert.ok(Number(stopped[2]) > 0);
    assert.equal(placementProblems(await snapshot(engines), truth, next).length, Number(stopped[2]), "only the groups left are not yet on their new shards");

    const killed = await runCli(args, (_out, err) => /^progress [1-9]\d*\//m.test(err));
    assert.equal(killed.signal, "SIGKILL", killed.stderr);
    assert.doesNotMatch(killed.stdout, /Every group is on its shard/);
    // Nothing lost or half-copied in between.
    const mid = await snapshot(engines);
    for (const [k, { sum }] of truth) {
      assert.ok(mid.get(k)?.size, `group ${k} lost`);
      for (const s of mid.get(k)!.values()) assert.equal(s.checksum, sum.checksum);
    }
    const rerun = await runMain(args);
    assert.equal(rerun.code, 0, rerun.err);
    const left = Number(/^Scanned 90 groups; (\d+) groups? to move/m.exec(rerun.out)?.[1]);
    assert.ok(left > 0 && left < Number(stopped[2]), rerun.out);
    assert.match(rerun.out, /Every group is on its shard\./);
    assert.deepEqual(placementProblems(await snapshot(engines), truth, next), []);
    current = next;
  });
});
