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

interface Saved {
  readonly dict: Record<string, unknown>;
  readonly committedWasDict: boolean;
  readonly committed: Record<string, unknown> | null;
  readonly modified: Set<string> | null;
  readonly expired: ReadonlySet<string> | null;
}

/** What a flush wrote into objects, to put back when it fails. */
export class Journal {
  private readonly saved = new Map<InstanceState, Saved>();

  /** Writes a value into an object's dict, saving what it held first. */
  write<T>(s: InstanceState, key: string, value: T): T {
    if (!this.saved.has(s))
      this.saved.set(s, {
        dict: { ...s.dict },
        committedWasDict: s.committed === s.dict,
        committed: s.committed,
        modified: s.modified ? new Set(s.modified) : null,
        expired: s.expired === null ? null : new Set(s.expired),
      });
    // An expired attribute's dict value is stale: the write is a change whatever it held.
    const expired = s.expired?.has(key) === true;
    if (!expired && sameValue(s.dict[key], value) && s.dict[key] !== undefined) return value;
    s.noteWrite(key);
    s.dict[key] = value;
    if (expired) s.unexpire(key);
    return value;
  }

  restore(): void {
    for (const [s, saved] of this.saved) {
      s.dict = saved.dict;
      s.committed = saved.committedWasDict ? s.dict : saved.committed;
      s.modified = saved.modified;
      s.restoreExpired(saved.expired);
    }
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
  for (const s of rows) {
    for (const col of table.columns) {
      if (s.dict[col.key] !== undefined || col.def.default === undefined) continue;
      const d = col.def.default;
      journal.write(s, col.key, typeof d === "function" ? (d as () => unknown)() : d);
    }
    if (m.versionKey && s.dict[m.versionKey] == null) journal.write(s, m.versionKey, 1);
  }
  const groups = new Map<string, InstanceState[]>();
  for (const s of rows) {
    const sig = m.columnKeys.filter((k) => s.dict[k] !== undefined).join(",");
    const g = groups.get(sig);
    if (g) g.push(s);
    else groups.set(sig, [s]);
  }
  for (const [sig, group] of groups) {
    const keys = sig ? sig.split(",") : [];
    const fetch = [...new Set([...m.pkKeys, ...m.generatedKeys])].filter((k) => !keys.includes(k));
    const perPage = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(tx.dialect.capabilities.maxParams / Math.max(1, keys.length))));
    for (let i = 0; i < group.length; i += perPage) {
      const page = group.slice(i, i + perPage);
      const values = page.map((s) => Object.fromEntries(keys.map((k) => [k, s.dict[k]])));
      const stmt = insert(table).values(values);
      if (fetch.length) {
        const res = await tx.execute(stmt.returning(...fetch.map((k) => table.column(k))));
        res.rows.forEach((r, j) => {
          for (const k of fetch) journal.write(page[j], k, (r as Record<string, unknown>)[k]);
        });
      } else await tx.execute(stmt);
    }
  }
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
