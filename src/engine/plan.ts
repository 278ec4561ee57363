// A statement's plan: what running it needs that depends only on the statement (its SQL, the
// parameter slots, the driver options, the row shape), worked out on its first execution so an
// execution is one driver call plus the row loop, with no per-call closures or string building.
// Values are encoded for the driver here, not by the compiler: a statement's own values once, on
// its first run; named `param()` values on every run, checked first.
// `SharedPlan` is what every statement of one shape shares (sql/cache-key.ts); `Plan` is one
// statement's view of it. The cache that holds them is the engine's (plan-cache.ts).
import type { Decoder, Dialect } from "../dialects/dialect.js";
import { ArgumentError } from "../errors.js";
import { atMostOneRow } from "../sql/cardinality.js";
import type { CompiledQuery } from "../sql/compiled.js";
import type { StatementNode } from "../sql/nodes/index.js";
import type { ShapedQuery } from "../sql/shaped-query.js";
import { baseType, checkValue, types, type SqlType, type ValueSite } from "../sql/types.js";
import type { DriverResult, FieldInfo, QueryOptions } from "./driver.js";
import { Result, RowShape, decoderFor } from "./result.js";

export type Params = Readonly<Record<string, unknown>>;

/** Hands out the names statements may be kept prepared under on a connection. */
export interface Namer {
  /** The name for this SQL, or null when it stays unnamed. */
  nameFor(sql: string, params: number): string | null;
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
export class SharedPlan {
  readonly sql: string;
  readonly named: readonly NamedSlot[];
  readonly bigints: boolean;
  readonly decoderFor: NonNullable<QueryOptions["decoderFor"]>;
  private shape: RowShape | undefined;
  /** The field type hints `shape` was built for. */
  private hints: readonly (number | undefined)[] = [];
  /** Decoders handed to drivers that decode on arrival, per column, with the type tag each is for. */
  private readonly arrival: ({ readonly hint: number | undefined; readonly decoder: Decoder | null } | undefined)[] = [];
  /** Runs so far, until the shape earns a prepared-statement name (see `Plan.driverOptions`). */
  runs = 0;
  /** The prepared-statement name, null for a statement that stays unnamed, undefined until decided. */
  name: string | null | undefined;

  constructor(
    private readonly dialect: Dialect,
    /** Hands out prepared-statement names (the engine's plan cache). */
    readonly namer: Namer,
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
    const params = compiled.params;
    for (let index = 0; index < params.length; index++) {
      const slot = params[index];
      if (!("value" in slot)) named.push({ index, name: slot.name, type: slot.type, base: baseType(slot.type), site: slot.site ?? { column: slot.name } });
    }
    this.named = named;
  }

  /** Column `index`'s decoder for an engine type tag, chosen once per tag. */
  private decoderAt(index: number, hint: number | undefined): Decoder | null {
    const known = this.arrival[index];
    if (known !== undefined && known.hint === hint) return known.decoder;
    const cols = this.compiled.columns;
    const decoder = decoderFor(this.dialect, cols?.[index]?.type ?? types.unknown, hint, cols?.[index]?.key);
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
    if (shape !== undefined && shape.decoded === decoded && sameHints(this.hints, fields) && (this.compiled.columns !== null || sameNames(shape.keys, fields)))
      return shape;
    const fresh = RowShape.of(this.dialect, this.compiled, fields, decoded);
    this.shape = fresh;
    this.hints = fields.map((f) => f.typeHint);
    return fresh;
  }
}

/**
 * A statement ready to run on one dialect: its shape's shared plan, its own parameter values and
 * driver options. Statements are immutable, so this is worked out once per statement object; a
 * statement of a shape already compiled (the same query rebuilt with other values) takes the
 * cached SQL and only encodes its values, on its first run.
 */
export class Plan {
  readonly sql: string;
  readonly options: QueryOptions;
  /** `options` with the shape's prepared-statement name, once it has one. */
  private named: QueryOptions | undefined;
  private own: CompiledQuery | undefined;
  /** The shared row shape last used, and this statement's view of it. */
  private view: [RowShape, RowShape] | undefined;
  /** The statement's own values encoded for the driver, in placeholder order (named slots null): made on the first run. */
  private template: unknown[] | undefined;

  constructor(
    private readonly shared: SharedPlan,
    private readonly node: StatementNode,
    /** The statement's own compile, when it is the one the shared plan was made from. */
    own: CompiledQuery | undefined,
    /** The statement's values in key order, for binding (and compiling it lazily) otherwise. */
    private readonly values: readonly unknown[] = [],
  ) {
    this.own = own;
    this.sql = shared.sql;
    this.options = { bigints: shared.bigints, single: atMostOneRow(node), decoderFor: shared.decoderFor, byName: shared.compiled.columns === null };
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
      shared.name = shared.namer.nameFor(shared.sql, shared.compiled.params.length);
    }
    if (shared.name === null) return this.options;
    return (this.named = { ...this.options, name: shared.name });
  }

  /** This statement's compiled query (SQL, parameters, result columns, warnings). */
  get compiled(): CompiledQuery {
    return (this.own ??= this.shared.shaped!.rebind(this.node, this.values));
  }

  /**
   * The values to bind, in placeholder order, encoded for the driver. Without named parameters
   * this is the statement's own encoded array, shared by its runs: drivers only read it.
   */
  fill(dialect: Dialect, params: Params | undefined): readonly unknown[] {
    const own = (this.template ??= this.encodeOwn(dialect));
    const named = this.shared.named;
    if (named.length === 0) return own;
    const values = own.slice();
    for (let i = 0; i < named.length; i++) {
      const slot = named[i];
      if (params === undefined || !(slot.name in params))
        throw new ArgumentError(`No value given for parameter ${JSON.stringify(slot.name)}`, { column: slot.name });
      const v = params[slot.name];
      values[slot.index] =
        v === null || v === undefined ? (dialect.encodeNull?.(slot.base) ?? null) : dialect.encode(slot.base, checkValue(slot.type, v, slot.site));
    }
    return values;
  }

  /**
   * The statement's own (checked) values encoded, in placeholder order: from its own compile, or
   * mapped from its values in key order through the shape's slots; named slots are left null.
   */
  private encodeOwn(dialect: Dialect): unknown[] {
    const shared = this.shared;
    const own = this.own;
    // A value slot's type is the stored type (the compiler's); named slots stay null here.
    const slots = (own ?? shared.compiled).params;
    const sources = own === undefined ? shared.shaped!.sources : undefined;
    const values = this.values;
    // Preallocated: V8 (Node 20) keeps `new Array(n)` a fast holey array up to 32M elements (a
    // dictionary only past that); filled by push instead, a 300,000-parameter INSERT's encoding
    // counted 9% more instructions (the copies as it grows).
    const out = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      let v: unknown = null;
      if ("value" in slot) {
        // A value outside the shape's key (its text is part of the key) is the first compile's.
        const j = sources === undefined ? -1 : sources[i];
        v = j >= 0 ? values[j] : slot.value;
      }
      out[i] = v === null || v === undefined ? (dialect.encodeNull?.(slot.type) ?? null) : dialect.encode(slot.type, v);
    }
    return out;
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
    return result;
  }
}
/** A shape earns a prepared-statement name on its second run: one-off statements leave nothing prepared. */
const PREPARE_AFTER_RUNS = 2;

function sameNames(keys: readonly string[], fields: readonly FieldInfo[]): boolean {
  for (let i = 0; i < keys.length; i++) if (keys[i] !== fields[i].name) return false;
  return true;
}

function sameHints(hints: readonly (number | undefined)[], fields: readonly FieldInfo[]): boolean {
  if (hints.length !== fields.length) return false;
  for (let i = 0; i < hints.length; i++) if (hints[i] !== fields[i].typeHint) return false;
  return true;
}
