// Entity queries: a SELECT of one mapped table whose rows become objects through the identity
// map, with autoflush first and loader options for relationships. A query composes its statement
// once and keeps it: run again (with other `param()` values, or by another session through
// `bind`), it builds nothing.
import type { Params } from "../engine/executor.js";
import { MultipleResultsError, NoResultError } from "../errors.js";
import type { Expr, OrderBy } from "../sql/expression.js";
import { param } from "../sql/functions.js";
import { select, type Select } from "../sql/select.js";
import type { Source } from "../sql/source.js";
import type { StatementShape } from "../sql/cache-key.js";
import { Composer, Materializer, type Composed, type Composition } from "./eager.js";
import type { Mapper } from "./mapper.js";
import type { LoaderOption } from "./options.js";
import type { Session } from "./session.js";
import { QueryShapes, compositionSignature, planComposed } from "./query-shapes.js";
import { buildPlan } from "./strategies.js";

type Cond = Expr<boolean> | Expr<boolean | null> | undefined | false | null;

/** The statements a query composed, per way of running it; shared with the copies `bind` makes. */
export interface ComposedCache {
  all?: Composed;
  first?: Composed;
  one?: Composed;
}

export class EntityQuery<T> {
  private stmt: Select<Record<string, unknown>>;
  private populate = false;
  private loaders: readonly LoaderOption[] = [];
  private eager = true;
  private cache: ComposedCache = {};
  /** The statement joins other tables, so one object may come on several rows. */
  private joined = false;

  constructor(
    readonly session: Session,
    readonly mapper: Mapper,
    stmt?: Select<Record<string, unknown>>,
  ) {
    this.stmt = stmt ?? (mapper.queryShapes ??= new QueryShapes(mapper.table)).base;
  }

  /**
   * @internal `Session.get`'s query for a mapper: its table by primary key, the key values as
   * parameters `pk0`, `pk1`…, made and composed once per mapper.
   */
  static byKey<T>(session: Session, mapper: Mapper): EntityQuery<T> {
    const template = (mapper.byKey ??= {
      stmt: select(mapper.table).where(...mapper.pkKeys.map((k, i) => mapper.table.column(k).eq(param(`pk${i}`, mapper.table.column(k))))) as unknown as Select<
        Record<string, unknown>
      >,
      cache: {},
    });
    const q = new EntityQuery<T>(session, mapper, template.stmt);
    q.cache = template.cache;
    return q;
  }

  private with(stmt: Select<Record<string, unknown>>, session = this.session): EntityQuery<T> {
    const q = new EntityQuery<T>(session, this.mapper, stmt);
    q.populate = this.populate;
    q.loaders = this.loaders;
    q.eager = this.eager;
    q.joined = this.joined;
    return q;
  }

  /**
   * Joins another table (its condition from the one foreign key, or `on`) so that where() and
   * orderBy() can use its columns; each object still comes back once, and limit() counts joined
   * rows. A column of a table that is not joined is refused rather than read as a cartesian product.
   */
  join(target: Source, on?: Cond): EntityQuery<T> {
    const q = this.with(this.stmt.join(target, on));
    q.joined = true;
    return q;
  }
  leftJoin(target: Source, on?: Cond): EntityQuery<T> {
    const q = this.with(this.stmt.leftJoin(target, on));
    q.joined = true;
    return q;
  }

  where(...conds: Cond[]): EntityQuery<T> {
    return this.with(this.stmt.where(...conds));
  }
  orderBy(...items: (Expr<unknown> | OrderBy)[]): EntityQuery<T> {
    return this.with(this.stmt.orderBy(...items));
  }
  limit(n: number): EntityQuery<T> {
    return this.with(this.stmt.limit(n));
  }
  offset(n: number): EntityQuery<T> {
    return this.with(this.stmt.offset(n));
  }
  /** Overwrite attributes of objects already in the session with what the database holds. */
  populateExisting(): EntityQuery<T> {
    const q = this.with(this.stmt);
    q.populate = true;
    return q;
  }

  /** Loader options: `options(nestedload(Customer, "orders", "items"), selectinload(Customer, "tags"))`. */
  options(...opts: LoaderOption[]): EntityQuery<T> {
    const q = this.with(this.stmt);
    q.loaders = [...this.loaders, ...opts];
    return q;
  }

  /** Loads only the columns: relationships' default eager loading is skipped. */
  noEager(): EntityQuery<T> {
    const q = this.with(this.stmt);
    q.eager = false;
    return q;
  }

  /** The underlying Core statement. */
  get statement(): Select<Record<string, unknown>> {
    return this.stmt;
  }

  /** The statement this query runs, with its in-statement eager loads (composed once). */
  compose(): Composed {
    return this.composed("all");
  }

  /** The same query for another session (say, one per request): nothing is composed again. */
  bind(session: Session): EntityQuery<T> {
    const q = this.with(this.stmt, session);
    q.cache = this.cache;
    return q;
  }

  private composed(how: keyof ComposedCache): Composed {
    return this.composedWithShape(how).composed;
  }

  /**
   * @internal The statement composed for `how`, and its shape when known without walking it: this
   * query's own (composed once), else the composition of queries of its shape (query-shapes.ts).
   */
  composedWithShape(how: keyof ComposedCache): { composed: Composed; shape?: StatementShape | null } {
    const found = this.cache[how];
    if (found !== undefined) return { composed: found };
    const composer = new Composer(this.mapper);
    const prepare = (): Composition => composer.prepare(this.eager ? buildPlan(this.mapper, this.loaders) : []);
    const apply = (c: Composition): Composed => this.limited(how, composer.apply(this.stmt, c));
    const shapes = (this.mapper.queryShapes ??= new QueryShapes(this.mapper.table));
    const shaped = shapes.composed(this.stmt, compositionSignature(how, this.eager, this.joined, this.loaders), prepare, apply);
    const out = shaped ?? { composed: apply(prepare()) };
    this.cache[how] = out.composed;
    return out;
  }

  /** LIMIT counts joined rows, not entities: with joins or joined loads the whole result is read. */
  private limited(how: keyof ComposedCache, composed: Composed): Composed {
    if (how === "all" || this.joined || composed.joins) return composed;
    return { ...composed, stmt: composed.stmt.limit(how === "first" ? 1 : 2) };
  }

  /** Every matching object; `params` gives the values of the statement's `param()`s. */
  async all(params?: Params): Promise<T[]> {
    const c = this.composedWithShape("all");
    return this.session.run(() => this.fetch(c, params));
  }

  private async fetch({ composed, shape }: { composed: Composed; shape?: StatementShape | null }, params: Params | undefined): Promise<T[]> {
    await this.session.maybeAutoflush();
    const exec = await this.session.reader();
    planComposed(exec, composed, shape);
    // Objects are made as rows are read (on PostgreSQL, while the server still sends the rest).
    const m = new Materializer(this.session, this.populate, this.mapper, composed);
    await exec.forEach(composed.stmt, (row) => m.add(row), params);
    const out = m.finish() as T[];
    await m.after();
    return out;
  }

  async first(params?: Params): Promise<T | undefined> {
    const c = this.composedWithShape("first");
    return (await this.session.run(() => this.fetch(c, params)))[0];
  }

  /** Exactly one object, or NoResultError / MultipleResultsError. */
  async one(params?: Params): Promise<T> {
    const c = this.composedWithShape("one");
    const rows = await this.session.run(() => this.fetch(c, params));
    if (rows.length === 0) throw new NoResultError(`No ${this.mapper.name} matched`);
    if (rows.length > 1) throw new MultipleResultsError(`More than one ${this.mapper.name} matched`);
    return rows[0];
  }
}
