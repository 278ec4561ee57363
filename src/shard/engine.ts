// A sharded engine for Core statements: writes route by root key, a query pinned to root keys
// runs on their shards only, any other query fans out to every shard concurrently and the results
// are merged as one database would return them.
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { Params } from "../engine/executor.js";
import type { Result } from "../engine/result.js";
import type { Engine } from "../engine/engine.js";
import type { Executor } from "../engine/executor.js";
import type { DeleteNode, ExprNode, InsertNode, SelectNode, StatementNode, TableNode, UpdateNode } from "../sql/nodes/index.js";
import { cellNode, pickRows, rowCount } from "../sql/insert-rows.js";
import type { RowType, Statement } from "../sql/statement.js";
import { fromList, sourcesOfFrom } from "../sql/traverse.js";
import { tableOf } from "../schema/table.js";
import type { AnyTable } from "./checksum.js";
import { TextOrders } from "./collation.js";
import { stableRead } from "./fence.js";
import { fencedOne, insertPerKey, readTargets, restrictTo } from "./fenced-write.js";
import type { Locality } from "./locality.js";
import { planFanout } from "./plan.js";
import { pinnedRootKeys, shardsFor } from "./route.js";
import { atShard, type ShardSet } from "./shards.js";

type Row = Record<string, unknown>;
const stmtOf = (node: StatementNode): Statement<unknown> => ({ statementNode: node });

/** Every table the SELECT reads: the FROM list the compiler infers (from every clause), so routing sees what runs. */
function tablesOf(q: SelectNode): TableNode[] {
  const sources = fromList(q, []).flatMap((f) => sourcesOfFrom(f));
  return [...new Set(sources.filter((s): s is TableNode => s.kind === "table"))];
}

function boundInt(e: ExprNode | undefined, what: string): number | undefined {
  if (!e) return undefined;
  if (e.kind === "bind" && typeof e.value === "number") return e.value;
  throw new NotSupportedError(`${what} must be a plain number to merge across shards`);
}

export class ShardedEngine {
  private readonly textOrders: TextOrders;

  constructor(readonly shards: ShardSet) {
    this.textOrders = new TextOrders(shards);
  }

  /** The shards a statement runs on. */
  shardsOf(stmt: Statement<unknown>): string[] {
    const n = stmt.statementNode;
    switch (n.kind) {
      case "select":
        return this.selectTargets(n);
      case "update":
      case "delete":
        this.refuseCrossShard(n);
        return shardsFor(this.shards, pinnedRootKeys(this.shards, [n.table], n.where));
      case "insert":
        this.refuseCrossShard(n);
        return [...this.splitInsert(n).keys()];
      default:
        return this.shards.names;
    }
  }

  /** Runs `stmt` where its rows live; `{ shard }` forces one shard. */
  async execute<S extends Statement<unknown>>(stmt: S, params?: Params, opts: { shard?: string } = {}): Promise<Result<RowType<S>>> {
    const n = stmt.statementNode;
    if (opts.shard) {
      const shard = opts.shard;
      return atShard(shard, () => this.shards.engine(shard).execute(stmt, params));
    }
    switch (n.kind) {
      case "select":
        return (await this.select(stmt, n, params)) as unknown as Result<RowType<S>>;
      case "insert": {
        this.refuseCrossShard(n);
        if (this.shards.previous) return (await this.fencedWrite(n, params)) as Result<RowType<S>>;
        const parts = this.splitInsert(n);
        const results = await Promise.all([...parts].map(([shard, node]) => atShard(shard, () => this.shards.engine(shard).execute(stmtOf(node), params))));
        return merged(
          results,
          results.flatMap((r) => r.rows),
          results.reduce((a, r) => a + r.rowCount, 0),
        ) as Result<RowType<S>>;
      }
      case "update":
      case "delete": {
        if (this.shards.previous) {
          this.refuseCrossShard(n);
          return (await this.fencedWrite(n, params)) as Result<RowType<S>>;
        }
        const targets = this.shardsOf(stmt);
        const results = await Promise.all(targets.map((s) => atShard(s, () => this.shards.engine(s).execute(stmt, params))));
        return merged(
          results,
          results.flatMap((r) => r.rows),
          results.reduce((a, r) => a + r.rowCount, 0),
        ) as Result<RowType<S>>;
      }
      case "compound":
        // Each shard would combine only its own rows (UNION would not remove duplicates across shards).
        throw new NotSupportedError(
          `A compound statement (${n.op}) is not merged across shards: run it on one shard with { shard } or run its parts separately`,
        );
      default:
        throw new ArgumentError("This statement cannot be routed by root key: pass { shard } to run it on one shard");
    }
  }

  /**
   * While a rebalance runs (`previous` set): each moving group's part of the write runs alone
   * under its root row's lock (fenced-write.ts); the rest as usual. An UPDATE or DELETE must pin
   * root keys then: one that fans out could change a group between its copy and its delete.
   */
  private async fencedWrite(n: InsertNode | UpdateNode | DeleteNode, params?: Params): Promise<Result<unknown>> {
    const table = tableOf(n.table) as AnyTable;
    const group = this.shards.groupOf(table);
    const run = (shard: string, ex: Engine | Executor, node: StatementNode) => atShard(shard, () => ex.execute(stmtOf(node), params));
    let parts: { key: unknown[]; node: StatementNode }[];
    if (n.kind === "insert") {
      const keyAt = this.insertKeyReader(n);
      parts = [...insertPerKey(n, keyAt).values()];
    } else {
      const keys = pinnedRootKeys(this.shards, [n.table], n.where);
      if (!keys)
        throw new NotSupportedError(
          `While a rebalance runs (a ShardSet with previous), an ${n.kind.toUpperCase()} of ${table.name} must pin root keys (= or IN on ${this.shards.rootKeyColumns(table).join(", ")})`,
        );
      parts = keys.map((key) => ({ key, node: restrictTo(group, n, key) }));
    }
    const results = await Promise.all(parts.map((p) => fencedOne(this.shards, group, p.key, p.node, run)));
    return merged(
      results,
      results.flatMap((r) => r.rows),
      results.reduce((a, r) => a + r.rowCount, 0),
    );
  }

  private async select(stmt: Statement<unknown>, q: SelectNode, params?: Params): Promise<Result<Row>> {
    const targets = this.selectTargets(q);
    if (targets.length === 1) return atShard(targets[0], () => this.shards.engine(targets[0]).execute(stmt, params)) as Promise<Result<Row>>;
    return stableRead(this.shards, () => this.fanOut(q, targets, params));
  }

  private async fanOut(q: SelectNode, targets: string[], params?: Params): Promise<Result<Row>> {
    const limit = boundInt(q.limit, "LIMIT");
    const offset = boundInt(q.offset, "OFFSET") ?? 0;
    const plan = await planFanout(q, this.textOrders.env(targets), limit, offset);
    const results = await Promise.all(targets.map((s) => atShard(s, () => this.shards.engine(s).execute(stmtOf(plan.perShard), params))));
    const rows = plan.merge(results.map((r) => [...(r.rows as Row[])]));
    return merged(results as Result<Row>[], rows, rows.length);
  }

  /**
   * A SELECT over no group member (constants, replicated tables) runs on one shard: fanned out, it
   * would count its rows once per shard. One that reads members runs on the shards of the root keys
   * it pins, or on all, but only when each shard can answer for its own groups.
   */
  private selectTargets(q: SelectNode): string[] {
    // One look-up: each keys the statement by a walk of its whole tree.
    const locality = this.shards.locality.of(q);
    if (!locality.readsMembers) return [this.shards.names[0]];
    refuseCrossShard(locality);
    const keys = pinnedRootKeys(this.shards, tablesOf(q), q.where);
    return this.shards.previous ? readTargets(this.shards, keys) : shardsFor(this.shards, keys);
  }

  /** Refuses a statement whose answer on one shard would depend on rows of another. */
  private refuseCrossShard(n: StatementNode): void {
    refuseCrossShard(this.shards.locality.of(n));
  }

  /** Reads the root key of row `i` of an INSERT. */
  private insertKeyReader(n: InsertNode): (i: number) => unknown[] {
    if (n.query) throw new NotSupportedError("INSERT … SELECT cannot be routed: pass { shard }");
    const table = tableOf(n.table);
    const keyCols = this.shards.rootKeyColumns(table);
    const at = keyCols.map((k) => n.columns.findIndex((c) => c.key === k));
    if (at.some((i) => i < 0))
      throw new ArgumentError(`Rows inserted into ${table.name} must set its root key (${keyCols.join(", ")}) to be placed`, { table: table.name });
    return (row) =>
      at.map((j) => {
        const v = cellNode(n, row, j);
        if (v.kind !== "bind" || v.value === null)
          throw new ArgumentError(`The root key of a row inserted into ${table.name} must be a value`, { table: table.name });
        return v.value;
      });
  }

  /** One INSERT per shard, each with the rows whose root key places them there. */
  private splitInsert(n: InsertNode): Map<string, InsertNode> {
    const keyAt = this.insertKeyReader(n);
    const out = new Map<string, number[]>();
    for (let i = 0, rows = rowCount(n); i < rows; i++) {
      const shard = this.shards.shardFor(keyAt(i));
      const picked = out.get(shard);
      if (picked) picked.push(i);
      else out.set(shard, [i]);
    }
    return new Map([...out].map(([s, picked]) => [s, pickRows(n, picked)]));
  }
}

function refuseCrossShard(locality: Locality): void {
  if (locality.reason) throw new NotSupportedError(`${locality.reason}: run it on one shard with { shard }, or restructure it`);
}

function merged<R>(results: readonly Result<R>[], rows: R[], rowCount: number): Result<R> {
  if (results.length === 0) throw new ArgumentError("No shard ran the statement");
  return results[0].withRows(rows, rowCount);
}
