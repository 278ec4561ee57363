// INSERT, UPDATE and DELETE builders. Values are checked against their column types as they are
// given, so a bad value fails at the call that supplied it, naming table and column.
import { ArgumentError } from "../errors.js";
import type { AnyColumn, InsertRowOf, RowOf, Table } from "../schema/table.js";
import { Expr, isSqlValue, siteOf, toNode, valueNode, type QueryLike } from "./expression.js";
import { and } from "./functions.js";
import type { ColumnNode, DeleteNode, ExprNode, InsertNode, OnConflict, SelectItem, UpdateNode } from "./nodes/index.js";
import type { Source } from "./source.js";
import { selectItems, type ROW, type RowOfItems, type SelectArg, type Statement } from "./statement.js";
import { checkValue, type ValueSite } from "./types.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
type ColumnsOfTable<T> = T extends Table<string, infer C> ? C : never;
type Cond = Expr<boolean> | Expr<boolean | null> | undefined | false | null;
/** Values for SET: each a value of the column's type or an expression. */
export type SetValues<C> = { [K in keyof C]?: C[K] extends Expr<infer V> ? V | Expr<V> | Expr<NonNullable<V>> : never };

function returningOf(table: AnyTable, args: readonly SelectArg[]): SelectItem[] {
  return selectItems(args.length ? args : [table]);
}

export class Insert<T extends AnyTable, R = never> implements Statement<R> {
  declare readonly [ROW]?: R;
  constructor(
    readonly table: T,
    readonly node: InsertNode,
  ) {}
  get statementNode(): InsertNode {
    return this.node;
  }

  /** One row or many. Keys are property keys; client defaults fill what a row leaves out. */
  values(rows: InsertRowOf<ColumnsOfTable<T>> | readonly InsertRowOf<ColumnsOfTable<T>>[]): Insert<T, R> {
    const list = (Array.isArray(rows) ? rows : [rows]) as readonly Record<string, unknown>[];
    const table = this.table;
    if (list.length === 0) throw new ArgumentError(`insert into ${table.name} was given no rows`, { table: table.name });
    const keys = new Set<string>();
    for (const k of givenKeys(list)) keys.add(table.column(k).key);
    const columns = table.columns.filter((c) => keys.has(c.key) || c.def.default !== undefined);
    for (const c of table.columns)
      if (!keys.has(c.key) && !c.nullable && c.def.default === undefined && c.def.serverDefault === undefined && !c.def.autoincrement)
        throw new ArgumentError(`insert into ${table.name} lacks a value for required column ${c.name}`, { table: table.name, column: c.name });
    // Key, type and site are the column's, shared by every row's value (thousands of rows per statement).
    const width = columns.length;
    const names = columns.map((c) => c.key);
    const types = columns.map((c) => c.node.type);
    const sites = columns.map((c) => siteOf(c.node));
    // Only own properties count: a key Object.prototype also has ("constructor", "toString") is
    // looked up as one on every row, other keys only on rows that are not plain objects.
    const inherited = names.map((k) => k in Object.prototype);
    // Plain values are checked into one flat array of cells, with no node per value (a bulk INSERT
    // holds thousands: allocating and collecting them was most of its cost); an expression or a
    // subquery anywhere turns the rows into nodes, the cells checked so far included.
    let cells: unknown[] | undefined = width > 0 && types.every((t) => t.kind !== "unknown") ? [] : undefined;
    let nodeRows: ExprNode[][] | undefined = cells === undefined ? new Array<ExprNode[]>(list.length) : undefined;
    for (let i = 0; i < list.length; i++) {
      const row = list[i];
      const proto: unknown = Object.getPrototypeOf(row);
      const plain = proto === Object.prototype || proto === null;
      let nodes: ExprNode[] | undefined = nodeRows === undefined ? undefined : new Array<ExprNode>(width);
      for (let j = 0; j < width; j++) {
        const key = names[j];
        let v = plain && !inherited[j] ? row[key] : Object.hasOwn(row, key) ? row[key] : undefined;
        if (v === undefined) v = missingValue(table, columns[j], i);
        if (nodes === undefined) {
          if (v === null) {
            cells!.push(null);
            continue;
          }
          if (typeof v !== "object" || !isSqlValue(v)) {
            cells!.push(checkValue(types[j], v, sites[j]));
            continue;
          }
          nodeRows = cellsToNodes(cells!, list.length, columns, sites);
          nodes = nodeRows[i] ?? new Array<ExprNode>(width);
          cells = undefined;
        }
        nodes[j] = valueNode(v, types[j], sites[j]);
      }
      if (nodes !== undefined) nodeRows![i] = nodes;
    }
    return new Insert<T, R>(table, { ...this.node, columns: columns.map((c) => c.node), rows: nodeRows ?? [], cells, query: undefined });
  }

  /** INSERT INTO t (columns) SELECT … */
  fromSelect(columns: readonly AnyColumn[], query: QueryLike): Insert<T, R> {
    return new Insert<T, R>(this.table, { ...this.node, columns: columns.map((c) => c.node), rows: [], cells: undefined, query: query.queryNode });
  }

  /**
   * Upsert. `target` names the unique key (required on PostgreSQL and SQLite; MySQL uses whichever
   * unique key the row violates). Without `set` the conflicting row is left alone.
   */
  onConflict(spec: { target?: readonly AnyColumn[]; set?: SetValues<ColumnsOfTable<T>>; where?: Expr<boolean> }): Insert<T, R> {
    const set = spec.set ? assignments(this.table, spec.set as Record<string, unknown>) : [];
    const oc: OnConflict = { target: (spec.target ?? []).map((c) => c.node), set, where: spec.where?.node };
    return new Insert<T, R>(this.table, { ...this.node, onConflict: oc });
  }

  returning<const I extends readonly SelectArg[]>(...items: I): Insert<T, I extends readonly [] ? RowOf<ColumnsOfTable<T>> : RowOfItems<I>> {
    return new Insert(this.table, { ...this.node, returning: returningOf(this.table, items) });
  }
}

/** The keys some row sets (own properties, not undefined), in first-seen order. */
function givenKeys(list: readonly Record<string, unknown>[]): Set<string> {
  const given = new Set<string>();
  // Rows mostly share their keys: the set answers for a key seen before without a property lookup.
  for (const row of list) for (const k in row) if (!given.has(k) && Object.hasOwn(row, k) && row[k] !== undefined) given.add(k);
  return given;
}

/** The value for `c` of a row that does not set it: the column's client default, else NULL where allowed. */
function missingValue(table: AnyTable, c: AnyColumn, i: number): unknown {
  const d = c.def.default;
  const v = d === undefined ? undefined : typeof d === "function" ? (d as () => unknown)() : d;
  if (v !== undefined) return v;
  if (c.nullable && c.def.serverDefault === undefined) return null;
  throw new ArgumentError(`Row ${i} of insert into ${table.name} lacks ${c.name}, which other rows set`, { table: table.name, column: c.name });
}

/** Cells checked so far (row after row) as the bind nodes `valueNode` makes of the same values; rows past them are left to fill. */
function cellsToNodes(cells: readonly unknown[], rows: number, columns: readonly AnyColumn[], sites: readonly (ValueSite | undefined)[]): ExprNode[][] {
  const width = columns.length;
  const out = new Array<ExprNode[]>(rows);
  for (let k = 0; k < cells.length; k++) {
    const i = Math.floor(k / width);
    const j = k - i * width;
    (out[i] ??= new Array<ExprNode>(width))[j] = { kind: "bind", value: cells[k], type: columns[j].node.type, site: sites[j] };
  }
  return out;
}

function assignments(table: AnyTable, values: Record<string, unknown>): [ColumnNode, ExprNode][] {
  const out: [ColumnNode, ExprNode][] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const col = table.column(k);
    out.push([col.node, v === null ? toNode(null, col.node) : toNode(v, col.node)]);
  }
  return out;
}

export class Update<T extends AnyTable, R = never> implements Statement<R> {
  declare readonly [ROW]?: R;
  constructor(
    readonly table: T,
    readonly node: UpdateNode,
  ) {}
  get statementNode(): UpdateNode {
    if (this.node.set.length === 0) throw new ArgumentError(`update of ${this.table.name} sets no columns`, { table: this.table.name });
    return this.node;
  }
  set(values: SetValues<ColumnsOfTable<T>>): Update<T, R> {
    return new Update<T, R>(this.table, { ...this.node, set: [...this.node.set, ...assignments(this.table, values as Record<string, unknown>)] });
  }
  /**
   * Other tables the update reads (`UPDATE … FROM` on PostgreSQL and SQLite, a multi-table UPDATE on
   * MariaDB); relate them to the target in where(). A table named only by a column is refused.
   */
  from(...sources: Source[]): Update<T, R> {
    return new Update<T, R>(this.table, { ...this.node, from: [...this.node.from, ...sources.map((s) => s.fromNode)] });
  }
  where(...conds: Cond[]): Update<T, R> {
    const c = and(...(this.node.where ? [new Expr<boolean>(this.node.where)] : []), ...conds);
    return new Update<T, R>(this.table, { ...this.node, where: c.node });
  }
  returning<const I extends readonly SelectArg[]>(...items: I): Update<T, I extends readonly [] ? RowOf<ColumnsOfTable<T>> : RowOfItems<I>> {
    return new Update(this.table, { ...this.node, returning: returningOf(this.table, items) });
  }
}

export class Delete<T extends AnyTable, R = never> implements Statement<R> {
  declare readonly [ROW]?: R;
  constructor(
    readonly table: T,
    readonly node: DeleteNode,
  ) {}
  get statementNode(): DeleteNode {
    return this.node;
  }
  where(...conds: Cond[]): Delete<T, R> {
    const c = and(...(this.node.where ? [new Expr<boolean>(this.node.where)] : []), ...conds);
    return new Delete<T, R>(this.table, { ...this.node, where: c.node });
  }
  returning<const I extends readonly SelectArg[]>(...items: I): Delete<T, I extends readonly [] ? RowOf<ColumnsOfTable<T>> : RowOfItems<I>> {
    return new Delete(this.table, { ...this.node, returning: returningOf(this.table, items) });
  }
}

export function insert<T extends AnyTable>(table: T): Insert<T> {
  return new Insert(table, { kind: "insert", table: table.node, columns: [], rows: [], returning: [], with: [] });
}

export function update<T extends AnyTable>(table: T): Update<T> {
  return new Update(table, { kind: "update", table: table.node, set: [], returning: [], with: [], from: [] });
}

export function deleteFrom<T extends AnyTable>(table: T): Delete<T> {
  return new Delete(table, { kind: "delete", table: table.node, returning: [], with: [] });
}
