// `arbor migrate …`: generate, up, down, status and history over a migrations directory. Where the
// database, the schema module and the directory are comes from a JSON config file, overridden by flags.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createEngine } from "../engine/engine.js";
import { migrate, type Migrator } from "../migrate/migrator.js";
import { describeOperation } from "../migrate/operations.js";
import type { CliIO } from "./main.js";
import { loadSchema, redactUrl, UsageError } from "./config.js";

const COMMON = `Options:
  --config <file>         JSON config (default: arbor.config.json if it exists):
                          { "url": "postgres://…", "schema": "./src/schema.ts",
                            "migrations": "./migrations", "versionTable": "arbor_migrations" }
                          Paths in it are relative to the file.
  --url <url>             Database URL (default: the config's, or ARBOR_DATABASE_URL)
  --dir <dir>             Migrations directory (default: the config's, or ./migrations)
  --version-table <name>  The table recording applied migrations (default arbor_migrations)
  -h, --help              Show this help
`;

export const MIGRATE_USAGE = `Usage: arbor migrate <command> [options]

Commands:
  generate -m <message>   Compare the schema module's MetaData with the database; write a migration
  up [target]             Apply pending migrations (all, or up to and including target)
  down [target]           Revert the last migration (or every one after target; "base": all)
  status                  The current migration, and what is pending
  history                 Every migration, and when it was applied

Run "arbor migrate <command> --help" for a command's options.

${COMMON}`;

const COMMAND_USAGE: Record<string, string> = {
  generate: `Usage: arbor migrate generate -m <message> [--schema <module>] [options]

Reflects the database, compares it with the MetaData the schema module exports ("metadata" or the
default export; .ts works under tsx) and writes the migration that makes the database match it:
<dir>/<number>_<message>.ts with up(op) and down(op). Prints "No changes" when they match. Refused
while migrations are pending (run up first).

  -m, --message <text>    What the migration does (required)
  --schema <module>       The schema module (default: the config's "schema")
  --dry-run               Print the migration instead of writing it
${COMMON}`,
  up: `Usage: arbor migrate up [target] [--sql] [options]

Applies the pending migrations in order, each in its own transaction on PostgreSQL and SQLite (on
MariaDB each DDL statement commits: a failure says what stayed applied). target: a migration's id or
number; the default is every pending one.

  --sql                   Print the SQL instead of running it
${COMMON}`,
  down: `Usage: arbor migrate down [target] [--sql] [options]

Reverts the last applied migration, or every one applied after target ("base": all of them).

  --sql                   Print the SQL instead of running it
${COMMON}`,
  status: `Usage: arbor migrate status [options]

Prints the current migration, the pending ones, and applied ones whose file is gone.

${COMMON}`,
  history: `Usage: arbor migrate history [options]

Prints every migration in order, with when it was applied.

${COMMON}`,
};

interface MigrateConfig {
  readonly url?: string;
  readonly schema?: string;
  readonly migrations?: string;
  readonly versionTable?: string;
}

async function readConfig(path: string | undefined): Promise<MigrateConfig> {
  const file = path ?? "arbor.config.json";
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (path === undefined && (err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UsageError(`--config: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config: ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UsageError(`--config: ${file} must hold an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!["url", "schema", "migrations", "versionTable"].includes(k))
      throw new UsageError(`--config: unknown key ${JSON.stringify(k)} in ${file} (expected url, schema, migrations, versionTable)`);
    if (typeof v !== "string") throw new UsageError(`--config: ${k} in ${file} must be a string`);
    // Paths are relative to the config file, wherever the command runs.
    out[k] = k === "schema" || k === "migrations" ? resolve(dirname(file), v) : v;
  }
  return out;
}

export async function runMigrate(args: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out(MIGRATE_USAGE);
    return 0;
  }
  const usage = COMMAND_USAGE[command];
  if (usage === undefined) throw new UsageError(`unknown migrate command ${JSON.stringify(command)} (generate, up, down, status, history)`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: {
        config: { type: "string" },
        url: { type: "string" },
        dir: { type: "string" },
        "version-table": { type: "string" },
        schema: { type: "string" },
        message: { type: "string", short: "m" },
        sql: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const allowed: Record<string, readonly string[]> = {
    generate: ["message", "schema", "dry-run"],
    up: ["sql"],
    down: ["sql"],
    status: [],
    history: [],
  };
  for (const k of ["message", "schema", "sql", "dry-run"] as const)
    if (values[k] !== undefined && values[k] !== false && !allowed[command].includes(k)) throw new UsageError(`--${k} is not an option of migrate ${command}`);
  if (positionals.length > (command === "up" || command === "down" ? 1 : 0))
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[positionals.length - 1])}`);
  const config = await readConfig(values.config);
  const url = values.url ?? config.url ?? process.env.ARBOR_DATABASE_URL;
  if (url === undefined) throw new UsageError('no database: give --url, a config file with "url", or ARBOR_DATABASE_URL');
  const dir = values.dir ?? config.migrations ?? "migrations";
  let engine;
  try {
    engine = createEngine(url);
  } catch (err) {
    throw new UsageError(`--url ${redactUrl(url)}: ${(err as Error).message}`);
  }
  try {
    const m = migrate(engine, { dir, versionTable: values["version-table"] ?? config.versionTable });
    return await dispatch(command, m, { ...values, target: positionals[0], schemaPath: values.schema ?? config.schema }, io);
  } finally {
    await engine.dispose();
  }
}

interface Parsed {
  readonly message?: string;
  readonly schemaPath?: string;
  readonly sql?: boolean;
  readonly "dry-run"?: boolean;
  readonly target?: string;
}

async function dispatch(command: string, m: Migrator, p: Parsed, io: CliIO): Promise<number> {
  switch (command) {
    case "generate": {
      if (p.message === undefined || p.message.trim() === "") throw new UsageError("missing -m <message>");
      if (p.schemaPath === undefined) throw new UsageError('missing --schema (or "schema" in the config file)');
      const metadata = await loadSchema(p.schemaPath);
      const g = await m.generate(metadata, p.message, { dryRun: p["dry-run"] === true });
      if (g.up.length === 0) {
        io.out("No changes: the database matches the schema.\n");
        for (const h of g.hints) io.err(`Note: ${h}\n`);
        return 0;
      }
      if (p["dry-run"]) io.out(g.source!);
      else io.out(`Wrote ${g.path} (${g.up.length} ${g.up.length === 1 ? "operation" : "operations"}):\n`);
      if (!p["dry-run"]) for (const op of g.up) io.out(`  ${describeOperation(op)}\n`);
      for (const h of g.hints) io.err(`Note: ${h}\n`);
      return 0;
    }
    case "up":
    case "down": {
      if (p.sql) {
        io.out(await m.sql(command, p.target));
        return 0;
      }
      const done = command === "up" ? await m.up(p.target) : await m.down(p.target);
      if (done.length === 0) io.out(command === "up" ? "Nothing to apply: every migration is applied.\n" : "Nothing to revert.\n");
      for (const id of done) io.out(`${command === "up" ? "Applied" : "Reverted"} ${id}\n`);
      return 0;
    }
    case "status": {
      const s = await m.status();
      io.out(`Current: ${s.current ?? "none (no migration applied)"}\n`);
      io.out(`Pending: ${s.pending.length ? s.pending.join(", ") : "none"}\n`);
      if (s.missing.length) io.out(`Applied but missing from the directory: ${s.missing.join(", ")}\n`);
      return 0;
    }
    default: {
      for (const h of await m.history())
        io.out(
          `${h.id}  ${h.appliedAt ? `applied ${h.appliedAt.toISOString()}` : "pending"}${h.missingFile ? "  (file missing)" : ""}${h.message ? `  ${h.message}` : ""}\n`,
        );
      return 0;
    }
  }
}
