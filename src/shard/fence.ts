// Fencing groups while a rebalance moves them (docs/sharding.md, "Online rebalance").
//
// Each shard has a one-row table `arbor_rebalance` holding an epoch. A batch of groups copied to a
// shard makes its epoch odd in the copy's own transaction; once the source's delete committed,
// the epoch becomes even again. A read that fans out during a rebalance reads every shard's epoch
// before and after: all even and unchanged means no batch was half-moved while it ran, so it saw
// each group exactly once (else it waits and runs again, up to `moveWait`).
//
// Writes to a moving group lock its root row on the previous shard in their transaction (SELECT …
// FOR UPDATE; on SQLite a write, which takes the database's write lock); the rebalance holds the
// same locks while it copies, verifies and deletes a batch. A writer finding the root row gone
// knows the group moved.
import type { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import { DatabaseError, NotSupportedError, RetryableError } from "../errors.js";
import type { Result } from "../engine/result.js";
import type { TableGroup } from "../schema/groups.js";
import type { RowType, Statement } from "../sql/statement.js";
import { MetaData } from "../schema/metadata.js";
import { integer, text } from "../schema/column.js";
import { insert, update } from "../sql/dml.js";
import { select } from "../sql/select.js";
import { sql } from "../sql/sql-tag.js";
import { describeKey, keysCondition, rootKeyColumns, type AnyTable, type Row } from "./checksum.js";
import { rootKeyText, type ShardSet } from "./shards.js";

const stateMetadata = new MetaData();
/** Per shard: the epoch (odd while a batch copied here is not yet deleted from its source) and that batch. */
export const rebalanceState = stateMetadata.table("arbor_rebalance", {
  id: integer().primaryKey(),
  epoch: integer().notNull(),
  /** JSON: { group, from, keys } of the batch in flight. */
  moving: text(),
});

/** A write reached a group after a rebalance moved it away from this shard: run the unit of work again. */
export class GroupMovedError extends RetryableError {
  constructor(
    readonly group: string,
    readonly rootKey: readonly unknown[],
    readonly from: string,
    readonly to: string,
  ) {
    super(
      `Group ${group} ${describeKey(rootKey)} moved from shard ${JSON.stringify(from)} to ${JSON.stringify(to)} while this transaction ran: roll back and run it again (it will go to ${JSON.stringify(to)})`,
      { table: group, value: rootKey },
    );
  }
}

/** A read waited `moveWait` for a batch being moved (or left half-moved by an interrupted rebalance) to land. */
export class RebalanceInProgressError extends RetryableError {
  constructor(shards: readonly string[], waited: number) {
    super(
      `A rebalance batch was in flight on shard(s) ${shards.map((s) => JSON.stringify(s)).join(", ")} for ${waited} ms: run the read again (an interrupted rebalance finishes when it is run again)`,
    );
  }
}

/** Creates `arbor_rebalance` on a shard (and its row) unless it exists. */
export async function ensureRebalanceState(engine: Engine): Promise<void> {
  if ((await readEpoch(engine)) !== undefined) return;
  try {
    await engine.withConnection((c) => stateMetadata.createAll(c, { ifNotExists: true }));
  } catch (err) {
    // PostgreSQL's CREATE TABLE IF NOT EXISTS races with itself (a unique violation on pg_type).
    if (!(err instanceof DatabaseError)) throw err;
  }
  try {
    await engine.execute(insert(rebalanceState).values({ id: 1, epoch: 0, moving: null }));
  } catch (err) {
    if (!(err instanceof DatabaseError) || (await readEpoch(engine)) === undefined) throw err;
  }
}

/** Whatever runs a statement: an Engine, a Connection or Transaction, a Session. */
export interface StatementRunner {
  execute<S extends Statement<unknown>>(stmt: S): Promise<Result<RowType<S>>>;
}

/** A shard's epoch and in-flight batch; undefined when the shard was never rebalanced (no table, no row). */
export async function readState(ex: StatementRunner): Promise<{ epoch: number; moving: string | null } | undefined> {
  try {
    const rows = (await ex.execute(select(rebalanceState.c.epoch, rebalanceState.c.moving).where(rebalanceState.c.id.eq(1)))).rows;
    return rows[0];
  } catch (err) {
    if (err instanceof DatabaseError && !(err instanceof RetryableError)) return undefined;
    throw err;
  }
}

async function readEpoch(ex: StatementRunner): Promise<number | undefined> {
  return (await readState(ex))?.epoch;
}

/** In the target's copy transaction: the epoch becomes odd and names the batch. */
export async function markInFlight(tx: Executor, moving: { group: string; from: string; keys: readonly (readonly unknown[])[] }): Promise<void> {
  const json = JSON.stringify(moving, (_k, v: unknown) => (typeof v === "bigint" ? { bigint: v.toString() } : v));
  await tx.execute(
    update(rebalanceState)
      .set({
        epoch: sql<number>`CASE WHEN ${rebalanceState.c.epoch} % 2 = 0 THEN ${rebalanceState.c.epoch} + 1 ELSE ${rebalanceState.c.epoch} END`,
        moving: json,
      })
      .where(rebalanceState.c.id.eq(1)),
  );
}

/** After the source's delete committed (or a stale copy was removed): the epoch becomes even. */
export async function markLanded(ex: Engine | Executor): Promise<void> {
  await ex.execute(
    update(rebalanceState)
      .set({ epoch: sql<number>`${rebalanceState.c.epoch} + 2 - ${rebalanceState.c.epoch} % 2`, moving: null })
      .where(rebalanceState.c.id.eq(1)),
  );
}

/** The batch an interrupted rebalance left in flight on a shard (its keys restored). */
export function parseMoving(json: string): { group: string; from: string; keys: unknown[][] } {
  return JSON.parse(json, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { bigint?: unknown }).bigint === "string"
      ? BigInt((v as { bigint: string }).bigint)
      : v,
  ) as { group: string; from: string; keys: unknown[][] };
}

/**
 * Locks the root rows of `keys` in `tx` (the caller's transaction on one shard) and returns the
 * root key texts found (waiting at most `wait` ms for a lock held elsewhere). PostgreSQL and MariaDB lock the rows; SQLite takes the database's write
 * lock with a write that changes nothing.
 */
export async function lockRoots(tx: Executor, group: TableGroup, keys: readonly (readonly unknown[])[], wait?: number): Promise<Set<string>> {
  const root = group.root as AnyTable;
  const cols = rootKeyColumns(group, root);
  const where = keysCondition(group, root, keys);
  if (tx.dialect.name === "sqlite") {
    // A write first: SQLite has no row locks, and a deferred transaction must not read before it
    // holds the write lock (its snapshot could be older than the rebalance's delete).
    await tx.execute(
      update(root)
        .set({ [cols[0].key]: sql`${sql.id(cols[0].name)}` })
        .where(where),
    );
  }
  const q = select(...cols)
    .from(root)
    .where(where);
  // A writer waits at most `wait` ms for a batch holding the lock (TimeoutError, the statement
  // cancelled on the server); SQLite's wait is its busy timeout.
  let result: Result<Row>;
  if (tx.dialect.name === "sqlite") result = await tx.execute(q);
  else
    try {
      result = await tx.execute(q.forUpdate(), undefined, wait === undefined ? undefined : { timeout: wait });
    } catch (err) {
      // A driver that cannot cancel a statement (PGlite) refuses the timeout before sending anything.
      if (!(err instanceof NotSupportedError)) throw err;
      result = await tx.execute(q.forUpdate());
    }
  const rows = result.rows as Row[];
  return new Set(rows.map((r) => rootKeyText(cols.map((c) => r[c.key]))));
}

/** Epochs of every shard (0 where it was never rebalanced), each read through `via(shard)`. */
async function epochs(shards: ShardSet, via: (shard: string) => StatementRunner): Promise<number[]> {
  return Promise.all(shards.names.map(async (n) => (await readEpoch(via(n))) ?? 0));
}

/**
 * Runs a read that spans shards so that it sees every group exactly once while a rebalance moves
 * groups: it runs when no shard has a batch in flight, and again if one landed meanwhile.
 */
export async function stableRead<T>(shards: ShardSet, fn: () => Promise<T>, via: (shard: string) => StatementRunner = (n) => shards.engine(n)): Promise<T> {
  if (!shards.previous) return fn();
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const before = await epochs(shards, via);
    if (before.every((e) => e % 2 === 0)) {
      const result = await fn();
      const after = await epochs(shards, via);
      if (after.every((e, i) => e === before[i])) return result;
    }
    const waited = Date.now() - started;
    if (waited >= shards.moveWait)
      throw new RebalanceInProgressError(
        shards.names.filter((_n, i) => before[i] % 2 === 1),
        waited,
      );
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 5)));
  }
}
