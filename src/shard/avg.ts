// avg() across shards, as each engine computes it from the exact total and count, so the merged
// value is the one a single database returns (issue 16).
//   PostgreSQL: numeric_div(sum, count) — the scale select_div_scale picks (at least 16 significant
//               digits, never below the sum's scale), rounded half away from zero.
//   MariaDB:    sum / count at the argument's scale + div_precision_increment (4, the default),
//               rounded half away from zero.
//   SQLite:     the floating-point quotient of the integer total and count.

/** A decimal string (or integer) as a scaled integer: value = digits / 10^scale. */
function scaled(v: unknown): { digits: bigint; scale: number } {
  const s = String(v).trim();
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const frac = m[3] ?? "";
  const digits = BigInt(`${m[2] || "0"}${frac}`);
  return { digits: m[1] === "-" ? -digits : digits, scale: frac.length };
}

/** `n / 10^nScale ÷ d` rounded half away from zero to `rscale` digits, as a decimal string. */
function divide(n: bigint, nScale: number, d: bigint, rscale: number): string {
  // n·10^rscale / (d·10^nScale), rounded.
  const num = n * 10n ** BigInt(Math.max(0, rscale - nScale));
  const den = d * 10n ** BigInt(Math.max(0, nScale - rscale));
  const neg = num < 0n !== den < 0n;
  const a = num < 0n ? -num : num;
  const b = den < 0n ? -den : den;
  let q = a / b;
  if ((a % b) * 2n >= b) q += 1n;
  const text = q.toString().padStart(rscale + 1, "0");
  const body = rscale ? `${text.slice(0, -rscale)}.${text.slice(-rscale)}` : text;
  return neg && q !== 0n ? `-${body}` : body;
}

/** PostgreSQL's weight (in base-10000 digits) and first base-10000 digit of a scaled decimal; 0, 0 for zero. */
function nbaseLead(digits: bigint, scale: number): { weight: number; first: number } {
  const a = digits < 0n ? -digits : digits;
  if (a === 0n) return { weight: 0, first: 0 };
  const text = a.toString().padStart(scale + 1, "0");
  const int = text.slice(0, text.length - scale).replace(/^0+/, "");
  if (int.length) {
    const groups = Math.ceil(int.length / 4);
    const head = int.length - (groups - 1) * 4;
    return { weight: groups - 1, first: Number(int.slice(0, head)) };
  }
  const frac = text.slice(text.length - scale);
  const padded = frac.padEnd(Math.ceil(frac.length / 4) * 4, "0");
  for (let j = 0; j * 4 < padded.length; j++) {
    const g = Number(padded.slice(j * 4, j * 4 + 4));
    if (g !== 0) return { weight: -(j + 1), first: g };
  }
  return { weight: 0, first: 0 };
}

/** avg on PostgreSQL from the exact sum (numeric text, its scale as the engine keeps it) and count. */
export function postgresAvg(sum: unknown, count: unknown): string | null {
  const n = BigInt(String(count));
  if (n === 0n || sum === null || sum === undefined) return null;
  const s = scaled(sum);
  const l1 = nbaseLead(s.digits, s.scale);
  const l2 = nbaseLead(n, 0);
  let qweight = l1.weight - l2.weight;
  if (l1.first <= l2.first) qweight--;
  const rscale = Math.min(1000, Math.max(16 - qweight * 4, s.scale, 0));
  return divide(s.digits, s.scale, n, rscale);
}

/** avg on MariaDB from the exact sum and count, for an argument of `argScale` decimals. */
export function mariadbAvg(sum: unknown, count: unknown, argScale: number): string | null {
  const n = BigInt(String(count));
  if (n === 0n || sum === null || sum === undefined) return null;
  const s = scaled(sum);
  return divide(s.digits, s.scale, n, Math.min(38, argScale + 4));
}
