// MetaData: the set of tables, their foreign-key order, and CREATE/DROP of all of them.
import { ArgumentError, UnknownTableError } from "../errors.js";
import type { Executor } from "../engine/executor.js";
import type { AnyColumnBuilder } from "./column.js";
import { DdlCompiler, fkName } from "./ddl.js";
import { foreignKeyNames } from "./reflect/catalog.js";
import { computeGroups, type TableGroup } from "./groups.js";
import { table as makeTable, type AnyColumn, type ColumnsOf, type ForeignKey, type Table, type TableExtra, type TableOptions } from "./table.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

/** What runs DDL: a Connection or a Transaction (`execute` reads the catalog for `ifNotExists`). */
export interface DdlExecutor {
  readonly dialect: Executor["dialect"];
  runSql(sql: string): Promise<unknown>;
  execute: Executor["execute"];
}

/**
 * Where `createAll` / `dropAll` run: an Engine (the statements run on one pooled connection), a
 * Connection or a Transaction.
 */
export type DdlTarget = DdlExecutor | { readonly dialect: Executor["dialect"]; withConnection<T>(fn: (conn: DdlExecutor) => Promise<T>): Promise<T> };

function onConnection<T>(target: DdlTarget, fn: (conn: DdlExecutor) => Promise<T>): Promise<T> {
  return "runSql" in target ? fn(target) : target.withConnection(fn);
}

/** A table clustered by group must lead its primary key with the root key columns. */
function checkClustered(t: AnyTable, group: TableGroup | undefined): void {
  if (!group) throw new ArgumentError(`${t.name} asks to be clustered by group but belongs to no group`, { table: t.name });
  const rootKey = group.rootKeyOf(t);
  const lead = t.primaryKey.slice(0, rootKey.length).map((c) => c.node);
  if (!rootKey.every((k) => lead.includes(k)))
    throw new ArgumentError(`${t.name} is clustered by group ${group.name}: its primary key must start with ${rootKey.map((k) => k.name).join(", ")}`, {
      table: t.name,
    });
}

export interface SortedTables {
  /** Parents before children. */
  readonly order: readonly AnyTable[];
  /** Foreign keys that close a cycle: created after every table, dropped before. */
  readonly deferred: ReadonlySet<ForeignKey>;
}

export class MetaData {
  private readonly byName = new Map<string, AnyTable>();
  private groupCache?: TableGroup[];

  table<Name extends string, D extends Record<string, AnyColumnBuilder>>(
    name: Name,
    columns: D,
    extras?: (c: ColumnsOf<D>) => TableExtra[],
    options?: TableOptions,
  ): Table<Name, ColumnsOf<D>> {
    const t = makeTable(name, columns, extras, options);
    this.add(t as unknown as AnyTable);
    return t;
  }

  add(t: AnyTable): void {
    const key = t.schema ? `${t.schema}.${t.name}` : t.name;
    if (this.byName.has(key)) throw new ArgumentError(`MetaData already has a table ${key}`, { table: t.name });
    this.byName.set(key, t);
    this.groupCache = undefined;
  }

  get tables(): readonly AnyTable[] {
    return [...this.byName.values()];
  }

  /** The table groups, validated: one grouping parent per table, no cycles, root key carried. */
  groups(): TableGroup[] {
    return (this.groupCache ??= computeGroups(this.tables));
  }

  /** The group `t` belongs to, if any. */
  groupOf(t: AnyTable): TableGroup | undefined {
    return this.groups().find((g) => g.has(t));
  }

  get(name: string): AnyTable {
    const t = this.byName.get(name);
    if (!t) throw new UnknownTableError(`No table ${JSON.stringify(name)} in this MetaData`, { table: name });
    return t;
  }

  /**
   * Tables in foreign-key order (depth-first, stable by declaration). A foreign key that points
   * back into the current path closes a cycle and is deferred; self-references need no deferral.
   */
  sorted(): SortedTables {
    const order: AnyTable[] = [];
    const deferred = new Set<ForeignKey>();
    const state = new Map<AnyTable, "visiting" | "done">();
    const tables = this.tables;
    const visit = (t: AnyTable): void => {
      state.set(t, "visiting");
      for (const fk of t.foreignKeys) {
        const target = fk.target as AnyTable;
        if (target === t || !tables.includes(target)) continue;
        const s = state.get(target);
        if (s === "visiting") deferred.add(fk);
        else if (s === undefined) visit(target);
      }
      state.set(t, "done");
      order.push(t);
    };
    for (const t of tables) if (!state.has(t)) visit(t);
    return { order, deferred };
  }

  /** The DDL createAll runs, in order. */
  createStatements(executor: { readonly dialect: Executor["dialect"] }, opts: { ifNotExists?: boolean; skipDeferred?: boolean } = {}): string[] {
    const ddl = new DdlCompiler(executor.dialect);
    const groups = this.groups();
    const { order, deferred } = this.sorted();
    const canAlter = executor.dialect.capabilities.alterAddForeignKey;
    // Engines that cannot add a foreign key later accept one to a table that does not exist yet.
    const later = canAlter ? deferred : new Set<ForeignKey>();
    const out: string[] = [];
    for (const t of order) {
      const group = groups.find((g) => g.has(t));
      if (t.options.clusterByGroup) checkClustered(t, group);
      out.push(ddl.createTable(t, later, opts.ifNotExists));
      for (const idx of t.indexes) out.push(ddl.createIndex(t, idx, opts.ifNotExists));
      // A grouping key is always backed by an index: nested selects and group loads correlate on it.
      const gk = t.groupingKey;
      if (gk && !t.hasIndexOn(gk.columns, true))
        out.push(ddl.createIndex(t, { kind: "index", columns: gk.columns.map((n) => t.columns.find((c) => c.node === n)!), unique: false }, opts.ifNotExists));
    }
    if (!opts.skipDeferred) for (const fk of later) out.push(ddl.addForeignKey(fk));
    return out;
  }

  /** Foreign keys that close a cycle and are added by ALTER TABLE after every table exists. */
  deferredForeignKeys(executor: { readonly dialect: Executor["dialect"] }): ForeignKey[] {
    return executor.dialect.capabilities.alterAddForeignKey ? [...this.sorted().deferred] : [];
  }

  dropStatements(executor: { readonly dialect: Executor["dialect"] }): string[] {
    const ddl = new DdlCompiler(executor.dialect);
    const { order, deferred } = this.sorted();
    const out: string[] = [];
    if (executor.dialect.capabilities.alterAddForeignKey) for (const fk of deferred) out.push(ddl.dropForeignKey(fk));
    for (const t of [...order].reverse()) out.push(ddl.dropTable(t));
    return out;
  }

  /** Creates every table, index and foreign key, parents first, on an engine, connection or transaction. */
  /**
   * Creates every table, index and foreign key, parents first, on an engine, connection or
   * transaction. With `ifNotExists` it can run again over what it created: tables and indexes use
   * IF NOT EXISTS; no engine has ALTER TABLE … ADD CONSTRAINT IF NOT EXISTS for a foreign key, so a
   * deferred one is added only when the catalog does not list its name on its table.
   */
  async createAll(target: DdlTarget, opts: { ifNotExists?: boolean } = {}): Promise<void> {
    const ifNotExists = opts.ifNotExists === true;
    const stmts = this.createStatements(target, { ifNotExists, skipDeferred: ifNotExists });
    const ddl = new DdlCompiler(target.dialect);
    await onConnection(target, async (executor) => {
      for (const s of stmts) await executor.runSql(s);
      if (!ifNotExists) return;
      for (const fk of this.deferredForeignKeys(target)) {
        const existing = await foreignKeyNames(executor, fk.table.name, fk.table.schema);
        if (!existing.has(fkName(fk))) await executor.runSql(ddl.addForeignKey(fk));
      }
    });
  }

  /** Drops every table that exists, children first; cyclic foreign keys are dropped first. */
  async dropAll(target: DdlTarget): Promise<void> {
    const stmts = this.dropStatements(target);
    const dialect = target.dialect;
    const relax = !dialect.capabilities.alterAddForeignKey && this.sorted().deferred.size > 0 ? dialect.ddl.relaxForeignKeys : undefined;
    await onConnection(target, async (executor) => {
      for (const s of relax?.before ?? []) await executor.runSql(s);
      try {
        for (const s of stmts) {
          try {
            await executor.runSql(s);
          } catch (err) {
            // A cyclic foreign key of a table that does not exist: nothing to drop.
            if (!s.startsWith("ALTER TABLE")) throw err;
          }
        }
      } finally {
        for (const s of relax?.after ?? []) await executor.runSql(s);
      }
    });
  }
}
