// The oracle's exact decimals: a scaled BigInt with its scale, written as text with exactly that many
// places (as the engines print a numeric). Arithmetic follows SQL's scales: a sum has the larger
// scale, a product the sum of the scales, a remainder the larger scale and the dividend's sign.

export interface Dec {
  readonly units: bigint;
  readonly scale: number;
}

/** Decimal text ("-1.50", "0.0225", "3") or an integer as a Dec. */
export function parseDec(v: string | number): Dec {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`not an integer: ${v}`);
    return { units: BigInt(v), scale: 0 };
  }
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) throw new Error(`not a decimal: ${v}`);
  const frac = m[3] ?? "";
  const units = BigInt(m[2] + frac);
  return { units: m[1] ? -units : units, scale: frac.length };
}

/** Text with exactly `d.scale` places and no negative zero. */
export function decText(d: Dec): string {
  const neg = d.units < 0n;
  const digits = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  const int = digits.slice(0, digits.length - d.scale);
  return `${neg ? "-" : ""}${int}${d.scale ? `.${digits.slice(-d.scale)}` : ""}`;
}

const rescale = (d: Dec, scale: number): bigint => d.units * 10n ** BigInt(scale - d.scale);

export function decAdd(a: Dec, b: Dec, sign: 1n | -1n = 1n): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + sign * rescale(b, scale), scale };
}

export const decMul = (a: Dec, b: Dec): Dec => ({ units: a.units * b.units, scale: a.scale + b.scale });

/** The remainder: the larger scale, the dividend's sign (BigInt % truncates toward zero). */
export function decMod(a: Dec, b: Dec): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) % rescale(b, scale), scale };
}

/** The quotient as text, cut to 20 places (quotients are compared rounded to fewer). */
export function decQuotient(a: Dec, b: Dec): string {
  const scale = Math.max(a.scale, b.scale);
  return decText({ units: (rescale(a, scale) * 10n ** 20n) / rescale(b, scale), scale: 20 });
}

export const decNeg = (a: Dec): Dec => ({ units: -a.units, scale: a.scale });

export function decCmp(a: Dec, b: Dec): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A key equal for equal values whatever their scales. */
export function decKey(a: Dec): string {
  let { units, scale } = a;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  return `${units}e-${scale}`;
}
