// Timestamps read and bound as ISO-8601 text (`types.timestamp({ mode: "string" })`), kept to the
// microsecond where a JS Date would round to the millisecond. One form per type:
// "2024-01-02T03:04:05.123456Z" for timestamptz (UTC), "2024-01-02T03:04:05.123456" for timestamp,
// with as many fraction digits as the column's precision (none at precision 0), more only when a
// value read holds more. Dialects decode to it; checkValue normalises bound text to it.

/** A timestamp's fields as written: `fraction` is its digits, `offset` in seconds (absent: none written). */
export interface TimestampParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly fraction: string;
  readonly offset?: number;
  /** Written with " BC" (PostgreSQL's years before 1). */
  readonly bc: boolean;
}

/** What a caller binds: date and time, [T ] between, up to 9 fraction digits, Z or ±HH:MM. */
const BOUND = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?$/;
/** What an engine returns: longer years, no seconds (SQLite), offsets ±HH, ±HHMM, ±HH:MM:SS, " BC". */
const READ = /^(\d{4,})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?\s*([zZ]|[+-]\d\d(?::?\d\d)?(?::\d\d)?)?( BC)?$/;

function parts(m: RegExpExecArray, bc: boolean): TimestampParts | undefined {
  const p: TimestampParts = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    fraction: m[7] ?? "",
    offset: m[8] === undefined ? undefined : offsetSeconds(m[8]),
    bc,
  };
  const last = new Date(Date.UTC(2000, p.month, 0)).getUTCDate() - (p.month === 2 && !leap(p.year) ? 1 : 0);
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > last || p.hour > 23 || p.minute > 59 || p.second > 59) return undefined;
  return p;
}

const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function offsetSeconds(o: string): number {
  if (o === "Z" || o === "z") return 0;
  const digits = o.slice(1).replace(/:/g, "");
  const s = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60 + Number(digits.slice(4, 6) || 0);
  return o[0] === "-" ? -s : s;
}

/** Reads an engine's timestamp text; undefined for text in no timestamp form ('infinity' included). */
export function parseTimestampText(s: string): TimestampParts | undefined {
  const m = READ.exec(s);
  return m ? parts(m, m[9] !== undefined) : undefined;
}

/**
 * The one form of a timestamp (see the top of this file), moved to UTC when it carries an offset,
 * or the reason it has none: a year outside 0001–9999 after the shift, or a BC year.
 */
export function formatTimestampText(p: TimestampParts, tz: boolean, precision: number): string | { readonly problem: string } {
  if (p.bc) return { problem: "its year lies before year 1" };
  let { year, month, day, hour, minute, second } = p;
  if (p.offset !== undefined && p.offset !== 0) {
    // Set field by field: Date.UTC reads years below 100 as 19xx.
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, minute, second - p.offset, 0);
    [year, month, day, hour, minute, second] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  }
  if (year < 1 || year > 9999) return { problem: "outside 0001-01-01 to 9999-12-31" };
  const kept = p.fraction.replace(/0+$/, "");
  const fraction = kept.length > precision ? kept : kept.padEnd(precision, "0");
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${String(year).padStart(4, "0")}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}${fraction && `.${fraction}`}${tz ? "Z" : ""}`;
}

/**
 * A bound value of a string-mode timestamp in its one form, or the reason it is refused: not ISO
 * text, no such instant, more fraction digits than the column keeps (the engine would round them),
 * an offset on a timestamp without time zone, none on a timestamptz.
 */
export function checkTimestampText(value: unknown, tz: boolean, precision: number): string | { readonly problem: string } {
  const form = tz ? "'YYYY-MM-DDTHH:MM:SS[.ffffff]' with Z or ±HH:MM" : "'YYYY-MM-DDTHH:MM:SS[.ffffff]'";
  if (typeof value !== "string") return { problem: `expected ISO-8601 text ${form}` };
  const m = BOUND.exec(value);
  if (!m) return { problem: `expected ISO-8601 text ${form}` };
  if (tz && m[8] === undefined) return { problem: "expected an offset (Z or ±HH:MM): a timestamptz is an instant" };
  if (!tz && m[8] !== undefined && m[8] !== "Z") return { problem: "a timestamp without time zone takes no offset but Z" };
  const p = parts(m, false);
  if (p === undefined) return { problem: "no such date and time" };
  if (p.fraction.replace(/0+$/, "").length > precision) return { problem: `more than ${precision} digits of a second would be rounded` };
  return formatTimestampText(p, tz, precision);
}
