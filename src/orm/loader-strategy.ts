// What a loader strategy is: an object with behaviour at the three moments of loading a
// relationship with a query. `setupQuery` adds to the statement what it loads with it (columns,
// joins, a nested sub-select) and returns the row processor that populates the relationship from
// each row; `postLoad` runs after the statement's rows for the objects they produced (selectin's
// follow-up query). The built-in strategies are in loaders.ts, registered with the others
// (`registerStrategy`) in strategies.ts.
import type { Executor } from "../engine/executor.js";
import type { Expr, OrderBy, ColumnExpr } from "../sql/expression.js";
import type { Source } from "../sql/source.js";
import type { SelectArg } from "../sql/statement.js";
import type { AnyColumn, Table } from "../schema/table.js";
import type { Mapper } from "./mapper.js";
import type { Relationship } from "./relationships.js";
import type { Session } from "./session.js";
import type { Entity, Ident } from "./state.js";

export type Row = Record<string, unknown>;
export type AnyTable = Table<string, Record<string, AnyColumn>>;
/** A table or an alias of it in a statement, with its columns by key. */
export type SourceWithColumns = Source & { readonly c: Record<string, ColumnExpr<string, unknown>> };

/** A query's load plan: a tree of relationships, a strategy each. */
export interface LoadPlan {
  readonly rel: Relationship;
  strategy: LoaderStrategy;
  readonly children: LoadPlan[];
}

/**
 * The statement a strategy adds to — the query's own, or a nested sub-select of a parent's rows —
 * seen from the parent whose relationship is being loaded.
 */
export interface StatementSetup {
  /** The parent's table (or alias) in this statement. */
  readonly parent: SourceWithColumns;
  /** Whether LEFT JOINs can be added: only to the query's own statement, not to a nested sub-select. */
  readonly canJoin: boolean;
  /** Prefix of the keys this statement's items for `parent` take in the row ("" but below a joined target). */
  readonly prefix: string;
  /** The items of this statement so far (a nested sub-select's start with its rows' table). */
  readonly items: readonly SelectArg[];
  /** Adds a select item; its label is the key under which the row holds it. */
  addItem(item: SelectArg): void;
  /** Adds a LEFT OUTER JOIN (only where `canJoin`). */
  addJoin(target: Source, on: Expr<boolean>): void;
  /** Orders the rows after the query's own order and primary key (only where `canJoin`). */
  addOrder(...items: (Expr<unknown> | OrderBy)[]): void;
  /** A number unique in the query, to name an alias by. */
  nextAlias(): number;
  /** `table` as a source below `parent`: the table itself, or an alias when it is on the path already (a self-reference). */
  sourceFor(table: AnyTable): SourceWithColumns;
  /** The same statement below `target` (`table` joined under `parent`), its items keyed with `prefix`. */
  below(target: SourceWithColumns, table: AnyTable, prefix: string): StatementSetup;
  /** A nested sub-select of `source`'s rows (`table`'s), without joins, its items starting with `source`. */
  nested(source: SourceWithColumns, table: AnyTable): StatementSetup;
  /**
   * Sets up plan nodes below `parent` in this statement: the processors of those loading with it,
   * in plan order, and those loading after it.
   */
  setupChildren(children: readonly LoadPlan[]): ChildSetup;
}

/** Plan nodes set up below a parent. */
export interface ChildSetup {
  /** The processors of the nodes loading with the statement, in plan order. */
  readonly processors: RowProcessor[];
  /** The nodes loading with the statement. */
  readonly inStatement: LoadPlan[];
  /** The nodes loading after it (deferred per object, see `LoadContext.defer`). */
  readonly after: LoadPlan[];
}

/** What row processing and post-loads use: the session's identity API, and where to defer to. */
export interface LoadContext {
  /**
   * The session loading. Post-loads run inside the query's own operation: they read through
   * `reader()`, never through the session's queued operations (a query, `load()`), which would wait for it.
   */
  readonly session: Session;
  /** Overwrite attributes of objects already in the session (`populateExisting`). */
  readonly populate: boolean;
  /** The session's object for an identity of `mapper`, if it holds one. */
  find(mapper: Mapper, ident: Ident): Entity | undefined;
  /** The object for a row of `mapper`: the identity map's (refreshed where expired), or a new one admitted to it. */
  hydrate(mapper: Mapper, row: Row): Entity;
  /** Sets `rel` of `parent` as loaded with `objs` (and the children's back-reference to `parent`). */
  assign(parent: Entity, rel: Relationship, objs: Entity[]): void;
  /** `obj` is loaded: its after-statement plan nodes (`nodes`) load it after the rows. */
  defer(obj: Entity, nodes: readonly LoadPlan[]): void;
  /** Where a post-load reads: the session's transaction, or its connection in autocommit. */
  reader(): Promise<Executor>;
  /**
   * A row processor's state for this run: `make()`'s value, made on the first call for `owner`.
   * A processor serves every run of the queries of its shape, at the same time on several
   * sessions: what it gathers while reading rows is kept here, not on the processor.
   */
  local<T>(owner: object, make: () => T): T;
}

/** Populates one plan node's relationship from the rows of the statement `setupQuery` extended. */
export interface RowProcessor {
  /**
   * Called for every row `parent` was read from (a joined result repeats the parent per child);
   * `first` is true on the first of them.
   */
  processRow(ctx: LoadContext, parent: Entity, row: Row, first: boolean): void;
  /** After the last row: completes what needed every row (a joined collection). */
  finish?(ctx: LoadContext): void;
}

export abstract class LoaderStrategy {
  /** The name options and relationships refer to it by. */
  abstract readonly name: string;
  /** Whether the strategy loads at all ("lazy" and "raise" do not: their plan nodes are dropped). */
  readonly loads: boolean = true;
  /** Whether it loads after the statement (`postLoad`); otherwise with it (`setupQuery`). */
  readonly afterStatement: boolean = false;

  /**
   * Adds to `setup`'s statement what loads `node.rel` and returns the processor that populates it
   * from the rows; undefined when the strategy adds nothing (it loads after the statement).
   */
  setupQuery(_setup: StatementSetup, _node: LoadPlan): RowProcessor | undefined {
    return undefined;
  }

  /** After the statement: loads `node.rel` of `parents` (objects the rows produced). */
  postLoad(_ctx: LoadContext, _node: LoadPlan, _parents: readonly Entity[]): Promise<void> {
    return Promise.resolve();
  }
}
