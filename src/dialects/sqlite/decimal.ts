// Exact decimals on SQLite, which has none: numeric(p ≤ 15) is stored as a REAL (NUMERIC affinity,
// exact to 15 digits) and wider numerics as TEXT. SQLite's own +, -, *, sum() compute in doubles (0.10 + 0.20
// gave 0.30000000000000004; "123456789012345678.91" + "0.01" gave …680.00) and compares TEXT as
// text ("10" < "9"). The dialect compiles decimal arithmetic, sums, min/max of wide numerics and
// comparisons of wide numerics to the functions here, registered on every connection: they compute
// with scaled BigInts. A result is a number when every input was one (a narrow numeric) and that
// double reads back as the exact result, TEXT when an input was TEXT (a wide numeric); a narrow
// result no double holds is refused rather than rounded.
import { InvalidValueError } from "../../errors.js";

export const DECIMAL_SUM = "arbor_decimal_sum";
export const DECIMAL_MIN = "arbor_decimal_min";
export const DECIMAL_MAX = "arbor_decimal_max";
export const DECIMAL_ADD = "arbor_decimal_add";
export const DECIMAL_SUB = "arbor_decimal_sub";
export const DECIMAL_MUL = "arbor_decimal_mul";
export const DECIMAL_MOD = "arbor_decimal_mod";
export const DECIMAL_ROUND = "arbor_decimal_round";
export const DECIMAL_FIT = "arbor_decimal_fit";
export const DECIMAL_INTEGER = "arbor_decimal_integer";
export const DOUBLE_INTEGER = "arbor_double_integer";
export const DECIMAL_NEG = "arbor_decimal_neg";
export const DECIMAL_ABS = "arbor_decimal_abs";
/** A TEXT sort key whose binary order is the decimals' numeric order (see `decimalKey`). */
export const DECIMAL_KEY = "arbor_decimal_key";
/** A decimal's text with `scale` places (CAST prints a REAL 2.50 as "2.5"). */
export const DECIMAL_TEXT = "arbor_decimal_text";

/** A decimal as an integer scaled by 10^-scale; `text` when it came from (or goes to) TEXT. */
interface Scaled {
  readonly units: bigint;
  readonly scale: number;
  readonly text: boolean;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A stored numeric (TEXT, INTEGER or the REAL NUMERIC affinity made of it) as a scaled integer. */
export function toScaled(v: unknown): Scaled {
  if (typeof v === "bigint") return { units: v, scale: 0, text: false };
  // A REAL holds at most 15 significant digits of what was written: its shortest form is that text.
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : undefined;
  const m = s === undefined ? null : DECIMAL_RE.exec(s);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new InvalidValueError(`${String(v)} is not a decimal number`);
  const frac = m[3] ?? "";
  let units = BigInt((m[2] || "0") + frac);
  let scale = frac.length - Number(m[4] ?? 0);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: m[1] === "-" ? -units : units, scale, text: typeof v === "string" };
}

function rescale(a: Scaled, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

function add(a: Scaled, b: Scaled, sign: 1n | -1n): Scaled {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + sign * rescale(b, scale), scale, text: a.text || b.text };
}

function compare(a: Scaled, b: Scaled): number {
  const scale = Math.max(a.scale, b.scale);
  const d = rescale(a, scale) - rescale(b, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function scaledText(a: Scaled): string {
  const neg = a.units < 0n;
  const digits = (neg ? -a.units : a.units).toString().padStart(a.scale + 1, "0");
  const text = a.scale === 0 ? digits : `${digits.slice(0, -a.scale)}.${digits.slice(-a.scale)}`;
  return neg ? `-${text}` : text;
}

/** The value SQLite gets back: TEXT for wide numerics, else the double that reads back exactly. */
export function result(a: Scaled): string | number {
  const text = scaledText(a);
  if (a.text) return text;
  const n = Number(text);
  if (compare(toScaled(n), a) !== 0)
    throw new InvalidValueError(
      `SQLite holds numeric(p ≤ 15) as a double, which cannot hold the exact result ${text}; declare the column numeric(p, s) with p > 15`,
    );
  return n;
}

const one = (f: (a: Scaled) => Scaled) => (a: unknown) => (a === null || a === undefined ? null : result(f(toScaled(a))));
const two = (f: (a: Scaled, b: Scaled) => Scaled) => (a: unknown, b: unknown) =>
  a === null || a === undefined || b === null || b === undefined ? null : result(f(toScaled(a), toScaled(b)));

export const decimalAdd = two((a, b) => add(a, b, 1n));
export const decimalSub = two((a, b) => add(a, b, -1n));
/** The exact product, with the sum of the scales (as PostgreSQL gives it). */
export const decimalMul = two((a, b) => ({ units: a.units * b.units, scale: a.scale + b.scale, text: a.text || b.text }));
/**
 * The exact remainder, with the sign of the dividend and the larger scale (7.50 % 2.00 is 1.50, as
 * on PostgreSQL and MariaDB; SQLite's own % truncates both operands to integers). By zero: NULL,
 * as SQLite gives x % 0.
 */
export function decimalMod(a: unknown, b: unknown): string | number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  const divisor = rescale(y, scale);
  if (divisor === 0n) return null;
  // BigInt % truncates toward zero: the remainder takes the dividend's sign.
  return result({ units: rescale(x, scale) % divisor, scale, text: x.text || y.text });
}
/**
 * Rounded half away from zero to `digits` places (tens, hundreds… when negative), as PostgreSQL
 * and MariaDB round a decimal; padded when it has fewer (round(2.5, 3) is 2.500).
 */
function roundTo(a: Scaled, digits: number): Scaled {
  if (digits >= a.scale) return { ...a, units: rescale(a, digits), scale: digits };
  const drop = 10n ** BigInt(a.scale - digits);
  const rest = a.units % drop;
  let units = a.units / drop;
  if ((rest < 0n ? -rest : rest) * 2n >= drop) units += a.units < 0n ? -1n : 1n;
  return digits < 0 ? { ...a, units: units * 10n ** BigInt(-digits), scale: 0 } : { ...a, units, scale: digits };
}

function placesOf(digits: unknown): number {
  const d = Number(digits);
  if (!Number.isInteger(d) || Math.abs(d) > 1000) throw new InvalidValueError(`round(): ${String(digits)} is not a number of decimal places`);
  return d;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function int64(units: bigint, what: string): bigint {
  if (units > INT64_MAX || units < INT64_MIN) throw new InvalidValueError(`${what} is out of range for a 64-bit integer`);
  return units;
}

/**
 * round(x, digits) of a decimal (or of a double, by its shortest decimal text, as PostgreSQL rounds
 * the numeric a double converts to): exact, as TEXT with `digits` places, like an unconstrained
 * numeric (SQLite's own round() works on the binary double: round(0.15, 1) gave 0.1).
 */
export function decimalRound(v: unknown, digits: unknown): string | null {
  if (v === null || v === undefined || digits === null || digits === undefined) return null;
  return scaledText(roundTo(toScaled(v), placesOf(digits)));
}

/**
 * CAST(x AS numeric(p, s)): rounded to s places, refused when it needs more than p digits
 * (PostgreSQL's "numeric field overflow"); a number when p ≤ 15 (a narrow numeric is a REAL).
 */
export function decimalFit(v: unknown, scale: unknown, precision: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  const s = Number(scale);
  const p = Number(precision);
  const r = roundTo(toScaled(v), s);
  const digits = (r.units < 0n ? -r.units : r.units).toString().length;
  if (r.units !== 0n && digits > p)
    throw new InvalidValueError(`${scaledText(r)} does not fit numeric(${p}, ${s}): it has ${digits - s} digits before the point, the type ${p - s}`);
  return p <= 15 ? Number(scaledText(r)) : scaledText(r);
}

/** CAST(decimal AS INTEGER): rounded half away from zero, as PostgreSQL and MariaDB cast (SQLite truncated 2.50 to 2). */
export function decimalInteger(v: unknown, bits: unknown = 64): bigint | null {
  if (v === null || v === undefined) return null;
  const r = roundTo(toScaled(v), 0);
  return inBits(r.units, Number(bits), scaledText(r));
}

/** CAST(double AS INTEGER): rounded half to even, as PostgreSQL (rint) and MariaDB cast a double (SQLite truncated). */
export function doubleInteger(v: unknown, bits: unknown = 64): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return inBits(v, Number(bits), String(v));
  const x = Number(v);
  if (!Number.isFinite(x)) throw new InvalidValueError(`${String(v)} is out of range for a ${Number(bits)}-bit integer`);
  let r = Math.round(x); // halves go up: 2.5 → 3, -2.5 → -2
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return inBits(BigInt(r), Number(bits), String(v));
}

/** An integer within a signed `bits`-bit range (the cast's target: smallint, integer or bigint), or refused. */
function inBits(units: bigint, bits: number, what: string): bigint {
  if (bits >= 64) return int64(units, what);
  const half = 2n ** BigInt(bits - 1);
  if (units >= half || units < -half) throw new InvalidValueError(`${what} is out of range for a ${bits}-bit integer`);
  return units;
}

export const decimalNeg = one((a) => ({ ...a, units: -a.units }));
export const decimalAbs = one((a) => ({ ...a, units: a.units < 0n ? -a.units : a.units }));

export function decimalText(v: unknown, scale: unknown): string | null {
  if (v === null || v === undefined) return null;
  const a = toScaled(v);
  const s = Number(scale);
  return scaledText(s > a.scale ? { ...a, units: rescale(a, s), scale: s } : a);
}

/**
 * A TEXT key that sorts, byte by byte, as the decimal does: "1" then the integer part's length
 * (5 digits) and its digits and the fraction without trailing zeros for x ≥ 0; "0" then the nines'
 * complement of that and "~" (above every digit) for x < 0, so a longer negative sorts first.
 */
export function decimalKey(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const a = toScaled(v);
  const neg = a.units < 0n;
  const digits = (neg ? -a.units : a.units).toString().padStart(a.scale + 1, "0");
  const int = digits.slice(0, digits.length - a.scale).replace(/^0+/, "");
  const frac = digits.slice(digits.length - a.scale).replace(/0+$/, "");
  const body = String(int.length).padStart(5, "0") + int + frac;
  if (!neg) return `1${body}`;
  let out = "0";
  for (const c of body) out += String(9 - Number(c));
  return `${out}~`;
}

/** The accumulator: null until a non-NULL value arrives, as SQL's SUM of no values is NULL. */
type Acc = { sum: Scaled; count: number } | null;

/** better-sqlite3's aggregate definition (also a window function through `inverse`). */
export const decimalSum = {
  start: (): Acc => null,
  step(acc: Acc, v: unknown): Acc {
    if (v === null || v === undefined) return acc;
    const x = toScaled(v);
    return acc === null ? { sum: x, count: 1 } : { sum: add(acc.sum, x, 1n), count: acc.count + 1 };
  },
  inverse(acc: Acc, v: unknown): Acc {
    if (v === null || v === undefined || acc === null) return acc;
    return acc.count === 1 ? null : { sum: add(acc.sum, toScaled(v), -1n), count: acc.count - 1 };
  },
  result: (acc: Acc): string | number | null => (acc === null ? null : result(acc.sum)),
  deterministic: true,
};

/**
 * min()/max() of wide numerics by value (SQLite's compare their TEXT); the value is returned as
 * stored. The values are kept so a window frame can drop them again (`inverse`).
 */
function extreme(sign: 1 | -1) {
  type Held = Scaled[];
  const best = (held: Held): Scaled => held.reduce((b, x) => (sign * compare(x, b) < 0 ? x : b));
  return {
    start: (): Held => [],
    step(held: Held, v: unknown): Held {
      if (v !== null && v !== undefined) held.push(toScaled(v));
      return held;
    },
    inverse(held: Held, v: unknown): Held {
      if (v === null || v === undefined) return held;
      const x = toScaled(v);
      const at = held.findIndex((h) => compare(h, x) === 0);
      if (at >= 0) held.splice(at, 1);
      return held;
    },
    result: (held: Held): string | number | null => (held.length === 0 ? null : result(best(held))),
    deterministic: true,
  };
}

export const decimalMin = extreme(1);
export const decimalMax = extreme(-1);
