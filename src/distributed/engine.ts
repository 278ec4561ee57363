// A distributed engine: a head (MariaDB Spider or PostgreSQL with postgres_fdw) that spreads each
// table group over backends by the engine's own hash partitioning of the root key, plus direct
// connections to the backends. Arbor computes the same partition as the engine (partition-hash.ts),
// so a statement pinned to root keys that all live on one backend goes straight there (one
// statement, no remote calls per row); anything else — cross-group reads, and every write, which
// the head makes atomic across backends (Spider's XA) — goes through the head.
import type { Engine } from "../engine/engine.js";
import type { Params } from "../engine/executor.js";
import type { Result } from "../engine/result.js";
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { MetaData } from "../schema/metadata.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { type StatementShape, shapeKey } from "../sql/cache-key.js";
import type { SelectNode, StatementNode, UpdateNode } from "../sql/nodes/index.js";
import type { RowType, Statement } from "../sql/statement.js";
import { type DistributedKind, type Member, distributedMembers } from "./check.js";
import { fdwHeadDdl, fdwHeadDropDdl } from "./fdw.js";
import { mariadbHashPartition, postgresHashRemainder } from "./partition-hash.js";
import { RouteCache } from "./routes.js";
import type { BackendServer } from "./servers.js";
import { type HeadDdlOptions, spiderHeadDdl, spiderHeadDropDdl } from "./spider.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

export interface DistributedEngineOptions {
  readonly kind: DistributedKind;
  /** The group members (every table must be one: see check.ts). */
  readonly metadata: MetaData;
  /** The head: ENGINE=SPIDER tables (MariaDB) or hash-partitioned tables over foreign partitions (PostgreSQL). */
  readonly head: Engine;
  /** Engines on the backends, in partition order: backend i holds partition (remainder) i. */
  readonly backends: readonly Engine[];
}

/** Where a statement runs: the head, or one backend by index. */
export type Route = { readonly to: "head" } | { readonly to: "backend"; readonly index: number };
const HEAD: Route = { to: "head" };

export class DistributedEngine {
  readonly kind: DistributedKind;
  readonly metadata: MetaData;
  readonly head: Engine;
  readonly backends: readonly Engine[];
  private readonly members: readonly Member[];

  /** Which SELECTs one backend can answer for its own groups, and by which values, per shape. */
  private readonly routes: RouteCache;

  constructor(options: DistributedEngineOptions) {
    if (options.backends.length === 0) throw new ArgumentError("A distributed engine needs at least one backend");
    const want = options.kind === "spider" ? "mysql" : "postgres";
    for (const [i, e] of [options.head, ...options.backends].entries())
      if (e.dialect.name !== want)
        throw new ArgumentError(`${i === 0 ? "The head" : `Backend ${i - 1}`} is ${e.dialect.name}; a ${options.kind} deployment needs ${want} engines`);
    // Refuses, naming the table, what the engine cannot partition by root key.
    this.members = distributedMembers(options.metadata, options.kind);
    this.kind = options.kind;
    this.metadata = options.metadata;
    this.head = options.head;
    this.backends = options.backends;
    this.routes = new RouteCache(this.groups);
  }

  /** The backend holding the group with this root key: the partition the engine itself computes. */
  backendFor(rootKey: unknown): number {
    const n = this.backends.length;
    return this.kind === "spider" ? mariadbHashPartition(rootKey, n) : postgresHashRemainder(rootKey, n);
  }

  /** Where `stmt` runs: a SELECT whose WHERE pins root keys all on one backend goes there; everything else to the head. */
  routeOf(stmt: Statement<unknown>): Route {
    const n = stmt.statementNode;
    return n.kind === "select" ? this.routeSelect(n, shapeKey(n)) : HEAD;
  }

  execute<S extends Statement<unknown>>(stmt: S, params?: Params): Promise<Result<RowType<S>>> {
    let engine: Engine;
    try {
      engine = this.engineFor(stmt.statementNode);
    } catch (e) {
      return Promise.reject(e);
    }
    return engine.execute(stmt, params);
  }

  /** The engine running `n`, which has its plan already when it is a SELECT. */
  private engineFor(n: StatementNode): Engine {
    if (n.kind !== "select") {
      if (n.kind === "update") this.refuseRootKeyChange(n);
      return this.head;
    }
    // The shape key routes the statement and is then the chosen engine's plan key: walked once.
    const shape = shapeKey(n);
    const r = this.routeSelect(n, shape);
    const engine = r.to === "head" ? this.head : this.backends[r.index];
    engine.plans.planAhead(n, shape);
    return engine;
  }

  private routeSelect(n: SelectNode, shape: StatementShape | null): Route {
    const keys = this.routes.pinnedKeys(n, shape);
    if (keys === undefined) return HEAD;
    // Every key is placed (a key that cannot be is refused, wherever the others are).
    const index = this.backendFor(keys[0]);
    let one = true;
    for (let i = 1; i < keys.length; i++) one = this.backendFor(keys[i]) === index && one;
    return one ? { to: "backend", index } : HEAD;
  }

  /** The head's DDL for these backends (servers and partitioned member tables). */
  headDdl(servers: readonly BackendServer[], opts?: HeadDdlOptions): string[] {
    this.checkServers(servers);
    return (this.kind === "spider" ? spiderHeadDdl : fdwHeadDdl)(this.head.dialect, this.metadata, servers, opts);
  }

  /** Creates the members' tables on every backend (Arbor's ordinary DDL), then the head's servers and tables. */
  async create(servers: readonly BackendServer[], opts?: HeadDdlOptions): Promise<void> {
    const head = this.headDdl(servers, opts);
    await Promise.all(this.backends.map((b) => this.metadata.createAll(b)));
    await this.head.withConnection(async (c) => {
      for (const s of head) await c.runSql(s);
    });
  }

  /** Drops the head's tables and servers, then the backends' tables. */
  async drop(opts?: HeadDdlOptions): Promise<void> {
    const n = this.backends.length;
    const stmts = (this.kind === "spider" ? spiderHeadDropDdl : fdwHeadDropDdl)(this.head.dialect, this.metadata, n, opts);
    await this.head.withConnection(async (c) => {
      for (const s of stmts) await c.runSql(s);
    });
    await Promise.all(this.backends.map((b) => this.metadata.dropAll(b)));
  }

  async dispose(): Promise<void> {
    await Promise.all([this.head, ...this.backends].map((e) => e.dispose()));
  }

  /**
   * A new root key would move the group to another backend: Spider would move that one row
   * (leaving its children behind) and postgres_fdw cannot move rows between foreign partitions.
   */
  private refuseRootKeyChange(n: UpdateNode): void {
    const member = this.members.find((m) => m.table.node.info === n.table.info);
    const col = member && n.set.find(([c]) => c.name === member.rootColumn.name)?.[0];
    if (member && col)
      throw new NotSupportedError(
        `UPDATE of ${member.table.name}.${col.name}: it holds the group's root key, which decides the backend; insert the group under the new key and delete the old one instead`,
        { table: member.table.name, column: col.name },
      );
  }

  private checkServers(servers: readonly BackendServer[]): void {
    if (servers.length !== this.backends.length)
      throw new ArgumentError(`${servers.length} servers for ${this.backends.length} backend engines: partition i must be backend i`);
  }

  private get groups() {
    const metadata = this.metadata;
    // Read once, by the constructor.
    return {
      metadata,
      groupOf: (t: AnyTable) => {
        const g = metadata.groupOf(t);
        if (!g) throw new ArgumentError(`${t.name} belongs to no table group`, { table: t.name });
        return g;
      },
    };
  }
}
