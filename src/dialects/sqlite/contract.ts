// What the SQLite dialect needs from any driver adapter (better-sqlite3's, node:sqlite's, yours):
// the hint that says integers were read as bigint, and the exact decimal functions and aggregates
// it compiles numeric arithmetic, comparison and sum/min/max to, which every connection registers.
// Public, for adapters outside Arbor.
import {
  DECIMAL_ABS,
  DECIMAL_ADD,
  DECIMAL_KEY,
  DECIMAL_MAX,
  DECIMAL_MIN,
  DECIMAL_NEG,
  DECIMAL_SUB,
  DECIMAL_MUL,
  DECIMAL_MOD,
  DECIMAL_ROUND,
  DECIMAL_FIT,
  DECIMAL_INTEGER,
  DOUBLE_INTEGER,
  DECIMAL_SUM,
  DECIMAL_TEXT,
  decimalAbs,
  decimalAdd,
  decimalKey,
  decimalMax,
  decimalMin,
  decimalNeg,
  decimalSub,
  decimalMul,
  decimalMod,
  decimalRound,
  decimalFit,
  decimalInteger,
  doubleInteger,
  decimalSum,
  decimalText,
} from "./decimal.js";

import { TEXT_LOWER, TEXT_UPPER, textLower, textUpper } from "./text-case.js";
import {
  BOOLEAN_TEXT,
  TEXT_BOOLEAN,
  TEXT_DATE,
  TEXT_INTEGER,
  TEXT_TIMESTAMP,
  booleanText,
  textBoolean,
  textDate,
  textInteger,
  textTimestamp,
} from "./casts.js";

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

/** A scalar function a SQLite connection registers under `name` (deterministic, 64-bit integer arguments as bigint). */
export interface SqliteFunction {
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
}

/** Every scalar function the SQLite dialect may compile to: exact decimals, the casts of casts.ts, upper/lower of text-case.ts. */
export const sqliteDecimalFunctions: readonly SqliteFunction[] = [
  { name: DECIMAL_ADD, fn: (a, b) => decimalAdd(a, b) },
  { name: DECIMAL_SUB, fn: (a, b) => decimalSub(a, b) },
  { name: DECIMAL_MUL, fn: (a, b) => decimalMul(a, b) },
  { name: DECIMAL_MOD, fn: (a, b) => decimalMod(a, b) },
  { name: DECIMAL_ROUND, fn: (a, digits) => decimalRound(a, digits) },
  { name: DECIMAL_FIT, fn: (a, scale, precision) => decimalFit(a, scale, precision) },
  { name: DECIMAL_INTEGER, fn: (a, bits) => decimalInteger(a, bits) },
  { name: DOUBLE_INTEGER, fn: (a, bits) => doubleInteger(a, bits) },
  { name: TEXT_BOOLEAN, fn: (a) => textBoolean(a) },
  { name: TEXT_INTEGER, fn: (a, bits) => textInteger(a, bits) },
  { name: TEXT_DATE, fn: (a) => textDate(a) },
  { name: TEXT_TIMESTAMP, fn: (a, zoned, precision) => textTimestamp(a, zoned, precision) },
  { name: BOOLEAN_TEXT, fn: (a) => booleanText(a) },
  { name: TEXT_UPPER, fn: (a) => textUpper(a) },
  { name: TEXT_LOWER, fn: (a) => textLower(a) },
  { name: DECIMAL_NEG, fn: (a) => decimalNeg(a) },
  { name: DECIMAL_ABS, fn: (a) => decimalAbs(a) },
  { name: DECIMAL_KEY, fn: (a) => decimalKey(a) },
  { name: DECIMAL_TEXT, fn: (a, scale) => decimalText(a, scale) },
];

/** Every exact-decimal aggregate (and window function, through `inverse`) the SQLite dialect may compile to. */
export const sqliteDecimalAggregates: readonly SqliteAggregate[] = [
  sqliteDecimalSum,
  { name: DECIMAL_MIN, ...decimalMin },
  { name: DECIMAL_MAX, ...decimalMax },
];
