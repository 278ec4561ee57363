// Tables and their constraints. A Table is both the schema declaration (for DDL and the ORM) and
// a FROM source with typed columns under `.c`.
import { ArgumentError, UnknownColumnError } from "../errors.js";
import type { Expr, TypeOf } from "../sql/expression.js";
import type { ColumnNode, ForeignKeyInfo, FromNode, TableInfo, TableNode } from "../sql/nodes/index.js";
import { Alias, type Source } from "../sql/source.js";
import { Column, type AnyColumnBuilder, type BuilderOptional, type BuilderValue, type ReferenceOptions, type ReferentialAction } from "./column.js";
import { checkIdentifier, checkReferenceOptions } from "./validate.js";

export type AnyColumn = Column<string, unknown, boolean>;
export type ColumnsOf<D> = { readonly [K in keyof D & string]: Column<K, BuilderValue<D[K]>, BuilderOptional<D[K]>> };

/** A selected row of the table. */
export type RowOf<C> = { -readonly [K in keyof C]: TypeOf<C[K]> };
type OptionalKeys<C> = { [K in keyof C]: C[K] extends Column<string, unknown, infer O> ? (O extends true ? K : never) : never }[keyof C];
/** What INSERT accepts: nullable, defaulted and generated columns may be left out. */
export type InsertRowOf<C> = { [K in Exclude<keyof C, OptionalKeys<C>>]: TypeOf<C[K]> } & { [K in OptionalKeys<C>]?: TypeOf<C[K]> };

export class ForeignKey implements ForeignKeyInfo {
  constructor(
    readonly table: Table,
    readonly columns: readonly ColumnNode[],
    private readonly targets: () => readonly AnyColumn[],
    readonly options: ReferenceOptions,
  ) {}
  get grouping(): boolean {
    return this.options.grouping === true;
  }
  get name(): string | undefined {
    return this.options.name;
  }
  get onDelete(): ReferentialAction | undefined {
    return this.options.onDelete;
  }
  get onUpdate(): ReferentialAction | undefined {
    return this.options.onUpdate;
  }
  readonly refTable = (): TableNode => {
    const cols = this.targets();
    if (cols.length === 0) throw new ArgumentError(`Foreign key on ${this.table.name} references no columns`);
    return cols[0].table;
  };
  readonly refColumns = (): readonly ColumnNode[] => this.targets().map((c) => c.node);
  /** The referenced Table object. */
  get target(): Table {
    return tableOf(this.refTable());
  }
}

export interface IndexDef {
  readonly kind: "index";
  readonly name?: string;
  readonly columns: readonly AnyColumn[];
  readonly unique: boolean;
}
export interface UniqueDef {
  readonly kind: "unique";
  readonly name?: string;
  readonly columns: readonly AnyColumn[];
}
export interface PrimaryKeyDef {
  readonly kind: "primaryKey";
  readonly columns: readonly AnyColumn[];
}
export interface CheckDef {
  readonly kind: "check";
  readonly name: string;
  readonly condition: Expr<boolean>;
}
export interface ForeignKeyDef {
  readonly kind: "foreignKey";
  readonly columns: readonly AnyColumn[];
  readonly references: () => readonly AnyColumn[];
  readonly options: ReferenceOptions;
}
export type TableExtra = IndexDef | UniqueDef | PrimaryKeyDef | CheckDef | ForeignKeyDef;

export const primaryKey = (...columns: AnyColumn[]): PrimaryKeyDef => ({ kind: "primaryKey", columns });
export const unique = (columns: AnyColumn[], name?: string): UniqueDef => ({ kind: "unique", columns, name });
export const index = (columns: AnyColumn[], opts: { name?: string; unique?: boolean } = {}): IndexDef => ({
  kind: "index",
  columns,
  name: opts.name,
  unique: opts.unique ?? false,
});
export const check = (name: string, condition: Expr<boolean>): CheckDef => ({ kind: "check", name, condition });
export const foreignKey = (columns: AnyColumn[], references: () => AnyColumn[], options: ReferenceOptions = {}): ForeignKeyDef => ({
  kind: "foreignKey",
  columns,
  references,
  options,
});

export interface TableOptions {
  schema?: string;
  /**
   * Store group members clustered by their root key: the primary key must start with the root
   * key columns (SQLite: WITHOUT ROWID; InnoDB clusters by primary key anyway).
   */
  clusterByGroup?: boolean;
}

const tables = new WeakMap<TableInfo, Table>();

/** The Table behind a table node. */
export function tableOf(node: TableNode): Table {
  const t = tables.get(node.info);
  if (!t) throw new ArgumentError(`${node.info.name} is not a schema table`);
  return t;
}

export class Table<Name extends string = string, C extends Record<string, AnyColumn> = Record<string, AnyColumn>> implements TableInfo, Source {
  readonly node: TableNode;
  readonly c: C;
  readonly columns: readonly AnyColumn[];
  readonly columnNodes: readonly ColumnNode[];
  readonly primaryKey: readonly AnyColumn[];
  readonly foreignKeys: ForeignKey[] = [];
  readonly indexes: IndexDef[] = [];
  readonly uniques: UniqueDef[] = [];
  readonly checks: CheckDef[] = [];
  readonly schema?: string;

  constructor(
    readonly name: Name,
    builders: Record<string, AnyColumnBuilder>,
    extras?: (c: C) => TableExtra[],
    readonly options: TableOptions = {},
  ) {
    checkIdentifier(name, "Table name", { table: name });
    if (options.schema !== undefined) checkIdentifier(options.schema, "Schema name", { table: name });
    this.schema = options.schema;
    this.node = { kind: "table", info: this };
    tables.set(this, this);
    const cols: Record<string, AnyColumn> = {};
    const seen = new Set<string>();
    for (const [key, b] of Object.entries(builders)) {
      // Assigned as a key, it would set the prototype of `c` instead of adding a column.
      if (key === "__proto__")
        throw new ArgumentError(`Table ${name}: "__proto__" cannot be a column key; give the column another key and .named("__proto__")`, { table: name });
      const sqlName = b.def.name ?? key;
      checkIdentifier(sqlName, "Column name", { table: name, column: sqlName });
      if (seen.has(sqlName)) throw new ArgumentError(`Table ${name} declares column ${sqlName} twice`, { table: name, column: sqlName });
      seen.add(sqlName);
      cols[key] = new Column({ kind: "column", name: sqlName, key, source: this.node, type: b.type }, b.def);
    }
    this.c = cols as C;
    this.columns = Object.values(cols);
    this.columnNodes = this.columns.map((c) => c.node);
    for (const col of this.columns) {
      const ref = col.def.references;
      if (ref) checkReferenceOptions(ref.options, { table: name, column: col.name });
      if (ref) this.foreignKeys.push(new ForeignKey(this, [col.node], () => [ref.target()], ref.options));
      if (col.def.index) this.indexes.push({ kind: "index", columns: [col], unique: false });
    }
    let pk = this.columns.filter((c) => c.def.primaryKey);
    for (const extra of extras?.(this.c) ?? []) {
      switch (extra.kind) {
        case "primaryKey":
          if (pk.length) throw new ArgumentError(`Table ${name} declares its primary key twice`, { table: name });
          pk = [...extra.columns];
          break;
        case "foreignKey":
          checkReferenceOptions(extra.options, { table: name });
          this.foreignKeys.push(
            new ForeignKey(
              this,
              extra.columns.map((c) => c.node),
              extra.references,
              extra.options,
            ),
          );
          break;
        case "index":
          if (extra.name !== undefined) checkIdentifier(extra.name, "Index name", { table: name });
          this.indexes.push(extra);
          break;
        case "unique":
          if (extra.name !== undefined) checkIdentifier(extra.name, "Unique constraint name", { table: name });
          this.uniques.push(extra);
          break;
        case "check":
          checkIdentifier(extra.name, "Check constraint name", { table: name });
          this.checks.push(extra);
          break;
      }
    }
    this.primaryKey = pk;
  }

  get fromNode(): FromNode {
    return this.node;
  }

  /** The column with this property key; throws UnknownColumnError naming the table. */
  column(key: string): AnyColumn {
    const c = (this.c as Record<string, AnyColumn>)[key];
    if (!c || !Object.hasOwn(this.c, key))
      throw new UnknownColumnError(`Table ${this.name} has no column ${JSON.stringify(key)}`, { table: this.name, column: key });
    return c;
  }

  as(name: string): Alias<C> {
    return new Alias<C>(this.node, name);
  }

  /**
   * Whether the primary key, a unique constraint or an index starts with these columns. A
   * grouping key counts (createAll always gives it an index) unless `declaredOnly`.
   */
  hasIndexOn(columns: readonly ColumnNode[], declaredOnly = false): boolean {
    const grouping = this.groupingKey;
    if (!declaredOnly && grouping && grouping.columns.length >= columns.length && columns.every((c) => grouping.columns.slice(0, columns.length).includes(c)))
      return true;
    const sets: (readonly AnyColumn[])[] = [this.primaryKey, ...this.uniques.map((u) => u.columns), ...this.indexes.map((i) => i.columns)];
    for (const c of this.columns) if (c.def.unique) sets.push([c]);
    return sets.some((set) => set.length >= columns.length && columns.every((col) => set.slice(0, columns.length).some((c) => c.node === col)));
  }

  uniqueKeys(): readonly (readonly ColumnNode[])[] {
    // Cached until a constraint or index is added.
    const version = this.uniques.length * 65536 + this.indexes.length;
    if (this.uniqueKeyCache?.version === version) return this.uniqueKeyCache.keys;
    const keys: (readonly AnyColumn[])[] = [...this.uniques.map((u) => u.columns), ...this.indexes.filter((i) => i.unique).map((i) => i.columns)];
    if (this.primaryKey.length) keys.unshift(this.primaryKey);
    for (const c of this.columns) if (c.def.unique) keys.push([c]);
    const nodes = keys.map((k) => k.map((c) => c.node));
    this.uniqueKeyCache = { version, keys: nodes };
    return nodes;
  }
  private uniqueKeyCache: { readonly version: number; readonly keys: readonly (readonly ColumnNode[])[] } | undefined;

  /** The grouping foreign key that makes this table a member of its parent's group. */
  get groupingKey(): ForeignKey | undefined {
    return this.foreignKeys.find((fk) => fk.grouping);
  }
}

export function table<Name extends string, D extends Record<string, AnyColumnBuilder>>(
  name: Name,
  columns: D,
  extras?: (c: ColumnsOf<D>) => TableExtra[],
  options?: TableOptions,
): Table<Name, ColumnsOf<D>> {
  return new Table<Name, ColumnsOf<D>>(name, columns, extras, options);
}

export function alias<C>(t: Table<string, C & Record<string, AnyColumn>>, name: string): Alias<C> {
  return new Alias<C>(t.node, name);
}
