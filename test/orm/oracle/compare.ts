// Compares what SQLAlchemy and Arbor did with one scenario, after the normalisations listed in
// differences.ts (and only those): per step the error kind, the op's result and the session
// state; after each commit and at the end every table's rows and the order of writes per table.
import { DIFFERENCES } from "./differences.js";
import type { AuditRow, DbDump, Outcome } from "./ops.js";

/** Rewrites copies of both outcomes so that a known divergence does not show. */
export type Normaliser = (sqlalchemy: Outcome, arbor: Outcome) => void;

/** One write as the comparison sees it: op, key, and the changed values. */
function writeOf(a: AuditRow): string {
  if (a.op === "D") return `DELETE ${a.pk}`;
  if (a.op === "I") return `INSERT ${a.pk} ${stable(a.new)}`;
  const changed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.new ?? {})) if (stable(v) !== stable(a.old?.[k])) changed[k] = v;
  return `UPDATE ${a.pk} ${stable(changed)}`;
}

/** The writes of each table, in order. */
export function writesPerTable(audit: readonly AuditRow[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of audit) (out[a.table] ??= []).push(writeOf(a));
  return Object.fromEntries(Object.entries(out).sort(([x], [y]) => (x < y ? -1 : 1)));
}

export function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : typeof x === "bigint"
        ? Number(x)
        : x,
  );
}

function dbView(db: DbDump) {
  return { rows: db.rows, writes: writesPerTable(db.audit) };
}

/** The first difference found at each place, as readable lines (empty when the two agree). */
export function compare(saIn: Outcome, arborIn: Outcome, extra: readonly Normaliser[] = []): string[] {
  const sa = structuredClone(saIn);
  const arbor = structuredClone(arborIn);
  // Known divergences first: they read the outcomes as recorded.
  for (const n of extra) n(sa, arbor);
  for (const d of DIFFERENCES) d.normalise?.(sa, arbor);
  const out: string[] = [];
  const diff = (where: string, a: unknown, b: unknown) => {
    const x = stable(a);
    const y = stable(b);
    if (x !== y) out.push(`${where}:\n    SQLAlchemy: ${x}\n    Arbor:      ${y}`);
  };
  const n = Math.max(sa.steps.length, arbor.steps.length);
  for (let i = 0; i < n && out.length === 0; i++) {
    const s = sa.steps[i];
    const r = arbor.steps[i];
    const where = `step ${i + 1} (${s?.op ?? r?.op})`;
    diff(`${where} error`, s?.error ?? null, r?.error ?? null);
    diff(`${where} error when run again`, s?.retryError ?? null, r?.retryError ?? null);
    diff(`${where} result`, s?.result ?? null, r?.result ?? null);
    for (const key of ["idmap", "new", "deleted"] as const) diff(`${where} ${key}`, s?.state[key], r?.state[key]);
    const labels = new Set([...Object.keys(s?.state.objs ?? {}), ...Object.keys(r?.state.objs ?? {})]);
    for (const l of labels) diff(`${where} object ${l}`, s?.state.objs[l], r?.state.objs[l]);
    if (s?.db || r?.db) {
      const a = s?.db && dbView(s.db);
      const b = r?.db && dbView(r.db);
      diff(`${where} rows`, a?.rows, b?.rows);
      diff(`${where} writes per table`, a?.writes, b?.writes);
    }
  }
  // Whatever the steps did, the committed outcome must agree.
  const a = dbView(sa.db);
  const b = dbView(arbor.db);
  diff("final rows", a.rows, b.rows);
  diff("final writes per table", a.writes, b.writes);
  return out;
}
