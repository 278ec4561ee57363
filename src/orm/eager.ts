// Running a load plan: the Composer lets each plan node's strategy add to the query's statement
// (StatementSetup) and keeps the row processors they return; the Materializer turns the rows into
// objects through the session's identity API, hands each row to the processors, then runs the
// post-loads level by level (LoadContext). Strategies themselves are in loaders.ts.
import type { Expr, OrderBy } from "../sql/expression.js";
import type { SelectItem } from "../sql/nodes/index.js";
import { Select } from "../sql/select.js";
import { selectItems, type SelectArg } from "../sql/statement.js";
import { Alias, type Source } from "../sql/source.js";
import type { Executor } from "../engine/executor.js";
import { MappingError } from "./errors.js";
import type { AnyTable, ChildSetup, LoadContext, LoadPlan, Row, RowProcessor, SourceWithColumns, StatementSetup } from "./loader-strategy.js";
import { SELECTIN } from "./loaders.js";
import { hydrateIn, setLoaded } from "./loading.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import { DICT, LOADED, type Entity, type Ident } from "./state.js";

export interface Composed {
  readonly stmt: Select<Row>;
  /** Processors of the query's own rows (root level), in plan order. */
  readonly processors: readonly RowProcessor[];
  /** Every processor at any depth, parents before children: each finishes after the last row. */
  readonly finishing: readonly RowProcessor[];
  /** Root-level nodes loading after the statement. */
  readonly after: readonly LoadPlan[];
  /** The statement joins other tables: a root object may come on several rows. */
  readonly joins: boolean;
}

/** What the setups of one query share: the alias counter, the joins and orders, the processors made. */
interface ComposeState {
  aliases: number;
  readonly joins: { target: Source; on: Expr<boolean> }[];
  readonly orders: (Expr<unknown> | OrderBy)[];
  readonly finishing: RowProcessor[];
}

class Setup implements StatementSetup {
  constructor(
    private readonly state: ComposeState,
    readonly items: SelectArg[],
    readonly parent: SourceWithColumns,
    readonly chain: readonly AnyTable[],
    readonly prefix: string,
    readonly canJoin: boolean,
  ) {}

  addItem(item: SelectArg): void {
    this.items.push(item);
  }
  addJoin(target: Source, on: Expr<boolean>): void {
    if (!this.canJoin) throw new MappingError("A nested sub-select takes no joins");
    this.state.joins.push({ target, on });
  }
  addOrder(...items: (Expr<unknown> | OrderBy)[]): void {
    if (!this.canJoin) throw new MappingError("A nested sub-select is ordered by its own statement");
    this.state.orders.push(...items);
  }
  nextAlias(): number {
    return ++this.state.aliases;
  }
  sourceFor(table: AnyTable): SourceWithColumns {
    return this.chain.includes(table)
      ? (new Alias(table.node, `${table.name}_${this.nextAlias()}`) as unknown as SourceWithColumns)
      : (table as unknown as SourceWithColumns);
  }
  below(target: SourceWithColumns, table: AnyTable, prefix: string): StatementSetup {
    return new Setup(this.state, this.items, target, [...this.chain, table], prefix, this.canJoin);
  }
  nested(source: SourceWithColumns, table: AnyTable): StatementSetup {
    return new Setup(this.state, [source as unknown as SelectArg], source, [...this.chain, table], "", false);
  }
  setupChildren(children: readonly LoadPlan[]): ChildSetup {
    const out: ChildSetup = { processors: [], inStatement: [], after: [] };
    const finishing = this.state.finishing;
    for (const child of children) {
      // A parent's processor finishes before its children's.
      const at = finishing.length;
      const p = child.strategy.setupQuery(this, child);
      if (p !== undefined) {
        out.processors.push(p);
        out.inStatement.push(child);
        if (p.finish !== undefined) finishing.splice(at, 0, p);
      }
      if (child.strategy.afterStatement) out.after.push(child);
    }
    return out;
  }
}

/**
 * What a load plan adds to any statement of its mapper: select items, LEFT JOINs and orders, and
 * the row processors reading them. It depends on the plan only, so queries of one shape share it
 * (query-shapes.ts); processors keep their per-run state in the LoadContext (`local`).
 */
export interface Composition {
  readonly items: readonly SelectArg[];
  /** `items` as the select list's nodes, made once. */
  readonly itemNodes: readonly SelectItem[];
  readonly joins: readonly { readonly target: Source; readonly on: Expr<boolean> }[];
  readonly orders: readonly (Expr<unknown> | OrderBy)[];
  readonly processors: readonly RowProcessor[];
  readonly finishing: readonly RowProcessor[];
  readonly after: readonly LoadPlan[];
}

export class Composer {
  constructor(private readonly mapper: Mapper) {}

  compose(base: Select<Row>, plan: readonly LoadPlan[]): Composed {
    return this.apply(base, this.prepare(plan));
  }

  /** The plan's additions, made once whatever statement they go into. */
  prepare(plan: readonly LoadPlan[]): Composition {
    const table = this.mapper.table;
    const state: ComposeState = { aliases: 0, joins: [], orders: [], finishing: [] };
    const items: SelectArg[] = [table];
    const root = new Setup(state, items, table as unknown as SourceWithColumns, [table], "", true);
    const { processors, after } = root.setupChildren(plan);
    return { items, itemNodes: selectItems(items), joins: state.joins, orders: state.orders, processors, finishing: state.finishing, after };
  }

  /** `base` with a composition: its select list, the joins and their order. */
  apply(base: Select<Row>, c: Composition): Composed {
    // The select list's nodes are the composition's (a grouped statement shares them its own way).
    let stmt = base.node.groupBy.length === 0 ? new Select<Row>({ ...base.node, items: c.itemNodes }) : (base.columns(...c.items) as unknown as Select<Row>);
    for (const j of c.joins) stmt = stmt.leftJoin(j.target, j.on);
    const joins = c.joins.length > 0;
    if (joins) {
      if (base.node.limit || base.node.offset) throw new MappingError("joinedload cannot be combined with limit()/offset(); use nestedload or selectinload");
      stmt = stmt.orderBy(...this.mapper.table.primaryKey, ...c.orders);
    }
    return { stmt, processors: c.processors, finishing: c.finishing, after: c.after, joins };
  }
}

function pick(row: Row, keys: readonly string[]): Row {
  const out: Row = {};
  for (const k of keys) out[k] = row[k];
  return out;
}

/**
 * Turns the composed statement's rows into objects, one row at a time as the rows are read
 * (`add`), then completes what needs every row (`finish`) and runs the post-loads (`after`).
 */
export class Materializer implements LoadContext {
  /** Objects per after-statement node, gathered while reading rows. */
  private readonly pendingAfter = new Map<LoadPlan, Set<Entity>>();
  private readonly out: Entity[] = [];
  private readonly seen = new Set<Entity>();
  private readonly objects: ReadonlyMap<Ident, Entity>;
  /** Row processors' state for this run (`local`). */
  private locals: Map<object, unknown> | undefined = undefined;

  constructor(
    readonly session: Session,
    readonly populate: boolean,
    private readonly mapper: Mapper,
    private readonly composed: Composed,
  ) {
    this.objects = session === undefined ? new Map() : session.identityMap.of(mapper);
  }

  /** One row of the composed statement. */
  add(row: Row): void {
    const mapper = this.mapper;
    const composed = this.composed;
    let obj: Entity;
    if (!composed.joins) obj = hydrateIn(this.session, mapper, this.objects, row, this.populate);
    else {
      // A joined result repeats the parent on every child row: after its first row it is known.
      const ident = mapper.identOf(row);
      const known = ident === undefined ? undefined : this.objects.get(ident);
      obj = known !== undefined && this.seen.has(known) ? known : hydrateIn(this.session, mapper, this.objects, pick(row, mapper.columnKeys), this.populate);
    }
    const first = !this.seen.has(obj);
    if (first) {
      this.seen.add(obj);
      this.out.push(obj);
    }
    const processors = composed.processors;
    for (let i = 0; i < processors.length; i++) processors[i].processRow(this, obj, row, first);
    if (first && composed.after.length) this.defer(obj, composed.after);
  }

  /** The objects of the rows read, in order, once every processor has finished. */
  finish(): object[] {
    for (const p of this.composed.finishing) p.finish?.(this);
    return this.out;
  }

  // ---- LoadContext --------------------------------------------------------------------------------

  find(mapper: Mapper, ident: Ident): Entity | undefined {
    return this.session.identityMap.get(mapper, ident);
  }

  hydrate(mapper: Mapper, row: Row): Entity {
    return hydrateIn(this.session, mapper, this.session.identityMap.of(mapper), row, this.populate);
  }

  reader(): Promise<Executor> {
    return this.session.reader();
  }

  local<T>(owner: object, make: () => T): T {
    const locals = (this.locals ??= new Map<object, unknown>());
    let v = locals.get(owner) as T | undefined;
    if (v === undefined) locals.set(owner, (v = make()));
    return v;
  }

  defer(obj: Entity, nodes: readonly LoadPlan[]): void {
    for (const n of nodes) {
      let set = this.pendingAfter.get(n);
      if (!set) this.pendingAfter.set(n, (set = new Set()));
      set.add(obj);
    }
  }

  assign(parent: Entity, rel: Relationship, objs: Entity[]): void {
    if ((parent[LOADED] & rel.bit) !== 0 && !this.populate) return;
    setLoaded(parent, rel, rel.isCollection ? objs : (objs[0] ?? null));
    const back = rel.back;
    if (back === undefined || back.isCollection) return;
    // The children's side of the pair: their parent is `parent`.
    const bit = back.bit;
    const key = back.key;
    for (let i = 0; i < objs.length; i++) {
      const o = objs[i];
      if ((o[LOADED] & bit) === 0) {
        o[DICT][key] = parent;
        o[LOADED] |= bit;
      }
    }
  }

  /**
   * Runs the post-loads the plan asked for, level by level. Below a node loaded after the
   * statement every node loads after it too: its own strategy's post-load, or select-in.
   */
  async after(): Promise<void> {
    let work = [...this.pendingAfter];
    this.pendingAfter.clear();
    while (work.length) {
      const next = new Map<LoadPlan, Set<Entity>>();
      for (const [node, objs] of work) {
        const rel = node.rel;
        const list = [...objs];
        await (node.strategy.afterStatement ? node.strategy : SELECTIN).postLoad(this, node, list);
        if (!node.children.length) continue;
        for (const o of list) {
          const v = o[DICT][rel.key];
          for (const c of rel.isCollection ? ((v as Entity[]) ?? []) : v ? [v as Entity] : [])
            for (const child of node.children) {
              let set = next.get(child);
              if (!set) next.set(child, (set = new Set()));
              set.add(c);
            }
        }
      }
      work = [...next];
    }
  }
}
