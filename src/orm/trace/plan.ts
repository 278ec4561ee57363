// A flush's plan as the trace shows it: the ordered actions (which rows of which table are
// inserted, updated, deleted, post-updated) with the reason each comes where it does, read from
// the unit of work's own ordering (organize.ts), and which action a statement belongs to.
import type { ForeignKey } from "../../schema/table.js";
import type { FlushPlanView } from "../flush-book.js";
import { describeKey } from "../organize.js";
import type { InstanceState } from "../state.js";
import type { FlushAction, TraceFlush } from "./format.js";

type Verb = FlushAction["verb"];

/** Describes a plan; `id` gives an object's id in the trace. */
export function describePlan(plan: FlushPlanView, id: (s: InstanceState) => number): TraceFlush {
  const actions: FlushAction[] = [];
  const notes: string[] = [];
  const skip = plan.postUpdateKeys;
  const seen: string[] = [];
  const counts = new Map<string, number>();
  for (const b of plan.saves.batches) counts.set(b.mapper.table.name, (counts.get(b.mapper.table.name) ?? 0) + 1);
  for (const { mapper, states } of plan.saves.batches) {
    const table = mapper.table.name;
    const after = mapper.table.foreignKeys.filter((fk) => !skip.has(fk) && fk.target.name !== table && seen.includes(fk.target.name));
    const elsewhere = [
      ...new Set(
        mapper.table.foreignKeys.filter((fk) => !skip.has(fk) && fk.target.name !== table && !seen.includes(fk.target.name)).map((fk) => fk.target.name),
      ),
    ];
    let reason = after.length
      ? `after ${after.map((fk) => `${fk.target.name}: ${describeKey(fk)}`).join("; ")}`
      : elsewhere.length
        ? `the ${elsewhere.join(", ")} rows it references are not written in this flush`
        : "references no other table";
    if ((counts.get(table) ?? 0) > 1) reason += " (row by row: its foreign keys form a cycle)";
    const updates = states.filter((s) => !plan.isInsert(s));
    const inserts = states.filter((s) => plan.isInsert(s));
    if (updates.length) actions.push({ verb: "update", table, objects: updates.map(id), reason });
    if (inserts.length)
      actions.push({
        verb: "insert",
        table,
        objects: inserts.map(id),
        reason: updates.length ? `${reason}; UPDATEs of a table go before its INSERTs` : reason,
      });
    seen.push(table);
  }
  const postUpdated = new Map<string, InstanceState[]>();
  const postKeys = new Set<ForeignKey>();
  for (const b of plan.saves.batches)
    for (const fk of b.mapper.table.foreignKeys)
      if (skip.has(fk)) {
        postKeys.add(fk);
        postUpdated.set(b.mapper.table.name, [...(postUpdated.get(b.mapper.table.name) ?? []), ...b.states]);
      }
  for (const c of plan.saves.cut) {
    postKeys.add(c.fk);
    postUpdated.set(c.fk.table.name, [...(postUpdated.get(c.fk.table.name) ?? []), c.child]);
  }
  for (const [table, states] of postUpdated)
    actions.push({ verb: "post-update", table, objects: [...new Set(states)].map(id), reason: "a key left out of the INSERT, written once both rows exist" });
  for (const fk of postKeys) notes.push(`${describeKey(fk)} is written by a post-update: it orders nothing.`);
  if (plan.associationRows > 0)
    actions.push({
      verb: "associations",
      table: "(association tables)",
      objects: [],
      reason: `${plan.associationRows} association rows, once both sides exist`,
    });

  const deleting = plan.deletes.batches.map((b) => b.mapper.table.name);
  const clear = new Set<InstanceState>(plan.deletes.cut.map((c) => c.child));
  for (const b of plan.deletes.batches) if (b.mapper.table.foreignKeys.some((fk) => skip.has(fk))) for (const s of b.states) clear.add(s);
  if (clear.size) {
    const byTable = new Map<string, number[]>();
    for (const s of clear) byTable.set(s.mapper.table.name, [...(byTable.get(s.mapper.table.name) ?? []), id(s)]);
    for (const [table, objects] of byTable)
      actions.push({ verb: "clear-keys", table, objects, reason: "rows stop referencing each other before they are deleted" });
  }
  plan.deletes.batches.forEach(({ mapper, states }, i) => {
    const table = mapper.table.name;
    const later = deleting.slice(i + 1);
    const before = mapper.table.foreignKeys.filter((fk) => !skip.has(fk) && fk.target.name !== table && later.includes(fk.target.name));
    const reason = before.length
      ? `before ${before.map((fk) => `${fk.target.name}: ${describeKey(fk)}`).join("; ")} (children first)`
      : "no row deleted later references it";
    actions.push({ verb: "delete", table, objects: states.map(id), reason });
  });
  if (plan.saves.batches.length && plan.deletes.batches.length) notes.push("All saves come before all deletes.");
  if (plan.saves.batches.length) notes.push("Saves are a topological sort of tables by foreign key: parents first.");
  if (plan.deletes.batches.length) notes.push("Deletes are the same sort reversed: children first.");
  for (const c of [...plan.saves.cut, ...plan.deletes.cut]) notes.push(`A cycle of rows is cut at the nullable key ${describeKey(c.fk)}.`);
  notes.push("The flush runs inside a SAVEPOINT: if a statement fails, the database and the objects are restored.");
  return { actions, notes };
}

const WRITE = /^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+((?:[`"][^`"]+[`"]|[\w$]+)(?:\.(?:[`"][^`"]+[`"]|[\w$]+))*)/i;

const VERBS: Record<string, readonly Verb[]> = {
  INSERT: ["insert", "associations"],
  UPDATE: ["update", "post-update", "clear-keys"],
  DELETE: ["delete", "associations"],
};

/** The action (at or after `from`) a flush statement carries out, or undefined. */
export function actionOf(flush: TraceFlush, sql: string, from: number): number | undefined {
  const m = WRITE.exec(sql);
  if (!m) return undefined;
  const verbs = VERBS[m[1].split(/\s+/)[0].toUpperCase()];
  const parts = m[2].split(".");
  const table = parts[parts.length - 1].replace(/^[`"]|[`"]$/g, "");
  for (let i = Math.max(0, from); i < flush.actions.length; i++) {
    const a = flush.actions[i];
    if (verbs.includes(a.verb) && (a.table === table || a.verb === "associations")) return i;
  }
  return undefined;
}
