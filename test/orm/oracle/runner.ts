// The Arbor side of the oracle: runs a scenario through Arbor's public API and observes, after
// every op, the same things sa_runner.py observes through SQLAlchemy: each labelled object's
// status, identity, expired and loaded attributes, the identity map, the session's new and
// deleted lists; after each commit and at the end, every table's rows and the audit log.
import {
  Session,
  type Collection,
  insert,
  update,
  ArborError,
  IntegrityError,
  StaleDataError,
  SessionStateError,
  DuplicateIdentityError,
  NotLoadedError,
  ExpiredAttributeError,
  sqliteDialect,
  type Engine,
} from "../../../src/index.js";
import { CLASSES, TABLES, md, registry, auditDdl, dumpSql, resetSql } from "./model.js";
import { SqlAlchemy } from "./python.js";
import { FLUSH_ERRORS, NO_OBJECT, type DbDump, type ObjState, type Op, type Outcome, type Scenario, type SessionState, type Step, type Value } from "./ops.js";

type AnyTable = (typeof TABLES)[number];
type Obj = Record<string, unknown>;
type AnyCtor = new (init?: Record<string, unknown>) => object;

const tableByName = new Map<string, AnyTable>(TABLES.map((t) => [t.name, t]));
const tableOf = (name: string): AnyTable => {
  const t = tableByName.get(name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
};
/** Column name → attribute key, per table. */
const keyOf = (t: AnyTable, name: string): string => {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${t.name}.${name}`);
  return c.key;
};

/** Ops that load (and so may autoflush), run again after a flush error's rollback. */
const RETRIED = new Set(["get", "load", "append", "remove", "removeAt"]);

/** An op named a label holding no object, or a savepoint that is not open. */
class NoObject extends Error {}

/** The error's kind in the vocabulary both runners share (see sa_runner.category). */
export function category(e: unknown): string {
  if (e instanceof NoObject) return NO_OBJECT;
  if (e instanceof IntegrityError) return "integrity";
  if (e instanceof StaleDataError) return "stale";
  if (e instanceof DuplicateIdentityError) return "identity";
  if (e instanceof NotLoadedError || e instanceof ExpiredAttributeError) return "notLoaded";
  if (e instanceof ArborError && e.constructor.name === "CircularDependencyError") return "cycle";
  if (e instanceof SessionStateError) return /no longer exists/.test(e.message) ? "gone" : "invalid";
  return `other:${e instanceof Error ? e.constructor.name : typeof e}`;
}

/** Creates the schema (Arbor's own DDL and the audit triggers) in a fresh database. */
export async function createSchema(engine: Engine): Promise<void> {
  await engine.withConnection(async (c) => {
    for (const s of [...md.createStatements(c), ...auditDdl(c.dialect)]) await c.runSql(s);
  });
}

/** Empties every table and the audit log, for the next scenario. */
export async function resetSchema(engine: Engine): Promise<void> {
  await engine.withConnection(async (c) => {
    for (const s of resetSql()) await c.runSql(s);
  });
}

/** The SQLAlchemy side, on the schema Arbor creates on SQLite (the same DDL, audit triggers included). */
export function startSqlAlchemy(): SqlAlchemy {
  const ctx = { dialect: sqliteDialect };
  return new SqlAlchemy([...md.createStatements(ctx), ...auditDdl(sqliteDialect)], dumpSql(sqliteDialect));
}

class ArborRunner {
  private session: Session | undefined;
  /** The last session opened: it inspects objects after a close too. */
  private inspector: Session;
  private readonly objs = new Map<string, object | null>();
  private readonly labels = new Map<object, string>();
  private readonly savepoints = new Map<string, Awaited<ReturnType<Session["beginNested"]>>>();

  constructor(private readonly engine: Engine) {
    this.inspector = new Session(engine, { registry });
  }

  private sess(): Session {
    if (!this.session) this.inspector = this.session = new Session(this.engine, { registry });
    return this.session;
  }

  private obj(label: string): Obj {
    const o = this.objs.get(label);
    if (!o) throw new NoObject(`no object labelled ${label}`);
    return o as Obj;
  }

  private label(name: string, o: object | null | undefined): void {
    this.objs.set(name, o ?? null);
    if (o && !this.labels.has(o)) this.labels.set(o, name);
  }

  private describe(o: object | null | undefined): string | null {
    if (!o) return null;
    return this.labels.get(o) ?? `${o.constructor.name}#${String((o as Obj).id)}`;
  }

  private attrKey(o: Obj, name: string): string {
    return keyOf(this.inspector.stateOf(o).mapper.table as AnyTable, name);
  }

  async run(op: Op): Promise<string | null | undefined> {
    switch (op.op) {
      case "new": {
        const t = (CLASSES[op.cls] as unknown as { table: AnyTable }).table;
        const init = Object.fromEntries(Object.entries(op.attrs).map(([k, v]) => [keyOf(t, k), v]));
        this.label(op.as, new (CLASSES[op.cls] as unknown as AnyCtor)(init));
        return undefined;
      }
      case "add":
        this.sess().add(this.obj(op.obj));
        return undefined;
      case "delete":
        this.sess().delete(this.obj(op.obj));
        return undefined;
      case "set": {
        const o = this.obj(op.obj);
        o[this.attrKey(o, op.attr)] = op.value;
        return undefined;
      }
      case "setRef":
        this.obj(op.obj)[op.rel] = op.to === null ? null : this.obj(op.to);
        return undefined;
      case "append": {
        const coll = await this.loaded(op.obj, op.rel);
        // differences.ts: cascade-along-back-reference.
        const [target, child] = [this.obj(op.obj), this.obj(op.child)];
        const s = this.session;
        if (s && s.inspect(target).status === "transient" && ["pending", "persistent"].includes(s.inspect(child).status)) s.add(target);
        // differences.ts: duplicate-members.
        if (!coll.includes(child)) coll.push(child);
        return undefined;
      }
      case "remove":
        (await this.loaded(op.obj, op.rel)).remove(this.obj(op.child));
        return undefined;
      case "removeAt": {
        const coll = await this.loaded(op.obj, op.rel);
        if (op.index < coll.length) coll.splice(op.index, 1);
        return undefined;
      }
      case "load":
        await this.loaded(op.obj, op.rel);
        return undefined;
      case "get": {
        const found = await this.sess().get(CLASSES[op.cls], op.id);
        this.label(op.as, found);
        return this.describe(found);
      }
      case "flush":
        return void (await this.sess().flush());
      case "commit":
        this.savepoints.clear();
        return void (await this.sess().commit());
      case "rollback":
        this.savepoints.clear();
        return void (await this.sess().rollback());
      case "savepoint":
        this.savepoints.set(op.as, await this.sess().beginNested());
        return undefined;
      case "rollbackSavepoint":
        return void (await this.endSavepoint(op.sp).rollback());
      case "releaseSavepoint":
        return void (await this.endSavepoint(op.sp).commit());
      case "expunge":
        this.sess().expunge(this.obj(op.obj));
        return undefined;
      case "expire": {
        const o = this.obj(op.obj);
        this.sess().expire(
          o,
          op.attrs?.map((a) => this.attrKey(o, a)),
        );
        return undefined;
      }
      case "expireAll":
        this.sess().expireAll();
        return undefined;
      case "refresh":
        return void (await this.sess().refresh(this.obj(op.obj)));
      case "merge": {
        const merged = await this.sess().merge(this.obj(op.obj));
        this.label(op.as, merged);
        return this.describe(merged);
      }
      case "autoflush":
        this.sess().autoflush = op.on;
        return undefined;
      case "exec": {
        const t = tableOf(op.table);
        const set = Object.fromEntries(Object.entries(op.set).map(([k, v]) => [keyOf(t, k), v]));
        await this.sess().execute(
          update(t)
            .set(set as never)
            .where(t.column("id").eq(op.id as never)),
        );
        return undefined;
      }
      case "close":
        this.savepoints.clear();
        await this.session?.close();
        this.session = undefined;
        return undefined;
    }
  }

  /**
   * The collection `label.rel`, loaded first where SQLAlchemy would lazy-load it (a persistent
   * object's unloaded relationship). SQLAlchemy expires primary keys too, so it reloads an
   * expired object's row before loading its relationship; get() does the same here
   * (differences.ts: explicit-relationship-loads).
   */
  private async loaded(label: string, rel: string): Promise<Collection<object>> {
    const o = this.obj(label);
    const s = this.sess();
    const info = s.inspect(o);
    if (info.status === "persistent" && s.stateOf(o).session === s && !info.loaded.includes(rel)) {
      if (info.expired.length > 0) await s.get(o.constructor as AnyCtor, o.id);
      await s.load(o, rel as never);
    }
    return o[rel] as Collection<object>;
  }

  /** The savepoint `label`, forgotten with those opened after it (they end with it). */
  private endSavepoint(label: string) {
    const sp = this.savepoints.get(label);
    if (!sp) throw new NoObject(`no open savepoint ${label}`);
    const names = [...this.savepoints.keys()];
    for (const n of names.slice(names.indexOf(label))) this.savepoints.delete(n);
    return sp;
  }

  async rollback(): Promise<void> {
    this.savepoints.clear();
    await this.session?.rollback();
  }

  private snapObj(o: object): ObjState {
    const s = this.inspector;
    const info = s.inspect(o);
    const mapper = s.stateOf(o).mapper;
    const table = mapper.table as AnyTable;
    const values: Record<string, unknown> = {};
    for (const c of table.columns) {
      if (mapper.pkKeys.includes(c.key) || info.expired.includes(c.key)) continue;
      const v = (o as Obj)[c.key];
      if (v !== undefined) values[c.name] = v;
    }
    const rels: Record<string, string[] | string | null> = {};
    for (const k of info.loaded) {
      const v = (o as Obj)[k];
      rels[k] = Array.isArray(v) ? v.map((x: object) => this.describe(x)!) : this.describe(v as object | null);
    }
    const hasKey = info.identityKey !== undefined;
    return {
      status: info.status,
      key: hasKey ? `${table.name}#${mapper.pkKeys.map((k) => String((o as Obj)[k])).join(",")}` : null,
      expired: info.expired.map((k) => table.columns.find((c) => c.key === k)!.name).sort(),
      values,
      rels,
    };
  }

  snapshot(): SessionState {
    const objs: Record<string, ObjState> = {};
    const seen = new Set<object>();
    for (const [name, o] of this.objs) {
      if (!o || seen.has(o)) continue;
      seen.add(o);
      objs[name] = this.snapObj(o);
    }
    const idmap: Record<string, string | null> = {};
    const s = this.session;
    if (s) for (const m of s.identityMap.maps()) for (const [ident, o] of m) idmap[`${s.stateOf(o).mapper.table.name}#${String(ident)}`] = this.describe(o);
    const sorted = Object.fromEntries(Object.entries(idmap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      objs,
      idmap: sorted,
      new: s ? s.new.map((o) => this.describe(o)).sort() : [],
      deleted: s ? s.deleted.map((o) => this.describe(o)).sort() : [],
    };
  }

  async close(): Promise<void> {
    await this.session?.close();
    this.session = undefined;
  }
}

/** Every table's rows by primary key, keyed by column name, and the audit log. */
export async function dump(engine: Engine): Promise<DbDump> {
  return engine.withConnection(async (c) => {
    const res = await c.runSql(dumpSql(c.dialect));
    const rows: DbDump["rows"] = {};
    let audit: DbDump["audit"] = [];
    for (const [name, json] of res.rows as [string, string][]) {
      const parsed = JSON.parse(json) as Record<string, unknown>[];
      // Keys as compact JSON whatever the engine printed ("[1, 2]" on PostgreSQL).
      if (name === "oracle_audit") audit = (parsed as unknown as DbDump["audit"]).map((a) => ({ ...a, pk: JSON.stringify(JSON.parse(a.pk)) }));
      else rows[name] = parsed;
    }
    return { rows, audit };
  });
}

/** Writes the scenario's seed rows (committed) and clears the audit log. */
export async function seed(engine: Engine, sc: Scenario): Promise<void> {
  await engine.withConnection(async (c) => {
    for (const entry of sc.seed ?? []) {
      const t = tableOf(entry[0]);
      const byKey = (row: Record<string, Value>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [keyOf(t, k), v]));
      if (entry.length === 2) await c.execute(insert(t).values(byKey(entry[1]) as never));
      else
        await c.execute(
          update(t)
            .set(byKey(entry[2]) as never)
            .where(t.column("id").eq(entry[1].id as never)),
        );
    }
    await c.runSql("DELETE FROM oracle_audit");
  });
}

/** Runs one scenario on an engine whose schema exists and is empty. */
export async function runArbor(engine: Engine, sc: Scenario): Promise<Outcome> {
  await seed(engine, sc);
  const r = new ArborRunner(engine);
  const steps: Step[] = [];
  for (const op of sc.ops) {
    const step: Step = { op: op.op, state: { objs: {}, idmap: {}, new: [], deleted: [] } };
    try {
      const res = await r.run(op);
      if (res !== undefined) step.result = res;
    } catch (e) {
      step.error = category(e);
      step.message = (e instanceof Error ? e.message : String(e)).split(/\s+/).join(" ").slice(0, 400);
      if (sc.rollbackOnFlushError && FLUSH_ERRORS.has(step.error)) {
        await r.rollback();
        step.rolledBack = true;
        // An op whose autoflush failed is tried again (see Scenario.rollbackOnFlushError).
        if (RETRIED.has(op.op)) {
          try {
            const res = await r.run(op);
            if (res !== undefined) step.result = res;
          } catch (e) {
            step.retryError = category(e);
          }
        }
      }
    }
    step.state = r.snapshot();
    if (op.op === "commit" && step.error === undefined) step.db = await dump(engine);
    steps.push(step);
  }
  await r.close();
  return { name: sc.name, steps, db: await dump(engine) };
}
