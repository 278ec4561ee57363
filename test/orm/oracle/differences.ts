// Every deliberate difference between Arbor's Session and SQLAlchemy 1.4's, with the reason. The
// comparator (compare.ts) applies these normalisations and no others; a difference not listed
// here fails the oracle. Differences the op language or a runner avoids (rather than the
// comparator normalising them) are listed without `normalise`, so this stays the one place that
// names them.
import { FLUSH_ERRORS, NO_OBJECT, type AuditRow, type DbDump, type ObjState, type Outcome, type Step } from "./ops.js";

export interface Difference {
  readonly id: string;
  readonly reason: string;
  /** Rewrites both outcomes (copies) so that the deliberate difference does not show. */
  readonly normalise?: (sqlalchemy: Outcome, arbor: Outcome) => void;
}

/** Ops after which both ORMs define the same session state: cascades resolved, transaction edges. */
export const SYNC_OPS = new Set(["flush", "commit", "rollback", "savepoint", "releaseSavepoint", "close"]);

function eachObject(o: Outcome, fn: (obj: ObjState, step: Step) => void): void {
  for (const s of o.steps) for (const obj of Object.values(s.state.objs)) fn(obj, s);
}

function bothSteps(sa: Outcome, arbor: Outcome, fn: (s: Step, r: Step, last: boolean) => void): void {
  const n = Math.min(sa.steps.length, arbor.steps.length);
  for (let i = 0; i < n; i++) fn(sa.steps[i], arbor.steps[i], i === n - 1 && !sa.truncated);
}

/** Per table, each run of consecutive writes of one kind sorted by primary key (tables keep their own order). */
function sortRuns(db: DbDump): void {
  const byTable = new Map<string, AuditRow[]>();
  for (const a of db.audit) byTable.set(a.table, [...(byTable.get(a.table) ?? []), a]);
  const key = (a: AuditRow) => JSON.parse(a.pk) as number[];
  const cmp = (x: AuditRow, y: AuditRow) => {
    const [a, b] = [key(x), key(y)];
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length - b.length;
  };
  const out: AuditRow[] = [];
  for (const rows of byTable.values()) {
    let i = 0;
    while (i < rows.length) {
      let j = i;
      while (j < rows.length && rows[j].op === rows[i].op) j++;
      out.push(...rows.slice(i, j).sort(cmp));
      i = j;
    }
  }
  db.audit = out;
}

function eachDump(o: Outcome, fn: (db: DbDump) => void): void {
  for (const s of o.steps) if (s.db) fn(s.db);
  fn(o.db);
}

export const DIFFERENCES: readonly Difference[] = [
  {
    id: "row-order-inside-a-batch",
    reason:
      "Arbor writes the rows of one kind (INSERT, UPDATE or DELETE) of a table as one multi-row statement where it can (multi-row INSERT, UPDATE with CASE, DELETE … IN, one DELETE per object for its association rows), and the engine writes them in its own order; SQLAlchemy runs one statement per row (executemany), ordered by primary key or collection order. The order of writes per table is compared with each run of consecutive writes of one kind taken as a set; the order between kinds (an UPDATE before an INSERT, say) is compared as is.",
    normalise: (sa, arbor) => {
      eachDump(sa, sortRuns);
      eachDump(arbor, sortRuns);
    },
  },
  {
    id: "identity-never-expires",
    reason:
      "SQLAlchemy lists the primary key among an object's expired attributes after commit or expire(); Arbor never expires a primary key (an identity does not go stale) and keeps it readable. Both know the identity.",
    normalise: (sa, arbor) => {
      eachObject(sa, (obj) => (obj.expired = obj.expired.filter((k) => k !== "id")));
      // Deleting an expired object, SQLAlchemy reloads its row for the key; Arbor needs nothing.
      bothSteps(sa, arbor, (s, r) => {
        for (const [label, a] of Object.entries(s.state.objs)) {
          const b = r.state.objs[label];
          if (!b || a.status !== b.status || (a.status !== "deleted" && a.status !== "detached")) continue;
          for (const k of b.expired) if (!a.expired.includes(k)) delete a.values[k];
          b.expired = b.expired.filter((k) => a.expired.includes(k));
        }
      });
    },
  },
  {
    id: "rolled-back-insert-keeps-values",
    reason:
      "An object whose INSERT a rollback undoes becomes transient in both; SQLAlchemy expires attributes of it (which, transient, it cannot load again), Arbor keeps the values and relationships it had, so it can be added again as it was (and expires them when they were written by a flush the rollback undid). A transient object's attributes expired on either side, and its relationships held on one side only, are not compared.",
    normalise: (sa, arbor) =>
      bothSteps(sa, arbor, (s, r) => {
        for (const [label, a] of Object.entries(s.state.objs)) {
          const b = r.state.objs[label];
          if (!b || a.status !== "transient" || b.status !== "transient") continue;
          for (const k of [...a.expired, ...b.expired]) {
            delete a.values[k];
            delete b.values[k];
          }
          a.expired = [];
          b.expired = [];
          for (const side of [a, b]) for (const k of Object.keys(side.rels)) if (!(k in (side === a ? b : a).rels)) delete side.rels[k];
        }
      }),
  },
  {
    id: "no-op-update-skipped",
    reason:
      "A row deleted and added again with the same key and the same values (a row switch that changes nothing): SQLAlchemy still writes an UPDATE of its columns, Arbor writes nothing. Writes that change no value are not compared.",
    normalise: (sa, arbor) => {
      const drop = (db: DbDump) => {
        db.audit = db.audit.filter((a) => a.op !== "U" || Object.keys(a.new ?? {}).some((k) => JSON.stringify(a.new?.[k]) !== JSON.stringify(a.old?.[k])));
      };
      eachDump(sa, drop);
      eachDump(arbor, drop);
    },
  },
  {
    id: "no-update-before-delete",
    reason:
      "A row moved to another parent and deleted in the same flush: SQLAlchemy writes the UPDATE of its new key, then the DELETE; Arbor writes only the DELETE (the object takes the new key all the same). An UPDATE followed by the DELETE of its row within one step is not compared.",
    normalise: (sa, arbor) => {
      const drop = (db: DbDump) => {
        db.audit = db.audit.filter((a, i) => a.op !== "U" || !db.audit.slice(i + 1).some((b) => b.op === "D" && b.table === a.table && b.pk === a.pk));
      };
      eachDump(sa, drop);
      eachDump(arbor, drop);
    },
  },
  {
    id: "written-expired-attribute",
    reason:
      "An expired attribute that is then written stays in SQLAlchemy's expired_attributes (the next load skips it because it is modified); Arbor un-expires it on write. Both hold the written value; it is compared as a value, not as expired.",
    normalise: (sa) => eachObject(sa, (obj) => (obj.expired = obj.expired.filter((k) => !(k in obj.values)))),
  },
  {
    id: "back-references-filled-on-load",
    reason:
      "Loading a collection, Arbor also sets each member's many-to-one back-reference (it knows the parent); SQLAlchemy leaves it unloaded and answers it from the identity map, without SQL, on first access. A many-to-one reference loaded on one side only is not compared; where both hold it, it is.",
    normalise: (sa, arbor) =>
      bothSteps(sa, arbor, (s, r) => {
        for (const [label, a] of Object.entries(s.state.objs)) {
          const b = r.state.objs[label];
          if (!b) continue;
          for (const side of [a, b]) {
            const other = side === a ? b : a;
            for (const [k, v] of Object.entries(side.rels)) if (!Array.isArray(v) && !(k in other.rels)) delete side.rels[k];
          }
        }
      }),
  },
  {
    id: "cascade-along-back-reference",
    reason:
      "Appending an object of the session to a collection of a transient one (p.children.push(c), p never added or made transient again by a rollback) sets c's back-reference to p. Arbor's save-update cascade follows c's relationship at the flush, however it was set, so p is inserted and c moved; SQLAlchemy 1.4 with future=True (2.0's rule) does not cascade along a backref, and the flush drops the change with a warning. Arbor never drops a change silently. Both runners add the transient parent before such an append, so the rest is compared.",
  },
  {
    id: "duplicate-members",
    reason:
      "Appending an object to a collection that already holds it: both keep it twice. Removing one entry, SQLAlchemy forgets the object's parent (its list collections do not support duplicates), and delete-orphan deletes the object while the other entry still holds it; Arbor keeps an object with a parent while any entry of it is left. Both runners leave out an append of an object the collection already holds.",
  },
  {
    id: "delete-postponed-while-held",
    reason:
      "A child cascade-deleted or deleted and then moved into another collection: SQLAlchemy's flushes (an explicit one, or the autoflush before a lazy load) write its UPDATE but keep its DELETE pending while a collection holds it, until a later flush, and it stays persistent in between (session.get() still finds it). Arbor's flush writes every pending change, so the object is deleted already. From the first op after which SQLAlchemy still lists for deletion an object Arbor has deleted, the two histories part and nothing after it is compared.",
    normalise: (sa, arbor) => {
      const parted = (s: Step, r: Step | undefined) =>
        s.state.deleted.some((l) => l !== null && s.state.objs[l]?.status === "persistent" && r?.state.objs[l]?.status === "deleted");
      const i = sa.steps.findIndex((s, j) => parted(s, arbor.steps[j]));
      if (i < 0) return;
      sa.steps.length = arbor.steps.length = i;
      sa.db = arbor.db = { rows: {}, audit: [] };
      sa.truncated = arbor.truncated = true;
    },
  },
  {
    id: "cascades-at-flush",
    reason:
      "SQLAlchemy follows save-update cascades when a relationship changes and delete cascades when delete() is called, loading unloaded collections then; Arbor's delete() and attribute writes do no I/O, and it follows cascades at the next flush (add() cascades at once in both). So between two flushes the session's new/deleted lists, the identity map, loaded collections and the status of objects reached only by a cascade differ, and agree again at the flush. Steps that end in a flush, commit, rollback, savepoint, savepoint release or close (and the last step) are compared in full; other steps on errors, results, and each object's identity key and status, pending and transient counting as one.",
    normalise: (sa, arbor) =>
      bothSteps(sa, arbor, (s, r, last) => {
        // A sync op that found nothing to act on (a savepoint a rollback had ended) synced nothing.
        if ((SYNC_OPS.has(s.op) && !(s.error === NO_OBJECT && r.error === NO_OBJECT)) || last) return;
        for (const st of [s.state, r.state]) {
          st.new = [];
          st.deleted = [];
          st.idmap = {};
          for (const obj of Object.values(st.objs)) {
            obj.values = {};
            obj.expired = [];
            obj.rels = {};
            if (obj.status === "pending") obj.status = "transient";
          }
        }
      }),
  },
  {
    id: "failed-flush-needs-rollback",
    reason:
      "A failed flush makes SQLAlchemy roll its whole transaction back at once (pending objects leave, the rest expire) and refuse further work until rollback() is called (PendingRollbackError); Arbor rolls back only the flush's SAVEPOINT and restores the objects as they were before the flush, keeping the transaction. The session state right after a failed flush is not compared; scenarios call rollback() next (random sequences: rollbackOnFlushError), after which both agree.",
    normalise: (sa, arbor) => {
      let failed = false;
      bothSteps(sa, arbor, (s, r) => {
        if (s.error !== undefined && s.error === r.error && FLUSH_ERRORS.has(s.error)) {
          failed = true;
          if (!s.rolledBack) s.state = r.state = { objs: {}, idmap: {}, new: [], deleted: [] };
        }
        // Values a failed flush copied into objects (foreign keys) stay in SQLAlchemy's, which the
        // rollback then makes transient; Arbor restores them. Once a flush has failed, a transient
        // object's values are compared where Arbor has them.
        if (!failed) return;
        for (const [label, a] of Object.entries(s.state.objs)) {
          const b = r.state.objs[label];
          if (!b || a.status !== "transient" || b.status !== "transient") continue;
          for (const k of Object.keys(a.values)) if (!(k in b.values)) delete a.values[k];
        }
      });
    },
  },
  {
    id: "duplicate-identity-refused",
    reason:
      "A pending object whose primary key is already held by a persistent object of the session: SQLAlchemy warns and lets the INSERT fail with an IntegrityError; Arbor refuses the flush with DuplicateIdentityError before writing anything. sa_runner.py reports SQLAlchemy's IntegrityError after that warning as the same kind (identity); and as Arbor's check comes before any write, a flush that fails both ways (a duplicate identity and another constraint) fails on the identity in Arbor and on whichever statement comes first in SQLAlchemy: the two kinds count as one.",
    normalise: (sa, arbor) =>
      bothSteps(sa, arbor, (s, r) => {
        const kinds = new Set([s.error, r.error]);
        if (kinds.size === 2 && kinds.has("identity") && kinds.has("integrity")) s.error = r.error = "integrity";
        const retry = new Set([s.retryError, r.retryError]);
        if (retry.size === 2 && retry.has("identity") && retry.has("integrity")) s.retryError = r.retryError = "integrity";
      }),
  },
  {
    id: "explicit-relationship-loads",
    reason:
      "Arbor raises NotLoadedError when an unloaded relationship of a persistent object is touched, where SQLAlchemy lazy-loads it (and ExpiredAttributeError for an expired column, where SQLAlchemy refreshes it). Scenarios load what they touch with the `load` op (session.load in Arbor, attribute access in SQLAlchemy), so both run the same loads. SQLAlchemy also expires primary keys, so loading a relationship of an expired object first reloads its row, where Arbor loads the relationship alone: the Arbor runner's `load` reloads an expired object's row with session.get() first. Collection changes (`append`, `remove`, `removeAt`) load the collection first in Arbor's runner too, as SQLAlchemy's lazy load does.",
  },
  {
    id: "strong-identity-map",
    reason:
      "SQLAlchemy's identity map holds objects weakly (an object nobody references leaves it); Arbor's holds them until they leave the session. sa_runner.py keeps a reference to every object it has seen, so both maps hold the same objects.",
  },
  {
    id: "no-members-for-deleted-objects",
    reason:
      "Adding to a relationship of an object whose DELETE was flushed in this transaction (`p.children.push(a)` after p's delete was flushed, by an autoflush say) raises SessionStateError at once in Arbor; SQLAlchemy accepts it and, at the flush, warns and drops the change (a moved child stays where it was, a new one is not inserted). Arbor never drops a change silently. From the step Arbor refuses (where SQLAlchemy does not), the two histories part and nothing after it is compared; setting the reference the other way (`a.parent = p`) is refused by both.",
    normalise: (sa, arbor) => {
      const i = arbor.steps.findIndex(
        (r, j) => r.error === "invalid" && /was deleted in this transaction: nothing can be added/.test(r.message ?? "") && sa.steps[j]?.error === undefined,
      );
      if (i < 0) return;
      sa.steps.length = arbor.steps.length = i;
      sa.db = arbor.db = { rows: {}, audit: [] };
      sa.truncated = arbor.truncated = true;
    },
  },
  {
    id: "replaced-row-left-in-collection",
    reason:
      "A row deleted and added again with its key in one flush (a row switch) leaves the deleted object in the collections that held it, beside the new one. Deleting their parent afterwards, SQLAlchemy's delete cascade reaches the old object and raises InvalidRequestError (another instance with its key is in the session); Arbor's cascade passes over an object whose DELETE was flushed. From the step SQLAlchemy refuses (where Arbor does not), the two histories part and nothing after it is compared.",
    normalise: (sa, arbor) => {
      const i = sa.steps.findIndex(
        (s, j) =>
          s.error === "invalid" &&
          /Can't attach instance .*another instance with key .* is already present in this session/.test(s.message ?? "") &&
          arbor.steps[j]?.error === undefined,
      );
      if (i < 0) return;
      sa.steps.length = arbor.steps.length = i;
      sa.db = arbor.db = { rows: {}, audit: [] };
      sa.truncated = arbor.truncated = true;
    },
  },
  {
    id: "load-from-identity-map-skips-autoflush",
    reason:
      "Loading a many-to-one reference whose target the session holds, Arbor answers from the identity map with no query and so no autoflush; SQLAlchemy refreshes the target first when a rollback expired it, and that query autoflushes. A pending change that fails to flush (a duplicate key, say) fails there in SQLAlchemy and at the next flush in Arbor, and the runners' rollback after a flush error makes the histories part: from the first load SQLAlchemy fails with a flush error where Arbor does not, nothing is compared.",
    normalise: (sa, arbor) => {
      const i = sa.steps.findIndex((s, j) => s.op === "load" && s.error !== undefined && FLUSH_ERRORS.has(s.error) && arbor.steps[j]?.error === undefined);
      if (i < 0) return;
      sa.steps.length = arbor.steps.length = i;
      sa.db = arbor.db = { rows: {}, audit: [] };
      sa.truncated = arbor.truncated = true;
    },
  },
  {
    id: "execute-autoflushes",
    reason:
      "Arbor's session.execute() autoflushes before any statement; SQLAlchemy's does so only for ORM-enabled statements, not for Core ones. The `exec` op flushes explicitly on the SQLAlchemy side.",
  },
];
