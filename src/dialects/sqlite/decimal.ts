// Exact decimal sums on SQLite. Its sum() adds doubles, so a numeric(20, 2) total lost digits
// ("123456789012345678.91" + "0.01" gave "123456789012345680.00"). The dialect compiles sum() of a
// numeric as DECIMAL_SUM, an aggregate registered on every connection that adds with BigInt.

export const DECIMAL_SUM = "arbor_decimal_sum";

/** A decimal as an integer scaled by 10^-scale. */
interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A stored numeric (TEXT, INTEGER or the REAL NUMERIC affinity made of it) as a scaled integer. */
export function toScaled(v: unknown): Scaled {
  if (typeof v === "bigint") return { units: v, scale: 0 };
  // A REAL holds at most 15 significant digits of what was written: its shortest form is that text.
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : undefined;
  const m = s === undefined ? null : DECIMAL_RE.exec(s);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new TypeError(`${DECIMAL_SUM}: ${String(v)} is not a decimal number`);
  const frac = m[3] ?? "";
  let units = BigInt((m[2] || "0") + frac);
  let scale = frac.length - Number(m[4] ?? 0);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: m[1] === "-" ? -units : units, scale };
}

function add(a: Scaled, b: Scaled, sign: 1n | -1n): Scaled {
  const scale = Math.max(a.scale, b.scale);
  const units = a.units * 10n ** BigInt(scale - a.scale) + sign * b.units * 10n ** BigInt(scale - b.scale);
  return { units, scale };
}

export function scaledText(a: Scaled): string {
  const neg = a.units < 0n;
  const digits = (neg ? -a.units : a.units).toString().padStart(a.scale + 1, "0");
  const text = a.scale === 0 ? digits : `${digits.slice(0, -a.scale)}.${digits.slice(-a.scale)}`;
  return neg ? `-${text}` : text;
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
  result: (acc: Acc): string | null => (acc === null ? null : scaledText(acc.sum)),
  deterministic: true,
};
