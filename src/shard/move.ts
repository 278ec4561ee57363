// Moving one batch of groups from one shard to another, fenced (docs/sharding.md):
//
//   source transaction: lock the batch's root rows (writers of these groups now wait), read every
//   member's rows;
//     1. copy    one transaction on the target: remove a stale copy an interrupted run left, insert
//                the rows (one multi-row INSERT per table and chunk), advance id sequences, and
//                make the target's epoch odd (the batch is in flight);
//     2. verify  the target's rows, read back, have each group's checksum;
//     3. delete  the rows from the source, children first, in the source transaction;
//   commit the source, then make the target's epoch even (the batch landed).
//
// A kill anywhere leaves every group whole on its source (the locks go with the connection) and
// at most the in-flight batch copied to the target, which the next run removes before moving it.
import type { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import type { TableGroup } from "../schema/groups.js";
import { deleteFrom, insert } from "../sql/dml.js";
import { select } from "../sql/select.js";
import { checksumRows, describeKey, keysCondition, readGroups, rootKeyColumns, type AnyTable, type GroupChecksum, type Row } from "./checksum.js";
import { lockRoots, markInFlight, markLanded } from "./fence.js";
import { RebalanceChecksumError, RebalanceError, type Move, type MoveOutcome, type RebalanceStep } from "./rebalance-types.js";
import { advanceSequences } from "./sequences.js";
import { rootKeyText } from "./shards.js";

export interface BatchContext {
  readonly group: TableGroup;
  readonly source: Engine;
  readonly target: Engine;
  readonly batchSize: number;
  readonly hook: (step: RebalanceStep, move: Move) => Promise<void>;
}

export interface BatchOutcome {
  readonly move: Move;
  readonly outcome: MoveOutcome;
  readonly checksum?: GroupChecksum;
}

function rowsPerInsert(t: AnyTable, batchSize: number): number {
  // Stay well below every engine's bound-parameter limit (SQLite 32766, PostgreSQL/MariaDB 65535).
  return Math.max(1, Math.min(batchSize, Math.floor(30_000 / Math.max(1, t.columns.length))));
}

/** Root keys (text) of `keys` whose root row `db` holds. */
export async function rootsPresent(db: Executor | Engine, group: TableGroup, keys: readonly (readonly unknown[])[]): Promise<Set<string>> {
  const root = group.root as AnyTable;
  const cols = rootKeyColumns(group, root);
  const rows = (
    await db.execute(
      select(...cols)
        .from(root)
        .where(keysCondition(group, root, keys)),
    )
  ).rows as Row[];
  return new Set(rows.map((r) => rootKeyText(cols.map((c) => r[c.key]))));
}

/** Deletes every member's rows of `keys`, children first; returns the rows deleted. */
export async function deleteGroups(tx: Executor, group: TableGroup, keys: readonly (readonly unknown[])[]): Promise<number> {
  let deleted = 0;
  for (const t of [...group.members].reverse()) deleted += (await tx.execute(deleteFrom(t).where(keysCondition(group, t as AnyTable, keys)))).rowCount;
  return deleted;
}

async function insertRows(tx: Executor, t: AnyTable, rows: readonly Row[], batchSize: number): Promise<void> {
  const n = rowsPerInsert(t, batchSize);
  for (let i = 0; i < rows.length; i += n) await tx.execute(insert(t).values(rows.slice(i, i + n)));
}

/** Moves `moves` (one group, one source, one target), each group whole. */
export async function moveBatch(moves: readonly Move[], ctx: BatchContext): Promise<BatchOutcome[]> {
  const { group, source, target } = ctx;
  const first = moves[0];
  let step: RebalanceStep | "verify" | "delete" = "copy:begin";
  const at = async (s: RebalanceStep): Promise<void> => {
    step = s;
    await ctx.hook(s, first);
  };
  try {
    await at("copy:begin");
    const outcomes: BatchOutcome[] = [];
    let inFlight = false;
    await source.transaction(async (src) => {
      const present = await lockRoots(
        src,
        group,
        moves.map((m) => m.rootKey),
      );
      const live = moves.filter((m) => present.has(rootKeyText(m.rootKey)));
      for (const m of moves) if (!present.has(rootKeyText(m.rootKey))) outcomes.push({ move: m, outcome: "skipped" });
      if (live.length === 0) return;
      const keys = live.map((m) => m.rootKey);
      const rows = await readGroups(src, group, keys);
      const sums = new Map([...rows].map(([k, r]) => [k, checksumRows(group, r)]));

      // (1) Copy.
      let stale = new Set<string>();
      await target.transaction(async (dst) => {
        // A write first (SQLite then holds the write lock before reading anything).
        await markInFlight(dst, { group: group.name, from: first.from, keys });
        // The source holds these groups, so a copy already on the target is left by an
        // interrupted run (or a failed verification): no write went to it. Replace it.
        stale = await rootsPresent(dst, group, keys);
        if (stale.size) await deleteGroups(dst, group, keys);
        const perTable = new Map<AnyTable, Row[]>(group.members.map((t) => [t as AnyTable, [...rows.values()].flatMap((g) => g.get(t as AnyTable) ?? [])]));
        for (const [t, list] of perTable) await insertRows(dst, t, list, ctx.batchSize);
        await advanceSequences(dst, perTable);
        await at("copy:inserted");
      });
      inFlight = true;
      await at("copy:committed");

      // (2) Verify what the target committed against what the source holds (locked, unchanged).
      step = "verify";
      const copied = await readGroups(target, group, keys);
      for (const m of live) {
        const k = rootKeyText(m.rootKey);
        const want = sums.get(k)!;
        const got = checksumRows(group, copied.get(k)!);
        if (want.checksum !== got.checksum)
          throw new RebalanceChecksumError(
            m,
            want,
            got,
            `the copy on shard ${m.to} differs from the source; it is removed and the group copied again on the next run`,
          );
      }
      await at("verify:done");

      // (3) Delete from the source, in the transaction holding the locks.
      step = "delete";
      const total = [...sums.values()].reduce((a, s) => a + s.rows, 0);
      const deleted = await deleteGroups(src, group, keys);
      if (deleted !== total)
        throw new RebalanceError(
          `A batch of ${live.length} groups from ${describeKey(first.rootKey)} on shard ${first.from}: ${total} rows were copied but ${deleted} deleted (a write bypassed the root-row locks); the source was left in place`,
          first,
          "delete",
        );
      await at("delete:deleted");
      for (const m of live) {
        const k = rootKeyText(m.rootKey);
        outcomes.push({ move: m, outcome: stale.has(k) ? "alreadyCopied" : "moved", checksum: sums.get(k)! });
      }
    });
    if (inFlight) {
      await at("delete:committed");
      await markLanded(target);
    }
    return outcomes;
  } catch (err) {
    if (err instanceof RebalanceError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    const what =
      moves.length === 1 ? `group ${first.group} ${describeKey(first.rootKey)}` : `${moves.length} groups of ${first.group} from ${describeKey(first.rootKey)}`;
    throw new RebalanceError(`Moving ${what} from shard ${first.from} to ${first.to} failed at ${step}: ${why}`, first, step, err);
  }
}
