// Value conversions shared by several dialects. Each decoder assumes a non-null input: the row
// builder never calls a decoder for NULL.
import type { Decoder } from "./dialect.js";

export const toNumber: Decoder = (v) => (typeof v === "number" ? v : Number(v));
export const toBigInt: Decoder = (v) => (typeof v === "bigint" ? v : BigInt(v as string | number));
export const toBytes: Decoder = (v) => {
  const b = v as Uint8Array;
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
export const parseJson: Decoder = (v) => (typeof v === "string" ? JSON.parse(v) : v);
export const toBoolean: Decoder = (v) => (typeof v === "boolean" ? v : Number(v) !== 0);

/** "YYYY-MM-DD HH:MM:SS[.fff…]" written in UTC (no offset) → Date. */
export const utcTimestamp: Decoder = (v) => {
  if (v instanceof Date) return v;
  const s = v as string;
  return new Date(s.length > 10 && s[10] === " " ? `${s.slice(0, 10)}T${s.slice(11)}Z` : s.endsWith("Z") ? s : `${s}Z`);
};

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
