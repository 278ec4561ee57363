import type { Normaliser } from "./compare.js";
import type { AuditRow, DbDump, Emulation, Outcome } from "./ops.js";
import type { StepKind } from "./random.js";

// Scenarios expected to differ from SQLAlchemy for now. The oracle fails when one of them agrees,
// so these lists shrink as fixes land. Differences meant to stay belong in differences.ts.

/** Scenario name → the item of issue 12 that is not fixed yet. */
export const PENDING: Readonly<Record<string, string>> = {
  "12.1 delete-orphan: a child appended to another parent moves (UPDATE, not DELETE)": "12.1",
  "12.1 delete-orphan: a child whose parent is set to another one moves": "12.1",
  "12.4 merge follows relationships: a detached child's change is merged": "12.4",
  "12.5 a mutual dependency is broken on the postUpdate key (user added first)": "12.5",
  "12.6 deleting both rows of a cycle nulls the postUpdate key first": "12.6",
  "12.7 deleting a parent without delete cascade nulls its unloaded children's key": "12.7",
  "12.8 renaming a unique value and reusing it in a new row: UPDATE before INSERT": "12.8",
};

/**
 * How the random sequences live with an open item: step kinds left out, or a normaliser hiding
 * it, while the item is in PENDING (and automatically no longer once it is not).
 */
export const PENDING_IN_RANDOM: Readonly<Record<string, { readonly exclude?: readonly StepKind[]; readonly normalise?: Normaliser }>> = {
  "12.1": { exclude: ["moveChild"] },
  // INSERTs before UPDATEs within a table: the order between the two kinds is not compared.
  "12.8": { normalise: (sa, arbor) => [sa, arbor].forEach((o) => eachDump(o, insertsAndUpdatesAsOneRun)) },
};

function eachDump(o: Outcome, fn: (db: DbDump) => void): void {
  for (const s of o.steps) if (s.db) fn(s.db);
  fn(o.db);
}

/** Per table, each run of consecutive INSERTs and UPDATEs sorted by key, then kind. */
function insertsAndUpdatesAsOneRun(db: DbDump): void {
  const byTable = new Map<string, AuditRow[]>();
  for (const a of db.audit) byTable.set(a.table, [...(byTable.get(a.table) ?? []), a]);
  const out: AuditRow[] = [];
  const key = (a: AuditRow) => `${(JSON.parse(a.pk) as number[]).map((n) => String(n).padStart(12, "0")).join(",")}/${a.op}`;
  for (const rows of byTable.values()) {
    let i = 0;
    while (i < rows.length) {
      let j = i + 1;
      const iu = rows[i].op !== "D";
      while (j < rows.length && (rows[j].op !== "D") === iu) j++;
      out.push(...(iu ? rows.slice(i, j).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)) : rows.slice(i, j)));
      i = j;
    }
  }
  db.audit = out;
}

/** A divergence found by the oracle beyond issue 12's list, not fixed yet. */
export interface NewDivergence {
  /** The deterministic scenario that shows it (it must differ). */
  readonly scenario: string;
  readonly what: string;
  /** For random sequences only: hides this divergence so that they can find others. */
  readonly normalise?: (sqlalchemy: Outcome, arbor: Outcome) => void;
  /** For random sequences only: the SQLAlchemy side imitates Arbor here (sa_runner.py). */
  readonly emulate?: Emulation;
}

export const NEW_DIVERGENCES: readonly NewDivergence[] = [
  {
    scenario: "a child appended to a loaded collection survives expiring its parent before the flush",
    what: "Arbor follows the save-update cascade only at flush, from relationships still loaded then: expiring (or refreshing) the parent in between unloads the collection and the new child is silently never inserted; SQLAlchemy makes the child pending when it is appended and inserts it",
  },
  {
    scenario: "a child appended to a parent marked for deletion",
    what: "a pending child of a parent deleted in the same flush (appended before or after delete()): Arbor silently does not insert it (it becomes transient); SQLAlchemy inserts it and the flush fails on the foreign key. Arbor drops an object the application added without saying so",
    // From the flush SQLAlchemy fails (on the foreign key, or on the child's key when that row
    // exists) the two histories part: nothing after it is compared.
    normalise: (sa, arbor) => {
      const pendingChildOfDeleted = (i: number) => {
        const st = sa.steps[i - 1]?.state;
        return !!st?.deleted.some((d) => {
          const kids = d === null ? undefined : st.objs[d]?.rels.children;
          return Array.isArray(kids) && kids.some((k) => st.objs[k]?.status === "pending");
        });
      };
      const at = sa.steps.findIndex((s, i) => (s.error === "integrity" || s.error === "identity") && arbor.steps[i]?.error === undefined && pendingChildOfDeleted(i));
      if (at < 0) return;
      sa.steps.length = arbor.steps.length = at;
      sa.db = arbor.db = { rows: {}, audit: [] };
      sa.truncated = arbor.truncated = true;
    },
  },
  {
    scenario: "version counter: an object changed after commit (its version expired) is updated",
    what: "the UPDATE is guarded by the expired version (no value), matches no row and raises StaleDataError; SQLAlchemy loads the version first",
  },
  {
    scenario: "rolling back a savepoint expires only what changed inside it",
    what: "Arbor expires every object when a savepoint rolls back; SQLAlchemy expires only objects modified or flushed since the savepoint, so the others keep their loaded values and relationships",
    // Left alone, the objects Arbor expired load again (autoflushing) where SQLAlchemy's do not.
    emulate: "savepointRollbackExpiresAll",
  },
];
