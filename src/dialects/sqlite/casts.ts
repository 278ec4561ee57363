// Casts SQLite gets wrong, done as PostgreSQL does them. SQLite's CAST never fails: it reads the
// longest numeric prefix of a text ('4x' AS INTEGER is 4, 'true' AS INTEGER is 0), and a boolean is
// an integer (true AS TEXT is '1'). The dialect compiles such casts to these functions, which every
// connection registers with the exact-decimal ones (contract.ts): a text that is not a value of the
// target type is refused, never read as another value.
import { InvalidValueError } from "../../errors.js";

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
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = new Date(Date.UTC(y, mo - 1, d));
    if (t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && y > 0) return `${m[1]}-${m[2]}-${m[3]}`;
  }
  throw refuse(v, "a date (YYYY-MM-DD)");
}

/** 'true' / 'false', as PostgreSQL prints a boolean (SQLite printed 1, or 1.0 for a bound value). */
export function booleanText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Number(v) !== 0 ? "true" : "false";
}

export const TEXT_TIMESTAMP = "arbor_text_timestamp";

const TIMESTAMP_RE = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$/;

/**
 * A text cast to a timestamp, as PostgreSQL reads one: a calendar date, optionally a time (seconds
 * and their fraction optional) and an offset, which a timestamp with time zone applies and one
 * without ignores; the fraction rounded half up to `precision` digits. Returns the stored form (ISO
 * text in UTC with its Z). 2024-02-30, hour 25 and other text are refused, where SQLite's own
 * reading gave an invalid Date or rolled 2024-02-30 over to March 1.
 */
export function textTimestamp(v: unknown, zoned: unknown, precision: unknown): string | null {
  if (v === null || v === undefined) return null;
  const m = TIMESTAMP_RE.exec(String(v));
  const p = Number(precision);
  if (m) {
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
    // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
    const day = new Date(0);
    day.setUTCFullYear(y, mo - 1, d);
    const validDay = y > 0 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
    if (validDay && h <= 23 && mi <= 59 && s <= 59) {
      // The fraction to microseconds, then to `precision` digits, each rounded half up; a carry
      // moves the second.
      const micros = Math.round(Number((m[7] ?? "").padEnd(7, "0").slice(0, 7)) / 10);
      const unit = 10 ** (6 - p);
      let fraction = Math.round(micros / unit);
      let carry = 0;
      if (fraction === 10 ** p) [fraction, carry] = [0, 1];
      let ms = day.getTime() + ((h * 60 + mi) * 60 + s + carry) * 1000;
      const offset = m[8];
      if (Number(zoned) === 1 && offset !== undefined && offset.toUpperCase() !== "Z") {
        const digits = offset.slice(1).replace(":", "");
        ms -= (offset[0] === "-" ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0")) * 60_000;
      }
      const at = new Date(ms);
      if (at.getUTCFullYear() >= 1 && at.getUTCFullYear() <= 9999)
        return `${at.toISOString().slice(0, 19)}${p > 0 ? `.${String(fraction).padStart(p, "0")}` : ""}Z`;
    }
  }
  throw refuse(v, "a timestamp (YYYY-MM-DD[ HH:MM[:SS[.f]]][offset])");
}
