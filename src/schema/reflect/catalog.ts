// Catalog look-ups shared by reflection and `createAll({ ifNotExists })`: what runs them, and the
// schema (PostgreSQL) or database (MariaDB) a connection works in.
import type { Executor } from "../../engine/executor.js";
import { sql, type SqlFragment } from "../../sql/sql-tag.js";

/** What reflection reads the catalog with: an Engine's Connection or a Transaction. */
export type CatalogExecutor = Pick<Executor, "dialect" | "execute">;

/** The namespace the connection works in, as an SQL expression; `schema` names another one. */
export function currentNamespace(ex: CatalogExecutor, schema?: string): SqlFragment {
  if (schema !== undefined) return sql`${schema}`;
  return ex.dialect.name === "postgres" ? sql`current_schema()` : sql`DATABASE()`;
}

/** Rows of a catalog query, keyed by column name. */
export async function rows(ex: CatalogExecutor, stmt: SqlFragment): Promise<Record<string, unknown>[]> {
  return (await ex.execute(stmt)).rows;
}

/** The names of the foreign keys declared on a table (none on SQLite, whose foreign keys have no names in the catalog). */
export async function foreignKeyNames(ex: CatalogExecutor, table: string, schema?: string): Promise<Set<string>> {
  if (ex.dialect.name === "sqlite") return new Set();
  const found = await rows(
    ex,
    sql`SELECT constraint_name AS name FROM information_schema.table_constraints
        WHERE constraint_type = 'FOREIGN KEY' AND table_schema = ${currentNamespace(ex, schema)} AND table_name = ${table}`,
  );
  return new Set(found.map((r) => String(r.name)));
}

/**
 * The name of a table's primary key constraint, as the catalog has it: PostgreSQL names it
 * `<table>_pkey` only when it names it itself, and a key created under another name, or kept
 * through a rename of its table, has its own.
 */
export async function primaryKeyName(ex: CatalogExecutor, table: string, schema?: string): Promise<string | undefined> {
  if (ex.dialect.name === "sqlite") return undefined;
  const found = await rows(
    ex,
    sql`SELECT constraint_name AS name FROM information_schema.table_constraints
        WHERE constraint_type = 'PRIMARY KEY' AND table_schema = ${currentNamespace(ex, schema)} AND table_name = ${table}`,
  );
  return found.length ? String(found[0].name) : undefined;
}
