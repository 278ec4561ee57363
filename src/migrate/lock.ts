// The lock that keeps two `migrate up` runs from both applying a migration. PostgreSQL and MariaDB
// hold a named lock for the connection's whole run (an advisory lock; GET_LOCK); SQLite takes its
// write lock at the start of each migration's transaction (BEGIN IMMEDIATE), and the runner reads
// the version table again inside it.
import type { Connection } from "../engine/connection.js";
import { MigrationLockError } from "../errors.js";
import { sql } from "../sql/sql-tag.js";

/** Runs `fn` holding the migration lock of the connection's schema (PostgreSQL) or database (MariaDB). */
export async function withMigrationLock<T>(conn: Connection, versionTable: string, timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
  const name = `.${versionTable}`;
  const dialect = conn.dialect.name;
  if (dialect === "postgres") {
    // One key per schema: the lock is the database's, the schema is where the version table lives.
    await conn.execute(sql`SELECT pg_advisory_lock(hashtext(current_schema() || ${name})) AS locked`);
    try {
      return await fn();
    } finally {
      await conn.execute(sql`SELECT pg_advisory_unlock(hashtext(current_schema() || ${name})) AS unlocked`);
    }
  }
  if (dialect === "mysql") {
    // Lock names are at most 64 characters: the database's name is hashed into one.
    const got = (await conn.execute(sql`SELECT GET_LOCK(SHA1(CONCAT(DATABASE(), ${name})), ${timeoutSeconds}) AS got`)).rows[0]?.got;
    if (Number(got) !== 1)
      throw new MigrationLockError(`Another migrate run has held the migration lock for more than ${timeoutSeconds}s; nothing was applied`);
    try {
      return await fn();
    } finally {
      await conn.execute(sql`SELECT RELEASE_LOCK(SHA1(CONCAT(DATABASE(), ${name}))) AS released`);
    }
  }
  return fn();
}
