// SQL types: what a column holds, the TypeScript value it maps to, and how a value is checked
// before it is bound. How a type is spelled in DDL and encoded for a driver belongs to dialects.
import { ArgumentError, InvalidValueError, describeValue } from "../errors.js";
import { jsonProblem } from "./json-value.js";
import { hasLoneSurrogate } from "./text.js";
import { checkTimestampText } from "./timestamp-text.js";

export type TypeKind =
  | "integer"
  | "smallint"
  | "bigint"
  | "real"
  | "double"
  | "numeric"
  | "text"
  | "varchar"
  | "boolean"
  | "date"
  | "timestamp"
  | "timestamptz"
  | "uuid"
  | "json"
  | "bytes"
  | "enum"
  | "custom"
  | "nested"
  | "unknown";

declare const VALUE: unique symbol;

export interface SqlType<T = unknown> {
  readonly kind: TypeKind;
  /** numeric precision, varchar length */
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
  readonly values?: readonly string[];
  /**
   * Timestamps: read and bound as ISO-8601 text kept to the microsecond ("string"), not as a JS
   * Date (absent). Their `precision` is the digits of a second the column keeps, absent for 3.
   */
  readonly mode?: "string";
  readonly custom?: CustomTypeSpec<T, unknown>;
  /** For nested results: the nested rows' keys and types, and whether it is a single row. */
  readonly nested?: NestedSpec;
  /** Phantom: the TypeScript value of this type. */
  readonly [VALUE]?: T;
}

export interface NestedSpec {
  readonly items: readonly { readonly key: string; readonly type: SqlType; readonly expr: unknown }[];
  readonly one: boolean;
  /** Keys every nested row object is built with (as undefined), for values attached later. */
  readonly reserve?: readonly string[];
}

export type ValueOf<S> = S extends SqlType<infer T> ? T : never;

export interface CustomTypeSpec<T, B> {
  /** Shown in errors and in DDL comments. */
  readonly name: string;
  /** The built-in type that stores the value. */
  readonly base: SqlType<B>;
  toDb(value: T): B;
  fromDb(value: B): T;
  /** Optional check run before toDb; return a reason string to reject the value. */
  validate?(value: unknown): string | undefined;
}

const make = <T>(kind: TypeKind, extra: Partial<SqlType<T>> = {}): SqlType<T> => Object.freeze({ kind, ...extra });

/** How a timestamp reaches JS: a Date (milliseconds) or ISO-8601 text (to the microsecond). */
export type TimestampMode = "date" | "string";

export interface TimestampOptions<M extends TimestampMode = TimestampMode> {
  /** Digits of a second the column keeps, 0 to 6 (default 3: milliseconds, what a Date holds). */
  readonly precision?: number;
  /** "date" (default): a JS Date, so at most 3 digits; "string": ISO-8601 text, kept as stored. */
  readonly mode?: M;
}

/** The JS value of a timestamp read in mode M. */
export type TimestampValue<M extends TimestampMode> = M extends "string" ? string : Date;

/**
 * `types.timestamp` is the millisecond timestamp read as a Date, and called with options it is
 * another precision or mode: `types.timestamp({ precision: 6, mode: "string" })`.
 */
export interface TimestampType extends SqlType<Date> {
  <M extends TimestampMode = "date">(options?: TimestampOptions<M>): SqlType<TimestampValue<M>>;
}

function timestampType(kind: "timestamp" | "timestamptz"): TimestampType {
  const base = (options?: TimestampOptions): SqlType => {
    const extra = checkTimestampOptions(kind, options);
    return extra.precision === undefined && extra.mode === undefined ? self : make(kind, extra);
  };
  // A function's own `length` would read as a varchar length.
  Object.defineProperty(base, "length", { value: undefined });
  const self = Object.freeze(Object.assign(base, { kind })) as TimestampType;
  return self;
}

/** Precision is spelled into DDL and CAST text; a Date cannot hold more than 3 digits. */
function checkTimestampOptions(kind: string, options: TimestampOptions | undefined): { precision?: number; mode?: "string" } {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw new ArgumentError(`${kind}(): options must be an object, got ${describeValue(options)}`);
  const { precision = 3, mode = "date" } = options;
  if (!isCount(precision, 0, 6)) throw new ArgumentError(`${kind}(): precision must be an integer from 0 to 6, got ${describeValue(precision)}`);
  if (mode !== "date" && mode !== "string") throw new ArgumentError(`${kind}(): mode must be "date" or "string", got ${describeValue(mode)}`);
  if (mode === "date" && precision > 3)
    throw new ArgumentError(
      `${kind}({ precision: ${precision} }): a JS Date holds milliseconds, so ${precision} digits of a second would be rounded; declare ${kind}({ precision: ${precision}, mode: "string" }) to read ISO-8601 text`,
    );
  return { ...(precision !== 3 ? { precision } : {}), ...(mode === "string" ? { mode } : {}) };
}

export const types = {
  integer: make<number>("integer"),
  smallint: make<number>("smallint"),
  bigint: make<bigint>("bigint"),
  real: make<number>("real"),
  double: make<number>("double"),
  numeric: (precision?: number, scale?: number): SqlType<string> => make<string>("numeric", checkDecimal(precision, scale)),
  text: make<string>("text"),
  varchar: (length?: number): SqlType<string> => make<string>("varchar", { length: checkLength(length) }),
  boolean: make<boolean>("boolean"),
  date: make<string>("date"),
  timestamp: timestampType("timestamp"),
  timestamptz: timestampType("timestamptz"),
  uuid: make<string>("uuid"),
  json: <T = unknown>(): SqlType<T> => make<T>("json"),
  bytes: make<Uint8Array>("bytes"),
  enum: <const V extends readonly string[]>(values: V): SqlType<V[number]> => make<V[number]>("enum", { values: checkEnumValues(values) }),
  unknown: make<unknown>("unknown"),
};

/**
 * A timestamp's digits of a second as DDL and CAST text spell them, checked again there: a type
 * need not come from `types.timestamp()` (a migration file's spec, a spread object).
 */
export function timestampPrecision(type: SqlType): number {
  const p = type.precision ?? 3;
  if (!isCount(p, 0, 6)) throw new ArgumentError(`${type.kind}: precision must be an integer from 0 to 6, got ${describeValue(p)}`);
  return p;
}

/**
 * The type of a timestamp column stored with `precision` digits of a second (reflection, migration
 * files): a Date up to 3 digits, ISO-8601 text past them, so no value read is rounded.
 */
export function storedTimestamp(kind: "timestamp" | "timestamptz", precision: number | undefined): SqlType {
  const p = precision ?? 3;
  return types[kind](p > 3 ? { precision: p, mode: "string" } : { precision: p });
}

// Precision, scale, length and enum values are spelled into DDL and CAST text: each is checked
// against its grammar here, where the type is made.

/** PostgreSQL's largest numeric precision; MariaDB's DECIMAL stops at 65 (its dialect refuses more). */
export const MAX_NUMERIC_PRECISION = 1000;
/** PostgreSQL's largest varchar length. */
export const MAX_VARCHAR_LENGTH = 10_485_760;
/** Enum values are stored as VARCHAR(255) on MariaDB. */
export const MAX_ENUM_VALUE_LENGTH = 255;

const isCount = (n: unknown, min: number, max: number): n is number => typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;

function checkDecimal(precision: number | undefined, scale: number | undefined): { precision?: number; scale?: number } {
  if (precision === undefined) {
    if (scale !== undefined) throw new ArgumentError(`numeric(): a scale (${String(scale)}) needs a precision`);
    return {};
  }
  if (!isCount(precision, 1, MAX_NUMERIC_PRECISION))
    throw new ArgumentError(`numeric(): precision must be an integer from 1 to ${MAX_NUMERIC_PRECISION}, got ${String(precision)}`);
  if (scale !== undefined && !isCount(scale, 0, precision))
    throw new ArgumentError(`numeric(${precision}): scale must be an integer from 0 to ${precision}, got ${String(scale)}`);
  return { precision, scale };
}

/**
 * The type of a product. Of two numerics: the sum of their scales, as PostgreSQL and MariaDB give
 * it (0.15 × 0.15 is 0.0225, not a numeric(10, 2)), so every engine prints the product alike and
 * none is read back as if it had the left operand's scale; unconstrained when either is.
 */
export function productType(left: SqlType, right: SqlType): SqlType {
  if (left.kind !== "numeric" || right.kind !== "numeric") return left;
  if (left.precision === undefined || right.precision === undefined) return types.numeric();
  const precision = Math.min(left.precision + right.precision, MAX_NUMERIC_PRECISION);
  return types.numeric(precision, Math.min((left.scale ?? 0) + (right.scale ?? 0), precision));
}

/**
 * The type of a sum, difference or remainder. Of two numerics: the larger scale and room for the
 * larger integer part, as PostgreSQL and MariaDB give it (0.10 + 0.0225 is 0.1225), so every engine
 * prints the result alike (SQLite reads it back at its type's scale, and holds it as TEXT past 15
 * digits); unconstrained when either numeric is; the left operand's type when one is no numeric.
 */
export function sumType(left: SqlType, right: SqlType): SqlType {
  if (left.kind !== "numeric" || right.kind !== "numeric") return left;
  if (left.precision === undefined || right.precision === undefined) return types.numeric();
  const ls = left.scale ?? 0;
  const rs = right.scale ?? 0;
  if (left.precision - ls >= right.precision - rs && ls >= rs) return left;
  const scale = Math.max(ls, rs);
  return types.numeric(Math.min(Math.max(left.precision - ls, right.precision - rs) + scale, MAX_NUMERIC_PRECISION), scale);
}

function checkLength(length: number | undefined): number | undefined {
  if (length !== undefined && !isCount(length, 1, MAX_VARCHAR_LENGTH))
    throw new ArgumentError(`varchar(): length must be an integer from 1 to ${MAX_VARCHAR_LENGTH}, got ${String(length)}`);
  return length;
}

function checkEnumValues<V extends readonly string[]>(values: V): V {
  if (!Array.isArray(values) || values.length === 0) throw new ArgumentError("enumOf() takes a non-empty array of strings");
  const seen = new Set<string>();
  for (const v of values as readonly unknown[]) {
    if (typeof v !== "string") throw new ArgumentError(`enumOf(): values must be strings, got ${describeValue(v)}`);
    if (seen.has(v)) throw new ArgumentError(`enumOf(): ${JSON.stringify(v)} is listed twice`);
    if (hasLoneSurrogate(v) || v.includes("\0")) throw new ArgumentError(`enumOf(): ${JSON.stringify(v)} cannot be stored as text`);
    if ([...v].length > MAX_ENUM_VALUE_LENGTH) throw new ArgumentError(`enumOf(): ${JSON.stringify(v)} is longer than ${MAX_ENUM_VALUE_LENGTH} characters`);
    seen.add(v);
  }
  return values;
}

export function customType<T, B>(spec: CustomTypeSpec<T, B>): SqlType<T> {
  return make<T>("custom", { custom: spec as CustomTypeSpec<T, unknown> });
}

/** Whether two types are declared alike: kind, precision, scale, length, enum values, custom spec. */
export function sameType(a: SqlType, b: SqlType): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || a.precision !== b.precision || a.scale !== b.scale || a.length !== b.length || a.mode !== b.mode || a.custom !== b.custom)
    return false;
  if (a.nested !== undefined || b.nested !== undefined) return false;
  const x = a.values;
  const y = b.values;
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The stored type under any custom wrapping. */
export function baseType(type: SqlType): SqlType {
  let t = type;
  while (t.custom) t = t.custom.base;
  return t;
}

export interface ValueSite {
  table?: string;
  column?: string;
}

const INT32 = 2 ** 31;
const INT64 = 2n ** 63n;
const NUMERIC_RE = /^[+-]?(\d+)(?:\.(\d+))?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/**
 * The dates and timestamps every engine stores and returns unchanged: years 0001–9999. PostgreSQL
 * has no year 0, MariaDB's DATE/DATETIME and SQLite's ISO text stop at 9999 (past it SQLite held
 * "+010000-01").
 */
export const MIN_DATE = "0001-01-01";
export const MAX_DATE = "9999-12-31";
const MIN_TIME = Date.UTC(2000, 0, 1) - 730_119 * 86_400_000; // 0001-01-01T00:00:00.000Z
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function reject(type: SqlType, value: unknown, site: ValueSite, why: string): never {
  const where = site.table && site.column ? `${site.table}.${site.column}` : (site.column ?? "a parameter");
  throw new InvalidValueError(`Invalid value ${describeValue(value)} for ${where} (${typeName(type)}): ${why}`, {
    table: site.table,
    column: site.column,
    value,
  });
}

export function typeName(type: SqlType): string {
  switch (type.kind) {
    case "numeric":
      return type.precision === undefined ? "numeric" : `numeric(${type.precision}, ${type.scale ?? 0})`;
    case "varchar":
      return type.length === undefined ? "varchar" : `varchar(${type.length})`;
    case "enum":
      return `enum(${(type.values ?? []).join(", ")})`;
    case "custom":
      return type.custom!.name;
    case "nested":
      return type.nested!.one ? "nested row" : "nested rows";
    case "timestamp":
    case "timestamptz":
      return type.precision === undefined && type.mode === undefined
        ? type.kind
        : `${type.kind}(${type.precision ?? 3})${type.mode === "string" ? " as text" : ""}`;
    default:
      return type.kind;
  }
}

/**
 * Checks a non-null value against its type and normalises the few inputs that have one obvious
 * meaning (a safe integer for a bigint column, a number for a numeric column). Throws
 * InvalidValueError naming the column; never lets a value be silently rounded or truncated.
 */
export function checkValue(type: SqlType, value: unknown, site: ValueSite = {}): unknown {
  switch (type.kind) {
    case "integer":
    case "smallint": {
      const limit = type.kind === "smallint" ? 2 ** 15 : INT32;
      if (typeof value === "bigint" && value >= -BigInt(limit) && value < BigInt(limit)) return Number(value);
      if (typeof value !== "number" || !Number.isInteger(value)) reject(type, value, site, "expected an integer");
      if (value < -limit || value >= limit) reject(type, value, site, "out of range");
      return value;
    }
    case "bigint": {
      let v = value;
      if (typeof v === "number" && Number.isSafeInteger(v)) v = BigInt(v);
      if (typeof v !== "bigint") reject(type, value, site, "expected a bigint");
      if (v < -INT64 || v >= INT64) reject(type, value, site, "out of the 64-bit range");
      return v;
    }
    case "real":
    case "double":
      if (typeof value !== "number") reject(type, value, site, "expected a number");
      if (!Number.isFinite(value)) reject(type, value, site, "not a finite number");
      if (type.kind === "double") return value;
      {
        // real is 4 bytes wide: every engine then holds (and returns) the same float32 value.
        const f = Math.fround(value);
        if (!Number.isFinite(f)) reject(type, value, site, "beyond the 32-bit float range");
        return f;
      }
    case "numeric": {
      let s: string;
      if (typeof value === "string") s = value.trim();
      else if (typeof value === "bigint") s = value.toString();
      else if (typeof value === "number" && Number.isFinite(value)) s = String(value);
      else reject(type, value, site, "expected a decimal string");
      const m = NUMERIC_RE.exec(s);
      if (!m) reject(type, value, site, "not a decimal number");
      const intDigits = m[1].replace(/^0+(?=\d)/, "").length;
      const fracDigits = m[2]?.length ?? 0;
      // numeric(p) means numeric(p, 0), as in SQL.
      const scale = type.scale ?? (type.precision !== undefined ? 0 : undefined);
      if (scale !== undefined && fracDigits > scale) reject(type, value, site, `more than ${scale} decimal places would be rounded`);
      if (type.precision !== undefined && intDigits > type.precision - (scale ?? 0))
        reject(type, value, site, `more than ${type.precision - (scale ?? 0)} integer digits`);
      return s;
    }
    case "text":
    case "varchar":
      if (typeof value !== "string") reject(type, value, site, "expected a string");
      if (hasLoneSurrogate(value)) reject(type, value, site, "holds a lone UTF-16 surrogate, which UTF-8 cannot store");
      if (type.length !== undefined && [...value].length > type.length) reject(type, value, site, `longer than ${type.length} characters`);
      return value;
    case "uuid":
      if (typeof value !== "string" || !UUID_RE.test(value)) reject(type, value, site, "expected a UUID string");
      return value.toLowerCase();
    case "boolean":
      if (typeof value !== "boolean") reject(type, value, site, "expected a boolean");
      return value;
    case "date": {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) reject(type, value, site, "invalid date");
        if (value.getTime() < MIN_TIME || value.getTime() > MAX_TIME) reject(type, value, site, `outside ${MIN_DATE} to ${MAX_DATE}`);
        return value.toISOString().slice(0, 10);
      }
      if (typeof value !== "string" || !DATE_RE.test(value)) reject(type, value, site, "expected 'YYYY-MM-DD'");
      if (value < MIN_DATE) reject(type, value, site, `outside ${MIN_DATE} to ${MAX_DATE}`);
      const d = new Date(value + "T00:00:00Z");
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) reject(type, value, site, "no such calendar date");
      return value;
    }
    case "timestamp":
    case "timestamptz": {
      if (type.mode === "string") {
        const text = checkTimestampText(value, type.kind === "timestamptz", type.precision ?? 3);
        if (typeof text !== "string") reject(type, value, site, text.problem);
        return text;
      }
      if (!(value instanceof Date)) reject(type, value, site, "expected a Date");
      if (Number.isNaN(value.getTime())) reject(type, value, site, "invalid Date");
      if (value.getTime() < MIN_TIME || value.getTime() > MAX_TIME) reject(type, value, site, `outside ${MIN_DATE} to ${MAX_DATE}`);
      // A column keeping fewer digits than a Date would round the rest away.
      const p = type.precision;
      if (p !== undefined && p < 3 && value.getTime() % 10 ** (3 - p) !== 0) reject(type, value, site, `more than ${p} digits of a second would be rounded`);
      return value;
    }
    case "json": {
      const why = jsonProblem(value);
      if (why) reject(type, value, site, `not an exact JSON value: ${why}`);
      return value;
    }
    case "bytes":
      if (!(value instanceof Uint8Array)) reject(type, value, site, "expected a Uint8Array");
      return value;
    case "enum":
      if (typeof value !== "string" || !type.values!.includes(value))
        reject(type, value, site, `expected one of ${type.values!.map((v) => JSON.stringify(v)).join(", ")}`);
      return value;
    case "custom": {
      const spec = type.custom!;
      const why = spec.validate?.(value);
      if (why) reject(type, value, site, why);
      return checkValue(spec.base, spec.toDb(value), site);
    }
    case "nested":
      return reject(type, value, site, "nested results are read-only");
    case "unknown":
      return value;
  }
}

/**
 * A row count for LIMIT and OFFSET: a non-negative integer (SQLite and MariaDB read a negative
 * LIMIT as no limit at all). Bound and named values given there are checked against it.
 */
export const countType: SqlType<number> = customType<number, number>({
  name: "row count",
  base: types.integer,
  toDb: (v) => v,
  fromDb: (v) => v,
  validate: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? undefined : "expected a non-negative integer"),
});

/** Infers a type for a bare JS value bound without a column context (`sql` tag, literals). */
export function typeOfValue(value: unknown): SqlType {
  switch (typeof value) {
    case "bigint":
      return types.bigint;
    case "boolean":
      return types.boolean;
    case "number":
      return Number.isInteger(value) && Math.abs(value) < INT32 ? types.integer : types.double;
    case "string":
      return types.text;
    default:
      if (value instanceof Date) return types.timestamptz;
      if (value instanceof Uint8Array) return types.bytes;
      return types.unknown;
  }
}
