// Casts SQLite gets wrong, done as PostgreSQL does them. SQLite's CAST never fails: it reads the
// longest numeric prefix of a text ('4x' AS INTEGER is 4, 'true' AS INTEGER is 0), and a boolean is
// an integer (true AS TEXT is '1'). The dialect compiles such casts to these functions, which every
// connection registers with the exact-decimal ones (contract.ts): a text that is not a value of the
// target type is refused, never read as another value.
import { InvalidValueError } from "../../errors.js";
import { formatTimestampText, parseTimestampText } from "../../sql/timestamp-text.js";

export const TEXT_BOOLEAN = "arbor_text_boolean";
export const TEXT_INTEGER = "arbor_text_integer";
export const TEXT_DATE = "arbor_text_date";
export const BOOLEAN_TEXT = "arbor_boolean_text";

const refuse = (v: unknown, type: string) => new InvalidValueError(`invalid input for a cast to ${type}: ${JSON.stringify(String(v))}`, { value: v });

const TRUE = ["true", "yes", "on"];
const FALSE = ["false", "no", "off"];

/** PostgreSQL's boolean input: t/true/y/yes/on/1 and f/false/n/no/off/0, any case, a unique prefix, spaces around. */
export function textBoolean(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") return Number(v) !== 0 ? 1 : 0;
  const s = v.trim().toLowerCase();
  if (s === "1") return 1;
  if (s === "0") return 0;
  // "o" alone could be on or off.
  const prefixOf = (words: string[]) => s.length > 0 && s !== "o" && words.some((w) => w.startsWith(s));
  if (prefixOf(TRUE)) return 1;
  if (prefixOf(FALSE)) return 0;
  throw refuse(v, "boolean");
}

const INTEGER_RE = /^\s*([+-]?\d+)\s*$/;

/** PostgreSQL's integer input: optional sign, digits, spaces around; within `bits` bits. */
export function textInteger(v: unknown, bits: unknown): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v;
  const m = INTEGER_RE.exec(String(v));
  if (!m) throw refuse(v, "an integer");
  const n = BigInt(m[1]);
  const half = 2n ** (BigInt(Number(bits)) - 1n);
  if (n < -half || n >= half) throw new InvalidValueError(`${m[1]} is out of range for a ${Number(bits)}-bit integer`, { value: v });
  return n;
}

const DATE_RE = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/;

/** A calendar date written YYYY-MM-DD (the form Arbor stores dates in on SQLite); 2024-02-30 is refused. */
export function textDate(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const m = DATE_RE.exec(String(v));
  // The calendar check of timestamp-text.ts (Date.UTC read years below 100 as 19xx, refusing them).
  const date = m && `${m[1]}-${m[2]}-${m[3]}`;
  if (date && Number(m[1]) > 0 && parseTimestampText(date) !== undefined) return date;
  throw refuse(v, "a date (YYYY-MM-DD)");
}

/** 'true' / 'false', as PostgreSQL prints a boolean (SQLite printed 1, or 1.0 for a bound value). */
export function booleanText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Number(v) !== 0 ? "true" : "false";
}

export const TEXT_TIMESTAMP = "arbor_text_timestamp";

/**
 * A text cast to a timestamp, as PostgreSQL reads one: a calendar date, optionally a time (seconds
 * and their fraction optional) and an offset, which a timestamp with time zone applies and one
 * without ignores; the fraction rounded half up to `precision` digits. Returns the stored form (ISO
 * text in UTC with its Z). 2024-02-30, hour 25 and other text are refused, where SQLite's own
 * reading gave an invalid Date or rolled 2024-02-30 over to March 1. The text is read and written
 * by the string-mode timestamp's own parser and formatter (sql/timestamp-text.ts).
 */
export function textTimestamp(v: unknown, zoned: unknown, precision: unknown): string | null {
  if (v === null || v === undefined) return null;
  const read = parseTimestampText(String(v).trim());
  if (read !== undefined) {
    const p = Number(precision);
    // Rounded to `p` digits; a carry into the seconds rides on the offset the formatter applies.
    const micros = Math.round(Number(read.fraction.padEnd(7, "0").slice(0, 7)) / 10);
    let fraction = Math.round(micros / 10 ** (6 - p));
    const carry = fraction === 10 ** p ? 1 : 0;
    if (carry) fraction = 0;
    const offset = (Number(zoned) === 1 ? (read.offset ?? 0) : 0) - carry;
    const text = formatTimestampText({ ...read, fraction: p > 0 ? String(fraction).padStart(p, "0") : "", offset }, true, p);
    if (typeof text === "string") return text;
  }
  throw refuse(v, "a timestamp (YYYY-MM-DD[ HH:MM[:SS[.f]]][offset])");
}
