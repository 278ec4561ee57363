// Group checksums: every member's rows for a root key in a canonical form, so the same group read
// from SQLite, PostgreSQL or MariaDB hashes alike; and the statements reading groups by root key.
import { createHash } from "node:crypto";
import { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import { ArgumentError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import type { AnyColumn, Table } from "../schema/table.js";
import type { Expr } from "../sql/expression.js";
import { and, or } from "../sql/functions.js";
import { select } from "../sql/select.js";
import { baseType, type SqlType } from "../sql/types.js";
import { rootKeyText } from "./shards.js";

export type AnyTable = Table<string, Record<string, AnyColumn>>;
export type Row = Record<string, unknown>;

export interface GroupChecksum {
  /** sha256 (hex) over every member's rows in canonical form. */
  readonly checksum: string;
  /** Rows in all member tables. */
  readonly rows: number;
  /** Rows per member table, by table name. */
  readonly counts: Readonly<Record<string, number>>;
}

/** The canonical text of a JSON value: object keys sorted, bigints as text. */
function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return JSON.stringify(v.toString());
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex"));
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** A decimal string without sign noise, leading zeros or trailing fractional zeros: "2.30" → "2.3". */
function canonicalDecimal(s: string): string {
  const m = /^([+-]?)0*(\d*?)(?:\.(\d*?)0*)?$/.exec(s.trim());
  if (!m) return s;
  const int = m[2] === "" ? "0" : m[2];
  const frac = m[3] ?? "";
  const body = frac ? `${int}.${frac}` : int;
  return m[1] === "-" && body !== "0" ? `-${body}` : body;
}

/** One value in a form that is the same whichever engine it was read from. */
function canonicalValue(value: unknown, type: SqlType): string {
  let v = value;
  let t = type;
  while (t.custom && v !== null && v !== undefined) {
    v = t.custom.toDb(v);
    t = t.custom.base;
  }
  t = baseType(t);
  if (v === null || v === undefined) return "null";
  if (t.kind === "numeric" && (typeof v === "string" || typeof v === "number" || typeof v === "bigint")) return `d${canonicalDecimal(String(v))}`;
  if (t.kind === "json") return `j${canonicalJson(v)}`;
  if (typeof v === "bigint" || typeof v === "number") return `n${String(v)}`; // 1 and 1n agree; -0 is "0"
  if (typeof v === "boolean") return v ? "T" : "F";
  if (typeof v === "string") return `s${v}`;
  if (v instanceof Date) return `t${Number.isNaN(v.getTime()) ? "invalid" : v.toISOString()}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
  return `o${canonicalJson(v)}`;
}

/** The canonical line of a row: its primary key first (for ordering), then every column. */
function canonicalRow(t: AnyTable, row: Row): { key: string; line: string } {
  const pk = t.primaryKey.length ? t.primaryKey : t.columns;
  const key = JSON.stringify(pk.map((c) => canonicalValue(row[c.key], c.node.type)));
  const line = JSON.stringify(t.columns.map((c) => canonicalValue(row[c.key], c.node.type)));
  return { key, line };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The checksum of a group's rows, given per member table (as read with `select(table)`): sha256 over
 * each member's rows ordered by primary key, values in a canonical form (bigints and integers as
 * decimal text, decimals without trailing zeros, Dates as ISO text, bytes as hex, JSON with sorted
 * keys), so the same group read from SQLite, PostgreSQL or MariaDB has the same checksum.
 */
export function checksumRows(group: TableGroup, rows: ReadonlyMap<AnyTable, readonly Row[]>): GroupChecksum {
  const hash = createHash("sha256");
  const counts: Record<string, number> = {};
  let total = 0;
  for (const t of group.members) {
    const list = (rows.get(t) ?? []).map((r) => canonicalRow(t, r));
    list.sort((a, b) => compareText(a.key, b.key) || compareText(a.line, b.line));
    hash.update(`${JSON.stringify(t.name)} ${list.length}\n`);
    for (const r of list) hash.update(`${r.line}\n`);
    counts[t.name] = list.length;
    total += list.length;
  }
  return { checksum: hash.digest("hex"), rows: total, counts };
}

/** The columns of `t` holding its group's root key. */
export function rootKeyColumns(group: TableGroup, t: AnyTable): AnyColumn[] {
  return group.rootKeyOf(t).map((node) => {
    const col = t.columns.find((c) => c.node === node);
    if (!col) throw new ArgumentError(`${t.name} has no column ${node.name}`, { table: t.name, column: node.name });
    return col;
  });
}

/** `t`'s root key columns = `key` (bound parameters). */
export function keyCondition(group: TableGroup, t: AnyTable, key: readonly unknown[]): Expr<boolean> {
  const cols = rootKeyColumns(group, t);
  if (cols.length !== key.length)
    throw new ArgumentError(`Group ${group.name} has a ${cols.length}-column root key; got ${key.length} values`, { table: t.name });
  return and(
    ...cols.map((c, i) => {
      const v = key[i];
      if (v === null || v === undefined)
        throw new ArgumentError(`A root key of group ${group.name} has no value for ${c.name}`, { table: t.name, column: c.name });
      return c.eq(v);
    }),
  );
}

/** Every member's rows for one root key. */
export async function readGroup(db: Engine | Executor, group: TableGroup, rootKey: readonly unknown[]): Promise<Map<AnyTable, Row[]>> {
  const read = (t: AnyTable) => db.execute(select(t).where(keyCondition(group, t, rootKey)));
  const out = new Map<AnyTable, Row[]>();
  if (db instanceof Engine) {
    // One statement per member on pooled connections, side by side.
    const results = await Promise.all(group.members.map(read));
    group.members.forEach((t, i) => out.set(t, results[i].rows as Row[]));
  } else for (const t of group.members) out.set(t, (await read(t)).rows as Row[]);
  return out;
}

/** The checksum of the group with this root key as stored on `db` (0 rows when it is absent). */
export async function groupChecksum(db: Engine | Executor, group: TableGroup, rootKey: readonly unknown[]): Promise<GroupChecksum> {
  return checksumRows(group, await readGroup(db, group, rootKey));
}

/** `t`'s root key is one of `keys`: IN on a one-column key, else OR of ANDs. */
export function keysCondition(group: TableGroup, t: AnyTable, keys: readonly (readonly unknown[])[]): Expr<boolean> {
  const cols = rootKeyColumns(group, t);
  if (cols.length === 1) return cols[0].in(keys.map((k) => k[0]).filter((v): v is NonNullable<unknown> => v !== null && v !== undefined));
  return or(...keys.map((k) => keyCondition(group, t, k)));
}

/** Every member's rows for many root keys, per root key text (keys without rows map to empty tables). */
export async function readGroups(db: Engine | Executor, group: TableGroup, keys: readonly (readonly unknown[])[]): Promise<Map<string, Map<AnyTable, Row[]>>> {
  const out = new Map<string, Map<AnyTable, Row[]>>();
  for (const k of keys) out.set(rootKeyText(k), new Map(group.members.map((t) => [t, []])));
  if (keys.length === 0) return out;
  for (const t of group.members) {
    const cols = rootKeyColumns(group, t);
    for (const row of (await db.execute(select(t).where(keysCondition(group, t, keys)))).rows as Row[]) {
      const perTable = out.get(rootKeyText(cols.map((c) => row[c.key])));
      perTable?.get(t)?.push(row);
    }
  }
  return out;
}

export function describeKey(key: readonly unknown[]): string {
  return `[${key.map((v) => (typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? `${v}n` : v instanceof Date ? v.toISOString() : String(v))).join(", ")}]`;
}
