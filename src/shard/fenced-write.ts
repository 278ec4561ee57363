// Core writes (ShardedEngine) to groups a rebalance may be moving. Each such group's part of the
// statement runs alone, restricted to its root key: in a transaction on the group's previous shard
// that first locks the root row, or — when the root row is gone (the group moved) — on its new
// shard. The rebalance takes the same lock while it moves a batch, so a write lands either before
// the copy (and moves with it) or after the delete (on the new shard), never in between.
import type { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import type { Result } from "../engine/result.js";
import type { TableGroup } from "../schema/groups.js";
import { tableOf } from "../schema/table.js";
import { pickRows, rowCount } from "../sql/insert-rows.js";
import type { DeleteNode, ExprNode, InsertNode, StatementNode, UpdateNode } from "../sql/nodes/index.js";
import { keyCondition, type AnyTable } from "./checksum.js";
import { lockRoots } from "./fence.js";
import { atShard, rootKeyText, type ShardSet } from "./shards.js";

type Run = (shard: string, ex: Engine | Executor, node: StatementNode) => Promise<Result<unknown>>;

/** While a rebalance runs: the shards a read pinned to `keys` must see (a moving group may be on either of two). */
export function readTargets(shards: ShardSet, keys: unknown[][] | undefined): string[] {
  if (!keys) return shards.names;
  const out = new Set<string>();
  for (const k of keys) {
    const m = shards.moving(k);
    if (m && !shards.knownMoved(k)) out.add(m.from).add(m.to);
    else out.add(shards.shardFor(k));
  }
  return [...out];
}

/** Runs `node` (already restricted to one group) where the group with `key` lives, under its root row's lock. */
export async function fencedOne(shards: ShardSet, group: TableGroup, key: readonly unknown[], node: StatementNode, run: Run): Promise<Result<unknown>> {
  const m = shards.moving(key);
  if (!m || shards.knownMoved(key)) {
    const shard = shards.shardFor(key);
    return run(shard, shards.engine(shard), node);
  }
  // A new group's root row goes to its new shard: the rebalance moves only groups it found.
  if (node.kind === "insert" && tableOf(node.table) === group.root) return run(m.to, shards.engine(m.to), node);
  return atShard(m.from, () =>
    shards.engine(m.from).transaction(async (tx) => {
      const present = await lockRoots(tx, group, [key], shards.moveWait);
      if (present.has(rootKeyText(key))) return run(m.from, tx, node);
      shards.markMoved(key);
      return run(m.to, shards.engine(m.to), node);
    }),
  );
}

/** `node` restricted to the rows of one root key (an UPDATE's or DELETE's WHERE gains `key = …`). */
export function restrictTo(group: TableGroup, node: UpdateNode | DeleteNode, key: readonly unknown[]): UpdateNode | DeleteNode {
  const cond: ExprNode = keyCondition(group, tableOf(node.table) as AnyTable, key).node;
  const where: ExprNode = node.where ? { kind: "logical", op: "AND", items: [node.where, cond], type: cond.type } : cond;
  return { ...node, where };
}

/** An INSERT's rows split by root key (`keyAt` reads row i's key). */
export function insertPerKey(node: InsertNode, keyAt: (i: number) => unknown[]): Map<string, { key: unknown[]; node: InsertNode }> {
  const out = new Map<string, { key: unknown[]; rows: number[] }>();
  for (let i = 0, rows = rowCount(node); i < rows; i++) {
    const key = keyAt(i);
    const k = rootKeyText(key);
    const e = out.get(k);
    if (e) e.rows.push(i);
    else out.set(k, { key, rows: [i] });
  }
  return new Map([...out].map(([k, e]) => [k, { key: e.key, node: pickRows(node, e.rows) }]));
}
