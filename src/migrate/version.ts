// The version table: one row per applied migration (its id and when it was applied). Its
// statements are built with Arbor's own builders, so ids are bound parameters.
import type { Dialect } from "../dialects/dialect.js";
import { NotSupportedError } from "../errors.js";
import type { Executor } from "../engine/executor.js";
import { timestamp, varchar } from "../schema/column.js";
import { MetaData } from "../schema/metadata.js";
import type { Table } from "../schema/table.js";
import { deleteFrom, insert } from "../sql/dml.js";
import { select } from "../sql/select.js";
import { sql } from "../sql/sql-tag.js";
import { types } from "../sql/types.js";

export const DEFAULT_VERSION_TABLE = "arbor_migrations";

export interface VersionTable {
  readonly metadata: MetaData;
  readonly table: Table;
}

export function versionTable(name: string): VersionTable {
  const metadata = new MetaData();
  const table = metadata.table(name, { id: varchar(255).primaryKey(), appliedAt: timestamp().named("applied_at").notNull() });
  return { metadata, table };
}

type Runner = Pick<Executor, "dialect" | "execute" | "runSql">;

/** Applied migrations, oldest first; none when the table does not exist yet. */
export async function appliedRows(ex: Runner, v: VersionTable): Promise<{ id: string; appliedAt: Date }[]> {
  if (!(await tableExists(ex, v.table.name))) return [];
  const t = v.table;
  const rows = (await ex.execute(select(t.column("id"), t.column("appliedAt")).from(t).orderBy(t.column("id")))).rows;
  return rows.map((r) => ({ id: String(r.id), appliedAt: r.appliedAt as Date }));
}

export async function tableExists(ex: Runner, name: string): Promise<boolean> {
  const q =
    ex.dialect.name === "sqlite"
      ? sql`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ${name}`
      : ex.dialect.name === "postgres"
        ? sql`SELECT 1 AS x FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ${name}`
        : sql`SELECT 1 AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${name}`;
  return (await ex.execute(q)).rows.length > 0;
}

export async function markApplied(ex: Runner, v: VersionTable, id: string): Promise<void> {
  await ex.execute(insert(v.table).values({ id, appliedAt: new Date() }));
}

export async function markReverted(ex: Runner, v: VersionTable, id: string): Promise<void> {
  await ex.execute(deleteFrom(v.table).where(v.table.column("id").eq(id)));
}

/** The same changes as SQL text, for `--sql` (values written as the dialect's literals). */
export function versionSql(dialect: Dialect, v: VersionTable, id: string, direction: "up" | "down"): string {
  const c = dialect.createCompiler();
  const q = (n: string): string => c.quote(n);
  const lit = c.literal(id, types.varchar(255));
  if (direction === "down") return `DELETE FROM ${q(v.table.name)} WHERE ${q("id")} = ${lit}`;
  const now = { sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", postgres: "(now() AT TIME ZONE 'UTC')", mysql: "UTC_TIMESTAMP(3)" }[dialect.name];
  if (now === undefined) throw new NotSupportedError(`No --sql spelling of the current time for ${dialect.name}`);
  return `INSERT INTO ${q(v.table.name)} (${q("id")}, ${q("applied_at")}) VALUES (${lit}, ${now})`;
}
