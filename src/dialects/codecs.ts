// Value conversions shared by several dialects. Each decoder assumes a non-null input: the row
// builder never calls a decoder for NULL.
import { InvalidValueError, describeValue } from "../errors.js";
import { formatTimestampText, parseTimestampText } from "../sql/timestamp-text.js";
import type { SqlType } from "../sql/types.js";
import type { Decoder } from "./dialect.js";

export const toNumber: Decoder = (v) => (typeof v === "number" ? v : Number(v));
export const toBigInt: Decoder = (v) => (typeof v === "bigint" ? v : BigInt(v as string | number));

/**
 * An integer-typed value that arrived as something wider (int8 text, a bigint, a DECIMAL, a REAL):
 * a number only while it is one exactly. Past 2^53 − 1 a number would round it, so it is refused
 * with the way to read it whole.
 */
export const toSafeInteger: Decoder = (v) => {
  const n = typeof v === "number" ? v : Number(v);
  if (Number.isSafeInteger(n)) return n;
  throw new InvalidValueError(
    `The result ${String(v)} of an integer-typed expression is not an integer a JS number holds exactly (|n| ≤ 2^53 − 1): cast the expression to types.bigint to read it whole`,
    { value: v },
  );
};

/** A bigint-typed value from an engine that overflows into doubles (SQLite): refused unless exact. */
export const toExactBigInt: Decoder = (v) => {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && !Number.isSafeInteger(v))
    throw new InvalidValueError(
      `The result ${String(v)} of a bigint-typed expression is not a 64-bit integer: the engine computed it as a floating-point number (an integer result past 2^63 − 1 overflowed)`,
      { value: v },
    );
  return BigInt(v as string | number);
};
export const toBytes: Decoder = (v) => {
  const b = v as Uint8Array;
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
/**
 * JSON text → value. A number no JS number reads back as written (past 15 significant digits, or
 * an exponent past a double's) is refused: JSON.parse would silently turn 12345678901234567890 into
 * 12345678901234567000, and PostgreSQL's jsonb, MariaDB and SQLite keep such numbers as written.
 */
export const parseJson: Decoder = (v) => {
  if (typeof v !== "string") return v;
  if (LONG_NUMBER.test(v)) refuseInexactNumbers(v);
  return JSON.parse(v);
};

/** Where a number may need more than a double: 16 digits (a point among them), or a 3-digit exponent. */
const LONG_NUMBER = /\d[\d.]{15}|[eE][+-]?\d{3}/;
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function refuseInexactNumbers(text: string): void {
  for (const m of text.matchAll(JSON_TOKEN)) {
    const token = m[0];
    if (token.charCodeAt(0) === 34) continue; // a string
    const n = Number(token);
    if (!Number.isFinite(n) || !sameDecimal(token, String(n)))
      throw new InvalidValueError(
        `The JSON number ${token} has no exact JS number (${String(n)}): read the value as text (cast(types.text)), or store the number as a string`,
        { value: token },
      );
  }
}

/** Whether two decimal numerals (sign, digits, point, exponent) are the same number. */
function sameDecimal(a: string, b: string): boolean {
  // As 0.d1d2… × 10^point, with neither leading nor trailing zeros in the digits.
  const norm = (s: string): string => {
    const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    if (!m) return s;
    const all = m[2] + (m[3] ?? "");
    const lead = all.length - all.replace(/^0+/, "").length;
    const digits = all.slice(lead).replace(/0+$/, "");
    if (digits === "") return "0";
    return `${m[1]}${digits}e${m[2].length - lead + Number(m[4] ?? 0)}`;
  };
  return norm(a) === norm(b);
}
export const toBoolean: Decoder = (v) => (typeof v === "boolean" ? v : Number(v) !== 0);

/** Two ASCII digits at i as a number, or -1 when either is not a digit. */
export function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * "YYYY-MM-DD[T ]HH:MM:SS[.f…fff][Z]" in UTC read by char codes, or undefined for any other form
 * (years outside 0100–9999, days past the 28th, more than 3 fraction digits, offsets): string
 * parsing by `new Date` costs more than the rest of a row. The caller falls back for the rest.
 */
export function fastUtcDate(s: string): Date | undefined {
  return readTimestamp(s, false);
}

/**
 * The same for a server's own timestamp text: also ±HH or ±HH:MM after the time, and every day of
 * the month (the server writes no invalid dates).
 */
export function fastServerDate(s: string): Date | undefined {
  return readTimestamp(s, true);
}

function readTimestamp(s: string, server: boolean): Date | undefined {
  const n = s.length;
  const sep = s.charCodeAt(10);
  if (n < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58)
    return undefined;
  const hi = twoDigits(s, 0);
  const lo = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (
    hi < 1 ||
    lo < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (server ? 31 : 28) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return undefined;
  let i = 19;
  let ms = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    let digits = 0;
    for (i++; i < n && digits < 4; i++, digits++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms = ms * 10 + c;
    }
    // More than 3 digits needs rounding: the caller's general path.
    if (digits === 0 || digits > 3) return undefined;
    ms *= digits === 1 ? 100 : digits === 2 ? 10 : 1;
  }
  let offset = 0;
  if (i < n && s.charCodeAt(i) === 90) i++;
  else if (server && i < n) {
    const sign = s.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return undefined;
    const oh = twoDigits(s, i + 1);
    if (oh < 0) return undefined;
    let om = 0;
    if (i + 3 === n) i = n;
    else if (i + 6 === n && s.charCodeAt(i + 3) === 58 && (om = twoDigits(s, i + 4)) >= 0) i = n;
    else return undefined;
    offset = (sign === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return i === n ? new Date(Date.UTC(hi * 100 + lo, month - 1, day, hour, minute, second, ms) - offset) : undefined;
}

/**
 * ISO-8601 text (SQLite's stored form) → Date; text without an offset is UTC, as SQLite writes it.
 * `where` names the column or expression in a refusal (see `refuseForDate`).
 */
export function isoTimestampDecoder(kind: TimestampKind, where: string | undefined): Decoder {
  return (v) => fastUtcDate(v as string) ?? isoGeneral(v as string, kind, where);
}

function isoGeneral(s: string, kind: TimestampKind, where: string | undefined): Date {
  // SQLite keeps the text as written: a cast keeps its digits.
  refuseForDate(s, kind, where, true);
  refuseMalformed(s, where);
  return /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(s) ? new Date(s) : utcGeneral(s);
}

/** "YYYY-MM-DD HH:MM:SS[.fff…]" written in UTC (no offset) → Date. */
export function utcTimestampDecoder(kind: TimestampKind, where: string | undefined): Decoder {
  return (v) =>
    v instanceof Date
      ? v
      : (fastUtcDate(v as string) ?? (refuseForDate(v as string, kind, where), refuseMalformed(v as string, where), utcGeneral(v as string)));
}

function utcGeneral(s: string): Date {
  return new Date(s.length > 10 && s[10] === " " ? `${s.slice(0, 10)}T${s.slice(11)}Z` : s.endsWith("Z") ? s : `${s}Z`);
}

export const isoTimestamp: Decoder = isoTimestampDecoder("timestamp", undefined);
export const utcTimestamp: Decoder = utcTimestampDecoder("timestamp", undefined);

export type TimestampKind = "timestamp" | "timestamptz";

/** A fraction with a digit other than 0 past its third. */
const SUB_MILLISECOND = /\.\d{3}\d*[1-9]/;

/**
 * What a timestamp read as a Date must not be, checked where the char-code reader declined: digits
 * past the millisecond (a Date would round them), PostgreSQL's 'infinity' and '-infinity' (no Date
 * is that instant), a year before 1 (" BC"). Each is refused naming the column or expression.
 */
export function refuseForDate(s: string, kind: TimestampKind, where: string | undefined, text = false): void {
  if (SUB_MILLISECOND.test(s))
    throw timestampRefused(
      s,
      where,
      "as a Date: it holds digits past the millisecond, which a Date would round",
      `declare it ${kind}({ precision: 6, mode: "string" }) to read ISO-8601 text to the microsecond, or ${
        text
          ? "store it with at most 3 digits"
          : `cast it to types.${kind} in the query to drop the digits past the millisecond (for the current time, use func.now())`
      }`,
    );
  if (s === "infinity" || s === "-infinity") throw timestampRefused(s, where, "as a Date: no Date is infinite", OUTSIDE_FIX);
  if (s.endsWith(" BC")) throw timestampRefused(s, where, "as a Date: it lies before year 1", OUTSIDE_FIX);
}

/**
 * Text in no timestamp form, or naming no such instant: `new Date` rolls 2024-02-30 over to March 1
 * and reads MariaDB's zero date 0000-00-00 as an invalid Date. Refused, naming the column.
 */
function refuseMalformed(s: string, where: string | undefined): void {
  if (parseTimestampText(s.trim()) === undefined)
    throw timestampRefused(s, where, "as a Date: it is no date and time", "store ISO-8601 text (YYYY-MM-DD HH:MM:SS[.fff]) of a real date");
}

const OUTSIDE_FIX = "read it as text (cast it to types.text), or keep such values out of the column: Arbor's dates and timestamps hold years 0001 to 9999";

function timestampRefused(s: string, where: string | undefined, why: string, fix: string): InvalidValueError {
  return new InvalidValueError(`Cannot read ${describeValue(s)} of ${where === undefined ? "a result column" : JSON.stringify(where)} ${why}: ${fix}`, {
    column: where,
    value: s,
  });
}

/**
 * A string-mode timestamp (`types.timestamp({ mode: "string" })`): the engine's text in Arbor's
 * one form for its type (sql/timestamp-text.ts), microseconds kept. 'infinity', BC years and text
 * in no timestamp form are refused, naming the column or expression.
 */
export function timestampTextDecoder(type: SqlType, where: string | undefined): Decoder {
  const tz = type.kind === "timestamptz";
  const precision = type.precision ?? 3;
  return (v) => {
    const s = typeof v === "string" ? v : String(v);
    const parts = parseTimestampText(s);
    const out =
      parts === undefined
        ? { problem: s.endsWith("infinity") ? "ISO-8601 has no infinity" : "it is in no timestamp form" }
        : formatTimestampText(parts, tz, precision);
    if (typeof out === "string") return out;
    throw timestampRefused(s, where, `as ${type.kind} text: ${out.problem}`, OUTSIDE_FIX);
  };
}

/** A PostgreSQL date: "YYYY-MM-DD", or refused ('infinity', " BC", years past 9999) naming the column. */
export function pgDateDecoder(where: string | undefined): Decoder {
  return (v) => ((v as string).length === 10 ? v : refuseDate(v as string, where));
}

function refuseDate(s: string, where: string | undefined): never {
  throw timestampRefused(s, where, "as a date: it lies outside the years 0001 to 9999", OUTSIDE_FIX);
}

export function bytesToBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** "2020-01-01T10:00:00.123Z" → "2020-01-01 10:00:00.123" (UTC wall clock). */
export function utcWallClock(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Hex text (from SQL hex()/HEX()) → bytes. */
export const hexToBytes: Decoder = (v) => {
  const b = Buffer.from(v as string, "hex");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/**
 * A checked decimal string written with exactly `scale` places (padded, never rounded: checkValue
 * refuses extra places), so numerics that arrive as text (SQLite TEXT storage, a bound value
 * read back) look like the other engines' ("0.5000") and compare equal as text.
 */
export function withScale(s: string, scale: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s.trim());
  if (!m) return s;
  const int = m[2].replace(/^0+(?=\d)/, "") || "0";
  const frac = m[3] ?? "";
  if (frac.length > scale) return s;
  const out = scale > 0 ? `${int}.${frac.padEnd(scale, "0")}` : int;
  return m[1] === "-" && /[1-9]/.test(out) ? `-${out}` : out;
}
