// Entity queries: a SELECT of one mapped table whose rows become objects through the identity
// map, with autoflush first and loader options for relationships.
import { MultipleResultsError, NoResultError } from "../errors.js";
import type { Expr, OrderBy } from "../sql/expression.js";
import { select, type Select } from "../sql/select.js";
import { hydrate } from "./loading.js";
import type { Mapper } from "./mapper.js";
import type { Session } from "./session.js";

type Cond = Expr<boolean> | Expr<boolean | null> | undefined | false | null;

export class EntityQuery<T> {
  private stmt: Select<Record<string, unknown>>;
  private populate = false;

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

  /** The underlying Core statement. */
  get statement(): Select<Record<string, unknown>> {
    return this.stmt;
  }

  async all(): Promise<T[]> {
    await this.session.maybeAutoflush();
    const exec = await this.session.executor();
    const rows = (await exec.execute(this.stmt)).rows;
    const out = new Array<T>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = hydrate(this.session, this.mapper, rows[i], { populateExisting: this.populate }) as T;
    return out;
  }

  async first(): Promise<T | undefined> {
    return (await this.limit(1).all())[0];
  }

  /** Exactly one object, or NoResultError / MultipleResultsError. */
  async one(): Promise<T> {
    const rows = await this.limit(2).all();
    if (rows.length === 0) throw new NoResultError(`No ${this.mapper.name} matched`);
    if (rows.length > 1) throw new MultipleResultsError(`More than one ${this.mapper.name} matched`);
    return rows[0];
  }
}
