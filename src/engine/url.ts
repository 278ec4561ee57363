// Engine URLs: sqlite::memory:, sqlite:path/to.db, postgres://…, mysql://… / mariadb://…
import { mysqlDialect } from "../dialects/mysql/dialect.js";
import { postgresDialect } from "../dialects/postgres/dialect.js";
import { sqliteDialect } from "../dialects/sqlite/dialect.js";
import type { Dialect, DialectName } from "../dialects/dialect.js";
import { ArgumentError } from "../errors.js";

export function dialectForUrl(url: string): { dialect: Dialect; parsed: URL } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ArgumentError(`Not an engine URL: ${JSON.stringify(url)}`);
  }
  switch (parsed.protocol) {
    case "sqlite:":
      return { dialect: sqliteDialect, parsed };
    case "postgres:":
    case "postgresql:":
      return { dialect: postgresDialect, parsed };
    case "mysql:":
    case "mariadb:":
      return { dialect: mysqlDialect, parsed };
    default:
      throw new ArgumentError(`No dialect for ${parsed.protocol}// URLs (use sqlite:, postgres:, mysql: or mariadb:)`);
  }
}

/** A built-in dialect by name (`createEngine({ driver, dialect: "postgres" })`). */
export function dialectNamed(name: DialectName): Dialect {
  switch (name) {
    case "sqlite":
      return sqliteDialect;
    case "postgres":
      return postgresDialect;
    case "mysql":
      return mysqlDialect;
    default:
      throw new ArgumentError(`No built-in dialect named ${JSON.stringify(name)} (use "sqlite", "postgres" or "mysql", or pass a Dialect)`);
  }
}
