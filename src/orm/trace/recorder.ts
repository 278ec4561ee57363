// SessionTrace: records a Session at work, step by step, for the animation page (page.ts) or for
// debugging. Attach it to one session and pass its `logger` as the engine's `echo`:
//
//   const trace = new SessionTrace();
//   const engine = createEngine(url, { echo: trace.logger });
//   const session = trace.attach(new Session(engine));
//
// The session itself is untouched but for its instance: `attach` wraps that instance's public
// operations (the queue every async operation goes through, and the synchronous add/delete/
// expunge/expire), listens to its events and sets its flush observer; `detach` undoes all of it.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { LogEntry, Logger } from "../../engine/executor.js";
import type { Table } from "../../schema/table.js";
import { select } from "../../sql/select.js";
import { SessionStateError } from "../errors.js";
import type { FlushPlanView } from "../flush-book.js";
import type { Session } from "../session.js";
import { entityOf, isExpired } from "../state.js";
import { callSite, packageRoot, type CallSite } from "./callsite.js";
import {
  TRACE_FORMAT,
  TRACE_VERSION,
  type SessionTraceJSON,
  type StepKind,
  type TraceDatabase,
  type TraceFlush,
  type TraceStatement,
  type TraceStep,
} from "./format.js";
import { actionOf, describePlan } from "./plan.js";
import { loadedTree, ObjectRegistry, snapshotSession } from "./snapshot.js";
import { renderValue } from "./values.js";

export interface SessionTraceOptions {
  /** Tables whose rows the trace shows (default: those of every mapper in the session's registry). */
  readonly tables?: readonly Table[];
  /** Read those tables' rows after each operation and flush (default true). */
  readonly rows?: boolean;
}

interface Operation {
  readonly index: number;
  readonly code?: CallSite;
  /** Objects numbered before the operation began: any other object it leaves in the identity map was loaded by it. */
  readonly known: number;
  /** Objects expired when it began: those it leaves unexpired were loaded by it too. */
  readonly expired: ReadonlySet<object>;
}

const OWNERS: Record<string, string> = { Session: "session", EntityQuery: "query", SessionSavepoint: "savepoint" };

/** "Session.commit" → "session.commit()". */
function titleOf(callee: string | undefined): string {
  if (callee === undefined) return "session operation";
  const [owner, method] = callee.split(".");
  return method === undefined ? `${callee}()` : `${OWNERS[owner] ?? owner}.${method}()`;
}

function firstLine(sql: string): string {
  const line = sql.replace(/\s+/g, " ").trim();
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}

export class SessionTrace {
  /** Pass as the engine's `echo` option: every statement the attached session sends is recorded. */
  readonly logger: Logger = (e) => this.statement(e);
  private readonly reg = new ObjectRegistry();
  private readonly steps: TraceStep[] = [];
  private readonly statements: TraceStatement[] = [];
  private readonly flushes: TraceFlush[] = [];
  private readonly databases: TraceDatabase[] = [{}];
  private readonly databaseKeys = new Map<string, number>([["{}", 0]]);
  private readonly files = new Set<string>();
  private readonly root = packageRoot();
  private readonly undo: (() => void)[] = [];
  private session: Session | undefined;
  private tables: readonly Table[] = [];
  private dialect = "";
  private savepoints: string[] = [];
  private op: Operation | undefined;
  private flush: { index: number; action: number } | undefined;
  /** Set while the trace reads rows itself: those statements are not the session's. */
  private reading = false;
  private rows = 0;
  /** Depth of synchronous session calls (add() calls add() for cascades): only the outermost is a step. */
  private syncDepth = 0;

  constructor(private readonly options: SessionTraceOptions = {}) {}

  /** Starts recording `session` (one session per trace) and returns it. */
  attach<S extends Session>(session: S): S {
    if (this.session !== undefined) throw new SessionStateError("This trace already records a session");
    this.session = session;
    this.dialect = session.engine.dialect.name;
    this.tables = this.options.tables ?? session.registry.mappers.map((m) => m.table);

    const run = session.run.bind(session);
    session.run = <T>(fn: () => Promise<T>): Promise<T> => {
      const site = this.site();
      return run(() => this.operation(site, fn));
    };
    const add = session.add.bind(session);
    session.add = <T extends object>(obj: T): T => this.sync("session.add()", [obj], () => add(obj));
    const addAll = session.addAll.bind(session);
    session.addAll = (objs: Iterable<object>): void => {
      const list = [...objs];
      this.sync("session.addAll()", list, () => addAll(list));
    };
    const del = session.delete.bind(session);
    session.delete = (obj: object): void => this.sync("session.delete()", [obj], () => del(obj));
    const expunge = session.expunge.bind(session);
    session.expunge = (obj: object): void => this.sync("session.expunge()", [obj], () => expunge(obj));
    const expire = session.expire.bind(session);
    session.expire = (obj: object, keys?: readonly string[]): void => this.sync("session.expire()", [obj], () => expire(obj, keys));
    const expireAll = session.expireAll.bind(session);
    session.expireAll = (): void => this.sync("session.expireAll()", [], () => expireAll());
    for (const key of ["run", "add", "addAll", "delete", "expunge", "expire", "expireAll"] as const) this.undo.push(() => Reflect.deleteProperty(session, key));

    this.undo.push(
      session.observeFlushes({ flushPlan: (plan) => this.plan(plan) }),
      session.on("afterFlush", async () => {
        await this.readRows();
        this.record("event", "flush done", { detail: "The flush's SAVEPOINT is released; new objects are persistent and in the identity map." });
        this.flush = undefined;
      }),
      session.on("afterCommit", () => this.record("event", "committed", { detail: "expireOnCommit: every object's attributes expire." })),
      session.on("afterRollback", () =>
        this.record("event", "rolled back", { detail: "Pending objects become transient, objects inserted in the transaction leave, deleted ones come back." }),
      ),
    );
    this.record("mark", "session created", { code: this.site() });
    return session;
  }

  /** Stops recording: the session is as it was before `attach`. */
  detach(): void {
    for (const f of this.undo.splice(0).reverse()) f();
    this.session = undefined;
  }

  /**
   * Names objects, so the page labels their boxes: `trace.name({ alice, bob })`. They enter the
   * picture now (as transient, if new).
   */
  name(objects: Readonly<Record<string, object>>): void {
    for (const [name, obj] of Object.entries(objects)) if (entityOf(obj)) this.reg.name(obj, name);
    this.record("name", `named ${Object.keys(objects).join(", ")}`, { code: this.site() });
  }

  /** A step of the application's own: a change to objects the session only sees at the next flush, say. */
  mark(title: string, detail?: string): void {
    this.record("mark", title, { code: this.site(), ...(detail === undefined ? {} : { detail }) });
  }

  toJSON(): SessionTraceJSON {
    const sources: Record<string, string[]> = {};
    for (const file of this.files) {
      try {
        sources[this.pathOf(file)] = readFileSync(file, "utf8").split("\n");
      } catch {
        // A file gone since: its steps show no code.
      }
    }
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      dialect: this.dialect,
      tables: this.tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => c.key), primaryKey: t.primaryKey.map((c) => c.key) })),
      objects: this.reg.list(),
      steps: this.steps,
      statements: this.statements,
      flushes: this.flushes,
      databases: this.databases,
      sources,
    };
  }

  // ---- recording ----------------------------------------------------------------------------------

  private site(): CallSite | undefined {
    const site = callSite(new Error().stack, this.root);
    if (site) this.files.add(site.file);
    return site;
  }

  private pathOf(file: string): string {
    const rel = relative(process.cwd(), file);
    return rel.startsWith("..") ? file : rel;
  }

  private record(
    kind: StepKind,
    title: string,
    extra: Partial<Omit<TraceStep, "index" | "kind" | "title" | "state" | "rows" | "code">> & { code?: CallSite } = {},
  ): void {
    const session = this.session;
    if (session === undefined) return;
    const { code, ...rest } = extra;
    const at = code ?? this.op?.code;
    this.steps.push({
      index: this.steps.length,
      kind,
      title,
      ...rest,
      ...(this.op ? { op: this.op.index } : {}),
      ...(at ? { code: { file: this.pathOf(at.file), line: at.line } } : {}),
      ...(this.flush && rest.flush === undefined ? { flush: this.flush.index, action: this.flush.action } : {}),
      state: snapshotSession(session, this.reg, this.savepoints),
      rows: this.rows,
    });
  }

  private sync<T>(title: string, args: readonly object[], fn: () => T): T {
    if (this.syncDepth > 0 || this.op !== undefined) return fn();
    const code = this.site();
    // Called by the session itself (refresh() expires first): part of that call, not a step.
    if (code?.callee !== undefined) return fn();
    for (const a of args) if (entityOf(a)) this.reg.id(a);
    this.syncDepth++;
    try {
      const r = fn();
      this.syncDepth--;
      this.record("call", title, { code });
      return r;
    } catch (err) {
      this.syncDepth--;
      this.record("done", `${title} failed`, { code, error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  private async operation<T>(site: CallSite | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.op !== undefined) return fn();
    const title = titleOf(site?.callee);
    const expired = new Set<object>();
    for (const m of this.session!.identityMap.maps()) for (const o of m.values()) if (isExpired(o)) expired.add(o);
    this.op = { index: this.steps.length, code: site, known: this.reg.objects.length, expired };
    this.record("call", title);
    try {
      const result = await fn();
      await this.readRows();
      this.finish(title);
      return result;
    } catch (err) {
      await this.readRows();
      this.finish(`${title} failed`, err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      this.op = undefined;
      this.flush = undefined;
    }
  }

  private finish(title: string, error?: string): void {
    const op = this.op!;
    const session = this.session!;
    const entered: object[] = [];
    for (const m of session.identityMap.maps())
      for (const o of m.values()) if (!this.reg.has(o) || this.reg.id(o) > op.known || (op.expired.has(o) && !isExpired(o))) entered.push(o);
    const loaded = entered.length ? loadedTree(entered, this.reg) : undefined;
    this.flush = undefined;
    this.record("done", title, { ...(error === undefined ? {} : { error }), ...(loaded ? { loaded } : {}) });
  }

  private plan(plan: FlushPlanView): void {
    if (this.session === undefined) return;
    const index = this.flushes.length;
    this.flushes.push(describePlan(plan, (s) => this.reg.id(s.obj)));
    this.flush = { index, action: -1 };
    this.record("plan", "flush plan", { detail: "The unit of work has sorted what to write." });
  }

  private statement(e: LogEntry): void {
    if (this.session === undefined || this.reading) return;
    this.followTransaction(e.sql, e.error === undefined);
    const flush = this.flush;
    if (flush) {
      const a = actionOf(this.flushes[flush.index], e.sql, flush.action);
      if (a !== undefined) flush.action = a;
    }
    const sql = this.statements.length;
    this.statements.push({
      sql: e.sql,
      params: e.params.map((p) => renderValue(p)),
      ...(e.rowCount === undefined ? {} : { rowCount: e.rowCount }),
      ...(e.error ? { error: e.error.message } : {}),
      step: this.steps.length,
    });
    this.record("sql", firstLine(e.sql), { sql, ...(e.error ? { error: e.error.message } : {}) });
  }

  /** Follows BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, COMMIT and ROLLBACK in the statements sent. */
  private followTransaction(sql: string, ok: boolean): void {
    if (!ok) return;
    const text = sql.trim().toUpperCase();
    const name = sql.trim().split(/\s+/).pop() ?? "";
    if (text.startsWith("SAVEPOINT ")) this.savepoints.push(name);
    else if (text.startsWith("RELEASE SAVEPOINT ") || text.startsWith("ROLLBACK TO SAVEPOINT ")) {
      const at = this.savepoints.lastIndexOf(name);
      if (at >= 0) this.savepoints.length = text.startsWith("RELEASE") ? at : at + 1;
    } else if (text === "COMMIT" || text === "ROLLBACK" || text.startsWith("BEGIN") || text.startsWith("START TRANSACTION")) this.savepoints = [];
  }

  /** Reads the tables' rows where the session would read them (inside its transaction). */
  private async readRows(): Promise<void> {
    const session = this.session;
    if (session === undefined || this.options.rows === false || this.tables.length === 0) return;
    this.reading = true;
    try {
      // Outside a transaction a session beginning on first use would begin one to read: leave it be.
      if (!session.inTransaction && session.autobegin === "onFirstUse") return;
      const exec = await session.reader();
      const db: Record<string, (readonly ReturnType<typeof renderValue>[])[]> = {};
      for (const t of this.tables) {
        const res = await exec.execute(select(...t.columns).orderBy(...t.primaryKey));
        db[t.name] = res.rows.map((r) => t.columns.map((c) => renderValue((r as Record<string, unknown>)[c.key])));
      }
      const key = JSON.stringify(db);
      let index = this.databaseKeys.get(key);
      if (index === undefined) {
        index = this.databases.length;
        this.databases.push(db);
        this.databaseKeys.set(key, index);
      }
      this.rows = index;
    } catch {
      // A closed session, or a transaction that failed: the rows shown stay those last read.
    } finally {
      this.reading = false;
    }
  }
}
