// The session trace (src/orm/trace): the tour's trace against the states the Session must go
// through, and on every engine the flush plan, the statements with their row counts, savepoints,
// the rows read back and values JSON cannot hold.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SessionTrace, Session, insert, type LogEntry, type SessionTraceJSON, type TraceStep, type ObjectSnapshot } from "../../src/index.js";
import tour from "../../examples/session-tour.js";
import { md, registry, Customer, Order, Item, customerT, orderT, itemT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { normalizeSql } from "../support/statements.js";

/** The state of the object named `name` at a step. */
function stateOf(trace: SessionTraceJSON, step: TraceStep, name: string): ObjectSnapshot {
  const obj = trace.objects.find((o) => o.name === name);
  assert.ok(obj, `no object named ${name}`);
  const s = step.state.objects.find((o) => o.id === obj.id);
  assert.ok(s, `${name} is not in step ${step.index}`);
  return s;
}

/** The first step at or after `from` whose title matches. */
function stepAt(trace: SessionTraceJSON, title: string | RegExp, from = 0): TraceStep {
  const s = trace.steps.slice(from).find((x) => (typeof title === "string" ? x.title === title : title.test(x.title)));
  assert.ok(s, `no step ${title} after ${from}`);
  return s;
}

function lanes(trace: SessionTraceJSON, step: TraceStep, names: readonly string[]): string[] {
  return names.map((n) => {
    const s = stateOf(trace, step, n);
    return `${n}:${s.lane}${s.markedDeleted ? "(deleted)" : ""}${s.expired.length ? "(expired)" : ""}`;
  });
}

describe("session trace: the tour", () => {
  let trace: SessionTraceJSON;

  test("setup", async () => {
    const t = new SessionTrace();
    await tour(t);
    trace = JSON.parse(JSON.stringify(t.toJSON())) as SessionTraceJSON;
  });

  test("the trace is versioned JSON naming its tables and objects", () => {
    assert.equal(trace.format, "arbor-session-trace");
    assert.equal(trace.version, 1);
    assert.equal(trace.dialect, "sqlite");
    assert.deepEqual(
      trace.tables.map((t) => t.name),
      ["customer", "cust_order", "item"],
    );
    assert.deepEqual(
      trace.objects.filter((o) => o.name).map((o) => `${o.name}:${o.class}`),
      ["alice:Customer", "bob:Customer", "a1:Order", "b1:Order", "carol:Customer", "dave:Customer"],
    );
    trace.steps.forEach((s, i) => assert.equal(s.index, i));
    assert.ok(trace.sources["examples/session-tour.ts"].some((l) => l.includes("session.add(alice)")));
  });

  test("add() makes objects pending, cascading to the order and its items; flush makes them persistent", () => {
    const named = stepAt(trace, "named alice, bob, a1");
    assert.deepEqual(lanes(trace, named, ["alice", "bob", "a1"]), ["alice:transient", "bob:transient", "a1:transient"]);
    const added = stepAt(trace, "session.add()", named.index);
    assert.deepEqual(lanes(trace, added, ["alice", "bob", "a1"]), ["alice:pending", "bob:transient", "a1:pending"]);
    assert.equal(trace.sources[added.code!.file][added.code!.line - 1].trim(), "session.add(alice);");
    assert.equal(added.state.new.length, 4, "alice, a1 and its two items");
    const flushed = stepAt(trace, "session.flush()", added.index + 2);
    assert.equal(flushed.kind, "call");
    const done = trace.steps.find((s) => s.op === flushed.index && s.kind === "done")!;
    assert.deepEqual(lanes(trace, done, ["alice", "bob", "a1"]), ["alice:persistent", "bob:persistent", "a1:persistent"]);
    assert.deepEqual(done.state.identityMap.map(([k]) => k).sort(), ["cust_order(1)", "customer(1)", "customer(2)", "item(1)", "item(2)"]);
    assert.equal(done.state.identityMap.length, 5);
    assert.deepEqual(done.state.new, []);
    assert.deepEqual(trace.databases[done.rows].customer, [
      [1, "Alice"],
      [2, "Bob"],
    ]);
    // The flush's plan: parents first, each action saying why.
    const flush = trace.flushes[trace.steps.find((s) => s.op === flushed.index && s.kind === "plan")!.flush!];
    assert.deepEqual(
      flush.actions.map((a) => `${a.verb} ${a.table} ×${a.objects.length}`),
      ["insert customer ×2", "insert cust_order ×1", "insert item ×2"],
    );
    assert.match(flush.actions[2].reason, /after cust_order: item\(customer_id, order_id\) → cust_order/);
    // Each INSERT is shown as the action it carries out, with its row count.
    const inserts = trace.steps.filter((s) => s.op === flushed.index && s.kind === "sql" && s.title.startsWith("INSERT"));
    assert.deepEqual(
      inserts.map((s) => [s.action, trace.statements[s.sql!].rowCount]),
      [
        [0, 2],
        [1, 1],
        [2, 2],
      ],
    );
    assert.deepEqual(
      trace.steps.filter((s) => s.op === flushed.index && s.kind === "sql").map((s) => normalizeSql(trace.statements[s.sql!].sql).split(" ")[0]),
      ["BEGIN", "SAVEPOINT", "INSERT", "INSERT", "INSERT", "RELEASE"],
    );
  });

  test("a query autoflushes the pending order first, then selects", () => {
    const query = stepAt(trace, "query.all()");
    const sql = trace.steps.filter((s) => s.op === query.index && s.kind === "sql").map((s) => s.title.split(" ")[0]);
    assert.deepEqual(sql, ["SAVEPOINT", "INSERT", "INSERT", "RELEASE", "SELECT"]);
    assert.deepEqual(lanes(trace, query, ["b1"]), ["b1:pending"]);
    const done = trace.steps.find((s) => s.op === query.index && s.kind === "done")!;
    assert.deepEqual(lanes(trace, done, ["b1"]), ["b1:persistent"]);
  });

  test("commit expires everything; a change is dirty with the committed value beside it; rollback restores", () => {
    const commit = stepAt(trace, "committed");
    assert.deepEqual(lanes(trace, commit, ["alice", "bob", "a1", "b1"]), [
      "alice:persistent(expired)",
      "bob:persistent(expired)",
      "a1:persistent(expired)",
      "b1:persistent(expired)",
    ]);
    assert.equal(commit.state.transaction.open, false);
    const named = stepAt(trace, "named carol", commit.index);
    const alice = stateOf(trace, named, "alice");
    assert.deepEqual(alice.values.name, "Alice Smith");
    assert.deepEqual(named.state.dirty, [trace.objects.find((o) => o.name === "alice")!.id]);
    const flush = stepAt(trace, "session.flush()", named.index);
    const plan = trace.flushes[trace.steps.find((s) => s.op === flush.index && s.kind === "plan")!.flush!];
    assert.deepEqual(
      plan.actions.map((a) => `${a.verb} ${a.table}`),
      ["update customer", "insert customer"],
    );
    const flushed = trace.steps.find((s) => s.op === flush.index && s.kind === "done")!;
    assert.deepEqual(
      trace.databases[flushed.rows].customer.map((r) => r[1]),
      ["Alice Smith", "Bob", "Carol"],
    );
    assert.equal(flushed.state.transaction.open, true);
    const rolled = stepAt(trace, "session.rollback()", flushed.index);
    const after = trace.steps.find((s) => s.op === rolled.index && s.kind === "done")!;
    assert.deepEqual(lanes(trace, after, ["alice", "carol"]), ["alice:persistent(expired)", "carol:transient"]);
    assert.equal(stateOf(trace, after, "carol").identityKey, undefined);
    assert.deepEqual(
      trace.databases[after.rows].customer.map((r) => r[1]),
      ["Alice", "Bob"],
    );
    const refreshed = trace.steps.find((s) => s.op === stepAt(trace, "session.refresh()", after.index).index && s.kind === "done")!;
    assert.equal(stateOf(trace, refreshed, "alice").values.name, "Alice");
  });

  test("a savepoint rolled back takes back only what happened after it", () => {
    const begin = stepAt(trace, "session.beginNested()");
    const opened = trace.steps.find((s) => s.op === begin.index && s.kind === "done")!;
    assert.equal(opened.state.transaction.savepoints.length, 1);
    const flush = stepAt(trace, "session.flush()", begin.index);
    const mid = trace.steps.find((s) => s.op === flush.index && s.kind === "sql" && s.title.startsWith("INSERT"))!;
    assert.equal(mid.state.transaction.savepoints.length, 2, "the flush's own savepoint inside the tour's");
    const flushed = trace.steps.find((s) => s.op === flush.index && s.kind === "done")!;
    assert.deepEqual(lanes(trace, flushed, ["dave"]), ["dave:persistent"]);
    const rollback = stepAt(trace, "savepoint.rollback()", flush.index);
    const after = trace.steps.find((s) => s.op === rollback.index && s.kind === "done")!;
    // Alice was not changed inside the savepoint: she keeps her loaded state (as in SQLAlchemy).
    assert.deepEqual(lanes(trace, after, ["dave", "alice"]), ["dave:transient", "alice:persistent"]);
    assert.deepEqual(after.state.transaction.savepoints, []);
    assert.deepEqual(
      trace.databases[after.rows].customer.map((r) => r[1]),
      ["Alice", "Bob"],
    );
  });

  test("delete cascades to the order and its item, children first; commit detaches them", () => {
    const del = stepAt(trace, "session.delete()");
    assert.deepEqual(lanes(trace, del, ["bob", "b1"]), ["bob:persistent(deleted)(expired)", "b1:persistent"]);
    const commit = stepAt(trace, "session.commit()", del.index);
    const plan = trace.flushes[trace.steps.find((s) => s.op === commit.index && s.kind === "plan")!.flush!];
    assert.deepEqual(
      plan.actions.map((a) => `${a.verb} ${a.table}`),
      ["delete item", "delete cust_order", "delete customer"],
    );
    assert.match(plan.actions[0].reason, /before cust_order/);
    const flushed = trace.steps.find((s) => s.op === commit.index && s.title === "flush done")!;
    assert.deepEqual(lanes(trace, flushed, ["bob", "b1"]), ["bob:deleted(expired)", "b1:deleted"]);
    const done = trace.steps.find((s) => s.op === commit.index && s.kind === "done")!;
    assert.deepEqual(lanes(trace, done, ["bob", "b1"]), ["bob:detached(expired)", "b1:detached"]);
    assert.deepEqual(trace.databases[done.rows].item.length, 2);
  });

  test("the nested load brings in the customer → order → items tree in one statement", () => {
    const q = stepAt(trace, "query.one()");
    const sql = trace.steps.filter((s) => s.op === q.index && s.kind === "sql");
    assert.equal(sql.length, 1);
    const done = trace.steps.find((s) => s.op === q.index && s.kind === "done")!;
    const id = (n: string) => trace.objects.find((o) => o.name === n)!.id;
    assert.equal(done.loaded?.length, 1);
    const root = done.loaded![0];
    assert.equal(root.id, id("alice"));
    assert.deepEqual(
      root.children.orders.map((o) => o.id),
      [id("a1")],
    );
    assert.equal(root.children.orders[0].children.items.length, 2);
    assert.deepEqual(stateOf(trace, done, "alice").related.orders, [id("a1")]);
    const closed = trace.steps.at(-1)!;
    assert.deepEqual(lanes(trace, closed, ["alice", "a1"]), ["alice:detached", "a1:detached"]);
  });
});

let current: SessionTrace | undefined;
forEachEngine(
  import.meta.url,
  (ctx) => {
    const traced = (): [SessionTrace, Session] => {
      current = new SessionTrace({ tables: [customerT, orderT, itemT] });
      return [current, current.attach(new Session(ctx.engine, { registry }))];
    };

    test("setup", async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
    });

    test("a traced flush: plan, statements with row counts, rows read back, bigint and decimal values rendered", async () => {
      const [trace, session] = traced();
      const c = new Customer({ name: "Ann" });
      const o = new Order({ num: "N-1" });
      o.items.push(new Item({ sku: "x", price: "1.50", serial: 2n ** 60n }));
      c.orders.push(o);
      trace.name({ c, o });
      session.add(c);
      await session.commit();
      await session.close();
      trace.detach();
      const json = JSON.parse(JSON.stringify(trace.toJSON())) as SessionTraceJSON;
      assert.equal(json.dialect, ctx.name === "mariadb" ? "mysql" : ctx.name);
      const plan = json.flushes[0];
      assert.deepEqual(
        plan.actions.map((a) => `${a.verb} ${a.table}`),
        ["insert customer", "insert cust_order", "insert item"],
      );
      const sql = json.statements.map((s) => normalizeSql(s.sql).split(" ")[0]);
      assert.deepEqual(sql, ["BEGIN", "SAVEPOINT", "INSERT", "INSERT", "INSERT", "RELEASE", "COMMIT"]);
      const item = json.statements[4];
      assert.equal(item.rowCount, 1);
      // Parameters are shown as sent: node-postgres takes an int8's text, the other drivers a bigint.
      assert.deepEqual(item.params.at(-1), ctx.name === "postgres" ? String(2n ** 60n) : { $: "bigint", text: String(2n ** 60n) });
      const rows = json.databases[json.steps.at(-2)!.rows];
      assert.equal(rows.item.length, 1);
      assert.deepEqual(rows.item[0].slice(3), ["x", "1.50", { $: "bigint", text: String(2n ** 60n) }]);
      assert.deepEqual(
        json.steps.map((s) => s.kind),
        ["mark", "name", "call", "call", "sql", "plan", "sql", "sql", "sql", "sql", "sql", "event", "sql", "event", "done", "call", "done"],
      );
    });

    test("a failed flush is recorded with its error, and the objects are as before it", async () => {
      const [trace, session] = traced();
      // A row the session does not know of: the database refuses the INSERT, not the session.
      await session.execute(insert(customerT).values({ id: 999, name: "Row" }));
      const again = new Customer({ id: 999, name: "Again" });
      trace.name({ again });
      session.add(again);
      await assert.rejects(session.flush());
      await session.rollback();
      trace.detach();
      const json = trace.toJSON();
      const failed = json.steps.find((s) => s.kind === "done" && s.error !== undefined)!;
      assert.match(failed.title, /session\.flush\(\) failed/);
      assert.equal(stateOf(json, failed, "again").lane, "pending");
      assert.ok(json.statements.some((s) => s.error !== undefined));
      assert.equal(failed.state.transaction.savepoints.length, 0, "the flush's savepoint was rolled back");
      // The trace is off: the session works on untraced.
      await session.close();
    });
  },
  { echo: (e: LogEntry) => current?.logger(e) },
);
