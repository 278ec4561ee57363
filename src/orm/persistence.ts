// Persistence: the statements a flush emits for one batch of rows of one mapper (SQLAlchemy's
// persistence.py). What to write and in which order is decided elsewhere (flush.ts, organize.ts);
// every value written into an object goes through the journal so a failed flush can undo it.
import type { Transaction } from "../engine/connection.js";
import { and, caseWhen, or, value } from "../sql/functions.js";
import { select } from "../sql/select.js";
import { deleteFrom, insert, update } from "../sql/dml.js";
import type { Expr } from "../sql/expression.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { StaleDataError } from "./errors.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { InstanceState } from "./state.js";
import { keyEq, keyIn } from "./keys.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

/** Equality for change detection: Dates by instant, bytes by content, JSON by value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (typeof a === "object" && typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/** Flags of an undo entry: the key was an own property of the dict; committed was the dict; more was saved aside. */
const HAD_KEY = 1;
const COMMITTED_WAS_DICT = 2;
const SAVED = 4;

/** Slots per chunk of the undo log: an array past about 32,000 slots lives in V8's large-object space, where each growth maps fresh pages. */
const CHUNK = 5 * 2048;

/**
 * What a flush wrote into objects, to put back when it fails: an undo log, one entry per value
 * written, holding what the object held before that write (the value and its bookkeeping). Undone
 * last to first, an object ends as it was before its first write. Objects are not copied whole,
 * and no table of the objects written is kept: a flush writes a key or two into each of thousands.
 * An entry is five slots of an array (in chunks of CHUNK slots); committed values, expired keys and
 * modified keys past the bits are saved aside only where there are any (a new object has none:
 * most writes are to new objects).
 */
export class Journal {
  /** Per write: the object, the key, the value it held, flags, its modified-key bits. */
  private readonly chunks: unknown[][] = [];
  private log: unknown[] = [];
  /** Per write flagged SAVED, three slots: its committed values, expired keys and other modified keys before it (copies of the sets). */
  private readonly saved: unknown[] = [];

  /** Writes a value into an object's dict, saving what it held first. */
  write<T>(s: InstanceState, key: string, value: T): T {
    const dict = s.dict;
    const expired = s.expired;
    // An expired attribute's dict value is stale: the write is a change whatever it held.
    const stale = expired !== null && expired.has(key);
    const old = dict[key];
    if (!stale && old !== undefined && sameValue(old, value)) return value;
    const committed = s.committed;
    const other = s.modsOther;
    let flags = (Object.hasOwn(dict, key) ? HAD_KEY : 0) | (committed === dict ? COMMITTED_WAS_DICT : 0);
    if ((committed !== null && committed !== dict) || expired !== null || other !== null) {
      flags |= SAVED;
      // Copies of the sets: unexpiring and noting writes change them in place.
      this.saved.push(committed, expired === null ? null : new Set(expired), other === null ? null : new Set(other));
    }
    let log = this.log;
    if (log.length === CHUNK) {
      this.chunks.push(log);
      this.log = log = [];
    }
    log.push(s, key, old, flags, s.mods);
    s.noteWrite(key);
    dict[key] = value;
    if (stale) s.unexpire(key);
    return value;
  }

  /** @internal Writes whose committed values, expired or other modified keys were saved aside. */
  get savedAside(): number {
    return this.saved.length / 3;
  }

  /** @internal The longest array of the log, in slots. */
  get longestChunk(): number {
    let n = this.log.length;
    for (let c = 0; c < this.chunks.length; c++) n = Math.max(n, this.chunks[c].length);
    return n;
  }

  restore(): void {
    this.chunks.push(this.log);
    this.log = [];
    const saved = this.saved;
    let at = saved.length;
    for (let c = this.chunks.length - 1; c >= 0; c--) at = this.undo(this.chunks[c], saved, at);
    this.chunks.length = 0;
  }

  /** Undoes one chunk's entries, last to first; returns where the entries saved aside now end. */
  private undo(log: unknown[], saved: unknown[], at: number): number {
    for (let i = log.length - 5; i >= 0; i -= 5) {
      const s = log[i] as InstanceState;
      const key = log[i + 1] as string;
      const flags = log[i + 3] as number;
      const dict = s.dict;
      if (flags & HAD_KEY) dict[key] = log[i + 2];
      else delete dict[key];
      s.mods = log[i + 4] as number;
      let committed: Record<string, unknown> | null = null;
      let expired: ReadonlySet<string> | null = null;
      let other: Set<string> | null = null;
      if (flags & SAVED) {
        at -= 3;
        committed = saved[at] as Record<string, unknown> | null;
        expired = saved[at + 1] as ReadonlySet<string> | null;
        other = saved[at + 2] as Set<string> | null;
      }
      s.modsOther = other;
      s.committed = flags & COMMITTED_WAS_DICT ? dict : committed;
      s.restoreExpired(expired);
    }
    return at;
  }
}

const MAX_ROWS_PER_INSERT = 1000;
/**
 * Rows per batched UPDATE. Each row's CASE branches are tried in order, so a page costs the
 * engine O(rows²) comparisons: 100 keeps that small on SQLite (where a page of 500 took longer
 * than the round trips it saves) and still cuts a thousand round trips to ten on a server.
 */
const MAX_ROWS_PER_UPDATE = 100;

/** The keys of the columns in the table's primary key or any unique key. */
function uniqueColumnKeys(table: AnyTable): Set<string> {
  const out = new Set<string>();
  for (const key of table.uniqueKeys()) for (const c of key) out.add(c.key);
  return out;
}

function pkWhere(s: InstanceState, values: Record<string, unknown>): Expr<boolean>[] {
  return s.mapper.pkKeys.map((k) => keyEq(s.mapper.table.column(k), values[k]));
}

/** Runs a guarded statement; fewer matched rows than expected means another writer got there first. */
async function checked(tx: Transaction, stmt: Parameters<Transaction["execute"]>[0], expected: number, s: InstanceState): Promise<void> {
  const res = await tx.execute(stmt);
  if (res.rowCount !== expected) {
    const what = stmt.statementNode.kind === "delete" ? "DELETE" : "UPDATE";
    throw new StaleDataError(
      `${what} of ${s.mapper.name} ${s.mapper.describeKey(s.committed ?? s.dict)} expected to match ${expected} row(s), matched ${res.rowCount}: the row was changed or deleted by someone else`,
      { table: s.mapper.table.name },
    );
  }
}

/** INSERTs, one statement per column set and page (the same shape compiles once), generated keys fetched back. */
export async function insertRows(tx: Transaction, m: Mapper, rows: readonly InstanceState[], journal: Journal): Promise<void> {
  if (rows.length === 0) return;
  const table = m.table;
  fillDefaults(m, rows, journal);
  for (const group of columnSets(m, rows)) {
    const { keys } = group;
    const fetch = [...new Set([...m.pkKeys, ...m.generatedKeys])].filter((k) => !keys.includes(k));
    const returning = fetch.map((k) => table.column(k));
    const perPage = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(tx.dialect.capabilities.maxParams / Math.max(1, keys.length))));
    const build = (from: number) => {
      const page = group.rows.slice(from, from + perPage);
      const stmt = insert(table).values(rowValues(page, keys));
      return { page, stmt: returning.length ? stmt.returning(...returning) : stmt };
    };
    let next = build(0);
    for (let i = 0; i < group.rows.length; i += perPage) {
      const { page, stmt } = next;
      // Sent before the next page is built and compiled: a server works on this one meanwhile.
      // The engine keeps a statement's plan, so running the next one compiles nothing again.
      const running = tx.execute(stmt);
      let failed: { readonly err: unknown } | undefined;
      if (i + perPage < group.rows.length) {
        try {
          next = build(i + perPage);
          tx.compile(next.stmt);
        } catch (err) {
          // Raised once this page is through, as when the next page was built after it.
          failed = { err };
        }
      }
      const res = await running;
      if (returning.length) writeBack(page, res.rows as readonly Record<string, unknown>[], fetch, journal);
      if (failed) throw failed.err;
    }
  }
}

// The loops over rows live in plain functions, with indexed loops: V8 optimises these on their
// own, while the async caller runs once per flush, mostly unoptimised.

/** Client-side defaults of columns a row leaves out, and the first version of versioned rows. */
function fillDefaults(m: Mapper, rows: readonly InstanceState[], journal: Journal): void {
  const defaulted = m.table.columns.filter((c) => c.def.default !== undefined);
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i];
    for (let c = 0; c < defaulted.length; c++) {
      const col = defaulted[c];
      if (s.dict[col.key] !== undefined) continue;
      const d = col.def.default;
      journal.write(s, col.key, typeof d === "function" ? (d as () => unknown)() : d);
    }
    if (m.versionKey && s.dict[m.versionKey] == null) journal.write(s, m.versionKey, 1);
  }
}

/** The values of `keys` of each row, for `insert().values()`. */
function rowValues(page: readonly InstanceState[], keys: readonly string[]): Record<string, unknown>[] {
  const values: Record<string, unknown>[] = new Array(page.length);
  for (let j = 0; j < page.length; j++) {
    const dict = page[j].dict;
    const row: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) row[keys[k]] = dict[keys[k]];
    values[j] = row;
  }
  return values;
}

/** Generated keys from RETURNING, written into the rows in the order they were sent. */
function writeBack(page: readonly InstanceState[], got: readonly Record<string, unknown>[], fetch: readonly string[], journal: Journal): void {
  for (let j = 0; j < got.length; j++) for (let k = 0; k < fetch.length; k++) journal.write(page[j], fetch[k], got[j][fetch[k]]);
}

interface ColumnSet {
  /** The columns these rows give values for, in the table's order. */
  readonly keys: string[];
  readonly rows: InstanceState[];
}

/**
 * Rows grouped by the columns they give values for, groups in the order first met. A row is
 * checked against the group of the row before it first: rows of one flush mostly share one set,
 * and the check builds nothing.
 */
function columnSets(m: Mapper, rows: readonly InstanceState[]): Iterable<ColumnSet> {
  const groups = new Map<string, ColumnSet>();
  let last: ColumnSet | undefined;
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i];
    if (last === undefined || !givesExactly(m.columnKeys, last.keys, s.dict)) {
      const keys = m.columnKeys.filter((k) => s.dict[k] !== undefined);
      const sig = JSON.stringify(keys);
      last = groups.get(sig);
      if (last === undefined) groups.set(sig, (last = { keys, rows: [] }));
    }
    last.rows.push(s);
  }
  return groups.values();
}

/** Whether `dict` has a value for exactly the columns `keys` (a subsequence of `columnKeys`). */
function givesExactly(columnKeys: readonly string[], keys: readonly string[], dict: Record<string, unknown>): boolean {
  let at = 0;
  for (let i = 0; i < columnKeys.length; i++) {
    const k = columnKeys[i];
    const given = dict[k] !== undefined;
    if (given !== (keys[at] === k)) return false;
    if (given) at++;
  }
  return true;
}

/**
 * UPDATEs of the changed columns. `oldOf` gives the values the row holds (a row switch: those of
 * the deleted object it replaces). Rows changing the same columns go out together (see
 * updatePage). One by one, in order: versioned rows and row switches (each guarded), and rows
 * changing a primary-key or unique column. MariaDB assigns SET items left to right, so a CASE
 * keyed on a primary key changed earlier in the same SET would match nothing; and engines check
 * unique keys row by row inside one statement, so a batch could collide where the ordered
 * statements do not.
 */
export async function updateRows(
  tx: Transaction,
  m: Mapper,
  rows: readonly InstanceState[],
  oldOf: (s: InstanceState) => Record<string, unknown>,
  switched: (s: InstanceState) => boolean,
  journal: Journal,
): Promise<void> {
  const table = m.table;
  const keyed = uniqueColumnKeys(table);
  const batches = new Map<string, { keys: string[]; rows: InstanceState[] }>();
  for (const s of rows) {
    const old = oldOf(s);
    const isSwitch = switched(s);
    // Expired and not written since: the dict holds a stale value, not a change.
    const changed = m.columnKeys.filter((k) => s.dict[k] !== undefined && !s.expired?.has(k) && !sameValue(s.dict[k], old[k]) && k !== m.versionKey);
    if (changed.length === 0 && !isSwitch) continue;
    if (!m.versionKey && !isSwitch && !changed.some((k) => keyed.has(k))) {
      const sig = changed.join(",");
      const batch = batches.get(sig);
      if (batch) batch.rows.push(s);
      else batches.set(sig, { keys: changed, rows: [s] });
      continue;
    }
    const set: Record<string, unknown> = Object.fromEntries(changed.map((k) => [k, s.dict[k]]));
    const where: Expr<boolean>[] = pkWhere(s, old);
    if (m.versionKey) {
      const v = (old[m.versionKey] ?? (await versionNow(tx, s, old))) as number;
      set[m.versionKey] = journal.write(s, m.versionKey, (v ?? 0) + 1);
      where.push(keyEq(table.column(m.versionKey), v));
    }
    if (Object.keys(set).length === 0) continue;
    await checked(
      tx,
      update(table)
        .set(set)
        .where(...where),
      1,
      s,
    );
  }
  const maxParams = tx.dialect.capabilities.maxParams;
  for (const { keys, rows: batch } of batches.values()) {
    // Per row: its key in each column's CASE and in the WHERE, and one value per column.
    const perRow = m.pkKeys.length * (keys.length + 1) + keys.length;
    const perPage = Math.max(1, Math.min(MAX_ROWS_PER_UPDATE, Math.floor(maxParams / perRow)));
    for (let i = 0; i < batch.length; i += perPage) await updatePage(tx, m, keys, batch.slice(i, i + perPage));
  }
}

/**
 * One UPDATE for rows changing the same columns: each column is set by a CASE on the primary
 * key (ELSE the column itself, which also gives the CASE the column's type), and the rows are
 * picked by key. Every row must match; when one does not, it is named.
 */
async function updatePage(tx: Transaction, m: Mapper, keys: readonly string[], page: readonly InstanceState[]): Promise<void> {
  const table = m.table;
  const olds = page.map((s) => s.committed ?? s.dict);
  if (page.length === 1) {
    const set = Object.fromEntries(keys.map((k) => [k, page[0].dict[k]]));
    return checked(
      tx,
      update(table)
        .set(set)
        .where(...pkWhere(page[0], olds[0])),
      1,
      page[0],
    );
  }
  const matches = page.map((s, j) => and(...pkWhere(s, olds[j])));
  const set: Record<string, Expr<unknown>> = {};
  for (const k of keys) {
    const col = table.column(k);
    let cases = caseWhen(matches[0], value(page[0].dict[k], col.node.type));
    for (let j = 1; j < page.length; j++) cases = cases.when(matches[j], value(page[j].dict[k], col.node.type));
    set[k] = cases.else(col);
  }
  const pk = m.pkKeys;
  const where =
    pk.length === 1
      ? keyIn(
          table.column(pk[0]),
          olds.map((o) => o[pk[0]]),
        )
      : or(...matches);
  const res = await tx.execute(update(table).set(set).where(where));
  if (res.rowCount === page.length) return;
  const found = new Set(
    (
      await tx.execute(
        select(...pk.map((k) => table.column(k)))
          .from(table)
          .where(where),
      )
    ).rows.map((r) => m.identOf(r)),
  );
  const missing = olds.find((o) => !found.has(m.identOf(o)));
  const which = missing === undefined ? `${page.length} rows` : m.describeKey(missing);
  throw new StaleDataError(
    `UPDATE of ${m.name} ${which} expected to match ${missing === undefined ? page.length : 1} row(s), matched ${missing === undefined ? res.rowCount : 0}: the row was changed or deleted by someone else`,
    { table: table.name },
  );
}

/** One UPDATE of some columns of one row, by its current key (post-updates and keys cleared before deletes). */
export async function updateColumns(tx: Transaction, s: InstanceState, set: Record<string, unknown>): Promise<void> {
  await checked(
    tx,
    update(s.mapper.table)
      .set(set)
      .where(...pkWhere(s, s.committed ?? s.dict)),
    1,
    s,
  );
}

/**
 * The version a row holds now, for an object whose version attribute expired (after a commit,
 * say): as SQLAlchemy does, it is read in the flush's transaction, so the guard compares with
 * what the row holds rather than with no value at all. A row gone is stale data.
 */
async function versionNow(tx: Transaction, s: InstanceState, old: Record<string, unknown>): Promise<unknown> {
  const m = s.mapper;
  const key = m.versionKey!;
  const row = (
    await tx.execute(
      select(m.table.column(key))
        .from(m.table)
        .where(...pkWhere(s, old)),
    )
  ).rows[0] as Record<string, unknown> | undefined;
  if (row === undefined) throw new StaleDataError(`${m.name} ${m.describeKey(old)} no longer exists: it was deleted by someone else`, { table: m.table.name });
  return row[key];
}

/** DELETEs by key, 500 rows a statement; versioned rows one by one, guarded by their version. */
export async function deleteRows(tx: Transaction, m: Mapper, rows: readonly InstanceState[]): Promise<void> {
  const table = m.table;
  if (m.versionKey) {
    for (const s of rows) {
      const old = s.committed ?? s.dict;
      const v = old[m.versionKey] ?? (await versionNow(tx, s, old));
      await checked(tx, deleteFrom(table).where(...pkWhere(s, old), keyEq(table.column(m.versionKey), v)), 1, s);
    }
    return;
  }
  for (let i = 0; i < rows.length; i += 500) {
    const page = rows.slice(i, i + 500);
    const cond =
      m.pkKeys.length === 1
        ? keyIn(
            table.column(m.pkKeys[0]),
            page.map((s) => (s.committed ?? s.dict)[m.pkKeys[0]]),
          )
        : or(...page.map((s) => and(...pkWhere(s, s.committed ?? s.dict))));
    await checked(tx, deleteFrom(table).where(cond), page.length, page[0]);
  }
}

export interface AssociationRow {
  readonly rel: Relationship;
  readonly left: InstanceState;
  readonly right: InstanceState;
}

/** Rows of many-to-many association tables: removed links, purges of deleted objects, new links (one INSERT per table). */
export async function writeAssociations(
  tx: Transaction,
  inserts: readonly AssociationRow[],
  deletes: readonly AssociationRow[],
  purges: readonly (readonly [InstanceState, Relationship])[],
): Promise<void> {
  const rowOf = (r: AssociationRow) => {
    const { local, remote } = r.rel.secondaryPairs;
    const row: Record<string, unknown> = {};
    for (const [k, sk] of local) row[sk] = r.left.dict[k];
    for (const [k, sk] of remote) row[sk] = r.right.dict[k];
    return row;
  };
  for (const r of deletes) {
    const sec = r.rel.options.secondary!;
    const row = rowOf(r);
    await tx.execute(deleteFrom(sec).where(...Object.entries(row).map(([k, v]) => keyEq(sec.column(k), v))));
  }
  for (const [s, rel] of purges) {
    const sec = rel.options.secondary!;
    await tx.execute(deleteFrom(sec).where(...rel.secondaryPairs.local.map(([k, sk]) => keyEq(sec.column(sk), (s.committed ?? s.dict)[k]))));
  }
  const bySecondary = new Map<AnyTable, Record<string, unknown>[]>();
  for (const r of inserts) {
    const sec = r.rel.options.secondary!;
    const rows = bySecondary.get(sec);
    if (rows) rows.push(rowOf(r));
    else bySecondary.set(sec, [rowOf(r)]);
  }
  for (const [sec, rows] of bySecondary) await tx.execute(insert(sec).values(rows));
}
