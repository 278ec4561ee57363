// Entity queries: a SELECT of one mapped table whose rows become objects through the identity
// map, with autoflush first and loader options for relationships.
import { MultipleResultsError, NoResultError } from "../errors.js";
import type { Expr, OrderBy } from "../sql/expression.js";
import { select, type Select } from "../sql/select.js";
import { Composer, Materializer } from "./eager.js";
import type { Mapper } from "./mapper.js";
import type { LoaderOption } from "./options.js";
import type { Session } from "./session.js";
import { buildPlan } from "./strategies.js";

type Cond = Expr<boolean> | Expr<boolean | null> | undefined | false | null;

export class EntityQuery<T> {
  private stmt: Select<Record<string, unknown>>;
  private populate = false;
  private loaders: readonly LoaderOption[] = [];
  private eager = true;

  constructor(
    readonly session: Session,
    readonly mapper: Mapper,
    stmt?: Select<Record<string, unknown>>,
  ) {
    this.stmt = stmt ?? (select(mapper.table) as unknown as Select<Record<string, unknown>>);
  }

  private with(stmt: Select<Record<string, unknown>>): EntityQuery<T> {
    const q = new EntityQuery<T>(this.session, this.mapper, stmt);
    q.populate = this.populate;
    q.loaders = this.loaders;
    q.eager = this.eager;
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

  /** The statement this query runs, with its in-statement eager loads. */
  compose() {
    const plan = this.eager ? buildPlan(this.mapper, this.loaders) : [];
    return new Composer(this.mapper).compose(this.stmt, plan);
  }

  async all(): Promise<T[]> {
    return this.session.run(() => this.fetch());
  }

  private async fetch(): Promise<T[]> {
    await this.session.maybeAutoflush();
    const composed = this.compose();
    const exec = await this.session.reader();
    // Objects are made as rows are read (on PostgreSQL, while the server still sends the rest).
    const m = new Materializer(this.session, this.populate, this.mapper, composed);
    await exec.forEach(composed.stmt, (row) => m.add(row));
    const out = m.finish() as T[];
    await m.after();
    return out;
  }

  private joins(): boolean {
    return this.eager && buildPlan(this.mapper, this.loaders).some(function joined(n): boolean {
      return n.strategy === "joined" || n.children.some(joined);
    });
  }

  async first(): Promise<T | undefined> {
    // LIMIT counts joined rows, not entities: with joined loads the whole result is read.
    return (await (this.joins() ? this : this.limit(1)).all())[0];
  }

  /** Exactly one object, or NoResultError / MultipleResultsError. */
  async one(): Promise<T> {
    const rows = await (this.joins() ? this : this.limit(2)).all();
    if (rows.length === 0) throw new NoResultError(`No ${this.mapper.name} matched`);
    if (rows.length > 1) throw new MultipleResultsError(`More than one ${this.mapper.name} matched`);
    return rows[0];
  }
}
