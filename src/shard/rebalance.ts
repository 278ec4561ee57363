// Rebalancing a shard set: when shards are added or removed, the groups whose root key now maps to
// another shard move there whole, in batches (src/shard/move.ts), while writers keep running
// through a ShardSet that names the previous ring (src/shard/fence.ts; docs/sharding.md).
//
// A run takes every shard's run lock, removes what an interrupted run left in flight, plans (every
// root key held by a shard other than its ring shard) and moves batch by batch. A killed run
// leaves each group whole on its source, at most one batch also copied to its target; a rerun
// with the same `from` and `to` finishes.
import type { Engine } from "../engine/engine.js";
import { ArgumentError, RetryableError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import { ensureRebalanceState, markLanded, parseMoving, readState } from "./fence.js";
import { deleteGroups, moveBatch, rootsPresent } from "./move.js";
import { groupsToRebalance, scanGroup, shardEngines } from "./rebalance-plan.js";
import {
  RebalanceError,
  type Move,
  type MovedGroup,
  type MoveOutcome,
  type RebalanceOptions,
  type RebalanceProgress,
  type RebalanceReport,
  type RebalanceStep,
} from "./rebalance-types.js";
import { lockRun } from "./run-lock.js";
import { rootKeyText, type ShardSet } from "./shards.js";

export * from "./rebalance-types.js";
export { checksumRows, groupChecksum, readGroup, type GroupChecksum } from "./checksum.js";
export { countMoves, groupsToRebalance, planRebalance, shardEngines } from "./rebalance-plan.js";
export { GroupMovedError, RebalanceInProgressError } from "./fence.js";

/**
 * A batch an interrupted run left in flight on `target`: copies of groups the source still holds
 * are removed (the source is authoritative, no write went to the copy); copies whose source rows
 * are gone are the groups' only rows and stay. Returns the copies removed.
 */
async function recover(name: string, target: Engine, engines: ReadonlyMap<string, Engine>, groups: readonly TableGroup[]): Promise<number> {
  const state = await readState(target);
  if (!state || state.epoch % 2 === 0) return 0;
  let removed = 0;
  if (state.moving) {
    const { group: groupName, from, keys } = parseMoving(state.moving);
    const group = groups.find((g) => g.name === groupName);
    const source = engines.get(from);
    if (!group || !source)
      throw new ArgumentError(
        `Shard ${JSON.stringify(name)} has a batch of ${groupName} from shard ${JSON.stringify(from)} in flight, which this rebalance does not cover: run it with that shard and group`,
      );
    const onSource = await rootsPresent(source, group, keys);
    const stale = keys.filter((k) => onSource.has(rootKeyText(k)));
    if (stale.length)
      await target.transaction(async (tx) => {
        removed = (await rootsPresent(tx, group, stale)).size;
        await deleteGroups(tx, group, stale);
      });
  }
  await markLanded(target);
  return removed;
}

/**
 * Runs a batch again after a deadlock or a serialization failure (SQLite: busy past its timeout,
 * a writer holding the lock the batch needed): the batch left nothing it cannot redo.
 */
async function withRetries<T>(retries: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RebalanceError) || !(err.cause instanceof RetryableError) || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(500, 10 * 2 ** attempt)));
    }
  }
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new ArgumentError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Moves every group that `to` places on another shard than the one holding it, in batches: per
 * batch, the source's root rows locked, a copy (one transaction on the target), a verification
 * (checksums) and a delete (in the source's transaction). Writers through a ShardSet with
 * `previous` keep running (docs/sharding.md). Rerun after an interruption with the same
 * arguments to finish; every group then lives on exactly one shard, the one `to` names.
 */
export async function rebalance(from: ShardSet, to: ShardSet, options: RebalanceOptions = {}): Promise<RebalanceReport> {
  const engines = shardEngines(from, to);
  const groups = groupsToRebalance(from, options.group);
  const batchSize = positiveInt("batchSize", options.batchSize ?? 500);
  const perBatch = positiveInt("groupsPerBatch", options.groupsPerBatch ?? 500);
  const retries = options.retries ?? 5;
  if (options.throttle !== undefined && !(options.throttle > 0))
    throw new ArgumentError(`throttle must be a positive number of groups per second, got ${options.throttle}`);
  const lock = options.dryRun ? undefined : await lockRun(engines);
  try {
    let staleCopies = 0;
    if (!options.dryRun) {
      for (const e of engines.values()) await ensureRebalanceState(e);
      for (const [name, e] of engines) staleCopies += await recover(name, e, engines, from.metadata.groups());
    }
    const planned: { group: TableGroup; moves: Move[] }[] = [];
    let scanned = 0;
    for (const g of groups) {
      const s = await scanGroup(to, g, engines);
      planned.push({ group: g, moves: s.moves });
      scanned += s.scanned;
    }
    const plan = planned.flatMap((p) => p.moves);
    const total = plan.length;
    let moved = 0;
    let alreadyCopied = 0;
    let skipped = 0;
    let done = 0;
    const checksums: MovedGroup[] = [];
    const progress = (phase: RebalanceProgress["phase"], batch?: readonly Move[], outcome?: MoveOutcome): void =>
      options.onProgress?.({
        phase,
        done,
        total,
        moved,
        alreadyCopied,
        skipped,
        move: batch?.[batch.length - 1],
        outcome,
        batch,
        ...(phase === "planned" ? { plan, scanned } : {}),
      });
    progress("planned");
    const report = (aborted: boolean): RebalanceReport => ({
      dryRun: options.dryRun === true,
      plan,
      scanned,
      moved,
      alreadyCopied,
      staleCopies,
      skipped,
      checksums,
      aborted,
    });
    if (options.dryRun) return report(false);

    const faultHook = options.faultHook;
    const hook = async (step: RebalanceStep, move: Move): Promise<void> => {
      if (faultHook) await faultHook(step, move);
    };
    const started = Date.now();
    for (const { group, moves } of planned) {
      // Batches of one source and one target, in plan order.
      const byPair = new Map<string, Move[]>();
      for (const m of moves) {
        const k = `${m.from}\u0000${m.to}`;
        byPair.set(k, [...(byPair.get(k) ?? []), m]);
      }
      const batches: Move[][] = [];
      for (const list of byPair.values()) for (let i = 0; i < list.length; i += perBatch) batches.push(list.slice(i, i + perBatch));
      for (const batch of batches) {
        // Yield to the event loop: SQLite calls resolve as microtasks, and signals (an abort on
        // Ctrl-C), timers and I/O must still get their turn between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) return report(true);
        const { from: f, to: t } = batch[0];
        const outcomes = await withRetries(retries, () => moveBatch(batch, { group, source: engines.get(f)!, target: engines.get(t)!, batchSize, hook }));
        for (const o of outcomes) {
          done++;
          if (o.outcome === "skipped") skipped++;
          else {
            moved++;
            if (o.outcome === "alreadyCopied") alreadyCopied++;
            if (o.checksum) checksums.push({ ...o.move, checksum: o.checksum.checksum, rows: o.checksum.rows, outcome: o.outcome });
          }
        }
        progress("move", batch, outcomes[outcomes.length - 1]?.outcome);
        if (options.throttle) {
          const due = started + (done / options.throttle) * 1000 - Date.now();
          if (due > 0) await new Promise((r) => setTimeout(r, due));
        }
      }
    }
    return report(false);
  } finally {
    await lock?.release();
  }
}
