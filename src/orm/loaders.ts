// The built-in loader strategies. "nested" puts the children's rows in a nested sub-select of the
// parent's row (any depth, one statement); "joined" LEFT OUTER JOINs them and folds the repeated
// parent rows into collections; "selectin" runs one follow-up query per level with the parents'
// keys; "lazy" and "raise" load nothing (touching an unloaded relationship raises either way).
import { type Expr, OrderBy } from "../sql/expression.js";
import { and } from "../sql/functions.js";
import { nested, nestedOne } from "../sql/nested.js";
import { select, type Select } from "../sql/select.js";
import { Alias } from "../sql/source.js";
import { columnEq } from "./keys.js";
import type { AnyTable, LoadContext, LoadPlan, Row, RowProcessor, SourceWithColumns, StatementSetup } from "./loader-strategy.js";
import { LoaderStrategy } from "./loader-strategy.js";
import { loadRelationship } from "./loading.js";
import type { Relationship } from "./relationships.js";
import { isLoaded, type Entity } from "./state.js";

/** An order item re-pointed from a table's columns to an alias of it. */
function rebase(items: readonly (Expr<unknown> | OrderBy)[], table: AnyTable, to: SourceWithColumns): (Expr<unknown> | OrderBy)[] {
  if ((to as unknown) === table) return [...items];
  return items.map((i) => {
    const node = i instanceof OrderBy ? i.node.expr : i.node;
    if (node.kind !== "column" || node.source !== table.node) return i;
    const col = to.c[node.key];
    return i instanceof OrderBy ? new OrderBy({ ...i.node, expr: col.node }) : col;
  });
}

function orderFor(rel: Relationship, source: SourceWithColumns): (Expr<unknown> | OrderBy)[] {
  const t = rel.target.table;
  return rebase(rel.options.orderBy?.() ?? t.primaryKey, t, source);
}

/** The condition tying `child` rows to their `parent` row for a (non many-to-many) relationship. */
function linkCondition(rel: Relationship, parent: SourceWithColumns, child: SourceWithColumns): Expr<boolean> {
  const parts = rel.pairs.map(([pk, ck]) => (rel.direction === "oneToMany" ? columnEq(child.c[ck], parent.c[pk]) : columnEq(child.c[pk], parent.c[ck])));
  return and(...parts);
}

/** Not loaded by the query; `session.load()` loads it. */
export class LazyStrategy extends LoaderStrategy {
  readonly name = "lazy";
  override readonly loads = false;
}

/** Not loaded; touching it raises. */
export class RaiseStrategy extends LoaderStrategy {
  readonly name = "raise";
  override readonly loads = false;
}

/** The children's rows as a nested value of the parent's row: a sub-select in the select list. */
export class NestedStrategy extends LoaderStrategy {
  readonly name: string = "nested";

  override setupQuery(setup: StatementSetup, node: LoadPlan): RowProcessor {
    const rel = node.rel;
    const table = rel.target.table;
    const source = setup.sourceFor(table);
    const sub = setup.nested(source, table);
    const children = sub.setupChildren(node.children);
    let q = select(...sub.items) as unknown as Select<Row>;
    if (rel.direction === "manyToMany") {
      const sec = rel.options.secondary!;
      const { local, remote } = rel.secondaryPairs;
      q = q
        .join(sec, and(...remote.map(([k, sk]) => columnEq(sec.column(sk), source.c[k]))))
        .where(...local.map(([k, sk]) => columnEq(sec.column(sk), setup.parent.c[k])));
    } else q = q.where(linkCondition(rel, setup.parent, source));
    q = q.orderBy(...orderFor(rel, source));
    // The child rows become the children's dicts; their back-reference, set to the parent after
    // reading, gets its slot in each row up front.
    const back = rel.back;
    const key = `${setup.prefix}${rel.key}`;
    const reserve = back !== undefined && !back.isCollection && !children.inStatement.some((c) => c.rel.key === back.key);
    const options = reserve ? { reserve: [back.key] } : {};
    setup.addItem((rel.isCollection ? nested(q, options) : nestedOne(q, options)).as(key));
    return new NestedProcessor(rel, key, children.processors, children.after);
  }
}

class NestedProcessor implements RowProcessor {
  constructor(
    private readonly rel: Relationship,
    private readonly key: string,
    private readonly children: readonly RowProcessor[],
    private readonly after: readonly LoadPlan[],
  ) {}

  processRow(ctx: LoadContext, parent: Entity, row: Row, first: boolean): void {
    // A parent repeated on joined rows carries the same nested value: read it once.
    if (!first) return;
    const rel = this.rel;
    const target = rel.target;
    const value = row[this.key];
    // The parsed array of nested rows becomes the array of their objects, in place.
    const list: unknown[] = rel.isCollection ? ((value as Row[] | null) ?? []) : value ? [value] : [];
    const children = this.children;
    const after = this.after;
    for (let i = 0, n = list.length; i < n; i++) {
      const r = list[i] as Row;
      const o = ctx.hydrate(target, r);
      for (let j = 0; j < children.length; j++) children[j].processRow(ctx, o, r, true);
      if (after.length) ctx.defer(o, after);
      list[i] = o;
    }
    ctx.assign(parent, rel, list as Entity[]);
  }
}

/** LEFT OUTER JOINs in the query's own statement; in a nested sub-select (no joins there) it nests. */
export class JoinedStrategy extends LoaderStrategy {
  readonly name: string = "joined";

  override setupQuery(setup: StatementSetup, node: LoadPlan): RowProcessor {
    if (!setup.canJoin) return NESTED.setupQuery(setup, node);
    const rel = node.rel;
    const table = rel.target.table;
    const n = setup.nextAlias();
    const prefix = `j${n}__`;
    const target = new Alias(table.node, `j${n}`) as unknown as SourceWithColumns;
    if (rel.direction === "manyToMany") {
      const sec = rel.options.secondary!;
      const link = new Alias(sec.node, `j${n}_link`) as unknown as SourceWithColumns;
      const { local, remote } = rel.secondaryPairs;
      setup.addJoin(link, and(...local.map(([k, sk]) => columnEq(link.c[sk], setup.parent.c[k]))));
      setup.addJoin(target, and(...remote.map(([k, sk]) => columnEq(target.c[k], link.c[sk]))));
    } else setup.addJoin(target, linkCondition(rel, setup.parent, target));
    for (const key of rel.target.columnKeys) setup.addItem(target.c[key].as(`${prefix}${key}`));
    setup.addOrder(...orderFor(rel, target));
    const children = setup.below(target, table, prefix).setupChildren(node.children);
    return new JoinedProcessor(
      rel,
      rel.target.columnKeys.map((k) => prefix + k),
      rel.target.pkKeys.map((k) => prefix + k),
      children.processors,
      children.after,
    );
  }
}

interface Acc {
  readonly list: Entity[];
  readonly seen: Set<Entity>;
}

/** What a joined processor gathers in one run (kept by the run: `LoadContext.local`). */
class JoinedRun {
  readonly byParent = new Map<Entity, Acc>();
  /** Rows come ordered by parent: the parent of the previous row is usually this row's. */
  lastParent: Entity | undefined = undefined;
  lastAcc: Acc | undefined = undefined;
  /** Objects this processor built from a row: rows repeating one skip building its dict. */
  readonly hydrated = new Set<Entity>();
}

const joinedRun = (): JoinedRun => new JoinedRun();

class JoinedProcessor implements RowProcessor {
  constructor(
    private readonly rel: Relationship,
    /** The target's column keys and primary-key keys as labelled in the row (prefixed). */
    private readonly columns: readonly string[],
    private readonly pks: readonly string[],
    private readonly children: readonly RowProcessor[],
    private readonly after: readonly LoadPlan[],
  ) {}

  processRow(ctx: LoadContext, parent: Entity, row: Row): void {
    const run = ctx.local(this, joinedRun);
    let acc = run.lastParent === parent ? run.lastAcc : run.byParent.get(parent);
    if (acc === undefined) run.byParent.set(parent, (acc = { list: [], seen: new Set() }));
    run.lastParent = parent;
    run.lastAcc = acc;
    const child = this.child(ctx, run, row);
    if (child === undefined) return;
    const first = !acc.seen.has(child);
    if (first) {
      acc.seen.add(child);
      acc.list.push(child);
      if (this.after.length) ctx.defer(child, this.after);
    }
    const children = this.children;
    for (let i = 0; i < children.length; i++) children[i].processRow(ctx, child, row, first);
  }

  /** The object a joined row holds (undefined when the outer join found none). */
  private child(ctx: LoadContext, run: JoinedRun, row: Row): Entity | undefined {
    const target = this.rel.target;
    const ident = target.identAt(row, this.pks);
    if (ident === undefined) return undefined;
    const known = ctx.find(target, ident);
    if (known !== undefined && run.hydrated.has(known)) return known;
    const dict: Row = {};
    const keys = target.columnKeys;
    const columns = this.columns;
    for (let i = 0; i < keys.length; i++) dict[keys[i]] = row[columns[i]];
    const child = ctx.hydrate(target, dict);
    run.hydrated.add(child);
    return child;
  }

  finish(ctx: LoadContext): void {
    for (const [parent, acc] of ctx.local(this, joinedRun).byParent) ctx.assign(parent, this.rel, acc.list);
  }
}

/** One follow-up query per level, the parents' keys in batches; many-to-one targets in the session cost no SQL. */
export class SelectinStrategy extends LoaderStrategy {
  readonly name: string = "selectin";
  override readonly afterStatement = true;

  override async postLoad(ctx: LoadContext, node: LoadPlan, parents: readonly Entity[]): Promise<void> {
    const rel = node.rel;
    const todo = parents.filter((o) => !isLoaded(o, rel.key) || ctx.populate);
    if (todo.length) await loadRelationship(ctx.session, todo, rel);
  }
}

export const NESTED = new NestedStrategy();
export const SELECTIN = new SelectinStrategy();
export const BUILT_IN: readonly LoaderStrategy[] = [new LazyStrategy(), new RaiseStrategy(), NESTED, new JoinedStrategy(), SELECTIN];
