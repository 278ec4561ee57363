// The interface every contender implements. One file under contenders/ per contender (or per
// family: a file may export several); the runner imports every contenders/*.ts whose name does not
// start with "_" and takes its default export (a Contender or an array of them).
//
// Conventions every contender follows, so results are comparable:
// - PostgreSQL: connect to ctx.pgUrl with the `pg` driver and at most ctx.poolSize connections.
//   Server settings (TimeZone=UTC, jit=off) are set on the database, so no contender needs
//   session options. SQLite: open ctx.sqliteFile (WAL mode; the runner created and filled it).
// - Graph shape: customer { id, name, vip, created, orders }, order { id, ordernum, placedAt,
//   total, items }, item { id, sku, qty, price, serial } — extra properties (foreign keys,
//   back-references) are allowed; every level ordered by id. Values are returned as the library
//   returns them, with its best documented type options (e.g. bigint mode): the runner records
//   what came back (Date or string, bigint or string or number, "2.30" or 2.3 ...), it does not
//   convert anything.
// - ORMs use a fresh unit of work / entity manager per logical request: per graph load, per
//   oneGraph call, per insert, per update pass.

/** One customer of the insert workload (no ids: the database assigns them). */
export interface NewCustomer {
  name: string;
  vip: boolean;
  created: Date;
  orders: NewOrder[];
}
export interface NewOrder {
  ordernum: string;
  placedAt: Date;
  /** numeric(10,2) as a string with its scale, e.g. "2.30". */
  total: string;
  items: NewItem[];
}
export interface NewItem {
  sku: string;
  qty: number;
  /** numeric(10,2) as a string with its scale. */
  price: string;
  /** Above 2^53: must be stored exactly. */
  serial: bigint;
}

export interface BenchContext {
  /** PostgreSQL URL of the benchmark database (schema created, data loaded by the runner). */
  readonly pgUrl: string;
  /** Pool size every PostgreSQL contender must use. */
  readonly poolSize: number;
  /** SQLite database file (WAL), same schema, same data. */
  readonly sqliteFile: string;
}

export type EngineKind = "postgres" | "sqlite";

export interface Contender {
  /** Shown in the tables, e.g. "MikroORM 6 populate (joined)". */
  readonly name: string;
  readonly engine: EngineKind;
  /** The API used and the options chosen, for the results file. */
  readonly description: string;
  /** Marks the floor of its engine (ratios are computed against it). One per engine. */
  readonly floor?: boolean;
  /** Lower sorts first within an engine's tables (floor 0, Arbor 10–19, peers 20+). */
  readonly order?: number;
  /** Set when the contender is known not to work here: recorded in the results, never run. */
  readonly unavailable?: string;
  /** Only these workloads (1–5); default: every workload whose method is implemented. */
  readonly workloads?: readonly number[];

  setup(ctx: BenchContext): Promise<void>;
  /** Workload 1 (and 5 on SQLite): every customer with its orders and their items. */
  graphLoad(): Promise<readonly unknown[]>;
  /** Workload 2: one customer's graph by primary key (undefined/null if absent). */
  oneGraph?(id: number): Promise<unknown>;
  /** Workload 3: persist the graph (ORMs through their unit of work / bulk API). Tables are empty. */
  insertGraph?(data: readonly NewCustomer[]): Promise<void>;
  /** Workload 4, untimed part: load the items with id 1..n (ORMs: into a fresh unit of work). */
  loadForUpdate?(n: number): Promise<void>;
  /** Workload 4, timed part: change one column (qty + 1) of each loaded item and flush. */
  updateLoaded?(n: number): Promise<void>;
  teardown(): Promise<void>;
}

/** What a contender module exports by default. */
export type ContenderModule = Contender | readonly Contender[];
