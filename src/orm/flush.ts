// The unit of work: organize (what changes, in which order) → collect (statements per table,
// batched) → emit (inside a SAVEPOINT) → post-fetch (generated keys). A failure rolls back the
// SAVEPOINT and restores every object the flush touched, so nothing is half-written.
import type { Transaction } from "../engine/connection.js";
import { and, caseWhen, or, value } from "../sql/functions.js";
import { select } from "../sql/select.js";
import { deleteFrom, insert, update } from "../sql/dml.js";
import type { Expr } from "../sql/expression.js";
import type { AnyColumn, ForeignKey, Table } from "../schema/table.js";
import { Collection } from "./collection.js";
import { StaleDataError, DuplicateIdentityError } from "./errors.js";
import { loadRelationship } from "./loading.js";
import type { Mapper } from "./mapper.js";
import { levels, sortMappers } from "./organize.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import { stateOf, viewOf, type InstanceState } from "./state.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

/** `child[childKey] = parent[parentKey]` for each pair, once the parent has its key. */
interface Dependency {
  readonly parent: InstanceState;
  readonly pairs: readonly (readonly [string, string])[];
  readonly fk: ForeignKey | undefined;
}

interface Saved {
  readonly dict: Record<string, unknown>;
  readonly committedWasDict: boolean;
  readonly committed: Record<string, unknown> | null;
  readonly modified: Set<string> | null;
}

interface AssociationRow {
  readonly rel: Relationship;
  readonly left: InstanceState;
  readonly right: InstanceState;
}

/** Equality for change detection: Dates by instant, bytes by content, JSON by value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (typeof a === "object" && typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

const MAX_ROWS_PER_INSERT = 1000;

/** The keys of the columns in the table's primary key or any unique key. */
function uniqueColumnKeys(table: AnyTable): Set<string> {
  const out = new Set<string>();
  for (const key of table.uniqueKeys()) for (const c of key) out.add(c.key);
  return out;
}
/**
 * Rows per batched UPDATE. Each row's CASE branches are tried in order, so a page costs the
 * engine O(rows²) comparisons: 100 keeps that small on SQLite (where a page of 500 took longer
 * than the round trips it saves) and still cuts a thousand round trips to ten on a server.
 */
const MAX_ROWS_PER_UPDATE = 100;

export class UnitOfWork {
  private readonly inserts: InstanceState[] = [];
  private readonly updates: InstanceState[] = [];
  private readonly deletes: InstanceState[] = [];
  private readonly deps = new Map<InstanceState, Dependency[]>();
  private readonly nullify = new Map<InstanceState, Set<string>>();
  private readonly assocInserts: AssociationRow[] = [];
  private readonly assocDeletes: AssociationRow[] = [];
  /** Deleting these also removes their association rows of unloaded many-to-many collections. */
  private readonly assocPurges: [InstanceState, Relationship][] = [];
  private readonly rowSwitches = new Map<InstanceState, InstanceState>();
  private readonly journal = new Map<InstanceState, Saved>();
  private readonly cascaded: InstanceState[] = [];
  /** Pending objects the flush drops (delete cascades, orphans): transient unless the flush fails. */
  private readonly dropped: InstanceState[] = [];
  private postUpdates: [InstanceState, Dependency][] = [];

  constructor(private readonly session: Session) {}

  // ---- organize -------------------------------------------------------------------------------

  /** Works out what to write. Returns false when there is nothing to do. */
  async prepare(): Promise<boolean> {
    const session = this.session;
    const before = new Set(session.pendingStates);
    const touched = [...session.pendingStates, ...session.modifiedStates()];
    const seen = new Set<InstanceState>();
    for (const s of touched) if (s.session === session) session.cascadeAdd(s, seen);
    for (const s of session.pendingStates) if (!before.has(s)) this.cascaded.push(s);

    // Deletes, following delete cascades (loading children the database would otherwise orphan).
    const deleting = new Set<InstanceState>();
    const addDelete = async (s: InstanceState): Promise<void> => {
      if (deleting.has(s)) return;
      deleting.add(s);
      for (const rel of s.mapper.relationships.values()) {
        if (rel.direction === "manyToMany") {
          if (!rel.options.passiveDeletes) this.assocPurges.push([s, rel]);
          continue;
        }
        if (rel.direction !== "oneToMany") continue;
        const cascadeDelete = rel.cascade.has("delete");
        if (!s.isLoaded(rel.key)) {
          if (!cascadeDelete || rel.options.passiveDeletes) continue;
          await loadRelationship(session, [s.obj], rel);
        }
        for (const child of children(s, rel)) {
          const cs = stateOf(child)!;
          if (cascadeDelete) {
            if (cs.status === "persistent") await addDelete(cs);
            else if (cs.status === "pending") this.dropPending(cs);
          } else this.nullFk(cs, rel);
        }
        // Children removed from the collection before the parent was deleted are orphans too.
        if (rel.cascade.has("delete-orphan") && s.isLoaded(rel.key)) {
          const current = children(s, rel);
          for (const gone of s.snapshot(rel.key) ?? []) {
            const gs = stateOf(gone)!;
            if (!current.includes(gone) && gs.status === "persistent") await addDelete(gs);
          }
        }
        // Pending children that point at the parent through the other side are not in the database yet.
        const back = rel.back;
        if (cascadeDelete && back)
          for (const ps of [...session.pendingStates])
            if (ps.mapper === rel.target && ps.isLoaded(back.key) && ps.dict[back.key] === s.obj) this.dropPending(ps);
      }
    };
    for (const s of session.deletedStates) await addDelete(s);

    // A pending object that left its parent under delete-orphan is not inserted at all.
    for (const ps of [...session.pendingStates])
      for (const rel of ps.mapper.relationships.values()) {
        const parentSide = rel.back;
        if (rel.direction !== "manyToOne" || !parentSide?.cascade.has("delete-orphan") || !ps.isLoaded(rel.key)) continue;
        if (ps.dict[rel.key] === null && rel.pairs.every(([, ck]) => ps.dict[ck] === undefined || ps.dict[ck] === null)) this.dropPending(ps);
      }

    // Relationship changes on everything being written: keys to copy, orphans, association rows.
    const writing = [...session.pendingStates, ...session.modifiedStates().filter((s) => !deleting.has(s))];
    for (const s of writing) {
      for (const rel of s.mapper.relationships.values()) {
        if (!s.isLoaded(rel.key)) continue;
        const value = s.dict[rel.key];
        if (rel.direction === "manyToOne") {
          if (value) this.depend(s, { parent: stateOf(value as object)!, pairs: rel.pairs, fk: rel.foreignKey });
          else if (s.modified?.has(rel.key)) for (const [, ck] of rel.pairs) this.nullifyKey(s, ck);
        } else if (rel.direction === "oneToMany") {
          const current = rel.isCollection ? ((value as object[]) ?? []) : value ? [value as object] : [];
          for (const child of current) this.depend(stateOf(child)!, { parent: s, pairs: rel.pairs, fk: rel.foreignKey });
          const was = s.snapshot(rel.key) ?? [];
          for (const gone of was) {
            if (current.includes(gone)) continue;
            const gs = stateOf(gone)!;
            if (rel.cascade.has("delete-orphan")) {
              if (gs.status === "persistent") await addDelete(gs);
              else if (gs.status === "pending") this.dropPending(gs);
            } else this.nullFk(gs, rel);
          }
        } else {
          const current = (value as object[]) ?? [];
          const was = s.snapshot(rel.key) ?? [];
          for (const o of current) if (!was.includes(o)) this.association(this.assocInserts, rel, s, stateOf(o)!);
          for (const o of was) if (!current.includes(o)) this.association(this.assocDeletes, rel, s, stateOf(o)!);
        }
      }
    }

    for (const s of session.pendingStates) this.inserts.push(s);
    for (const s of deleting) this.deletes.push(s);
    const updating = new Set<InstanceState>();
    for (const s of session.modifiedStates()) if (!deleting.has(s)) updating.add(s);
    for (const s of [...this.deps.keys(), ...this.nullify.keys()]) if (s.status === "persistent" && !deleting.has(s)) updating.add(s);
    this.updates.push(...updating);

    // A row deleted and added again with the same key becomes one UPDATE.
    for (const s of [...this.inserts]) {
      const found = session.identityMap.get(s.mapper, s.mapper.identOf(s.dict));
      const existing = found && viewOf(found);
      if (!existing || existing === s) continue;
      if (deleting.has(existing) && existing.mapper === s.mapper) {
        // The row stays; only its values change. Its association rows stay with it.
        this.rowSwitches.set(s, existing);
        this.deletes.splice(this.deletes.indexOf(existing), 1);
        for (let i = this.assocPurges.length - 1; i >= 0; i--) if (this.assocPurges[i][0] === existing) this.assocPurges.splice(i, 1);
        continue;
      }
      throw new DuplicateIdentityError(`${s.mapper.name} ${s.mapper.describeKey(s.dict)} is already in the session`, { table: s.mapper.table.name });
    }
    return this.inserts.length + this.updates.length + this.deletes.length + this.assocInserts.length + this.assocDeletes.length + this.assocPurges.length + this.dropped.length > 0;
  }

  private depend(child: InstanceState, dep: Dependency): void {
    const list = this.deps.get(child) ?? [];
    if (!list.some((d) => d.parent === dep.parent && d.pairs === dep.pairs)) list.push(dep);
    this.deps.set(child, list);
    this.nullify.get(child)?.forEach((k) => dep.pairs.some(([, ck]) => ck === k) && this.nullify.get(child)!.delete(k));
  }

  private nullifyKey(s: InstanceState, key: string): void {
    if (this.deps.get(s)?.some((d) => d.pairs.some(([, ck]) => ck === key))) return;
    const set = this.nullify.get(s) ?? new Set();
    set.add(key);
    this.nullify.set(s, set);
  }

  /** A child left its parent without a delete cascade: clear its key unless it joined another parent. */
  private nullFk(child: InstanceState, rel: Relationship): void {
    for (const [, ck] of rel.pairs) this.nullifyKey(child, ck);
  }

  /** A pending object that will not be inserted; its pending children under a delete cascade go too. */
  private dropPending(s: InstanceState): void {
    if (!this.session.pendingStates.delete(s)) return;
    this.dropped.push(s);
    for (const rel of s.mapper.relationships.values()) {
      if (rel.direction !== "oneToMany" || !rel.cascade.has("delete") || !s.isLoaded(rel.key)) continue;
      for (const child of children(s, rel)) if (stateOf(child)!.status === "pending") this.dropPending(stateOf(child)!);
    }
  }

  private association(list: AssociationRow[], rel: Relationship, a: InstanceState, b: InstanceState): void {
    // Both sides of a bidirectional many-to-many report the same row once.
    const back = rel.back;
    const dup = list.some((r) => (r.rel === rel && r.left === a && r.right === b) || (back && r.rel === back && r.left === b && r.right === a));
    if (!dup) list.push({ rel, left: a, right: b });
  }

  // ---- collect, emit, post-fetch --------------------------------------------------------------------

  async run(tx: Transaction): Promise<void> {
    const sp = await tx.begin();
    try {
      await this.emit(sp);
      await sp.commit();
    } catch (err) {
      if (sp.isActive) await sp.rollback().catch(() => undefined);
      this.restore();
      throw err;
    }
    this.finalize();
  }

  private async emit(tx: Transaction): Promise<void> {
    const mappers = new Set<Mapper>();
    for (const s of [...this.inserts, ...this.updates, ...this.deletes]) mappers.add(s.mapper);
    const { mappers: order, deferred } = sortMappers([...mappers]);
    for (const m of order) {
      await this.emitInserts(tx, m, deferred);
      await this.emitUpdates(tx, m);
    }
    for (const [s, dep] of this.postUpdates) {
      const table = s.mapper.table;
      const set: Record<string, unknown> = {};
      for (const [pk, ck] of dep.pairs) set[ck] = this.write(s, ck, dep.parent.dict[pk]);
      await this.checked(tx, update(table).set(set as never).where(...this.pkWhere(s, s.dict)), 1, s);
    }
    await this.emitAssociations(tx);
    for (const m of [...order].reverse()) await this.emitDeletes(tx, m);
  }

  /** Copies parent keys into `s` (and clears keys of orphans); deferred keys wait for a post-update. */
  private applyDeps(s: InstanceState, deferred: ReadonlySet<ForeignKey>, skip?: (d: Dependency) => boolean): void {
    for (const k of this.nullify.get(s) ?? []) this.write(s, k, null);
    for (const dep of this.deps.get(s) ?? []) {
      if ((dep.fk && deferred.has(dep.fk)) || skip?.(dep)) {
        for (const [, ck] of dep.pairs) if (s.status === "pending") this.write(s, ck, null);
        this.postUpdates.push([s, dep]);
        continue;
      }
      for (const [pk, ck] of dep.pairs) this.write(s, ck, dep.parent.dict[pk]);
    }
  }

  private async emitInserts(tx: Transaction, m: Mapper, deferred: ReadonlySet<ForeignKey>): Promise<void> {
    const rows = this.inserts.filter((s) => s.mapper === m && !this.rowSwitches.has(s));
    if (rows.length === 0) return;
    const table = m.table;
    const sameTableParents = (s: InstanceState) => (this.deps.get(s) ?? []).filter((d) => d.parent.mapper === m).map((d) => d.parent);
    const { levels: lv, broken } = levels(rows, sameTableParents);
    // Edges that closed a cycle inside the table: written by a post-update instead.
    const brokenBy = new Map<InstanceState, Set<InstanceState>>();
    for (const [c, p] of broken) brokenBy.set(c, (brokenBy.get(c) ?? new Set()).add(p));
    for (const level of lv) {
      for (const s of level) {
        const cut = brokenBy.get(s);
        this.applyDeps(s, deferred, cut ? (d) => cut.has(d.parent) : undefined);
        for (const col of table.columns) {
          if (s.dict[col.key] !== undefined || col.def.default === undefined) continue;
          const d = col.def.default;
          this.write(s, col.key, typeof d === "function" ? (d as () => unknown)() : d);
        }
        if (m.versionKey && s.dict[m.versionKey] == null) this.write(s, m.versionKey, 1);
      }
      // One statement per column set and page: the same shape compiles once.
      const groups = new Map<string, InstanceState[]>();
      for (const s of level) {
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
          const stmt = insert(table).values(values as never);
          if (fetch.length) {
            const res = await tx.execute(stmt.returning(...fetch.map((k) => table.column(k))));
            res.rows.forEach((r, j) => {
              for (const k of fetch) this.write(page[j], k, (r as Record<string, unknown>)[k]);
            });
          } else await tx.execute(stmt);
        }
      }
    }
  }

  private async emitUpdates(tx: Transaction, m: Mapper): Promise<void> {
    const table = m.table;
    const switched = [...this.rowSwitches].filter(([s]) => s.mapper === m);
    // Rows changing the same columns go out together (see updatePage). One by one, in order:
    // versioned rows and row switches (each guarded), and rows changing a primary-key or unique
    // column. MariaDB assigns SET items left to right, so a CASE keyed on a primary key changed
    // earlier in the same SET would match nothing; and engines check unique keys row by row
    // inside one statement, so a batch could collide where the ordered statements do not.
    const keyed = uniqueColumnKeys(table);
    const batches = new Map<string, { keys: string[]; rows: InstanceState[] }>();
    for (const s of [...this.updates.filter((x) => x.mapper === m), ...switched.map(([s]) => s)]) {
      this.applyDeps(s, new Set());
      const old = this.rowSwitches.get(s)?.dict ?? s.committed ?? s.dict;
      // Expired and not written since: the dict holds a stale value, not a change.
      const changed = m.columnKeys.filter((k) => s.dict[k] !== undefined && !s.expired?.has(k) && !sameValue(s.dict[k], old[k]) && k !== m.versionKey);
      if (changed.length === 0 && !this.rowSwitches.has(s)) continue;
      if (!m.versionKey && !this.rowSwitches.has(s) && !changed.some((k) => keyed.has(k))) {
        const sig = changed.join(",");
        const batch = batches.get(sig);
        if (batch) batch.rows.push(s);
        else batches.set(sig, { keys: changed, rows: [s] });
        continue;
      }
      const set: Record<string, unknown> = Object.fromEntries(changed.map((k) => [k, s.dict[k]]));
      const where: Expr<boolean>[] = this.pkWhere(s, old);
      if (m.versionKey) {
        const v = old[m.versionKey] as number;
        set[m.versionKey] = this.write(s, m.versionKey, (v ?? 0) + 1);
        where.push(table.column(m.versionKey).eq(v as never));
      }
      if (Object.keys(set).length === 0) continue;
      await this.checked(tx, update(table).set(set as never).where(...where), 1, s);
    }
    const maxParams = tx.dialect.capabilities.maxParams;
    for (const { keys, rows } of batches.values()) {
      // Per row: its key in each column's CASE and in the WHERE, and one value per column.
      const perRow = m.pkKeys.length * (keys.length + 1) + keys.length;
      const perPage = Math.max(1, Math.min(MAX_ROWS_PER_UPDATE, Math.floor(maxParams / perRow)));
      for (let i = 0; i < rows.length; i += perPage) await this.updatePage(tx, m, keys, rows.slice(i, i + perPage));
    }
  }

  /**
   * One UPDATE for rows changing the same columns: each column is set by a CASE on the primary
   * key (ELSE the column itself, which also gives the CASE the column's type), and the rows are
   * picked by key. Every row must match; when one does not, it is named.
   */
  private async updatePage(tx: Transaction, m: Mapper, keys: readonly string[], page: readonly InstanceState[]): Promise<void> {
    const table = m.table;
    const olds = page.map((s) => s.committed ?? s.dict);
    if (page.length === 1) {
      const set = Object.fromEntries(keys.map((k) => [k, page[0].dict[k]]));
      return this.checked(tx, update(table).set(set as never).where(...this.pkWhere(page[0], olds[0])), 1, page[0]);
    }
    const matches = page.map((s, j) => and(...this.pkWhere(s, olds[j])));
    const set: Record<string, Expr<unknown>> = {};
    for (const k of keys) {
      const col = table.column(k);
      let cases = caseWhen(matches[0], value(page[0].dict[k], col.node.type));
      for (let j = 1; j < page.length; j++) cases = cases.when(matches[j], value(page[j].dict[k], col.node.type));
      set[k] = cases.else(col);
    }
    const pk = m.pkKeys;
    const where = pk.length === 1 ? table.column(pk[0]).in(olds.map((o) => o[pk[0]]) as never) : or(...matches);
    const res = await tx.execute(update(table).set(set as never).where(where));
    if (res.rowCount === page.length) return;
    const found = new Set((await tx.execute(select(...pk.map((k) => table.column(k))).from(table).where(where))).rows.map((r) => m.identOf(r)));
    const missing = olds.find((o) => !found.has(m.identOf(o)));
    const which = missing === undefined ? `${page.length} rows` : m.describeKey(missing);
    throw new StaleDataError(
      `UPDATE of ${m.name} ${which} expected to match ${missing === undefined ? page.length : 1} row(s), matched ${missing === undefined ? res.rowCount : 0}: the row was changed or deleted by someone else`,
      { table: table.name },
    );
  }

  private async emitDeletes(tx: Transaction, m: Mapper): Promise<void> {
    const rows = this.deletes.filter((s) => s.mapper === m);
    if (rows.length === 0) return;
    const table = m.table;
    // Children before parents inside a self-referential table.
    const parentsOf = (s: InstanceState) => {
      const out: InstanceState[] = [];
      for (const rel of m.relationships.values()) {
        if (rel.direction !== "manyToOne" || rel.target !== m) continue;
        const ident = rel.target.identOf(Object.fromEntries(rel.pairs.map(([pk, ck]) => [pk, (s.committed ?? s.dict)[ck]])));
        const p = this.session.identityMap.get(rel.target, ident);
        if (p) out.push(viewOf(p));
      }
      return out;
    };
    const lv = levels(rows, parentsOf).levels.reverse();
    for (const level of lv) {
      if (m.versionKey) {
        for (const s of level) {
          const old = s.committed ?? s.dict;
          await this.checked(tx, deleteFrom(table).where(...this.pkWhere(s, old), table.column(m.versionKey).eq(old[m.versionKey] as never)), 1, s);
        }
        continue;
      }
      for (let i = 0; i < level.length; i += 500) {
        const page = level.slice(i, i + 500);
        const cond =
          m.pkKeys.length === 1
            ? table.column(m.pkKeys[0]).in(page.map((s) => (s.committed ?? s.dict)[m.pkKeys[0]] as never))
            : or(...page.map((s) => and(...this.pkWhere(s, s.committed ?? s.dict))));
        await this.checked(tx, deleteFrom(table).where(cond), page.length, page[0]);
      }
    }
  }

  private async emitAssociations(tx: Transaction): Promise<void> {
    const rowOf = (r: AssociationRow) => {
      const { local, remote } = r.rel.secondaryPairs;
      const row: Record<string, unknown> = {};
      for (const [k, sk] of local) row[sk] = r.left.dict[k];
      for (const [k, sk] of remote) row[sk] = r.right.dict[k];
      return row;
    };
    for (const r of this.assocDeletes) {
      const sec = r.rel.options.secondary!;
      const row = rowOf(r);
      await tx.execute(deleteFrom(sec).where(...Object.entries(row).map(([k, v]) => sec.column(k).eq(v as never))));
    }
    for (const [s, rel] of this.assocPurges) {
      const sec = rel.options.secondary!;
      await tx.execute(deleteFrom(sec).where(...rel.secondaryPairs.local.map(([k, sk]) => sec.column(sk).eq((s.committed ?? s.dict)[k] as never))));
    }
    const bySecondary = new Map<AnyTable, Record<string, unknown>[]>();
    for (const r of this.assocInserts) {
      const sec = r.rel.options.secondary!;
      const rows = bySecondary.get(sec);
      if (rows) rows.push(rowOf(r));
      else bySecondary.set(sec, [rowOf(r)]);
    }
    for (const [sec, rows] of bySecondary) await tx.execute(insert(sec).values(rows as never));
  }

  private pkWhere(s: InstanceState, values: Record<string, unknown>): Expr<boolean>[] {
    return s.mapper.pkKeys.map((k) => s.mapper.table.column(k).eq(values[k] as never));
  }

  /** Runs a guarded statement; fewer matched rows than expected means another writer got there first. */
  private async checked(tx: Transaction, stmt: Parameters<Transaction["execute"]>[0], expected: number, s: InstanceState): Promise<void> {
    const res = await tx.execute(stmt);
    if (res.rowCount !== expected) {
      const what = stmt.statementNode.kind === "delete" ? "DELETE" : "UPDATE";
      throw new StaleDataError(
        `${what} of ${s.mapper.name} ${s.mapper.describeKey(s.committed ?? s.dict)} expected to match ${expected} row(s), matched ${res.rowCount}: the row was changed or deleted by someone else`,
        { table: s.mapper.table.name },
      );
    }
  }

  /** Writes a value into an object's dict, saving what it held for a rollback of the flush. */
  private write<T>(s: InstanceState, key: string, value: T): T {
    if (!this.journal.has(s))
      this.journal.set(s, {
        dict: { ...s.dict },
        committedWasDict: s.committed === s.dict,
        committed: s.committed,
        modified: s.modified ? new Set(s.modified) : null,
      });
    if (sameValue(s.dict[key], value) && s.dict[key] !== undefined) return value;
    s.noteWrite(key);
    s.dict[key] = value;
    return value;
  }

  /** The flush failed: every object is as it was before it. */
  restore(): void {
    for (const [s, saved] of this.journal) {
      s.dict = saved.dict;
      s.committed = saved.committedWasDict ? s.dict : saved.committed;
      s.modified = saved.modified;
    }
    for (const s of this.cascaded) {
      this.session.pendingStates.delete(s);
      if (s.status === "pending") {
        s.status = "transient";
        s.session = undefined;
      }
    }
    for (const s of this.dropped) if (!this.cascaded.includes(s)) this.session.pendingStates.add(s);
  }

  private finalize(): void {
    const session = this.session;
    for (const s of this.dropped) {
      s.status = "transient";
      s.session = undefined;
    }
    for (const s of this.inserts) {
      session.pendingStates.delete(s);
      const old = this.rowSwitches.get(s);
      if (old) {
        old.status = "deleted";
        session.identityMap.delete(old.mapper, old.ident);
        session.txDeleted.push(old);
      }
      s.status = "persistent";
      s.ident = s.mapper.identOf(s.dict);
      if (s.ident !== undefined) session.identityMap.set(s.mapper, s.ident, s.obj);
      session.txInserted.push(s);
      s.markClean();
    }
    for (const s of this.updates) {
      const ident = s.mapper.identOf(s.dict);
      if (ident !== undefined && ident !== s.ident) {
        session.identityMap.delete(s.mapper, s.ident, s.obj);
        s.ident = ident;
        session.identityMap.set(s.mapper, ident, s.obj);
      }
      s.markClean();
    }
    for (const s of this.deletes) {
      session.deletedStates.delete(s);
      session.identityMap.delete(s.mapper, s.ident, s.obj);
      s.status = "deleted";
      session.txDeleted.push(s);
    }
    session.deletedStates.clear();
    for (const s of [...this.inserts, ...this.updates]) {
      for (const rel of s.mapper.relationships.values())
        if (rel.isCollection && s.isLoaded(rel.key) && s.dict[rel.key] instanceof Collection)
          Collection.setSnapshot(s.dict[rel.key] as Collection<object>, [...(s.dict[rel.key] as object[])]);
    }
  }
}

function children(s: InstanceState, rel: Relationship): object[] {
  const v = s.dict[rel.key];
  return rel.isCollection ? [...((v as object[]) ?? [])] : v ? [v as object] : [];
}
