// The `arbor` command line. `main` takes its arguments and output streams, returns the exit code
// (0 done, 1 failed, 2 bad usage, 130 interrupted) and never calls process.exit itself.
import { parseArgs } from "node:util";
import { ArborError } from "../errors.js";
import { countMoves, groupsToRebalance, rebalance, RebalanceError, type Move, type RebalanceReport } from "../shard/rebalance.js";
import { ANIMATE_USAGE, runAnimate } from "./animate.js";
import { loadSchema, openShardSets, readShardConfig, UsageError } from "./config.js";
import { formatSeconds, ProgressBar } from "./progress.js";
import { MIGRATE_USAGE, runMigrate } from "./migrate.js";
import { REFLECT_USAGE, runReflect } from "./reflect.js";

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether the progress stream (stderr) is a terminal. */
  readonly isTTY: boolean;
  readonly columns?: number;
  /** Aborted on the first Ctrl-C: the command stops after the group being moved. */
  readonly signal?: AbortSignal;
}

export const USAGE = `Usage: arbor <command> [options]

Commands:
  rebalance   Move table groups to the shards a new ring places them on
  migrate     Generate and run schema migrations (arbor migrate --help)
  animate     Replay a recorded Session as an HTML page
  reflect     Print TypeScript table definitions (and Models) for a live database
  help        Show this help (also: --help, <command> --help)

Run with:  npx arbor <command> …
`;

export const REBALANCE_USAGE = `Usage: arbor rebalance --schema <module> --from <shards> --to <shards> [options]

Moves every group whose root key the --to ring places on another shard than the one holding it, in
batches: the batch's root rows are locked on the old shard, the groups copied in one transaction,
verified by checksum on both shards, then deleted from the old shard. Applications may keep
writing through a ShardSet naming the previous ring (docs/sharding.md). An interrupted run resumes
when rerun with the same arguments; only one run at a time is allowed.

Options:
  --schema <module>    Module exporting the MetaData (as "metadata" or default); .ts works under tsx
  --from <shards>      The shard set now: JSON or a JSON file (see below)
  --to <shards>        The shard set wanted
  --group <table>      Only the group with this root table (default: every group)
  --dry-run            Print the plan (moves per from → to pair) and change nothing
  --batch-size <n>     Rows per INSERT when copying (default 500)
  --groups-per-batch <n>  Groups moved per batch (default 500)
  --throttle <n>       At most n groups per second (default: no limit)
  -h, --help           Show this help

Shard sets:
  { "ring": { "mode": "md5", "replicas": 100 },
    "shards": { "a": "postgres://user@host/db", "b": "sqlite:/var/db/b.db",
                "c": { "url": "mariadb://root@host/db", "weight": 2,
                       "connectTimeout": 5000, "statementTimeout": 60000 } } }
  ring.mode is md5 (default), ketama or fast. A shard name in both sets must keep its URL.
  connectTimeout and statementTimeout are milliseconds (statementTimeout: PostgreSQL, MariaDB).
  Every shard in --to needs the schema's tables.

Exit codes: 0 done, 1 failed (rerun to resume), 2 bad usage, 130 interrupted.
`;

function planLines(plan: readonly Move[], indent = "  "): string[] {
  const byGroup = new Map<string, Move[]>();
  for (const m of plan) byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m]);
  const lines: string[] = [];
  for (const [group, moves] of byGroup) {
    lines.push(`${indent}${group}: ${moves.length} ${moves.length === 1 ? "group" : "groups"}`);
    const counts = countMoves(moves);
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    for (const [pair, n] of counts) lines.push(`${indent}  ${pair.padEnd(width)}  ${n}`);
  }
  return lines;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

async function runRebalance(args: readonly string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        schema: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        group: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        "batch-size": { type: "string" },
        "groups-per-batch": { type: "string" },
        throttle: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    io.out(REBALANCE_USAGE);
    return 0;
  }
  const missing = (["schema", "from", "to"] as const).filter((k) => values[k] === undefined).map((k) => `--${k}`);
  if (missing.length) throw new UsageError(`missing ${missing.join(", ")}`);
  const positive = (name: "batch-size" | "groups-per-batch" | "throttle"): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
    return n;
  };
  const batchSize = positive("batch-size");
  const groupsPerBatch = positive("groups-per-batch");
  const throttle = positive("throttle");
  const metadata = await loadSchema(values.schema!);
  const fromConfig = await readShardConfig(values.from!, "--from");
  const toConfig = await readShardConfig(values.to!, "--to");
  const sets = openShardSets(metadata, fromConfig, toConfig);
  try {
    let groups;
    try {
      groups = groupsToRebalance(sets.from, values.group);
    } catch (err) {
      throw new UsageError(`--group: ${(err as Error).message}`);
    }
    if (groups.length === 0) throw new UsageError("--schema: the schema has no table groups, so nothing is placed by root key");
    const started = Date.now();
    const names = (s: typeof sets.from) => [...s.ring.names()].join(", ");
    io.out(`Rebalancing ${groups.map((g) => g.name).join(", ")}: shards ${names(sets.from)} → ${names(sets.to)}${values["dry-run"] ? " (dry run)" : ""}\n`);

    if (values["dry-run"]) {
      const report = await rebalance(sets.from, sets.to, { group: values.group, dryRun: true });
      io.out(`Scanned ${plural(report.scanned, "group")}; ${plural(report.plan.length, "group")} would move${report.plan.length ? ":" : "."}\n`);
      for (const line of planLines(report.plan)) io.out(`${line}\n`);
      io.out("Dry run: nothing was changed.\n");
      return 0;
    }

    const bar = new ProgressBar({ write: (t) => io.err(t), isTTY: io.isTTY, columns: io.columns });
    let report: RebalanceReport;
    try {
      report = await rebalance(sets.from, sets.to, {
        group: values.group,
        batchSize,
        groupsPerBatch,
        throttle,
        signal: io.signal,
        onProgress: (p) => {
          if (p.phase === "planned") {
            io.out(`Scanned ${plural(p.scanned ?? 0, "group")}; ${plural(p.total, "group")} to move${p.total ? ":" : "."}\n`);
            for (const line of planLines(p.plan ?? [])) io.out(`${line}\n`);
          }
          bar.update(p);
        },
      });
    } finally {
      bar.finish();
    }
    const took = formatSeconds(Date.now() - started);
    const detail = `${report.alreadyCopied} already copied by an earlier run, ${report.skipped} skipped`;
    if (report.aborted) {
      io.out(
        `Interrupted after ${plural(report.moved, "group")} moved (${detail}) in ${took}; ${report.plan.length - report.moved - report.skipped} left. Rerun the same command to finish.\n`,
      );
      return 130;
    }
    if (report.plan.length === 0) io.out(`Nothing to move: every group is on its shard (${report.scanned} scanned in ${took}).\n`);
    else io.out(`Moved ${plural(report.moved, "group")} (${detail}) of ${report.scanned} scanned in ${took}. Every group is on its shard.\n`);
    return 0;
  } finally {
    await sets.dispose();
  }
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.err(USAGE);
        return 2;
      case "help":
      case "--help":
      case "-h":
        if (rest[0] === "rebalance") io.out(REBALANCE_USAGE);
        else if (rest[0] === "migrate") io.out(MIGRATE_USAGE);
        else if (rest[0] === "animate") io.out(ANIMATE_USAGE);
        else if (rest[0] === "reflect") io.out(REFLECT_USAGE);
        else io.out(USAGE);
        return 0;
      case "rebalance":
        return await runRebalance(rest, io);
      case "migrate":
        return await runMigrate(rest, io);
      case "animate":
        return await runAnimate(rest, io);
      case "reflect":
        return await runReflect(rest, io);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`arbor${command && command.startsWith("-") ? "" : command ? ` ${command}` : ""}: ${err.message}\nRun with --help for usage.\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.err(`arbor ${command}: error: ${message}\n`);
    if (err instanceof RebalanceError)
      io.err("Nothing was lost: the group is whole on its source shard. Fix the cause and rerun the same command to resume.\n");
    else if (!(err instanceof ArborError) && err instanceof Error && err.stack && process.env.ARBOR_DEBUG) io.err(`${err.stack}\n`);
    return 1;
  }
}
