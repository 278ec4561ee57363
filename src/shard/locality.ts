// Whether one shard can answer for the groups it holds. Rows of a table group live together on the
// shard their root key places them on, so a statement is shard-local when every group-member row it
// reads is tied to the row it answers for by equal root keys: members joined on the root key, a
// nested() child correlated on its grouping key, an EXISTS correlated on the root key. Anything else
// (an uncorrelated count, a join on another column, a derived table over members) would see only one
// shard's rows, so running it on one shard, or on each and merging, answers wrongly.
import type { DeleteNode, ExprNode, InsertNode, Node, SelectNode, SourceNode, StatementNode, UpdateNode } from "../sql/nodes/index.js";
import { childrenOf, dmlExtraSources, fromList, sourcesOfFrom } from "../sql/traverse.js";
import { shapeKey } from "../sql/cache-key.js";
import { correlateNested } from "../sql/nested-compile.js";
import { sourceLabel, tableOfSource } from "../sql/relate.js";
import type { TableGroup } from "../schema/groups.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { tableOf } from "../schema/table.js";
import type { ShardSet } from "./shards.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
type Groups = Pick<ShardSet, "metadata" | "groupOf">;

interface Member {
  readonly group: TableGroup;
  readonly rootKey: readonly string[];
}

/** Where a statement stops being shard-local, or undefined when every shard answers for its own groups. */
export function crossShardReason(shards: Groups, n: StatementNode): string | undefined {
  const check = new LocalityCheck(shards);
  try {
    switch (n.kind) {
      case "select":
        check.level(n, [], new Set(), true);
        break;
      case "compound":
        for (const q of n.queries) check.query(q, [], new Set(), true);
        break;
      case "update":
      case "delete":
      case "insert":
        check.dml(n);
        break;
      case "raw":
        throw new CrossShard("A raw SQL statement may read rows of any shard");
    }
  } catch (e) {
    if (e instanceof CrossShard) return e.message;
    throw e;
  }
  return undefined;
}

/** What routing needs to know of a statement's structure. */
export interface Locality {
  /** Whether any part of it (subqueries included) reads a group member. */
  readonly readsMembers: boolean;
  /** Why one shard cannot answer for its own groups, or undefined when it can. */
  readonly reason: string | undefined;
}

/**
 * The locality of statements remembered per shape: it depends on the statement's structure only
 * (tables, columns, joins, correlations), never on its bound values, and walking a group tree
 * costs far more than keying it. Bounded; owned by what routes.
 */
export class LocalityCache {
  private readonly known = new Map<string, Locality>();

  constructor(
    private readonly groups: Groups,
    private readonly limit = 512,
  ) {}

  of(n: StatementNode): Locality {
    const shape = shapeKey(n);
    if (shape === null) return this.compute(n);
    let found = this.known.get(shape.key);
    if (found === undefined) {
      found = this.compute(n);
      if (this.known.size >= this.limit) this.known.delete(this.known.keys().next().value!);
      this.known.set(shape.key, found);
    }
    return found;
  }

  private compute(n: StatementNode): Locality {
    return { readsMembers: readsMembers(this.groups, n), reason: crossShardReason(this.groups, n) };
  }
}

/** Whether any part of the statement (subqueries included) reads a group member. */
export function readsMembers(shards: Groups, n: Node): boolean {
  return new LocalityCheck(shards).reads(n);
}

class CrossShard extends Error {}

class LocalityCheck {
  constructor(private readonly shards: Groups) {}

  member(s: SourceNode): Member | undefined {
    const tn = tableOfSource(s);
    if (!tn) return undefined;
    let table: AnyTable;
    try {
      table = tableOf(tn) as AnyTable;
    } catch {
      return undefined;
    }
    if (!this.shards.metadata.groupOf(table)) return undefined;
    const group = this.shards.groupOf(table);
    return { group, rootKey: group.rootKeyOf(table).map((c) => c.name) };
  }

  reads(n: Node): boolean {
    if (n.kind === "table" || n.kind === "alias") return this.member(n) !== undefined;
    if (n.kind === "column") return this.reads(n.source);
    if (n.kind === "cte") return this.reads(n.query());
    return childrenOf(n).some((c) => this.reads(c));
  }

  query(q: Node, scopes: readonly (readonly SourceNode[])[], tied: ReadonlySet<SourceNode>, top = false): void {
    if (q.kind === "select") this.level(q, scopes, tied, top);
    else if (q.kind === "compound") for (const b of q.queries) this.query(b, scopes, tied, top);
    else this.exprs([q], scopes, tied);
  }

  /** An UPDATE/DELETE/INSERT runs on the shards of its target's rows: what it reads must be tied to that row. */
  dml(n: UpdateNode | DeleteNode | InsertNode): void {
    for (const c of n.with) if (this.reads(c.query())) throw new CrossShard(`A WITH clause (${c.name}) over group members would see only one shard's rows`);
    const target = n.table;
    const tied = new Set<SourceNode>(this.member(target) ? [target] : []);
    const roots: Node[] = [...n.returning.map((i) => i.expr)];
    let sources: SourceNode[] = [target];
    if (n.kind === "insert") {
      if (n.query) throw new CrossShard("INSERT … SELECT reads rows of every shard");
      roots.push(...n.rows.flat());
      if (n.onConflict) roots.push(...n.onConflict.set.map(([, e]) => e), ...(n.onConflict.where ? [n.onConflict.where] : []));
    } else {
      const from = n.kind === "update" ? dmlExtraSources(target, [...n.set.map(([, e]) => e), ...(n.where ? [n.where] : [])], n.from) : [];
      sources = [target, ...from.flatMap((f) => sourcesOfFrom(f))];
      const conditions = [n.where, ...from.flatMap(joinConditions)].filter((e): e is ExprNode => e !== undefined);
      this.tie(conditions.flatMap(conjuncts), tied);
      const loose = sources.find((s) => this.member(s) && !tied.has(s));
      if (loose) throw this.untied(loose);
      if (n.kind === "update") roots.push(...n.set.map(([, e]) => e));
      roots.push(...conditions);
    }
    this.exprs(roots, [sources], tied);
  }

  private untied(s: SourceNode): CrossShard {
    return new CrossShard(
      `${sourceLabel(s)} is not joined on its root key (${this.member(s)!.rootKey.join(", ")}) to the group the statement reads, so its rows may sit on other shards`,
    );
  }

  level(q: SelectNode, scopes: readonly (readonly SourceNode[])[], outerTied: ReadonlySet<SourceNode>, top: boolean): void {
    for (const c of q.with) if (this.reads(c.query())) throw new CrossShard(`A WITH clause (${c.name}) over group members would see only one shard's rows`);
    const from = fromList(q, q.correlate ? scopes.flat() : []);
    const sources = from.flatMap((f) => sourcesOfFrom(f));
    for (const s of sources)
      if ((s.kind === "derived" || s.kind === "cte") && this.reads(s.kind === "derived" ? s.query : s.query()))
        throw new CrossShard(`A derived table (${s.name}) over group members would see only one shard's rows`);
    const members = sources.filter((s) => this.member(s));
    // A table this level names in its own FROM shadows the enclosing query's: the outer row ties nothing here.
    const tied = new Set([...outerTied].filter((s) => !sources.includes(s)));
    // At the top, the rows answered for are those of the first member; every other member must follow it.
    if (top && members.length) tied.add(members[0]);
    const conditions = [q.where, ...from.flatMap(joinConditions)].filter((e): e is ExprNode => e !== undefined);
    this.tie(conditions.flatMap(conjuncts), tied);
    const loose = members.find((s) => !tied.has(s));
    if (loose) throw this.untied(loose);
    const inner = [...scopes, sources];
    const roots: Node[] = [...q.items.map((i) => i.expr), ...q.groupBy, ...q.orderBy.map((o) => o.expr), ...conditions];
    if (q.having) roots.push(q.having);
    this.exprs(roots, inner, tied);
  }

  /** Subqueries inside expressions: each is checked at its own level with the enclosing scopes. */
  exprs(roots: readonly Node[], scopes: readonly (readonly SourceNode[])[], tied: ReadonlySet<SourceNode>): void {
    for (const r of roots) this.expr(r, scopes, tied);
  }

  private expr(n: Node, scopes: readonly (readonly SourceNode[])[], tied: ReadonlySet<SourceNode>): void {
    switch (n.kind) {
      case "select":
      case "compound":
        this.query(n, scopes, tied);
        return;
      case "nested":
        this.level(correlateNested(n, scopes).query, scopes, tied, false);
        return;
      case "raw":
        throw new CrossShard("A raw SQL fragment may read rows of other shards: Arbor cannot tell which rows it reads");
      case "column":
      case "table":
      case "alias":
      case "derived":
      case "cte":
        return;
      default:
        for (const c of childrenOf(n)) this.expr(c, scopes, tied);
    }
  }

  /**
   * Grows `tied` along equalities that keep two member rows in one group: their root-key columns
   * equal, or a child's grouping foreign key equal to its parent's key.
   */
  private tie(parts: readonly ExprNode[], tied: Set<SourceNode>): void {
    const equal: [SourceNode, string, SourceNode, string][] = [];
    for (const p of parts) {
      if (p.kind !== "binary" || p.op !== "=" || p.left.kind !== "column" || p.right.kind !== "column") continue;
      const l = p.left;
      const r = p.right;
      if (!this.member(l.source) || !this.member(r.source)) continue;
      equal.push([l.source, l.name, r.source, r.name], [r.source, r.name, l.source, l.name]);
    }
    const holds = (a: SourceNode, ac: readonly string[], b: SourceNode, bc: readonly string[]) =>
      ac.every((c, i) => equal.some(([x, xc, y, yc]) => x === a && xc === c && y === b && yc === bc[i]));
    const linked = (a: SourceNode, b: SourceNode): boolean => {
      const ma = this.member(a)!;
      const mb = this.member(b)!;
      if (ma.group !== mb.group) return false;
      if (holds(a, ma.rootKey, b, mb.rootKey)) return true;
      // A child matched to its grouping parent on the whole foreign key, or on the part of it that
      // references a unique key of the parent (that one parent row is the child's own).
      const grouping = (child: SourceNode, parent: SourceNode) => {
        const pt = tableOfSource(parent)?.info;
        return (tableOfSource(child)?.info.foreignKeys ?? []).some((fk) => {
          if (!fk.grouping || fk.refTable().info !== pt) return false;
          const refs = fk.refColumns();
          const matched = fk.columns.flatMap((c, i) => (holds(child, [c.name], parent, [refs[i].name]) ? [refs[i].name] : []));
          if (matched.length === fk.columns.length) return true;
          return (pt.uniqueKeys?.() ?? []).some((key) => key.length > 0 && key.every((k) => matched.includes(k.name)));
        });
      };
      return grouping(a, b) || grouping(b, a);
    };
    const pending = [...tied];
    while (pending.length) {
      const a = pending.pop()!;
      if (!this.member(a)) continue;
      for (const [x, , b] of equal) {
        if (x !== a || tied.has(b) || !linked(a, b)) continue;
        tied.add(b);
        pending.push(b);
      }
    }
  }
}

function conjuncts(e: ExprNode): ExprNode[] {
  if (e.kind === "logical" && e.op === "AND") return e.items.flatMap(conjuncts);
  return [e];
}

function joinConditions(f: Node): ExprNode[] {
  if (f.kind !== "join") return [];
  return [...joinConditions(f.left), ...joinConditions(f.right), ...(f.on ? [f.on] : [])];
}
