// Rebalancing a shard set: when shards are added or removed, the groups whose root key now maps to
// another shard move there whole. Each move is three steps, each safe to interrupt:
//
//   1. copy    one transaction on the target: every member's rows for the root key, parents first
//              (skipped when the target already holds the root row: an earlier run copied it);
//   2. verify  a checksum of the group on source and target must agree, else RebalanceChecksumError;
//   3. delete  one transaction on the source, children first.
//
// A killed run leaves each group either untouched, on both shards (copied, not yet deleted) or only
// on its new shard, so a rerun with the same `from` and `to` finds what is left and finishes it.
// Writes to a group must be paused while it moves (the delete refuses to remove more rows than it
// verified, which catches inserts, not updates).
import { createHash } from "node:crypto";
import { resolve as resolvePath } from "node:path";
import { sqliteFile } from "../dialects/sqlite/driver.js";
import { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import { ArborError, ArgumentError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import type { AnyColumn, Table } from "../schema/table.js";
import type { Expr } from "../sql/expression.js";
import { deleteFrom, insert } from "../sql/dml.js";
import { and } from "../sql/functions.js";
import { select } from "../sql/select.js";
import { baseType, type SqlType } from "../sql/types.js";
import type { ShardSet } from "./shards.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
type Row = Record<string, unknown>;

/** One group to move: its root key, the shard holding it and the shard it belongs on. */
export interface Move {
  /** The group's name (its root table). */
  readonly group: string;
  readonly rootKey: unknown[];
  readonly from: string;
  readonly to: string;
}

/** Where `faultHook` is called during a move (for tests that interrupt a rebalance). */
export type RebalanceStep =
  /** Before anything is read. */
  | "copy:begin"
  /** Inside the target's transaction, after the inserts, before COMMIT. */
  | "copy:inserted"
  /** After the copy committed (or was found already done). */
  | "copy:committed"
  /** After the checksums agreed. */
  | "verify:done"
  /** Inside the source's transaction, after the deletes, before COMMIT. */
  | "delete:deleted"
  /** After the delete committed: the move is complete. */
  | "delete:committed";

export const REBALANCE_STEPS: readonly RebalanceStep[] = ["copy:begin", "copy:inserted", "copy:committed", "verify:done", "delete:deleted", "delete:committed"];

export type MoveOutcome = "moved" | "alreadyCopied" | "skipped";

export interface RebalanceProgress {
  /** "planned" once the plan is known; "move" after each move. */
  readonly phase: "planned" | "move";
  /** Moves finished (including skipped ones) and planned in all. */
  readonly done: number;
  readonly total: number;
  readonly moved: number;
  readonly alreadyCopied: number;
  readonly skipped: number;
  readonly move?: Move;
  readonly outcome?: MoveOutcome;
  /** With "planned": the plan and the number of root rows scanned. */
  readonly plan?: readonly Move[];
  readonly scanned?: number;
}

export interface RebalanceOptions {
  /** The group to rebalance (or its root table's name); default every group of `from.metadata`. */
  group?: TableGroup | string;
  /** Plan only: read the root keys, change nothing. */
  dryRun?: boolean;
  onProgress?: (progress: RebalanceProgress) => void;
  /** Rows per INSERT statement when copying (default 500; fewer for wide tables). */
  batchSize?: number;
  /** Called at each step of each move; a throw (or rejection) interrupts the rebalance there. */
  faultHook?: (step: RebalanceStep, move: Move) => void | Promise<void>;
  /** Stops between moves (the report then says `aborted`). */
  signal?: AbortSignal;
}

/** The checksum both shards agreed on for a moved group. */
export interface MovedGroup extends Move {
  readonly checksum: string;
  readonly rows: number;
  readonly outcome: "moved" | "alreadyCopied";
}

export interface RebalanceReport {
  readonly dryRun: boolean;
  /** Every planned move, in order. */
  readonly plan: readonly Move[];
  /** Root rows scanned while planning. */
  readonly scanned: number;
  /** Groups this run left on their new shard only (including `alreadyCopied`). */
  readonly moved: number;
  /** Of `moved`: groups an earlier, interrupted run had already copied. */
  readonly alreadyCopied: number;
  /** Planned moves whose group was no longer on its source shard. */
  readonly skipped: number;
  /** Per moved group, the checksum source and target agreed on. */
  readonly checksums: readonly MovedGroup[];
  /** True when `signal` stopped the run before the plan was done. */
  readonly aborted: boolean;
}

/** A move failed; nothing is lost: the group is still whole on its source shard. */
export class RebalanceError extends ArborError {
  constructor(
    message: string,
    readonly move: Move,
    readonly step: RebalanceStep | "verify" | "delete",
    cause?: unknown,
  ) {
    super(message, { table: move.group, value: move.rootKey, cause });
  }
}

/** Source and target disagree about a group's rows (or the source changed while it moved). */
export class RebalanceChecksumError extends RebalanceError {
  constructor(
    move: Move,
    readonly source: GroupChecksum,
    readonly target: GroupChecksum,
    detail: string,
  ) {
    super(
      `Group ${move.group} ${describeKey(move.rootKey)}: ${detail} (shard ${move.from}: ${source.rows} rows, ${source.checksum.slice(0, 12)}; ` +
        `shard ${move.to}: ${target.rows} rows, ${target.checksum.slice(0, 12)}); the source was left in place`,
      move,
      "verify",
    );
  }
}

/** Reading a shard's root keys failed (unreachable, or without the schema's tables). */
export class RebalanceScanError extends ArborError {
  constructor(
    override readonly shard: string,
    group: TableGroup,
    cause: ArborError,
  ) {
    // SQLite, PostgreSQL and MariaDB spell a missing table so.
    const missing = /no such table|relation .* does not exist|table .* doesn't exist/i.test(cause.message);
    const hint = missing ? " (every shard needs the schema's tables)" : "";
    super(`Cannot read the root keys of ${group.name} on shard ${shard}: ${cause.message}${hint}`, { table: group.name, cause });
  }
}

// ---------------------------------------------------------------------------------------------
// Checksums

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
function rootKeyColumns(group: TableGroup, t: AnyTable): AnyColumn[] {
  return group.rootKeyOf(t).map((node) => {
    const col = t.columns.find((c) => c.node === node);
    if (!col) throw new ArgumentError(`${t.name} has no column ${node.name}`, { table: t.name, column: node.name });
    return col;
  });
}

/** `t`'s root key columns = `key` (bound parameters). */
function keyCondition(group: TableGroup, t: AnyTable, key: readonly unknown[]): Expr<boolean> {
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

// ---------------------------------------------------------------------------------------------
// Planning

function describeKey(key: readonly unknown[]): string {
  return `[${key.map((v) => (typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? `${v}n` : v instanceof Date ? v.toISOString() : String(v))).join(", ")}]`;
}

/** What identifies an engine's database: a SQLite file's absolute path (any URL spelling), else the URL; undefined in memory. */
function databaseOf(e: Engine): string | undefined {
  if (e.url.protocol !== "sqlite:") return e.url.href;
  const file = sqliteFile(e.url);
  return file === null ? undefined : `sqlite:${resolvePath(file)}`;
}

/**
 * The engine of every shard named in `from` or `to`. A name in both must mean the same database
 * (the same engine, or engines with the same URL).
 */
export function shardEngines(from: ShardSet, to: ShardSet): Map<string, Engine> {
  const out = new Map<string, Engine>();
  for (const name of from.names) out.set(name, from.engine(name));
  for (const name of to.names) {
    const e = to.engine(name);
    const known = out.get(name);
    if (known === undefined) out.set(name, e);
    else if (known !== e && known.url.href !== e.url.href)
      throw new ArgumentError(
        `Shard ${JSON.stringify(name)} names different databases before and after the rebalance; a shard keeps its name only while it keeps its database`,
      );
  }
  // Two names for one database would let a "move" delete the only copy of a group.
  const byEngine = new Map<Engine, string>();
  const byUrl = new Map<string, string>();
  for (const [name, e] of out) {
    const sameEngine = byEngine.get(e);
    if (sameEngine !== undefined)
      throw new ArgumentError(`Shards ${JSON.stringify(sameEngine)} and ${JSON.stringify(name)} share one engine; every shard needs its own database`);
    byEngine.set(e, name);
    const where = databaseOf(e);
    if (where === undefined) continue; // each in-memory engine is a database of its own
    const sameUrl = byUrl.get(where);
    if (sameUrl !== undefined)
      throw new ArgumentError(`Shards ${JSON.stringify(sameUrl)} and ${JSON.stringify(name)} have the same URL; every shard needs its own database`);
    byUrl.set(where, name);
  }
  return out;
}

/** Resolves the `group` option: a TableGroup, a root table's name, or every group. */
export function groupsToRebalance(from: ShardSet, group?: TableGroup | string): TableGroup[] {
  const all = from.metadata.groups();
  if (group === undefined) return all;
  if (typeof group !== "string") return [group];
  const g = all.find((x) => x.name === group);
  if (!g) {
    const names = all.map((x) => x.name);
    throw new ArgumentError(
      `No table group with root table ${JSON.stringify(group)}${names.length ? ` (groups: ${names.join(", ")})` : " (the schema has no table groups)"}`,
      { table: group },
    );
  }
  return [g];
}

async function scanGroup(to: ShardSet, group: TableGroup, engines: Map<string, Engine>): Promise<{ moves: Move[]; scanned: number }> {
  const root = group.root;
  const cols = rootKeyColumns(group, root);
  const moves: Move[] = [];
  let scanned = 0;
  // Every shard either set knows: a group belongs on to.shardFor(key); anywhere else it moves
  // (this also finds stale copies an interrupted run left on a shard that only `to` names).
  for (const [name, engine] of engines) {
    try {
      for await (const row of engine.stream(
        select(...cols)
          .from(root)
          .orderBy(...cols),
      )) {
        scanned++;
        const key = cols.map((c) => (row as Row)[c.key]);
        const dest = to.shardFor(key);
        if (dest !== name) moves.push({ group: group.name, rootKey: key, from: name, to: dest });
      }
    } catch (err) {
      if (!(err instanceof ArborError) || err instanceof ArgumentError) throw err;
      throw new RebalanceScanError(name, group, err);
    }
  }
  return { moves, scanned };
}

/**
 * The groups of `group` that are on another shard than `to` places them: the root keys of the
 * group's root table are streamed from every shard of `from` (and of `to`, to find copies an
 * interrupted run left), and a group moves when `to.shardFor(key)` is not the shard holding it.
 */
export async function planRebalance(from: ShardSet, to: ShardSet, group: TableGroup): Promise<Move[]> {
  return (await scanGroup(to, group, shardEngines(from, to))).moves;
}

/** Planned moves counted per "from → to" pair, in first-seen order. */
export function countMoves(moves: readonly Move[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of moves) {
    const k = `${m.from} → ${m.to}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Moving

interface MoveContext {
  readonly group: TableGroup;
  readonly source: Engine;
  readonly target: Engine;
  readonly batchSize: number;
  readonly hook: (step: RebalanceStep, move: Move) => Promise<void>;
}

type MoveResult = { outcome: "skipped" } | { outcome: "moved" | "alreadyCopied"; checksum: GroupChecksum };

function rowsPerInsert(t: AnyTable, batchSize: number): number {
  // Stay well below every engine's bound-parameter limit (SQLite 32766, PostgreSQL/MariaDB 65535).
  return Math.max(1, Math.min(batchSize, Math.floor(30_000 / Math.max(1, t.columns.length))));
}

async function moveGroup(move: Move, ctx: MoveContext): Promise<MoveResult> {
  const { group, source, target, hook } = ctx;
  const root = group.root;
  let step: RebalanceStep | "verify" | "delete" = "copy:begin";
  const at = async (s: RebalanceStep): Promise<void> => {
    step = s;
    await hook(s, move);
  };
  try {
    await at("copy:begin");
    // (1) Copy, in one transaction on the target.
    const rows = await readGroup(source, group, move.rootKey);
    if ((rows.get(root) ?? []).length === 0) return { outcome: "skipped" };
    let alreadyCopied = false;
    await target.transaction(async (tx) => {
      const there = await tx.execute(
        select(...rootKeyColumns(group, root))
          .from(root)
          .where(keyCondition(group, root, move.rootKey)),
      );
      if (there.rows.length > 0) {
        alreadyCopied = true;
        return;
      }
      for (const t of group.members) {
        const list = rows.get(t) ?? [];
        const n = rowsPerInsert(t, ctx.batchSize);
        for (let i = 0; i < list.length; i += n) await tx.execute(insert(t).values(list.slice(i, i + n) as never));
      }
      await at("copy:inserted");
    });
    await at("copy:committed");

    // (2) Verify: both shards hold the same rows (the source is read again: it must not have changed).
    step = "verify";
    const [src, dst] = await Promise.all([groupChecksum(source, group, move.rootKey), groupChecksum(target, group, move.rootKey)]);
    if (src.checksum !== dst.checksum) {
      const detail = alreadyCopied
        ? `the copy an earlier run left on shard ${move.to} differs from the source`
        : `the copy on shard ${move.to} differs from the source (was the group written to while it moved?)`;
      throw new RebalanceChecksumError(move, src, dst, detail);
    }
    await at("verify:done");

    // (3) Delete from the source, children first, in one transaction.
    step = "delete";
    await source.transaction(async (tx) => {
      let deleted = 0;
      for (const t of [...group.members].reverse()) deleted += (await tx.execute(deleteFrom(t).where(keyCondition(group, t, move.rootKey)))).rowCount;
      if (deleted !== src.rows)
        throw new RebalanceChecksumError(
          move,
          { ...src, rows: deleted, checksum: "(changed)" },
          dst,
          `the group changed on shard ${move.from} after it was verified (${src.rows} rows then, ${deleted} deleted now)`,
        );
      await at("delete:deleted");
    });
    await at("delete:committed");
    return { outcome: alreadyCopied ? "alreadyCopied" : "moved", checksum: src };
  } catch (err) {
    if (err instanceof RebalanceError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new RebalanceError(
      `Moving group ${move.group} ${describeKey(move.rootKey)} from shard ${move.from} to ${move.to} failed at ${step}: ${why}`,
      move,
      step,
      err,
    );
  }
}

/**
 * Moves every group that `to` places on another shard than the one holding it: copy (one
 * transaction on the target), verify (checksums), delete (one transaction on the source). Rerun
 * after an interruption with the same arguments to finish; every group then lives on exactly
 * one shard, the one `to` names.
 */
export async function rebalance(from: ShardSet, to: ShardSet, options: RebalanceOptions = {}): Promise<RebalanceReport> {
  const engines = shardEngines(from, to);
  const groups = groupsToRebalance(from, options.group);
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ArgumentError(`batchSize must be a positive integer, got ${batchSize}`);

  const planned: { group: TableGroup; moves: Move[] }[] = [];
  let scanned = 0;
  for (const g of groups) {
    const s = await scanGroup(to, g, engines);
    planned.push({ group: g, moves: s.moves });
    scanned += s.scanned;
  }
  const plan = planned.flatMap((p) => p.moves);
  const total = plan.length;
  let moved = 0;
  let alreadyCopied = 0;
  let skipped = 0;
  let done = 0;
  const checksums: MovedGroup[] = [];
  const progress = (phase: RebalanceProgress["phase"], move?: Move, outcome?: MoveOutcome): void =>
    options.onProgress?.({ phase, done, total, moved, alreadyCopied, skipped, move, outcome, ...(phase === "planned" ? { plan, scanned } : {}) });
  progress("planned");
  const report = (aborted: boolean): RebalanceReport => ({ dryRun: options.dryRun === true, plan, scanned, moved, alreadyCopied, skipped, checksums, aborted });
  if (options.dryRun) return report(false);

  const faultHook = options.faultHook;
  const hook = async (step: RebalanceStep, move: Move): Promise<void> => {
    if (faultHook) await faultHook(step, move);
  };
  for (const { group, moves } of planned) {
    for (const move of moves) {
      // Yield to the event loop: SQLite calls resolve as microtasks, and signals (an abort on
      // Ctrl-C), timers and I/O must still get their turn between moves.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) return report(true);
      const ctx: MoveContext = { group, source: engines.get(move.from)!, target: engines.get(move.to)!, batchSize, hook };
      const res = await moveGroup(move, ctx);
      done++;
      if (res.outcome === "skipped") skipped++;
      else {
        moved++;
        if (res.outcome === "alreadyCopied") alreadyCopied++;
        checksums.push({ ...move, checksum: res.checksum.checksum, rows: res.checksum.rows, outcome: res.outcome });
      }
      progress("move", move, res.outcome);
    }
  }
  return report(false);
}
