// reflect(): a live schema read back into a MetaData (the connection's current schema or database).
import type { Executor } from "../../engine/executor.js";
import type { MetaData } from "../metadata.js";
import type { CatalogExecutor } from "./catalog.js";
import { toMetaData, type ReflectOptions, type RawTable, type Warn } from "./model.js";
import { readMysql } from "./mysql.js";
import { readPostgres } from "./postgres.js";
import { readSqlite } from "./sqlite.js";

export type { ReflectOptions } from "./model.js";
export type { CatalogExecutor } from "./catalog.js";
export { describeSchema, type ColumnDescription, type SchemaDescription, type TableDescription } from "./describe.js";

/** An Engine (reflection runs on one pooled connection), a Connection or a Transaction. */
export type ReflectTarget =
  | CatalogExecutor
  | { readonly dialect: Executor["dialect"]; withConnection<T>(fn: (conn: CatalogExecutor) => Promise<T>): Promise<T> };

const readers: Record<Executor["dialect"]["name"], (ex: CatalogExecutor, warn: Warn) => Promise<RawTable[]>> = {
  sqlite: readSqlite,
  postgres: readPostgres,
  mysql: readMysql,
};

/**
 * Reads the tables of the current schema (PostgreSQL: the first schema of search_path; MariaDB:
 * DATABASE(); SQLite: main) into a MetaData whose column keys are the SQL names. What cannot be
 * read exactly is reported to `onWarning` (and left out, or typed as a custom type of unknown values).
 */
export async function reflect(target: ReflectTarget, options: ReflectOptions = {}): Promise<MetaData> {
  const warn: Warn = options.onWarning ?? (() => {});
  const read = readers[target.dialect.name];
  const tables = "execute" in target ? await read(target, warn) : await target.withConnection((c) => read(c, warn));
  return toMetaData(tables, warn);
}
