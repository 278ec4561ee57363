// Advancing a target's id sequences past the ids a rebalance copied in, so the target's next
// generated id does not collide with a moved row. PostgreSQL needs it (an explicit id leaves the
// identity sequence where it was); MariaDB's AUTO_INCREMENT and SQLite's rowid/sqlite_sequence
// move past an explicitly inserted id by themselves.
//
// The sequence keeps its own progression: the new value is the first one of last + k·increment
// (start + k·increment while unused) at or above the highest copied id, so interleaved schemes (increment = shard count, a start per
// shard) keep each shard's residue; an id outside the sequence's MINVALUE–MAXVALUE (another
// shard's block in a per-shard range scheme) leaves it alone.
import type { Executor } from "../engine/executor.js";
import { sql } from "../sql/sql-tag.js";
import type { AnyTable, Row } from "./checksum.js";

function toBig(v: unknown): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  return undefined;
}

/** The value to set a sequence to so its next value is past `highest`, or undefined to leave it. */
export function sequenceTarget(
  seq: { start: bigint; increment: bigint; min: bigint; max: bigint; last: bigint | undefined },
  highest: bigint,
): bigint | undefined {
  if (seq.increment <= 0n || highest < seq.min || highest > seq.max) return undefined;
  if (seq.last !== undefined && seq.last >= highest) return undefined;
  // The progression the sequence is on: through its last value once used, else its start.
  const anchor = seq.last ?? seq.start;
  const steps = highest <= anchor ? 0n : (highest - anchor + seq.increment - 1n) / seq.increment;
  const v = anchor + steps * seq.increment;
  return v > seq.max ? undefined : v;
}

/** In the target's copy transaction: advances each autoincrement column's sequence past the copied rows (PostgreSQL). */
export async function advanceSequences(tx: Executor, rows: ReadonlyMap<AnyTable, readonly Row[]>): Promise<void> {
  if (tx.dialect.name !== "postgres") return;
  for (const [t, list] of rows) {
    const col = t.columns.find((c) => c.def.autoincrement);
    if (!col || list.length === 0) continue;
    let highest: bigint | undefined;
    for (const r of list) {
      const v = toBig(r[col.key]);
      if (v !== undefined && (highest === undefined || v > highest)) highest = v;
    }
    if (highest === undefined) continue;
    const found = (await tx.execute(sql`SELECT pg_get_serial_sequence(${`"${t.name.replaceAll('"', '""')}"`}, ${col.name}) AS seq`)).rows[0]?.seq;
    if (typeof found !== "string") continue;
    const p = (
      await tx.execute(
        sql`SELECT seqstart::text AS start, seqincrement::text AS inc, seqmin::text AS min, seqmax::text AS max, pg_sequence_last_value(seqrelid)::text AS last FROM pg_sequence WHERE seqrelid = ${found}::regclass`,
      )
    ).rows[0] as Record<string, string | null> | undefined;
    if (!p?.start || !p.inc || !p.min || !p.max) continue;
    const v = sequenceTarget(
      { start: BigInt(p.start), increment: BigInt(p.inc), min: BigInt(p.min), max: BigInt(p.max), last: p.last === null ? undefined : BigInt(p.last) },
      highest,
    );
    if (v !== undefined) await tx.execute(sql`SELECT setval(${found}::regclass, ${v.toString()}::bigint, true)`);
  }
}
