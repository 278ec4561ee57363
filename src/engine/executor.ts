// Running compiled statements on one driver connection: parameter filling, error translation,
// logging, row building and streaming. Connection and Transaction both build on this.
//
// Hot path: everything that depends only on the statement (its SQL, parameter plan, driver
// options, row shape) is worked out on its first execution and cached with it (`Plan`), so an
// execution is one driver call plus the row loop, with no per-call closures or string building.
import type { Decoder, Dialect } from "../dialects/dialect.js";
import { ArgumentError, ConnectionError, NotSupportedError, TransactionError, type ArborError } from "../errors.js";
import { anchor } from "../sql/anchor.js";
import { atMostOneRow } from "../sql/cardinality.js";
import { shapeKey } from "../sql/cache-key.js";
import type { CompiledQuery, ParamSlot } from "../sql/compiled.js";
import type { StatementNode } from "../sql/nodes/index.js";
import { ShapedQuery } from "../sql/shaped-query.js";
import type { RowType, Statement } from "../sql/statement.js";
import { baseType, checkValue, types, type SqlType, type ValueSite } from "../sql/types.js";
import { Guard, type StatementOptions } from "./cancel.js";
import { EachSink } from "./each.js";
import type { DriverConnection, DriverResult, FieldInfo, QueryOptions } from "./driver.js";
import { Result, RowShape, decoderFor } from "./result.js";
import { executeSplit, executeSplitSync, inTransaction, tooManyParams } from "./split-insert.js";

export interface LogEntry {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly durationMs: number;
  readonly rowCount?: number;
  readonly error?: ArborError;
}
export type Logger = (entry: LogEntry) => void;

/** What an executor needs from its engine. */
export interface EngineContext {
  readonly dialect: Dialect;
  readonly logger?: Logger;
}

export type Params = Readonly<Record<string, unknown>>;

export interface StreamOptions extends StatementOptions {
  /** Rows fetched per round trip (default 500). */
  readonly batchSize?: number;
}

/** A named parameter slot with what checking and encoding its value needs. */
interface NamedSlot {
  readonly index: number;
  readonly name: string;
  readonly type: SqlType;
  readonly base: SqlType;
  readonly site: ValueSite;
}

/**
 * What every statement of one shape shares (sql/cache-key.ts): the SQL, the named parameter slots,
 * the row shape for the driver's fields and the decoders handed to drivers that decode on arrival.
 */
class SharedPlan {
  readonly sql: string;
  readonly named: readonly NamedSlot[];
  readonly bigints: boolean;
  readonly decoderFor: NonNullable<QueryOptions["decoderFor"]>;
  private shape: RowShape | undefined;
  /** The field type hints `shape` was built for, and the last fields array seen with them. */
  private hints: readonly (number | undefined)[] = [];
  private lastFields: readonly FieldInfo[] | undefined;
  /** Decoders handed to drivers that decode on arrival, per column, with the type tag each is for. */
  private readonly arrival: ({ readonly hint: number | undefined; readonly decoder: Decoder | null } | undefined)[] = [];
  /** Runs so far, until the shape earns a prepared-statement name (see `Plan.driverOptions`). */
  runs = 0;
  /** The prepared-statement name, null for a statement that stays unnamed, undefined until decided. */
  name: string | null | undefined;

  constructor(
    private readonly dialect: Dialect,
    /** The compile of the first statement of the shape. */
    readonly compiled: CompiledQuery,
    /** How other statements of the shape bind their values; absent for statements without a key. */
    readonly shaped: ShapedQuery | undefined,
  ) {
    this.sql = compiled.sql;
    const cols = compiled.columns;
    this.bigints = cols === null || cols.some((c) => baseType(c.type).kind === "bigint");
    this.decoderFor = (index, hint) => this.decoderAt(index, hint);
    const named: NamedSlot[] = [];
    compiled.params.forEach((slot, index) => {
      if (!("value" in slot)) named.push({ index, name: slot.name, type: slot.type, base: baseType(slot.type), site: slot.site ?? { column: slot.name } });
    });
    this.named = named;
  }

  /** Column `index`'s decoder for an engine type tag, chosen once per tag. */
  private decoderAt(index: number, hint: number | undefined): Decoder | null {
    const known = this.arrival[index];
    if (known !== undefined && known.hint === hint) return known.decoder;
    const cols = this.compiled.columns;
    const decoder = decoderFor(this.dialect, cols?.[index]?.type ?? types.unknown, hint);
    this.arrival[index] = { hint, decoder };
    return decoder;
  }

  /**
   * The row shape for these driver fields (whose values the driver may have decoded already):
   * rebuilt when their type hints change, and for raw SQL (keyed by the fields' names) when their
   * names change: the same text can mean other columns on another database or after DDL.
   */
  shapeFor(fields: readonly FieldInfo[], decoded: boolean): RowShape {
    const shape = this.shape;
    // Drivers that cache their field lists hand back the same array: no need to compare hints.
    if (
      shape !== undefined &&
      shape.decoded === decoded &&
      (fields === this.lastFields || (sameHints(this.hints, fields) && (this.compiled.columns !== null || sameNames(shape.keys, fields))))
    ) {
      this.lastFields = fields;
      return shape;
    }
    const fresh = RowShape.of(this.dialect, this.compiled, fields, decoded);
    this.shape = fresh;
    this.hints = fields.map((f) => f.typeHint);
    this.lastFields = fields;
    return fresh;
  }
}

/**
 * A statement ready to run on one dialect: its shape's shared plan, its own parameter values and
 * driver options. Statements are immutable, so this is worked out once per statement object; a
 * statement of a shape already compiled (the same query rebuilt with other values) takes the
 * cached SQL and only encodes its values.
 */
export class Plan {
  readonly sql: string;
  readonly options: QueryOptions;
  /** `options` with the shape's prepared-statement name, once it has one. */
  private named: QueryOptions | undefined;
  private own: CompiledQuery | undefined;
  /** The shared row shape last used, and this statement's view of it. */
  private view: [RowShape, RowShape] | undefined;

  constructor(
    private readonly shared: SharedPlan,
    private readonly node: StatementNode,
    /** Parameter values with the fixed ones in place; named slots are filled per execution. */
    private readonly template: readonly unknown[],
    /** The statement's own compile, when it is the one the shared plan was made from. */
    own: CompiledQuery | undefined,
    /** The statement's values in key order, for compiling it lazily otherwise. */
    private readonly values: readonly unknown[] = [],
  ) {
    this.own = own;
    this.sql = shared.sql;
    this.options = { bigints: shared.bigints, single: atMostOneRow(node), decoderFor: shared.decoderFor, byName: shared.compiled.columns === null };
    anchor(this);
  }

  /**
   * The driver options for one run on a server. A shape run a second time gets a name drivers may
   * keep it prepared under (the server then parses and plans it once per connection); one-off
   * statements stay unnamed, so they leave nothing behind on the connection.
   */
  driverOptions(): QueryOptions {
    const named = this.named;
    if (named !== undefined) return named;
    const shared = this.shared;
    if (shared.name === undefined) {
      if (++shared.runs < PREPARE_AFTER_RUNS) return this.options;
      shared.name = nameFor(shared.sql, shared.compiled.params.length);
    }
    if (shared.name === null) return this.options;
    return (this.named = { ...this.options, name: shared.name });
  }

  /** This statement's compiled query (SQL, parameters, result columns, warnings). */
  get compiled(): CompiledQuery {
    return (this.own ??= this.shared.shaped!.rebind(this.node, this.values));
  }

  /** The values to bind, in placeholder order. */
  fill(dialect: Dialect, params: Params | undefined): unknown[] {
    const values = this.template.slice();
    const named = this.shared.named;
    for (let i = 0; i < named.length; i++) {
      const slot = named[i];
      if (params === undefined || !(slot.name in params))
        throw new ArgumentError(`No value given for parameter ${JSON.stringify(slot.name)}`, { column: slot.name });
      const v = params[slot.name];
      values[slot.index] = v === null || v === undefined ? null : dialect.encode(slot.base, checkValue(slot.type, v, slot.site));
    }
    return values;
  }

  /** The row shape for these driver fields, addressing this statement's own expressions. */
  shapeFor(fields: readonly FieldInfo[], decoded = false): RowShape {
    const base = this.shared.shapeFor(fields, decoded);
    if (this.own !== undefined && this.own === this.shared.compiled) return base;
    const view = this.view;
    if (view !== undefined && view[0] === base) return view[1];
    const mine = base.forStatement(this.node);
    this.view = [base, mine];
    return mine;
  }

  result<R>(res: DriverResult): Result<R> {
    if (res.decodeError !== undefined) throw res.decodeError;
    const shape = this.shapeFor(res.fields, res.decoded === true);
    // The driver's row array is ours: each array row is replaced by its object in place.
    const rows = res.rows as unknown[];
    const build = shape.build;
    for (let i = 0, n = rows.length; i < n; i++) rows[i] = build(rows[i] as unknown[]);
    const result = new Result(rows as R[], res.rowCount, shape, res.lastInsertId);
    // The first result is kept for good (its rows emptied into a copy): see sql/anchor.ts.
    if (!anchoredResult) {
      anchoredResult = true;
      anchor(new Result<unknown>([], 0, shape, res.lastInsertId));
    }
    return result;
  }
}

let anchoredResult = false;
const PREPARE_AFTER_RUNS = 2;
/**
 * Prepared-statement names by SQL text, one per text for the process: a shape compiled again
 * (after leaving the shape cache) finds its name, so connections do not prepare it twice. Past the
 * bound new texts stay unnamed, which bounds what each connection keeps prepared.
 */
const preparedNames = new Map<string, string>();
const PREPARED_KEPT = 2000;

/**
 * The name a statement may be kept prepared under, or null. A statement without parameters stays
 * unnamed: drivers send those in the simple protocol, where raw SQL may hold several statements.
 */
function nameFor(sql: string, params: number): string | null {
  if (params === 0) return null;
  const known = preparedNames.get(sql);
  if (known !== undefined) return known;
  if (preparedNames.size >= PREPARED_KEPT) return null;
  const name = `arbor_${preparedNames.size + 1}`;
  preparedNames.set(sql, name);
  return name;
}

function sameNames(keys: readonly string[], fields: readonly FieldInfo[]): boolean {
  for (let i = 0; i < keys.length; i++) if (keys[i] !== fields[i].name) return false;
  return true;
}

function sameHints(hints: readonly (number | undefined)[], fields: readonly FieldInfo[]): boolean {
  if (hints.length !== fields.length) return false;
  for (let i = 0; i < hints.length; i++) if (hints[i] !== fields[i].typeHint) return false;
  return true;
}

// One cache entry per statement (a WeakMap insertion costs about a microsecond, which matters for
// statements built per call), keyed by dialect first since the SQL depends on it.
const plans = new WeakMap<Dialect, WeakMap<StatementNode, Plan>>();
// Compiled shapes per dialect, by shape key: a statement rebuilt per call compiles once.
const shapes = new WeakMap<Dialect, Map<string, SharedPlan>>();
const SHAPES_KEPT = 1000;

/** The cached plan of a statement for a dialect, compiling it on first use. */
export function planFor(dialect: Dialect, node: StatementNode): Plan {
  // A statement run in a loop finds its plan without the two WeakMap lookups.
  if (node === last.node && dialect === last.dialect) return last.plan!;
  let cache = plans.get(dialect);
  if (cache === undefined) plans.set(dialect, (cache = new WeakMap()));
  let plan = cache.get(node);
  if (plan === undefined) cache.set(node, (plan = makePlan(dialect, node)));
  last.node = node;
  last.dialect = dialect;
  last.plan = plan;
  return plan;
}
const last: { node: StatementNode | undefined; dialect: Dialect | undefined; plan: Plan | undefined } = {
  node: undefined,
  dialect: undefined,
  plan: undefined,
};

function makePlan(dialect: Dialect, node: StatementNode): Plan {
  const shape = shapeKey(node);
  if (shape === null) {
    const compiled = dialect.createCompiler().compile(node);
    for (const w of compiled.warnings) warnOnce(w);
    return new Plan(new SharedPlan(dialect, compiled, undefined), node, templateOf(compiled), compiled);
  }
  let byKey = shapes.get(dialect);
  if (byKey === undefined) shapes.set(dialect, (byKey = new Map()));
  const known = byKey.get(shape.key);
  if (known !== undefined) return new Plan(known, node, known.shaped!.encode(shape.values), undefined, shape.values);
  const shaped = ShapedQuery.compile(dialect, node, shape);
  for (const w of shaped.compiled.warnings) warnOnce(w);
  const shared = new SharedPlan(dialect, shaped.compiled, shaped);
  // Bounded: the oldest shape goes first (applications have a fixed set of query shapes).
  if (byKey.size >= SHAPES_KEPT) byKey.delete(byKey.keys().next().value!);
  byKey.set(shape.key, shared);
  return new Plan(shared, node, templateOf(shaped.compiled), shaped.compiled);
}

function templateOf(compiled: CompiledQuery): unknown[] {
  return compiled.params.map((slot: ParamSlot) => ("value" in slot ? slot.value : null));
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: "ARBOR_NESTING" });
}

export abstract class Executor {
  protected abstract readonly ctx: EngineContext;
  /** The driver connection, or an error explaining why this executor cannot be used. */
  protected abstract driverConnection(): DriverConnection;
  /** Called with connection-level failures so the owner discards the connection. */
  abstract markBroken(): void;

  get dialect(): Dialect {
    return this.ctx.dialect;
  }

  compile(stmt: Statement<unknown> | StatementNode): CompiledQuery {
    return planFor(this.ctx.dialect, "statementNode" in stmt ? stmt.statementNode : stmt).compiled;
  }

  /**
   * Runs one statement. `options.timeout` / `options.signal` cancel it on the server
   * (TimeoutError / AbortError; see engine/cancel.ts).
   */
  execute<S extends Statement<unknown>>(stmt: S, params?: Params, options?: StatementOptions): Promise<Result<RowType<S>>> {
    try {
      const ctx = this.ctx;
      const plan = planFor(ctx.dialect, stmt.statementNode);
      const values = plan.fill(ctx.dialect, params);
      if (values.length > ctx.dialect.capabilities.maxParams) return executeSplit<RowType<S>>(this, stmt.statementNode, values.length, params);
      const conn = this.driverConnection();
      if (options !== undefined) return this.runGuarded(conn, plan, values, new Guard(conn, options, false));
      // An embedded driver answers at once: its result goes out in a settled promise.
      if (isSync(conn)) return Promise.resolve(this.runSync(conn, plan, values));
      return this.runAsync(conn, plan, values);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal Runs `fn` all or nothing: in a transaction, or a savepoint inside an open one. */
  atomically<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    return inTransaction(this, fn);
  }

  private async runAsync<R>(conn: DriverConnection, plan: Plan, values: unknown[]): Promise<Result<R>> {
    const logger = this.ctx.logger;
    const started = logger === undefined ? 0 : performance.now();
    let res: DriverResult;
    try {
      res = await conn.query(plan.sql, values, plan.driverOptions());
    } catch (err) {
      throw this.fail(err, plan.sql, values, started);
    }
    if (logger !== undefined) logger({ sql: plan.sql, params: values, durationMs: performance.now() - started, rowCount: res.rowCount });
    return plan.result(res);
  }

  private async runGuarded<R>(conn: DriverConnection, plan: Plan, values: unknown[], guard: Guard): Promise<Result<R>> {
    const logger = this.ctx.logger;
    const started = logger === undefined ? 0 : performance.now();
    let res: DriverResult;
    try {
      res = await guard.run(() => conn.query(plan.sql, values, isSync(conn) ? plan.options : plan.driverOptions()));
    } catch (err) {
      throw this.fail(err, plan.sql, values, started, guard);
    }
    if (logger !== undefined) logger({ sql: plan.sql, params: values, durationMs: performance.now() - started, rowCount: res.rowCount });
    return plan.result(res);
  }

  /**
   * Runs a statement on an embedded engine (SQLite) without a promise: the same result as
   * `execute`. Engines that talk to a server raise NotSupportedError.
   */
  executeSync<S extends Statement<unknown>>(stmt: S, params?: Params): Result<RowType<S>> {
    const ctx = this.ctx;
    const plan = planFor(ctx.dialect, stmt.statementNode);
    const values = plan.fill(ctx.dialect, params);
    const conn = this.driverConnection();
    if (!isSync(conn)) throw new NotSupportedError(`${ctx.dialect.name} answers asynchronously: use execute()`);
    if (values.length > ctx.dialect.capabilities.maxParams) return executeSplitSync<RowType<S>>(this, stmt.statementNode, values.length, params);
    return this.runSync(conn, plan, values);
  }

  private runSync<R>(conn: SyncDriverConnection, plan: Plan, values: unknown[]): Result<R> {
    const ctx = this.ctx;
    const logger = ctx.logger;
    const started = logger === undefined ? 0 : performance.now();
    let res: DriverResult;
    try {
      res = conn.querySync(plan.sql, values, plan.options);
    } catch (err) {
      throw this.fail(err, plan.sql, values, started);
    }
    if (logger !== undefined) logger({ sql: plan.sql, params: values, durationMs: performance.now() - started, rowCount: res.rowCount });
    return plan.result(res);
  }

  /**
   * Runs a query and calls `fn` with each row as the driver reads it, keeping none: on PostgreSQL
   * the rows are built (and `fn` runs) while the server is still sending the rest. Resolves with
   * the row count. An error thrown by `fn` stops the calls; the result is still read to its end
   * (the connection stays usable) and the promise rejects with that error.
   */
  async forEach<S extends Statement<unknown>>(stmt: S, fn: (row: RowType<S>) => void, params?: Params, options?: StatementOptions): Promise<number> {
    const conn = this.driverConnection();
    if (conn.queryEach === undefined) {
      const result = await this.execute(stmt, params, options);
      for (const row of result.rows) fn(row);
      return result.rows.length;
    }
    const ctx = this.ctx;
    const plan = planFor(ctx.dialect, stmt.statementNode);
    const values = plan.fill(ctx.dialect, params);
    if (values.length > ctx.dialect.capabilities.maxParams) throw tooManyParams(ctx.dialect, values.length, "use execute()");
    const logger = ctx.logger;
    const started = logger === undefined ? 0 : performance.now();
    const sink = new EachSink(plan, fn as (row: unknown) => void);
    const guard = options === undefined ? undefined : new Guard(conn, options, false);
    const queryEach = conn.queryEach.bind(conn);
    let res: DriverResult;
    try {
      const each = () => queryEach(plan.sql, values, plan.driverOptions(), sink);
      res = await (guard === undefined ? each() : guard.run(each));
    } catch (err) {
      throw this.fail(err, plan.sql, values, started, guard);
    }
    if (logger !== undefined) logger({ sql: plan.sql, params: values, durationMs: performance.now() - started, rowCount: res.rowCount });
    if (res.decodeError !== undefined) throw res.decodeError;
    if (sink.failed) throw sink.error;
    return sink.count;
  }

  /**
   * Streams rows in batches from the server (cursor / driver stream / SQLite iterator).
   * `timeout` (for the whole iteration) and `signal` cancel the statement running on the server
   * and are checked between batches on every engine.
   */
  async *stream<S extends Statement<unknown>>(stmt: S, params?: Params, opts: StreamOptions = {}): AsyncIterable<RowType<S>> {
    const plan = planFor(this.ctx.dialect, stmt.statementNode);
    const values = plan.fill(this.ctx.dialect, params);
    if (values.length > this.ctx.dialect.capabilities.maxParams) throw tooManyParams(this.ctx.dialect, values.length, "use execute()");
    const conn = this.driverConnection();
    const started = performance.now();
    const guard = opts.timeout === undefined && opts.signal === undefined ? undefined : new Guard(conn, opts, true);
    guard?.arm();
    try {
      for await (const batch of conn.stream(plan.sql, values, { ...plan.options, batchSize: opts.batchSize ?? 500 })) {
        const stop = guard?.check();
        if (stop !== undefined) throw stop;
        const shape = plan.shapeFor(batch.fields);
        for (const r of batch.rows) yield shape.build(r) as RowType<S>;
      }
      this.ctx.logger?.({ sql: plan.sql, params: values, durationMs: performance.now() - started });
    } catch (err) {
      throw this.fail(err, plan.sql, values, started, guard);
    } finally {
      await guard?.disarm();
    }
  }

  /** Runs SQL text as is: for DDL and statements Arbor builds itself. Never pass user values here. */
  async runSql(sql: string): Promise<DriverResult> {
    return this.run(sql, [], NO_BIGINTS);
  }

  protected async run(sql: string, values: readonly unknown[], opts: QueryOptions): Promise<DriverResult> {
    const conn = this.driverConnection();
    const started = performance.now();
    let res: DriverResult;
    try {
      res = await conn.query(sql, values, opts);
    } catch (err) {
      throw this.fail(err, sql, values, started);
    }
    this.ctx.logger?.({ sql, params: values, durationMs: performance.now() - started, rowCount: res.rowCount });
    return res;
  }

  private fail(err: unknown, sql: string, values: readonly unknown[], started: number, guard?: Guard): ArborError {
    const translated = this.ctx.dialect.translateError(err, sql);
    const e = guard === undefined ? translated : guard.translate(translated);
    if (e instanceof ConnectionError) this.markBroken();
    this.ctx.logger?.({ sql, params: values, durationMs: performance.now() - started, error: e });
    return e;
  }
}

type SyncDriverConnection = DriverConnection & Required<Pick<DriverConnection, "querySync">>;
function isSync(conn: DriverConnection): conn is SyncDriverConnection {
  return conn.querySync !== undefined;
}

const NO_BIGINTS: QueryOptions = { bigints: false };

export function assertUsable(state: "open" | "released" | "done", what: string): void {
  if (state !== "open") throw new TransactionError(`This ${what} is ${state === "released" ? "released" : "finished"} and cannot be used`);
}
