// Autogenerate: the application's MetaData compared with the live database, as the operations of
// a migration (up, and down by comparing the other way) and the TypeScript file that records them.
import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Engine } from "../engine/engine.js";
import type { MetaData } from "../schema/metadata.js";
import { diffSchemas } from "./diff.js";
import { listMigrations, nextFileName } from "./files.js";
import { liveSchema } from "./live.js";
import type { Operation } from "./operations.js";
import { renderMigration } from "./render-ts.js";
import { specOf } from "./spec.js";

export interface GenerateOptions {
  /** Compute and return the migration without writing its file. */
  readonly dryRun?: boolean;
  /** The module migration files import `MigrationOps` from (default "arbor-sql"). */
  readonly importFrom?: string;
}

export interface GeneratedMigration {
  /** Empty when the database already matches the MetaData ("No changes"). */
  readonly up: readonly Operation[];
  readonly down: readonly Operation[];
  readonly hints: readonly string[];
  /** The file's text, and where it was written (absent with no changes or `dryRun`). */
  readonly source?: string;
  readonly path?: string;
}

/** The operations that turn the live schema into `metadata`'s, and back. */
export async function autogenerate(engine: Engine, metadata: MetaData, versionTable: string): Promise<Pick<GeneratedMigration, "up" | "down" | "hints">> {
  const { spec: live } = await engine.withConnection((c) => liveSchema(c, versionTable));
  const wanted = specOf(metadata, engine.dialect);
  const up = diffSchemas(live, wanted, engine.dialect);
  const down = diffSchemas(wanted, live, engine.dialect);
  return { up: up.operations, down: down.operations, hints: up.hints };
}

export async function generateMigration(
  engine: Engine,
  metadata: MetaData,
  message: string,
  options: GenerateOptions & { readonly dir: string; readonly versionTable: string },
): Promise<GeneratedMigration> {
  const diff = await autogenerate(engine, metadata, options.versionTable);
  if (diff.up.length === 0) return diff;
  const dialect = { sqlite: "SQLite", postgres: "PostgreSQL", mysql: "MariaDB" }[engine.dialect.name];
  const source = renderMigration({ message, dialect, up: diff.up, down: diff.down, hints: diff.hints, importFrom: options.importFrom });
  if (options.dryRun) return { ...diff, source };
  const path = join(options.dir, nextFileName(await listMigrations(options.dir), message));
  await mkdir(options.dir, { recursive: true });
  await writeFile(path, source, { flag: "wx" });
  return { ...diff, source, path };
}
