// Compares result rows by exact type: integers as JS integers, decimals as exact strings with their
// scale, booleans as booleans, dates as YYYY-MM-DD, nested rows recursively, averages (doubles)
// within a tolerance. Rows are a multiset unless the statement fixes their order.
import { DIFFERENCES } from "./dialect-differences.js";
import { COLUMNS } from "./model.js";

const CHECK: Record<string, (v: unknown) => boolean> = {
  int: (v) => typeof v === "number" && Number.isInteger(v),
  dec: (v) => typeof v === "string" && /^-?\d+\.\d{2}$/.test(v),
  dec4: (v) => typeof v === "string" && /^-?\d+\.\d{4}$/.test(v),
  quot: (v) => typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v),
  text: (v) => typeof v === "string",
  bool: (v) => typeof v === "boolean",
  date: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v),
  double: (v) => typeof v === "number",
};

/** Where a double stands in a row's canonical text; its value is compared apart, within a tolerance. */
const NUM = "\u0000";

/**
 * Whether two averages agree (dialect-differences.ts: averagePrecision). Not by rounding both to
 * fixed places: an exact average on a rounding boundary (623457.0165) that one engine divides as a
 * double (623457.0164999999) rounds the other way, however many places are kept. Two correct
 * averages differ by the rounding of a double (a relative error of a few ulps: SQLite and the
 * oracle divide doubles, PostgreSQL's numeric is read into one) and by MariaDB's rounding of its
 * DECIMAL to `places` more digits than the argument's scale (at most half a unit in the 4th place; a
 * whole unit is allowed).
 */
export function sameAverage(a: number, b: number): boolean {
  const { relative, places } = DIFFERENCES.averagePrecision;
  return Math.abs(a - b) <= 10 ** -places + relative * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * One value as a canonical string; a value of the wrong JS type shows as such. A double is `NUM` in
 * the string and its value is pushed onto `nums`.
 */
function canon(ty: string, v: unknown, nums: number[]): string {
  if (v === null) return "NULL";
  if (ty.startsWith("nested:")) return nestedCanon(ty.slice(7).split(","), v, nums);
  if (!CHECK[ty](v)) return `WRONG-TYPE(${ty}: ${typeof v} ${describe(v)})`;
  if (ty === "double") {
    nums.push(v as number);
    return NUM;
  }
  // Decimal quotients likewise (dialect-differences.ts: decimalQuotient), without a negative zero.
  if (ty === "quot")
    return Number(v)
      .toFixed(DIFFERENCES.decimalQuotient.places)
      .replace(/^-(?=[0.]+$)/, "");
  return JSON.stringify(v);
}

function nestedCanon(colTypes: readonly string[], v: unknown, nums: number[]): string {
  const one = (r: unknown): string => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) return `WRONG-ROW(${describe(r)})`;
    const keys = Object.keys(r);
    return `{${keys.map((k) => `${k}:${canon(colType(k, colTypes), (r as Record<string, unknown>)[k], nums)}`).join(",")}}`;
  };
  return Array.isArray(v) ? `[${v.map(one).join(",")}]` : one(v);
}

function colType(key: string, fallback: readonly string[]): string {
  return (COLUMNS.u as Record<string, string>)[key] ?? fallback[0];
}

function describe(v: unknown): string {
  try {
    return typeof v === "bigint" ? `${v}n` : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

/** A row as its canonical text with its doubles left out (`key`) and the doubles in order. */
interface Canon {
  readonly key: string;
  readonly nums: readonly number[];
}

function rowCanon(types: Record<string, string>, row: Record<string, unknown>): Canon {
  const keys = Object.keys(row);
  const want = Object.keys(types);
  const keyNote = keys.join(",") === want.join(",") ? "" : `KEYS(${keys.join(",")})`;
  const nums: number[] = [];
  return { key: keyNote + want.map((k) => `${k}=${canon(types[k], row[k], nums)}`).join(" "), nums };
}

const same = (a: Canon, b: Canon): boolean => a.key === b.key && a.nums.every((x, n) => sameAverage(x, b.nums[n]));

/** The row as printed, each double in full. */
function shown(c: Canon): string {
  let n = 0;
  return c.key.replaceAll(NUM, () => String(c.nums[n++]));
}

const byNums = (a: Canon, b: Canon): number => {
  for (let n = 0; n < a.nums.length && n < b.nums.length; n++) if (a.nums[n] !== b.nums[n]) return a.nums[n] - b.nums[n];
  return 0;
};

/** Differences between two row lists, or undefined when they agree. */
export function diffRows(
  types: Record<string, string>,
  ordered: boolean,
  want: readonly Record<string, unknown>[],
  got: readonly Record<string, unknown>[],
): string | undefined {
  const a = want.map((r) => rowCanon(types, r));
  const b = got.map((r) => rowCanon(types, r));
  if (ordered) {
    if (a.length === b.length && a.every((x, n) => same(x, b[n]))) return undefined;
    return `expected (in order):\n    ${a.map(shown).join("\n    ") || "(no rows)"}\n  got:\n    ${b.map(shown).join("\n    ") || "(no rows)"}`;
  }
  // Matched in order of their doubles, each to the first unmatched expected row it agrees with: on
  // one number this pairs rows as well as any matching does.
  const left = [...a].sort(byNums);
  const extra: Canon[] = [];
  for (const x of [...b].sort(byNums)) {
    const n = left.findIndex((y) => same(y, x));
    if (n < 0) extra.push(x);
    else left.splice(n, 1);
  }
  if (!left.length && !extra.length) return undefined;
  return `missing:\n    ${left.map(shown).join("\n    ") || "-"}\n  unexpected:\n    ${extra.map(shown).join("\n    ") || "-"}`;
}
