// A sharded Session: one Session per shard, the shard's name as the identity token. Objects are
// placed by their group's root key; a query pinned to root keys runs on their shards, any other
// fans out to all shards and is merged honouring ORDER BY, LIMIT and OFFSET.
import { ArgumentError, MultipleResultsError, NoResultError, NotSupportedError } from "../errors.js";
import type { SelectNode } from "../sql/nodes/index.js";
import type { Expr, OrderBy } from "../sql/expression.js";
import { and, orderNodes } from "../sql/functions.js";
import type { AnyClass } from "../orm/relationships.js";
import type { LoaderOption } from "../orm/options.js";
import type { EntityQuery } from "../orm/query.js";
import { Session, type SessionOptions } from "../orm/session.js";
import { stateOf } from "../orm/state.js";
import type { TableGroup } from "../schema/groups.js";
import { TextOrders } from "./collation.js";
import { comparatorFor } from "./compare.js";
import { mergeSorted, rowComparator, type SortKey } from "./merge.js";
import { GroupMovedError, lockRoots, stableRead, type StatementRunner } from "./fence.js";
import { readTargets } from "./fenced-write.js";
import { crossShardLoad, crossShardRelationship } from "./relationship-locality.js";
import { pinnedRootKeys, shardsFor } from "./route.js";
import { atShard, rootKeyText, type ShardSet } from "./shards.js";

type Cond = Expr<boolean> | Expr<boolean | null> | undefined | false | null;

export class ShardedSession {
  private readonly sessions = new Map<string, Session>();
  /** Each shard's text collation, probed once for merging ORDER BY on text. */
  readonly textOrders: TextOrders;

  constructor(
    readonly shards: ShardSet,
    private readonly options: Omit<SessionOptions, "identityToken"> = {},
  ) {
    this.textOrders = new TextOrders(shards);
  }

  /** The Session of one shard (its identity token is the shard's name). */
  session(shard: string): Session {
    let s = this.sessions.get(shard);
    if (!s) {
      s = new Session(this.shards.engine(shard), { ...this.options, identityToken: shard });
      this.sessions.set(shard, s);
      if (this.shards.previous) s.on("beforeFlush", (session) => this.fence(shard, session));
    }
    return s;
  }

  /**
   * While a rebalance runs: before a flush on `shard` writes to a group the rebalance may move
   * away from it, the group's root row is locked in the flush's transaction (the rebalance waits
   * until it commits); a root row already gone means the group moved: GroupMovedError, nothing written.
   */
  private async fence(shard: string, session: Session): Promise<void> {
    const added = new Set(session.new);
    const inserted = new Set<string>();
    const byGroup = new Map<TableGroup, Map<string, unknown[]>>();
    for (const obj of new Set([...added, ...session.dirty, ...session.deleted])) {
      const table = stateOf(obj)?.mapper.table;
      const group = table && this.shards.metadata.groupOf(table);
      if (!group) continue;
      const key = this.rootKeyOf(obj);
      const k = rootKeyText(key);
      if (table === group.root && added.has(obj)) inserted.add(k);
      if (this.shards.moving(key)?.from !== shard) continue;
      const keys = byGroup.get(group) ?? new Map<string, unknown[]>();
      keys.set(k, key);
      byGroup.set(group, keys);
    }
    for (const [group, keys] of byGroup) {
      const wanted = [...keys].filter(([k]) => !inserted.has(k));
      if (wanted.length === 0) continue;
      const present = await lockRoots(
        await session.executor(),
        group,
        wanted.map(([, key]) => key),
        this.shards.moveWait,
      );
      for (const [k, key] of wanted)
        if (!present.has(k)) {
          this.shards.markMoved(key);
          throw new GroupMovedError(group.name, key, shard, this.shards.shardFor(key));
        }
    }
  }

  /**
   * @internal Where a read spanning shards reads a shard's rebalance epoch: the engine (autocommit,
   * so a missing table cannot abort a PostgreSQL transaction and a REPEATABLE READ snapshot cannot
   * hide a newer epoch); on SQLite the shard's session, which may hold the pool's only connection.
   */
  epochReader(shard: string): StatementRunner {
    const engine = this.shards.engine(shard);
    return engine.dialect.name === "sqlite" ? this.session(shard) : engine;
  }

  /** The shard an object lives on in this session. */
  shardOf(obj: object): string | undefined {
    const s = stateOf(obj)?.session;
    return s ? s.identityToken : undefined;
  }

  /** The root key of an object's group: its own root-key columns, or its grouping parent's. */
  rootKeyOf(obj: object): unknown[] {
    const st = stateOf(obj);
    if (!st) throw new ArgumentError(`${obj?.constructor?.name ?? typeof obj} is not a mapped object`);
    const own = this.shards.rootKeyOf(st.mapper.table, st.dict);
    if (own) return own;
    for (const rel of st.mapper.relationships.values()) {
      if (rel.direction !== "manyToOne" || !rel.grouping || !st.isLoaded(rel.key)) continue;
      const parent = st.dict[rel.key] as object | null;
      if (parent) return this.rootKeyOf(parent);
    }
    throw new ArgumentError(
      `Cannot place ${st.mapper.name}: its root key (${this.shards.rootKeyColumns(st.mapper.table).join(", ")}) is not set; root keys are assigned by the application when sharding`,
      { table: st.mapper.table.name },
    );
  }

  add<T extends object>(obj: T): T {
    const st = stateOf(obj);
    if (st?.session && st.status !== "detached" && st.status !== "transient") return st.session.add(obj);
    const key = this.rootKeyOf(obj);
    // A new group goes to its ring shard; an existing one's rows to where it lives (its previous
    // shard while a rebalance may not have moved it yet: the flush checks under the root's lock).
    const newRoot = st?.status === "transient" && this.shards.metadata.groupOf(st.mapper.table)?.root === st.mapper.table;
    return this.session(newRoot ? this.shards.shardFor(key) : this.shards.placeFor(key)).add(obj);
  }

  addAll(objs: Iterable<object>): void {
    for (const o of objs) this.add(o);
  }

  delete(obj: object): void {
    const s = stateOf(obj)?.session;
    if (!s) throw new ArgumentError("The object is not in this sharded session");
    s.delete(obj);
  }

  /** By primary key: on the root key's shard when the key includes it, else asked of every shard. */
  async get<C extends AnyClass>(cls: C, pk: unknown): Promise<InstanceType<C> | undefined> {
    const probe = this.session(this.shards.names[0]);
    const mapper = probe.mapperOf(cls);
    const dict =
      mapper.pkKeys.length === 1 && (typeof pk !== "object" || pk === null)
        ? { [mapper.pkKeys[0]]: pk }
        : Array.isArray(pk)
          ? Object.fromEntries(mapper.pkKeys.map((k, i) => [k, pk[i]]))
          : (pk as Record<string, unknown>);
    const rootKey = this.shards.rootKeyOf(mapper.table, dict);
    const targets = rootKey ? readTargets(this.shards, [rootKey]) : this.shards.names;
    if (targets.length === 1) return atShard(targets[0], () => this.session(targets[0]).get(cls, pk));
    const found = await stableRead(
      this.shards,
      () => Promise.all(targets.map((n) => atShard(n, () => this.session(n).get(cls, pk)))),
      (n) => this.epochReader(n),
    );
    const i = found.findIndex((x) => x !== undefined);
    const m = rootKey && this.shards.moving(rootKey);
    if (m && rootKey && targets[i] === m.to) this.shards.markMoved(rootKey);
    return found[i];
  }

  /** Loads an unloaded attribute or relationship of `obj` from the shard it was read from (its group lives there). */
  async load<T extends object, K extends keyof T & string>(obj: T, key: K): Promise<T[K]> {
    const st = stateOf(obj);
    const s = st?.session;
    if (!st || !s) throw new ArgumentError(`${obj?.constructor?.name ?? typeof obj} is not in this sharded session`);
    const rel = st.mapper.relationships.get(key);
    const why = rel && crossShardRelationship(this.shards, rel);
    if (why) throw new NotSupportedError(`${why}: query it through the sharded session by its root key instead`);
    return atShard(s.identityToken ?? "?", () => s.load(obj, key));
  }

  query<C extends AnyClass>(cls: C): ShardedQuery<InstanceType<C>> {
    return new ShardedQuery<InstanceType<C>>(this, cls);
  }

  async flush(): Promise<void> {
    for (const [name, s] of this.sessions) await atShard(name, () => s.flush());
  }

  /**
   * Commits every shard's transaction in turn. Each shard commits atomically; the set of shards
   * does not (there is no two-phase commit): a group, living on one shard, is always consistent.
   */
  async commit(): Promise<void> {
    for (const [name, s] of this.sessions) await atShard(name, () => s.flush());
    for (const [name, s] of this.sessions) await atShard(name, () => s.commit());
  }

  async rollback(): Promise<void> {
    for (const [name, s] of this.sessions) await atShard(name, () => s.rollback());
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.close();
    this.sessions.clear();
  }
}

export class ShardedQuery<T> {
  private conds: Cond[] = [];
  private order: (Expr<unknown> | OrderBy)[] = [];
  private lim?: number;
  private off?: number;
  private opts: LoaderOption[] = [];

  constructor(
    private readonly owner: ShardedSession,
    private readonly cls: AnyClass,
  ) {}

  private copy(patch: { conds?: Cond[]; order?: (Expr<unknown> | OrderBy)[]; lim?: number; off?: number; opts?: LoaderOption[] }): ShardedQuery<T> {
    const q = new ShardedQuery<T>(this.owner, this.cls);
    q.conds = patch.conds ?? this.conds;
    q.order = patch.order ?? this.order;
    q.lim = "lim" in patch ? patch.lim : this.lim;
    q.off = "off" in patch ? patch.off : this.off;
    q.opts = patch.opts ?? this.opts;
    return q;
  }

  where(...conds: Cond[]): ShardedQuery<T> {
    return this.copy({ conds: [...this.conds, ...conds] });
  }
  orderBy(...items: (Expr<unknown> | OrderBy)[]): ShardedQuery<T> {
    return this.copy({ order: [...this.order, ...items] });
  }
  limit(n: number): ShardedQuery<T> {
    return this.copy({ lim: n });
  }
  offset(n: number): ShardedQuery<T> {
    return this.copy({ off: n });
  }
  options(...opts: LoaderOption[]): ShardedQuery<T> {
    return this.copy({ opts: [...this.opts, ...opts] });
  }

  /** The shards this query runs on. */
  targets(): string[] {
    const mapper = this.owner.session(this.owner.shards.names[0]).mapperOf(this.cls);
    const where = this.conds.length ? and(...this.conds).node : undefined;
    const probe: SelectNode = {
      kind: "select",
      items: [],
      from: [mapper.table.node],
      where,
      groupBy: [],
      orderBy: orderNodes(this.order),
      distinct: false,
      with: [],
      correlate: true,
      forUpdate: false,
    };
    const reason = this.owner.shards.locality.of(probe).reason;
    if (reason) throw new NotSupportedError(`${reason}: query one shard's session instead`);
    const keys = pinnedRootKeys(this.owner.shards, [mapper.table.node], where);
    return this.owner.shards.previous ? readTargets(this.owner.shards, keys) : shardsFor(this.owner.shards, keys);
  }

  async all(): Promise<T[]> {
    const targets = this.targets();
    const probe = this.owner.session(targets[0]);
    const why = crossShardLoad(this.owner.shards, probe.mapperOf(this.cls), (o) => probe.mapperOf(o.cls), this.opts);
    if (why) throw new NotSupportedError(`${why}: load it with its own sharded query, by root key`);
    return targets.length > 1
      ? stableRead(
          this.owner.shards,
          () => this.run(targets),
          (n) => this.owner.epochReader(n),
        )
      : this.run(targets);
  }

  private async run(targets: string[]): Promise<T[]> {
    const fanOut = targets.length > 1;
    const perShard = (q: EntityQuery<T>): EntityQuery<T> => {
      let r = q
        .where(...this.conds)
        .orderBy(...this.order)
        .options(...this.opts);
      if (this.lim !== undefined) r = r.limit(fanOut ? this.lim + (this.off ?? 0) : this.lim);
      if (this.off !== undefined && !fanOut) r = r.offset(this.off);
      return r;
    };
    const lists = await Promise.all(targets.map((t) => atShard(t, () => perShard(this.owner.session(t).query(this.cls) as EntityQuery<T>).all())));
    if (!fanOut) return lists[0];
    const env = this.owner.textOrders.env(targets);
    const keys: SortKey[] = [];
    for (const o of orderNodes(this.order)) {
      if (o.expr.kind !== "column") throw new ArgumentError("A sharded query orders by columns of the queried entity");
      const desc = o.direction === "DESC";
      const nullsFirst = o.nulls ? o.nulls === "FIRST" : env.nullsSmallest === undefined ? undefined : env.nullsSmallest ? !desc : desc;
      const text = o.expr.type.kind === "text" || o.expr.type.kind === "varchar";
      keys.push({
        key: o.expr.key,
        desc,
        nullsFirst,
        compare: comparatorFor(o.expr.type, `ORDER BY ${o.expr.key}`, text ? await env.textOrder(o.expr) : undefined),
      });
    }
    const cmp = rowComparator(keys, (r, k) => (r as Record<string, unknown>)[k]);
    let rows: T[] = keys.length ? mergeSorted<T>(lists, (a, b) => cmp(a as object, b as object)) : lists.flat();
    if (this.lim !== undefined || this.off) rows = rows.slice(this.off ?? 0, this.lim === undefined ? undefined : (this.off ?? 0) + this.lim);
    return rows;
  }

  async first(): Promise<T | undefined> {
    return (await this.limit(1).all())[0];
  }

  async one(): Promise<T> {
    const rows = await this.limit(2).all();
    if (rows.length === 0) throw new NoResultError("No row matched");
    if (rows.length > 1) throw new MultipleResultsError("More than one row matched");
    return rows[0];
  }
}
