// migrate(engine, { dir }): runs the migration files of a directory up and down, records them in
// the version table, prints their SQL (--sql) and writes new ones from the application's MetaData.
import type { Connection } from "../engine/connection.js";
import type { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import { ArgumentError, MigrationError } from "../errors.js";
import { sql } from "../sql/sql-tag.js";
import { listMigrations, loadMigration, type LoadedMigration, type MigrationFile } from "./files.js";
import { withMigrationLock } from "./lock.js";
import { describeOperation, type Operation } from "./operations.js";
import { record } from "./recorder.js";
import { StatementPlan } from "./plan.js";
import { liveSchema } from "./live.js";
import { primaryKeyName } from "../schema/reflect/catalog.js";
import { generateMigration, type GeneratedMigration, type GenerateOptions } from "./generate.js";
import type { MetaData } from "../schema/metadata.js";
import { appliedRows, DEFAULT_VERSION_TABLE, markApplied, markReverted, versionSql, versionTable, type VersionTable } from "./version.js";

export interface MigrateOptions {
  /** The directory of migration files. */
  readonly dir: string;
  /** The version table's name (default `arbor_migrations`). */
  readonly versionTable?: string;
  /** Seconds a run waits for another run's lock on MariaDB (default 60; PostgreSQL waits as long as it takes). */
  readonly lockTimeout?: number;
}

export interface MigrationState {
  readonly id: string;
  readonly message: string;
  readonly appliedAt: Date | null;
  /** In the version table but not in the directory. */
  readonly missingFile: boolean;
}

export interface MigrationStatus {
  /** The last applied migration, or null. */
  readonly current: string | null;
  readonly applied: readonly string[];
  readonly pending: readonly string[];
  /** Applied migrations whose file is gone. */
  readonly missing: readonly string[];
}

type Direction = "up" | "down";

export class Migrator {
  private readonly version: VersionTable;
  private readonly lockTimeout: number;

  constructor(
    readonly engine: Engine,
    readonly options: MigrateOptions,
  ) {
    this.version = versionTable(options.versionTable ?? DEFAULT_VERSION_TABLE);
    this.lockTimeout = options.lockTimeout ?? 60;
  }

  get versionTableName(): string {
    return this.version.table.name;
  }

  /** The migration files, in order. */
  files(): Promise<MigrationFile[]> {
    return listMigrations(this.options.dir);
  }

  private async withConn<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.engine.connect();
    try {
      return await fn(conn);
    } finally {
      await conn.release();
    }
  }

  /** Every migration, file or version-table row, oldest first, with when it was applied. */
  async history(): Promise<MigrationState[]> {
    const files = await this.files();
    const rows = await this.withConn((c) => appliedRows(c, this.version));
    const at = new Map(rows.map((r) => [r.id, r.appliedAt]));
    const out: MigrationState[] = [];
    for (const f of files) out.push({ id: f.id, message: (await loadMigration(f)).message, appliedAt: at.get(f.id) ?? null, missingFile: false });
    for (const r of rows) if (!files.some((f) => f.id === r.id)) out.push({ id: r.id, message: "", appliedAt: r.appliedAt, missingFile: true });
    return out;
  }

  async status(): Promise<MigrationStatus> {
    const files = await this.files();
    const applied = (await this.withConn((c) => appliedRows(c, this.version))).map((r) => r.id);
    const done = new Set(applied);
    const inFiles = files.filter((f) => done.has(f.id)).map((f) => f.id);
    return {
      current: inFiles.length ? inFiles[inFiles.length - 1] : null,
      applied,
      pending: files.filter((f) => !done.has(f.id)).map((f) => f.id),
      missing: applied.filter((id) => !files.some((f) => f.id === id)),
    };
  }

  /** The migrations `up(target)` / `down(target)` would run, in the order they would run. */
  private plan(files: readonly MigrationFile[], applied: ReadonlySet<string>, direction: Direction, target: string | undefined): MigrationFile[] {
    const find = (id: string): MigrationFile => {
      const f = files.find((x) => x.id === id || String(x.number) === id || x.id.startsWith(`${id}_`));
      if (!f) throw new ArgumentError(`No migration ${JSON.stringify(id)} in ${this.options.dir}`);
      return f;
    };
    if (direction === "up") {
      const limit = target === undefined ? Infinity : find(target).number;
      return files.filter((f) => !applied.has(f.id) && f.number <= limit);
    }
    const done = files.filter((f) => applied.has(f.id)).reverse();
    if (target === undefined) return done.slice(0, 1);
    if (target === "base") return done;
    const limit = find(target).number;
    return done.filter((f) => f.number > limit);
  }

  /** Applies the pending migrations up to `target` (default: all); returns the ids applied. */
  up(target?: string): Promise<string[]> {
    return this.run("up", target);
  }

  /** Reverts the last migration, or every one after `target` (`"base"`: all); returns the ids reverted. */
  down(target?: string): Promise<string[]> {
    return this.run("down", target);
  }

  private async run(direction: Direction, target: string | undefined): Promise<string[]> {
    const files = await this.files();
    return this.withConn((conn) =>
      withMigrationLock(conn, this.versionTableName, this.lockTimeout, async () => {
        await this.version.metadata.createAll(conn, { ifNotExists: true });
        const applied = new Set((await appliedRows(conn, this.version)).map((r) => r.id));
        const done: string[] = [];
        for (const f of this.plan(files, applied, direction, target)) {
          const m = await loadMigration(f);
          const ops = await record(direction === "up" ? m.up : m.down);
          if (await this.runOne(conn, m, ops, direction)) done.push(m.id);
        }
        return done;
      }),
    );
  }

  /** Runs one migration in the way the engine allows; false when another run applied it first (SQLite). */
  private async runOne(conn: Connection, m: LoadedMigration, ops: readonly Operation[], direction: Direction): Promise<boolean> {
    const dialect = conn.dialect.name;
    if (dialect === "postgres") {
      await conn.transaction((tx) => this.body(tx, m, ops, direction, true));
      return true;
    }
    if (dialect === "mysql") {
      await this.body(conn, m, ops, direction, false);
      return true;
    }
    // SQLite: foreign keys are enforced again after the rebuilds, and checked before COMMIT.
    await conn.runSql("PRAGMA foreign_keys = OFF");
    try {
      await conn.runSql("BEGIN IMMEDIATE");
      try {
        const applied = new Set((await appliedRows(conn, this.version)).map((r) => r.id));
        if (applied.has(m.id) !== (direction === "down")) {
          await conn.runSql("ROLLBACK");
          return false;
        }
        await this.body(conn, m, ops, direction, true);
        const broken = (await conn.execute(sql`SELECT "table" AS tbl, parent FROM pragma_foreign_key_check`)).rows;
        if (broken.length)
          throw new MigrationError(
            `Migration ${m.id} (${direction}) leaves rows of ${String(broken[0].tbl)} whose foreign key to ${String(broken[0].parent)} points nowhere; rolled back: the schema and the version table are as they were`,
            m.id,
            undefined,
            [],
            { table: String(broken[0].tbl) },
          );
        await conn.runSql("COMMIT");
        return true;
      } catch (err) {
        await conn.runSql("ROLLBACK").catch(() => undefined);
        throw err;
      }
    } finally {
      await conn.runSql("PRAGMA foreign_keys = ON");
    }
  }

  private async body(ex: Executor, m: LoadedMigration, ops: readonly Operation[], direction: Direction, transactional: boolean): Promise<void> {
    const live = await liveSchema(ex, this.versionTableName);
    const plan = new StatementPlan(ops, live.spec, ex.dialect, live.hiddenChecks);
    const done: string[] = [];
    for (const [i, op] of ops.entries()) {
      const where = `operation ${i + 1} of ${ops.length}, ${describeOperation(op)}`;
      const fail = (err: unknown, statement?: string): MigrationError => {
        const cause = err instanceof Error ? err.message : String(err);
        const outcome = transactional
          ? "rolled back: the schema and the version table are as they were"
          : `${conn(ex)} commits each DDL statement, so what ran before stays: ${done.length ? done.join("; ") : "nothing"}${
              statement ? ` (and the statements of this operation before ${JSON.stringify(statement)})` : ""
            }. The version table does not list ${m.id}: repair the schema by hand, or fix the migration so it can run from here, then rerun`;
        return new MigrationError(
          `Migration ${m.id} (${direction}) failed at ${where}: ${cause}; ${outcome}`,
          m.id,
          describeOperation(op),
          transactional ? [] : [...done],
          {
            cause: err,
            ...(statement ? { sql: statement } : {}),
          },
        );
      };
      let stmts: string[];
      try {
        // Every operation before this one has run: the catalog names the key as it now is.
        const keyName = op.kind === "dropPrimaryKey" && ex.dialect.name === "postgres" ? await primaryKeyName(ex, op.table) : undefined;
        stmts = plan.next(keyName).statements;
      } catch (err) {
        throw fail(err);
      }
      for (const s of stmts) {
        try {
          await ex.runSql(s);
        } catch (err) {
          throw fail(err, s);
        }
      }
      done.push(describeOperation(op));
      if (op.kind === "execute") {
        const again = await liveSchema(ex, this.versionTableName);
        plan.reset(again.spec, again.hiddenChecks);
      }
    }
    if (direction === "up") await markApplied(ex, this.version, m.id);
    else await markReverted(ex, this.version, m.id);
  }

  /**
   * Compares `metadata` with the database and writes the migration that makes the database match
   * it into the directory (nothing when they match). Refused while migrations are pending: the
   * comparison would repeat what they do.
   */
  async generate(metadata: MetaData, message: string, options: GenerateOptions = {}): Promise<GeneratedMigration> {
    const status = await this.status();
    if (status.pending.length)
      throw new ArgumentError(`The database is not up to date (pending: ${status.pending.join(", ")}): run migrate up before generating a migration`);
    return generateMigration(this.engine, metadata, message, { ...options, dir: this.options.dir, versionTable: this.versionTableName });
  }

  /** The SQL `up(target)` / `down(target)` would run, for a DBA to read or run; nothing is changed. */
  async sql(direction: Direction, target?: string): Promise<string> {
    const files = await this.files();
    return this.withConn(async (conn) => {
      const d = conn.dialect;
      const out: string[] = [];
      const rows = await appliedRows(conn, this.version);
      if (!rows.length && direction === "up") for (const s of this.version.metadata.createStatements(conn, { ifNotExists: true })) out.push(`${s};`);
      let { spec: state } = await liveSchema(conn, this.versionTableName);
      // Tables whose key the printed operations make: the catalog's name for theirs would be stale.
      const rekeyed = new Set<string>();
      for (const f of this.plan(files, new Set(rows.map((r) => r.id)), direction, target)) {
        const m = await loadMigration(f);
        out.push("", `-- ${m.id} (${direction})${m.message ? `: ${m.message}` : ""}`);
        if (d.name === "sqlite") out.push("PRAGMA foreign_keys = OFF;", "BEGIN IMMEDIATE;");
        else if (d.name === "postgres") out.push("BEGIN;");
        const ops = await record(direction === "up" ? m.up : m.down);
        const plan = new StatementPlan(ops, state, d);
        for (const op of ops) {
          out.push(`-- ${describeOperation(op)}`);
          const keyName = op.kind === "dropPrimaryKey" && d.name === "postgres" && !rekeyed.has(op.table) ? await primaryKeyName(conn, op.table) : undefined;
          for (const s of plan.next(keyName).printed) out.push(s.startsWith("-- ") ? s : `${s};`);
          if (op.kind === "createTable") rekeyed.add(op.table.name);
          else if (op.kind === "dropTable" || op.kind === "addPrimaryKey") rekeyed.add(op.table);
        }
        state = plan.schema;
        out.push(`${versionSql(d, this.version, m.id, direction)};`);
        if (d.name === "sqlite") out.push("PRAGMA foreign_key_check;", "COMMIT;", "PRAGMA foreign_keys = ON;");
        else if (d.name === "postgres") out.push("COMMIT;");
      }
      return `${out.join("\n").trimStart()}\n`;
    });
  }
}

const conn = (ex: Executor): string => (ex.dialect.name === "mysql" ? "MariaDB" : ex.dialect.name);

export function migrate(engine: Engine, options: MigrateOptions): Migrator {
  return new Migrator(engine, options);
}
