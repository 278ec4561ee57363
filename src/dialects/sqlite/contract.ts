// What the SQLite dialect needs from any driver adapter (better-sqlite3's, node:sqlite's, yours):
// the hint that says integers were read as bigint, and the exact decimal sum it compiles sum() of
// a numeric to, which every connection registers as an aggregate. Public, for adapters outside Arbor.
import { DECIMAL_SUM, decimalSum } from "./decimal.js";

/** The `typeHint` of every field when the driver read integers as bigint (`QueryOptions.bigints`). */
export const SQLITE_BIGINTS_HINT = 1;

/**
 * The aggregate (and window function, through `inverse`) a SQLite connection registers under
 * `name`: `start`, `step`, `inverse`, `result` as better-sqlite3's `aggregate()` and node:sqlite's
 * take them. Register it with 64-bit integer arguments as bigint (better-sqlite3 `safeIntegers`,
 * node:sqlite `useBigIntArguments`).
 */
export const sqliteDecimalSum: SqliteAggregate = { name: DECIMAL_SUM, ...decimalSum };

/** An aggregate definition in the shape better-sqlite3 and node:sqlite register. */
export interface SqliteAggregate {
  readonly name: string;
  readonly deterministic: boolean;
  start(): unknown;
  step(accumulator: unknown, value: unknown): unknown;
  inverse(accumulator: unknown, value: unknown): unknown;
  result(accumulator: unknown): unknown;
}
