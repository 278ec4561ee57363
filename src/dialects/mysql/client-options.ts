// The mysql2 settings Arbor relies on, public so an application's own pool can be opened with them.
// No mysql2 types here: the package's declarations must not need mysql2 installed.

/**
 * The mysql2 options Arbor's decoding relies on. Arbor's own connections always have them; a pool
 * of the application's handed over as `client` must be created with them (`createPool({
 * ...mysqlClientOptions(), host, … })`), since mysql2 fixes them when a connection opens.
 */
export function mysqlClientOptions(): MysqlClientOptions {
  return {
    // 64-bit integers and decimals arrive as strings, dates as text: nothing rounded or shifted.
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    // JSON arrives as text and is parsed once by the dialect's decoder (mysql2 would parse it
    // too, turning a stored JSON string into a bare string that no longer parses).
    jsonStrings: true,
    timezone: "Z",
    charset: "utf8mb4_bin",
    multipleStatements: false,
    // Rows are parsed without generating code per field list: the generated parser refuses
    // fields named like Object.prototype's internals (`__proto__`, …) and drops the connection.
    disableEval: true,
    // UPDATE reports rows matched, not rows changed: optimistic locking counts on it.
    flags: ["FOUND_ROWS"],
  };
}

/** The settings of `mysqlClientOptions()`, spelled as mysql2's connection options. */
export interface MysqlClientOptions {
  supportBigNumbers: true;
  bigNumberStrings: true;
  dateStrings: true;
  jsonStrings: true;
  timezone: "Z";
  charset: string;
  multipleStatements: false;
  disableEval: true;
  flags: string[];
}
