// Eager loading inside the query's own statement — nested results ("nested") and LEFT OUTER JOINs
// ("joined") — and the follow-up queries of "selectin". Everything lands in the identity map: an
// object already in the session is the one returned.
import { type Expr, OrderBy } from "../sql/expression.js";
import { and } from "../sql/functions.js";
import { nested, nestedOne } from "../sql/nested.js";
import { select, type Select } from "../sql/select.js";
import type { SelectArg } from "../sql/statement.js";
import type { Source } from "../sql/source.js";
import type { ColumnExpr } from "../sql/expression.js";
import { anchor } from "../sql/anchor.js";
import { Alias } from "../sql/source.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { MappingError } from "./errors.js";
import { hydrateIn, loadRelationship, setLoaded } from "./loading.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import { DICT, LOADED, isLoaded, type Entity, type Ident } from "./state.js";
import type { LoadPlan } from "./strategies.js";
import { columnEq } from "./keys.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
type Row = Record<string, unknown>;
type SourceWithColumns = Source & { readonly c: Record<string, ColumnExpr<string, unknown>> };

interface NestedReader {
  readonly node: LoadPlan;
  /** Key of the nested value in its parent row. */
  readonly key: string;
  readonly nested: NestedReader[];
  readonly after: LoadPlan[];
}

interface JoinedReader {
  readonly node: LoadPlan;
  readonly prefix: string;
  /** The target's column keys and primary-key keys as labelled in the row (prefixed). */
  readonly columns: readonly string[];
  readonly pks: readonly string[];
  readonly nested: NestedReader[];
  readonly joined: JoinedReader[];
  readonly after: LoadPlan[];
}

/** Per joined reader while reading rows: each parent's collection so far, the last one looked up. */
interface JoinedState {
  readonly byParent: Map<Entity, { list: Entity[]; seen: Set<Entity> }>;
  parent: Entity | undefined;
  acc: { list: Entity[]; seen: Set<Entity> } | undefined;
}

export interface Composed {
  readonly stmt: Select<Row>;
  readonly nested: NestedReader[];
  readonly joined: JoinedReader[];
  readonly after: LoadPlan[];
}

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

export class Composer {
  private aliases = 0;
  constructor(private readonly mapper: Mapper) {}

  private sourceFor(table: AnyTable, chain: readonly AnyTable[]): SourceWithColumns {
    return chain.includes(table)
      ? (new Alias(table.node, `${table.name}_${++this.aliases}`) as unknown as SourceWithColumns)
      : (table as unknown as SourceWithColumns);
  }

  compose(base: Select<Row>, plan: readonly LoadPlan[]): Composed {
    const root = this.mapper.table as unknown as SourceWithColumns;
    const items: SelectArg[] = [this.mapper.table];
    const nestedReaders: NestedReader[] = [];
    const joinedReaders: JoinedReader[] = [];
    const after: LoadPlan[] = [];
    const joins: { target: Source; on: Expr<boolean> }[] = [];
    const orders: (Expr<unknown> | OrderBy)[] = [];
    for (const node of plan) {
      if (node.strategy === "nested") {
        const { item, reader } = this.nestedItem(node, root, node.rel.key, [this.mapper.table]);
        items.push(item);
        nestedReaders.push(reader);
      } else if (node.strategy === "joined") joinedReaders.push(this.joinedItems(node, root, items, joins, orders, [this.mapper.table]));
      else after.push(node);
    }
    let stmt = base.columns(...items) as unknown as Select<Row>;
    for (const j of joins) stmt = stmt.leftJoin(j.target, j.on);
    if (joinedReaders.length) {
      if (base.node.limit || base.node.offset) throw new MappingError("joinedload cannot be combined with limit()/offset(); use nestedload or selectinload");
      stmt = stmt.orderBy(...this.mapper.table.primaryKey, ...orders);
    }
    return { stmt, nested: nestedReaders, joined: joinedReaders, after };
  }

  private nestedItem(node: LoadPlan, parent: SourceWithColumns, key: string, chain: readonly AnyTable[]): { item: SelectArg; reader: NestedReader } {
    const rel = node.rel;
    const table = rel.target.table;
    const source = this.sourceFor(table, chain);
    const sub: SelectArg[] = [source as unknown as SelectArg];
    const reader: NestedReader = { node, key, nested: [], after: [] };
    for (const child of node.children) {
      if (child.strategy === "nested" || child.strategy === "joined") {
        const r = this.nestedItem(child, source, child.rel.key, [...chain, table]);
        sub.push(r.item);
        reader.nested.push(r.reader);
      } else reader.after.push(child);
    }
    let q = selectWith(sub);
    if (rel.direction === "manyToMany") {
      const sec = rel.options.secondary!;
      const { local, remote } = rel.secondaryPairs;
      q = q
        .join(sec, and(...remote.map(([k, sk]) => columnEq(sec.column(sk), source.c[k]))))
        .where(...local.map(([k, sk]) => columnEq(sec.column(sk), parent.c[k])));
    } else q = q.where(linkCondition(rel, parent, source));
    q = q.orderBy(...orderFor(rel, source));
    // The child rows become the children's dicts; their back-reference, set to the parent after
    // reading, gets its slot in each row up front.
    const back = rel.back;
    const reserve = back !== undefined && !back.isCollection && !reader.nested.some((r) => r.key === back.key);
    const options = reserve ? { reserve: [back!.key] } : {};
    const expr = rel.isCollection ? nested(q, options) : nestedOne(q, options);
    return { item: expr.as(key), reader };
  }

  private joinedItems(
    node: LoadPlan,
    parent: SourceWithColumns,
    items: SelectArg[],
    joins: { target: Source; on: Expr<boolean> }[],
    orders: (Expr<unknown> | OrderBy)[],
    chain: readonly AnyTable[],
  ): JoinedReader {
    const rel = node.rel;
    const table = rel.target.table;
    const n = ++this.aliases;
    const prefix = `j${n}__`;
    const target = new Alias(table.node, `j${n}`) as unknown as SourceWithColumns;
    if (rel.direction === "manyToMany") {
      const sec = rel.options.secondary!;
      const link = new Alias(sec.node, `j${n}_link`) as unknown as SourceWithColumns;
      const { local, remote } = rel.secondaryPairs;
      joins.push({ target: link, on: and(...local.map(([k, sk]) => columnEq(link.c[sk], parent.c[k]))) });
      joins.push({ target, on: and(...remote.map(([k, sk]) => columnEq(target.c[k], link.c[sk]))) });
    } else joins.push({ target, on: linkCondition(rel, parent, target) });
    for (const key of rel.target.columnKeys) items.push(target.c[key].as(`${prefix}${key}`));
    orders.push(...orderFor(rel, target));
    const reader: JoinedReader = {
      node,
      prefix,
      columns: rel.target.columnKeys.map((k) => prefix + k),
      pks: rel.target.pkKeys.map((k) => prefix + k),
      nested: [],
      joined: [],
      after: [],
    };
    for (const child of node.children) {
      if (child.strategy === "joined") reader.joined.push(this.joinedItems(child, target, items, joins, orders, [...chain, table]));
      else if (child.strategy === "nested") {
        const r = this.nestedItem(child, target, `${prefix}${child.rel.key}`, [...chain, table]);
        items.push(r.item);
        reader.nested.push(r.reader);
      } else reader.after.push(child);
    }
    return reader;
  }
}

function pick(row: Row, keys: readonly string[]): Row {
  const out: Row = {};
  for (const k of keys) out[k] = row[k];
  return out;
}

function selectWith(items: SelectArg[]): Select<Row> {
  return select(...items) as unknown as Select<Row>;
}

/**
 * Turns the composed statement's rows into objects, one row at a time as the rows are read
 * (`add`), then completes what needs every row (`finish`: joined collections) and runs the
 * follow-up loads (`after`).
 */
export class Materializer {
  /** Objects per after-statement node, gathered while reading rows. */
  private readonly pendingAfter = new Map<LoadPlan, Set<Entity>>();
  private readonly joinedAcc = new Map<JoinedReader, JoinedState>();
  /** With joined loads: every object this query hydrated, so rows repeating it skip building its dict. */
  private readonly hydrated = new Set<Entity>();
  private readonly out: Entity[] = [];
  private readonly seen = new Set<Entity>();
  private readonly objects: ReadonlyMap<Ident, Entity>;

  constructor(
    private readonly session: Session,
    private readonly populate: boolean,
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
    if (composed.joined.length === 0) obj = hydrateIn(this.session, mapper, this.objects, row, this.populate);
    else {
      // A joined result repeats the parent on every child row: after its first row it is known.
      const ident = mapper.identOf(row);
      const known = ident === undefined ? undefined : this.objects.get(ident);
      obj = known !== undefined && this.seen.has(known) ? known : hydrateIn(this.session, mapper, this.objects, pick(row, mapper.columnKeys), this.populate);
    }
    if (!this.seen.has(obj)) {
      this.seen.add(obj);
      this.out.push(obj);
      const nested = composed.nested;
      for (let i = 0; i < nested.length; i++) this.applyNested(obj, nested[i], row[nested[i].key]);
      if (composed.after.length) this.noteAfter(obj, composed.after);
    }
    for (const j of composed.joined) this.accumulate(obj, j, row);
  }

  /** The objects of the rows read, in order, once joined collections are complete. */
  finish(): object[] {
    for (const [reader, state] of this.joinedAcc) for (const [parent, acc] of state.byParent) this.assign(parent, reader.node.rel, acc.list);
    return this.out;
  }

  private noteAfter(obj: Entity, nodes: readonly LoadPlan[]): void {
    for (const n of nodes) {
      let set = this.pendingAfter.get(n);
      if (!set) this.pendingAfter.set(n, (set = new Set()));
      set.add(obj);
    }
  }

  private applyNested(parent: Entity, reader: NestedReader, value: unknown): void {
    const rel = reader.node.rel;
    const target = rel.target;
    const objects = this.session.identityMap.of(target);
    // The parsed array of nested rows becomes the array of their objects, in place.
    const list: unknown[] = rel.isCollection ? ((value as Row[] | null) ?? []) : value ? [value] : [];
    const nested = reader.nested;
    const after = reader.after;
    for (let i = 0, n = list.length; i < n; i++) {
      const r = list[i] as Row;
      const o = hydrateIn(this.session, target, objects, r, this.populate);
      for (let j = 0; j < nested.length; j++) this.applyNested(o, nested[j], r[nested[j].key]);
      if (after.length) this.noteAfter(o, after);
      list[i] = o;
    }
    this.assign(parent, rel, list as Entity[]);
  }

  private assign(parent: Entity, rel: Relationship, objs: Entity[]): void {
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

  private accumulate(parent: Entity, reader: JoinedReader, row: Row): void {
    let state = this.joinedAcc.get(reader);
    if (state === undefined) this.joinedAcc.set(reader, (state = { byParent: new Map(), parent: undefined, acc: undefined }));
    // Rows come ordered by parent: the parent of the previous row is usually this row's.
    let acc = state.parent === parent ? state.acc! : state.byParent.get(parent);
    if (acc === undefined) state.byParent.set(parent, (acc = { list: [], seen: new Set() }));
    state.parent = parent;
    state.acc = acc;
    const child = this.joinedChild(reader, row);
    if (child === undefined) return;
    if (!acc.seen.has(child)) {
      acc.seen.add(child);
      acc.list.push(child);
      for (const n of reader.nested) this.applyNested(child, n, row[n.key]);
      this.noteAfter(child, reader.after);
    }
    for (const j of reader.joined) this.accumulate(child, j, row);
  }

  /** The object a joined row holds for `reader` (undefined when the outer join found none). */
  private joinedChild(reader: JoinedReader, row: Row): Entity | undefined {
    const target = reader.node.rel.target;
    const ident = target.identAt(row, reader.pks);
    if (ident === undefined) return undefined;
    const objects = this.session.identityMap.of(target);
    const known = objects.get(ident);
    if (known !== undefined && this.hydrated.has(known)) return known;
    const dict: Row = {};
    const keys = target.columnKeys;
    const columns = reader.columns;
    for (let i = 0; i < keys.length; i++) dict[keys[i]] = row[columns[i]];
    const child = hydrateIn(this.session, target, objects, dict, this.populate);
    this.hydrated.add(child);
    return child;
  }

  /** Runs the select-in loads the plan asked for, level by level. */
  async after(): Promise<void> {
    let work = [...this.pendingAfter];
    this.pendingAfter.clear();
    while (work.length) {
      const next = new Map<LoadPlan, Set<Entity>>();
      for (const [node, objs] of work) {
        const rel = node.rel;
        const list = [...objs];
        const todo = list.filter((o) => !isLoaded(o, rel.key) || this.populate);
        if (todo.length) await loadRelationship(this.session, todo, rel);
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

// A Materializer is made per query; one kept for good (holding no session) keeps its hidden class
// alive across full GCs, so the loading code optimized for it is not thrown away (sql/anchor.ts).
anchor(new Materializer(undefined as unknown as Session, false, undefined as unknown as Mapper, undefined as unknown as Composed));
