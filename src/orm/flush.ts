// The unit of work, in named phases: collect (what changes: cascades, orphans, keys to copy,
// association rows, row switches) → order (organize.ts: saves and deletes sorted as actions) →
// emit inside a SAVEPOINT (persistence.ts): saves, post-updates, association rows, keys cleared
// before deletes, deletes → finalize (the session's bookkeeping). A failure rolls back the
// SAVEPOINT and restores every object the flush touched, so nothing is half-written.
import type { Transaction } from "../engine/connection.js";
import type { ForeignKey } from "../schema/table.js";
import { relatedObjects } from "./cascade.js";
import { Collection } from "./collection.js";
import { DuplicateIdentityError, MappingError } from "./errors.js";
import type { Mapper } from "./mapper.js";
import { describeKey, nullableKey, orderRows, type Ordered, type RowLink } from "./organize.js";
import { Journal, deleteRows, insertRows, sameValue, updateColumns, updateRows, writeAssociations, type AssociationRow } from "./persistence.js";
import type { Relationship } from "./relationships.js";
import type { FlushBook } from "./flush-book.js";
import { KeyLinks } from "./key-links.js";
import { memberOf } from "./members.js";
import type { InstanceState } from "./state.js";
import { stateOf } from "./state.js";

export { sameValue };

interface Plan {
  /** Keys of post-update relationships: they order nothing and are written separately. */
  readonly skip: ReadonlySet<ForeignKey>;
  readonly saves: Ordered;
  readonly deletes: Ordered;
}

/** A key written by a separate UPDATE once both rows exist: from a parent, or a value set by hand. */
interface PostUpdate {
  readonly s: InstanceState;
  readonly pairs: readonly (readonly [string, string])[];
  readonly parent?: InstanceState;
  readonly values?: Record<string, unknown>;
}

export class UnitOfWork {
  private readonly inserts: InstanceState[] = [];
  private readonly updates: InstanceState[] = [];
  private readonly deletes: InstanceState[] = [];
  private readonly links = new KeyLinks();
  private readonly assocInserts: AssociationRow[] = [];
  private readonly assocDeletes: AssociationRow[] = [];
  /** Deleting these also removes their association rows of unloaded many-to-many collections. */
  private readonly assocPurges: [InstanceState, Relationship][] = [];
  private readonly rowSwitches = new Map<InstanceState, InstanceState>();
  private readonly journal = new Journal();
  private readonly cascaded: InstanceState[] = [];
  /** Pending objects the flush drops (delete cascades, orphans): transient unless the flush fails. */
  private readonly dropped: InstanceState[] = [];
  private readonly postUpdates: PostUpdate[] = [];
  /** Per one-to-many relationship: every object currently in one of its loaded collections. */
  private readonly members = new Map<Relationship, Set<object>>();

  constructor(private readonly book: FlushBook) {}

  // ---- collect --------------------------------------------------------------------------------

  /** Works out what to write. Returns false when there is nothing to do. */
  async prepare(): Promise<boolean> {
    const book = this.book;
    this.cascaded.push(...book.cascadeChanges());

    // Deletes, following delete cascades (loading children the database would otherwise orphan).
    const deleting = new Set<InstanceState>();
    const addDelete = async (s: InstanceState): Promise<void> => {
      if (deleting.has(s)) return;
      deleting.add(s);
      for (const rel of s.mapper.relationshipList) {
        if (rel.direction === "manyToMany") {
          if (!rel.options.passiveDeletes) this.assocPurges.push([s, rel]);
          continue;
        }
        if (rel.direction !== "oneToMany") continue;
        const cascadeDelete = rel.cascade.has("delete");
        // Unloaded children are loaded to delete them or clear their key, unless the database
        // is trusted to do it (passiveDeletes).
        if (!s.isLoadedRel(rel)) {
          if (rel.options.passiveDeletes) continue;
          await book.loadRelationship(s, rel);
        }
        // A pending child stays pending and is inserted (as SQLAlchemy does): its parent's
        // DELETE then fails on the foreign key, unless a row switch keeps the parent's row. It
        // is never dropped without a word.
        // The delete cascade reaches what the collection held at delete(), as SQLAlchemy's does: a
        // child moved to another parent since is deleted all the same, one moved in since is not.
        const held = cascadeDelete ? book.heldAtDelete(s, rel) : undefined;
        for (const child of held ?? children(s, rel)) {
          const cs = stateOf(child)!;
          if (cascadeDelete) {
            if (cs.status === "persistent" && (held !== undefined || book.cascadesTo(s, rel, child))) await addDelete(cs);
          } else this.links.nullFk(cs, rel);
        }
        // Children removed from the collection before the parent was deleted are orphans too.
        if (rel.cascade.has("delete-orphan") && s.isLoadedRel(rel)) {
          const current = memberOf(children(s, rel));
          for (const gone of s.snapshot(rel.key) ?? []) {
            const gs = stateOf(gone)!;
            if (!current(gone) && gs.status === "persistent" && !this.hasParent(gs, rel)) await addDelete(gs);
          }
        }
      }
    };
    for (const s of book.deleted) await addDelete(s);

    // A pending object that left its parent under delete-orphan is not inserted at all.
    const pending = [...book.pending];
    for (let i = 0; i < pending.length; i++) {
      const ps = pending[i];
      const rels = ps.mapper.relationshipList;
      for (let r = 0; r < rels.length; r++) {
        const rel = rels[r];
        if (rel.direction !== "manyToOne" || !ps.isLoadedRel(rel) || ps.dict[rel.key] !== null || !rel.back?.cascade.has("delete-orphan")) continue;
        if (rel.pairs.every(([, ck]) => ps.dict[ck] === undefined || ps.dict[ck] === null)) this.dropPending(ps);
      }
    }

    // Relationship changes on everything being written: keys to copy, orphans, association rows.
    const writing = [...book.pending, ...book.modifiedStates().filter((s) => !deleting.has(s))];
    // Indexed loops here and in the helpers: this runs once per flush over every object written,
    // mostly before V8 optimises it, and unoptimised for…of allocates an iterator result per step.
    for (let i = 0; i < writing.length; i++) {
      const s = writing[i];
      const rels = s.mapper.relationshipList;
      for (let r = 0; r < rels.length; r++) {
        const rel = rels[r];
        if (!s.isLoadedRel(rel)) continue;
        if (rel.direction === "manyToMany") {
          this.associations(s, rel);
          continue;
        }
        // A child whose reference to its parent was cleared (taken out of a collection its parent's
        // snapshot never held, say) is an orphan under delete-orphan, as SQLAlchemy has it: deleted,
        // not left with its key cleared.
        const back = rel.back;
        if (
          rel.direction === "manyToOne" &&
          s.dict[rel.key] === null &&
          s.isModified(rel.key) &&
          back?.cascade.has("delete-orphan") &&
          !this.hasParent(s, back)
        ) {
          if (s.status === "persistent") await addDelete(s);
          continue;
        }
        for (const gone of this.linkKeys(s, rel)) {
          const gs = stateOf(gone)!;
          // An orphan only if no parent is left through this relationship: a child moved to
          // another parent is updated, not deleted.
          if (rel.cascade.has("delete-orphan") && !this.hasParent(gs, rel)) {
            if (gs.status === "persistent") await addDelete(gs);
            else if (gs.status === "pending") this.dropPending(gs);
          } else this.links.nullFk(gs, rel);
        }
      }
    }

    const inserts = this.inserts;
    const pendingNow = [...book.pending];
    for (let i = 0; i < pendingNow.length; i++) inserts.push(pendingNow[i]);
    for (const s of deleting) this.deletes.push(s);
    const updating = new Set<InstanceState>();
    for (const s of book.modifiedStates()) if (!deleting.has(s)) updating.add(s);
    const linked = this.links.linked();
    for (let i = 0; i < linked.length; i++) {
      const s = linked[i];
      if (s.status === "persistent" && !deleting.has(s)) updating.add(s);
    }
    this.updates.push(...updating);

    // A row deleted and added again with the same key becomes one UPDATE.
    for (let i = 0; i < inserts.length; i++) {
      const s = inserts[i];
      const existing = book.find(s.mapper, s.mapper.identOf(s.dict));
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
    return (
      this.inserts.length +
        this.updates.length +
        this.deletes.length +
        this.assocInserts.length +
        this.assocDeletes.length +
        this.assocPurges.length +
        this.dropped.length >
      0
    );
  }

  /**
   * The keys `s` takes from its parent, or gives its children, through `rel` (many-to-one or
   * one-to-many). Returns the members a one-to-many collection lost since it was last loaded or
   * flushed: orphans, or children whose key is cleared.
   */
  private linkKeys(s: InstanceState, rel: Relationship): readonly object[] {
    const value = s.dict[rel.key];
    if (rel.direction === "manyToOne") {
      if (value) this.links.depend(s, stateOf(value as object)!, rel);
      else if (s.isModified(rel.key)) this.links.nullFk(s, rel);
      return NONE;
    }
    const current: readonly object[] = rel.isCollection ? ((value as object[]) ?? NONE) : value ? [value as object] : NONE;
    for (let i = 0; i < current.length; i++) this.links.depend(stateOf(current[i])!, s, rel);
    const was = s.snapshot(rel.key);
    if (was === undefined || was.length === 0) return NONE;
    const kept = memberOf(current);
    return was.filter((o) => !kept(o));
  }

  /** Association rows a many-to-many collection gained and lost. */
  private associations(s: InstanceState, rel: Relationship): void {
    const current: readonly object[] = (s.dict[rel.key] as object[]) ?? NONE;
    const was = s.snapshot(rel.key) ?? NONE;
    const inWas = memberOf(was);
    const inCurrent = memberOf(current);
    for (const o of current) if (!inWas(o)) this.association(this.assocInserts, rel, s, stateOf(o)!);
    for (const o of was) if (!inCurrent(o)) this.association(this.assocDeletes, rel, s, stateOf(o)!);
  }

  /**
   * Whether `child` still has a parent through one-to-many `rel`: its back-reference points at
   * one, or it is a member of a loaded collection of `rel` on some object of the session.
   */
  private hasParent(child: InstanceState, rel: Relationship): boolean {
    const back = rel.back;
    if (back && child.isLoadedRel(back) && child.dict[back.key]) return true;
    let members = this.members.get(rel);
    if (!members) {
      members = new Set();
      const owners = [...this.book.pending, ...this.book.objectsOf(rel.owner)];
      for (const o of owners) if (o.mapper === rel.owner) for (const c of relatedObjects(o, rel)) members.add(c);
      this.members.set(rel, members);
    }
    return members.has(child.obj);
  }

  /** A pending object that will not be inserted; its pending children under a delete cascade go too. */
  private dropPending(s: InstanceState): void {
    if (!this.book.unpend(s)) return;
    this.dropped.push(s);
    for (const rel of s.mapper.relationshipList) {
      if (rel.direction !== "oneToMany" || !rel.cascade.has("delete") || !s.isLoadedRel(rel)) continue;
      for (const child of children(s, rel)) if (stateOf(child)!.status === "pending") this.dropPending(stateOf(child)!);
    }
  }

  private association(list: AssociationRow[], rel: Relationship, a: InstanceState, b: InstanceState): void {
    // Both sides of a bidirectional many-to-many report the same row once.
    const back = rel.back;
    const dup = list.some((r) => (r.rel === rel && r.left === a && r.right === b) || (back && r.rel === back && r.left === b && r.right === a));
    if (!dup) list.push({ rel, left: a, right: b });
  }

  // ---- order ------------------------------------------------------------------------------------

  private isInsert(s: InstanceState): boolean {
    return s.status === "pending" && !this.rowSwitches.has(s);
  }

  /** Foreign keys of relationships marked postUpdate among the mappers written. */
  private postUpdateKeys(): Set<ForeignKey> {
    const out = new Set<ForeignKey>();
    const mappers = new Set<Mapper>();
    for (const list of [this.inserts, this.updates, this.deletes]) for (let i = 0; i < list.length; i++) mappers.add(list[i].mapper);
    for (const m of mappers)
      for (const rel of m.relationshipList)
        for (const r of [rel, rel.back]) {
          if (!r?.options.postUpdate || !r.foreignKey) continue;
          // The row goes in without the key first: a NOT NULL key cannot wait.
          if (!nullableKey(r.foreignKey))
            throw new MappingError(`${r.owner.name}.${r.key} has postUpdate, but its foreign key ${describeKey(r.foreignKey)} is NOT NULL: make it nullable`, {
              table: r.foreignKey.table.name,
            });
          out.add(r.foreignKey);
        }
    return out;
  }

  /** The rows a row to save references and must follow: parents being inserted (or re-keyed). */
  private saveLinks(s: InstanceState, pendingByKey: Map<Mapper, Map<unknown, InstanceState>>): RowLink[] {
    const out: RowLink[] = [];
    for (const dep of this.links.parentsOf(s)) {
      const p = dep.parent;
      if (!dep.fk) continue;
      if (this.isInsert(p) || (p.status === "persistent" && p.mapper.pkKeys.some((k) => !sameValue(p.dict[k], (p.committed ?? p.dict)[k]))))
        out.push({ parent: p, fk: dep.fk });
    }
    // Keys set by hand to a row inserted in the same flush (with its key known).
    if (pendingByKey.size === 0) return out;
    for (const fk of s.mapper.table.foreignKeys) {
      for (const [m, byKey] of pendingByKey) {
        if (m.table !== fk.target) continue;
        const ident = m.identOf(Object.fromEntries(fk.refColumns().map((rc, i) => [rc.key, s.dict[fk.columns[i].key]])));
        const p = ident === undefined ? undefined : byKey.get(ident);
        if (p && p !== s && !out.some((l) => l.parent === p && l.fk === fk)) out.push({ parent: p, fk });
      }
    }
    return out;
  }

  /** The rows a row to delete references (by the key it holds in the database) that are deleted too. */
  private deleteLinks(s: InstanceState, deleting: ReadonlySet<InstanceState>, mappers: ReadonlySet<Mapper>): RowLink[] {
    const out: RowLink[] = [];
    const held = s.committed ?? s.dict;
    for (const fk of s.mapper.table.foreignKeys)
      for (const m of mappers) {
        if (m.table !== fk.target) continue;
        const p = this.book.find(m, m.identOf(Object.fromEntries(fk.refColumns().map((rc, i) => [rc.key, held[fk.columns[i].key]]))));
        if (p && p !== s && deleting.has(p)) out.push({ parent: p, fk });
      }
    return out;
  }

  // ---- emit -------------------------------------------------------------------------------------

  async run(tx: Transaction): Promise<void> {
    let plan: Plan;
    try {
      plan = this.order();
    } catch (err) {
      this.restore();
      throw err;
    }
    const { skip, saves, deletes } = plan;
    this.book.observer?.flushPlan({
      saves,
      deletes,
      postUpdateKeys: skip,
      isInsert: (s) => this.isInsert(s),
      associationRows: this.assocInserts.length + this.assocDeletes.length,
    });
    const sp = await tx.begin();
    try {
      await this.emit(sp, plan);
      await sp.commit();
    } catch (err) {
      if (sp.isActive) await sp.rollback().catch(() => undefined);
      this.restore();
      throw err;
    }
    this.finalize();
  }

  /** Saves parents first and deletes children first, each as a topological sort of actions. */
  private order(): Plan {
    const skip = this.postUpdateKeys();
    const saving = [...this.inserts, ...this.updates];
    const pendingByKey = new Map<Mapper, Map<unknown, InstanceState>>();
    for (let i = 0; i < this.inserts.length; i++) {
      const s = this.inserts[i];
      const ident = s.mapper.identOf(s.dict);
      if (ident === undefined || !this.isInsert(s)) continue;
      if (!pendingByKey.has(s.mapper)) pendingByKey.set(s.mapper, new Map());
      pendingByKey.get(s.mapper)!.set(ident, s);
    }
    const saves = orderRows(saving, (s) => this.saveLinks(s, pendingByKey), skip, false);
    const deleting = new Set(this.deletes);
    const deletingMappers = new Set(this.deletes.map((d) => d.mapper));
    const deletes = orderRows(this.deletes, (s) => this.deleteLinks(s, deleting, deletingMappers), skip, true);
    return { skip, saves, deletes };
  }

  private async emit(tx: Transaction, { skip, saves, deletes }: Plan): Promise<void> {
    await this.emitSaves(tx, saves, skip);
    await this.emitPostUpdates(tx);
    await writeAssociations(tx, this.assocInserts, this.assocDeletes, this.assocPurges);
    await this.clearKeysBeforeDeletes(tx, deletes, skip);
    for (let i = 0; i < this.deletes.length; i++) this.keysOfDeleted(this.deletes[i]);
    for (const b of deletes.batches) await deleteRows(tx, b.mapper, b.states);
  }

  /**
   * A row deleted in this flush after it was moved to another parent takes that parent's key on
   * the object, as SQLAlchemy's does (it writes an UPDATE before the DELETE; the row goes, so
   * Arbor writes none): its key and its reference agree afterwards.
   */
  private keysOfDeleted(s: InstanceState): void {
    const deps = this.links.parentsOf(s);
    for (let d = 0; d < deps.length; d++) {
      const { parent, pairs } = deps[d];
      for (let p = 0; p < pairs.length; p++) if (parent.dict[pairs[p][0]] !== undefined) this.journal.write(s, pairs[p][1], parent.dict[pairs[p][0]]);
    }
  }

  /** Per batch: parent keys copied in, then UPDATEs (by primary key) before INSERTs, as SQLAlchemy's save_obj. */
  private async emitSaves(tx: Transaction, ordered: Ordered, skip: ReadonlySet<ForeignKey>): Promise<void> {
    const cut = new Map<InstanceState, Ordered["cut"]>();
    for (const c of ordered.cut) cut.set(c.child, [...(cut.get(c.child) ?? []), c]);
    for (const { mapper, states } of ordered.batches) {
      for (let i = 0; i < states.length; i++) this.applyDeps(states[i], skip, cut.get(states[i]) ?? NONE);
      const updates = states.filter((s) => !this.isInsert(s)).sort((a, b) => comparePk(mapper, this.oldOf(a), this.oldOf(b)));
      await updateRows(
        tx,
        mapper,
        updates,
        (s) => this.oldOf(s),
        (s) => this.rowSwitches.has(s),
        this.journal,
      );
      await insertRows(
        tx,
        mapper,
        states.filter((s) => this.isInsert(s)),
        this.journal,
      );
    }
  }

  private oldOf(s: InstanceState): Record<string, unknown> {
    return this.rowSwitches.get(s)?.dict ?? s.committed ?? s.dict;
  }

  /**
   * Copies parent keys into `s` (and clears keys of orphans). Keys of post-update relationships
   * and of links cut to break a cycle wait for a post-update: a new row is inserted without them.
   */
  private applyDeps(s: InstanceState, skip: ReadonlySet<ForeignKey>, cut: readonly Ordered["cut"][number][]): void {
    const cleared = this.links.clearedOf(s);
    if (cleared !== undefined) for (const k of cleared) this.journal.write(s, k, null);
    const deps = this.links.parentsOf(s);
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d];
      const deferred = dep.fk !== undefined && (skip.has(dep.fk) || (cut.length > 0 && cut.some((c) => c.parent === dep.parent && c.fk === dep.fk)));
      if (deferred) {
        for (const [, ck] of dep.pairs) if (this.isInsert(s)) this.journal.write(s, ck, null);
        this.postUpdates.push({ s, pairs: dep.pairs, parent: dep.parent });
        continue;
      }
      const parent = dep.parent.dict;
      const pairs = dep.pairs;
      for (let p = 0; p < pairs.length; p++) this.journal.write(s, pairs[p][1], parent[pairs[p][0]]);
    }
    // A key set by hand to a row inserted later: inserted as NULL, then set.
    for (const c of cut) {
      if (deps.some((d) => d.parent === c.parent && d.fk === c.fk)) continue;
      const pairs = c.fk.refColumns().map((rc, i) => [rc.key, c.fk.columns[i].key] as const);
      const values = Object.fromEntries(pairs.map(([, ck]) => [ck, s.dict[ck]]));
      for (const [, ck] of pairs) this.journal.write(s, ck, null);
      this.postUpdates.push({ s, pairs, values });
    }
  }

  /** Keys written once both rows exist; only those that change. */
  private async emitPostUpdates(tx: Transaction): Promise<void> {
    for (const { s, pairs, parent, values } of this.postUpdates) {
      const set: Record<string, unknown> = {};
      for (const [pk, ck] of pairs) {
        const v = parent ? parent.dict[pk] : values![ck];
        if (!sameValue(s.dict[ck], v) || s.dict[ck] === undefined) set[ck] = v;
      }
      if (Object.keys(set).length === 0) continue;
      await updateColumns(tx, s, set);
      for (const [k, v] of Object.entries(set)) this.journal.write(s, k, v);
    }
  }

  /**
   * Before deleting, rows stop referencing each other where that is what lets them go: keys of
   * post-update relationships (as SQLAlchemy does) and keys cut to break a cycle are set to NULL.
   */
  private async clearKeysBeforeDeletes(tx: Transaction, ordered: Ordered, skip: ReadonlySet<ForeignKey>): Promise<void> {
    const clear = new Map<InstanceState, Set<string>>();
    const add = (s: InstanceState, fk: ForeignKey) => {
      const held = s.committed ?? s.dict;
      const keys = fk.columns.map((c) => c.key).filter((k) => held[k] !== null && held[k] !== undefined);
      if (keys.length) clear.set(s, new Set([...(clear.get(s) ?? []), ...keys]));
    };
    for (const s of this.deletes) for (const fk of s.mapper.table.foreignKeys) if (skip.has(fk)) add(s, fk);
    for (const c of ordered.cut) add(c.child, c.fk);
    for (const [s, keys] of clear) {
      await updateColumns(tx, s, Object.fromEntries([...keys].map((k) => [k, null])));
      // The object shows what its row held last, as SQLAlchemy's does.
      for (const k of keys) this.journal.write(s, k, null);
    }
  }

  // ---- finalize ---------------------------------------------------------------------------------

  /** The flush failed: every object is as it was before it. */
  restore(): void {
    this.links.release();
    this.journal.restore();
    this.book.undoPending(this.cascaded, this.dropped);
  }

  /** The session's bookkeeping catches up with what was written. */
  private finalize(): void {
    this.links.release();
    const book = this.book;
    for (const s of this.dropped) book.flushedDrop(s);
    for (let i = 0; i < this.inserts.length; i++) {
      const s = this.inserts[i];
      book.flushedInsert(s, this.rowSwitches.get(s));
      s.markClean();
    }
    for (const s of this.updates) {
      book.flushedUpdate(s);
      s.markClean();
    }
    for (const s of this.deletes) book.flushedDelete(s);
    book.flushedDeletes();
    for (const list of [this.inserts, this.updates])
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        const rels = s.mapper.relationshipList;
        for (let r = 0; r < rels.length; r++) {
          const rel = rels[r];
          const value = s.dict[rel.key];
          if (rel.isCollection && s.isLoadedRel(rel) && value instanceof Collection) Collection.setSnapshot(value, Collection.copy(value));
        }
      }
  }
}

/** An empty list, shared: most objects have nothing of a kind (no links cut, no keys to clear). */
const NONE: readonly never[] = [];

function children(s: InstanceState, rel: Relationship): object[] {
  const v = s.dict[rel.key];
  return rel.isCollection ? [...((v as object[]) ?? [])] : v ? [v as object] : [];
}

/** Primary-key order (SQLAlchemy sorts persistent rows by key before saving them). */
function comparePk(m: Mapper, a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const k of m.pkKeys) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if ((typeof x === "number" || typeof x === "bigint") && (typeof y === "number" || typeof y === "bigint")) return x < y ? -1 : x > y ? 1 : 0;
    const sx = String(x);
    const sy = String(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return 0;
}
