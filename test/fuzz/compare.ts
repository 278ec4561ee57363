// Compares result rows by exact type: integers as JS integers, decimals as exact strings with their
// scale, booleans as booleans, dates as YYYY-MM-DD, nested rows recursively. Rows are a multiset
// unless the statement fixes their order.
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

/** One value as a canonical string; a value of the wrong JS type shows as such. */
function canon(ty: string, v: unknown): string {
  if (v === null) return "NULL";
  if (ty.startsWith("nested:")) return nestedCanon(ty.slice(7).split(","), v);
  if (!CHECK[ty](v)) return `WRONG-TYPE(${ty}: ${typeof v} ${describe(v)})`;
  // Averages are compared to a fixed number of places (dialect-differences.ts: averagePrecision).
  if (ty === "double") return (v as number).toFixed(DIFFERENCES.averagePrecision.places - 1);
  // Decimal quotients likewise (dialect-differences.ts: decimalQuotient), without a negative zero.
  if (ty === "quot")
    return Number(v)
      .toFixed(DIFFERENCES.decimalQuotient.places)
      .replace(/^-(?=[0.]+$)/, "");
  return JSON.stringify(v);
}

function nestedCanon(colTypes: readonly string[], v: unknown): string {
  const one = (r: unknown): string => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) return `WRONG-ROW(${describe(r)})`;
    const keys = Object.keys(r);
    return `{${keys.map((k) => `${k}:${canon(colType(k, colTypes), (r as Record<string, unknown>)[k])}`).join(",")}}`;
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

export function rowCanon(types: Record<string, string>, row: Record<string, unknown>): string {
  const keys = Object.keys(row);
  const want = Object.keys(types);
  const keyNote = keys.join(",") === want.join(",") ? "" : `KEYS(${keys.join(",")})`;
  return keyNote + want.map((k) => `${k}=${canon(types[k], row[k])}`).join(" ");
}

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
    if (a.length === b.length && a.every((x, n) => x === b[n])) return undefined;
    return `expected (in order):\n    ${a.join("\n    ") || "(no rows)"}\n  got:\n    ${b.join("\n    ") || "(no rows)"}`;
  }
  const count = new Map<string, number>();
  for (const x of a) count.set(x, (count.get(x) ?? 0) + 1);
  const extra: string[] = [];
  for (const x of b) {
    const n = count.get(x) ?? 0;
    if (n === 0) extra.push(x);
    else count.set(x, n - 1);
  }
  const missing = [...count].flatMap(([x, n]) => Array<string>(n).fill(x));
  if (!missing.length && !extra.length) return undefined;
  return `missing:\n    ${missing.join("\n    ") || "-"}\n  unexpected:\n    ${extra.join("\n    ") || "-"}`;
}
