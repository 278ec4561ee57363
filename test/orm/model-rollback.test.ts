// Rollbacks, savepoints and expiry: bugs the Session's model-based test (model.test.ts) found,
// each as a minimal case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { update } from "../../src/index.js";
import { Customer, customerT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { freshSessions } from "./model/fresh.js";
import { qCustomers } from "./model/world.js";

forEachEngine(import.meta.url, (ctx) => {
  const fresh = freshSessions(() => ctx.engine);

  test("rollback after a key was deleted and inserted again (and deleted) in one transaction: the original object is back in the identity map", async () => {
    const s = await fresh();
    const a = s.add(new Customer({ id: 5, name: "A" }));
    await s.commit();
    s.delete(a);
    await s.flush();
    const b = s.add(new Customer({ id: 5, name: "B" }));
    await s.flush();
    s.delete(b);
    await s.flush();
    await s.rollback();
    assert.deepEqual([s.inspect(a).status, s.inspect(b).status], ["persistent", "transient"]);
    assert.ok((await s.get(Customer, 5)) === a, "get(Customer, 5) returns the original object");
    assert.equal(a.name, "A");
  });

  test("an object inserted and deleted in one transaction is transient after rollback", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "D" }));
    await s.flush();
    s.delete(c);
    await s.flush();
    assert.equal(s.inspect(c).status, "deleted");
    await s.rollback();
    assert.deepEqual([s.inspect(c).status, s.inspect(c).identityKey], ["transient", undefined]);
    await s.close();
  });

  test("the same, undone by a savepoint rollback", async () => {
    const s = await fresh();
    const sp = await s.beginNested();
    const c = s.add(new Customer({ name: "E" }));
    await s.flush();
    s.delete(c);
    await s.flush();
    await sp.rollback();
    assert.deepEqual([s.inspect(c).status, s.inspect(c).identityKey], ["transient", undefined]);
    await s.close();
  });

  test("issue 12: rolling back a savepoint expires only the objects changed inside it (flushed or not)", async () => {
    const s = await fresh();
    const [a, b, c] = [new Customer({ name: "a" }), new Customer({ name: "b" }), new Customer({ name: "c" })];
    s.addAll([a, b, c]);
    await s.flush();
    await s.load(a, "orders");
    const sp = await s.beginNested();
    b.name = "b2";
    await s.flush();
    c.name = "c2";
    await sp.rollback();
    // a was not touched inside the savepoint: its values and loaded collection stay.
    assert.deepEqual([s.inspect(a).expired, a.name, s.inspect(a).loaded.includes("orders")], [[], "a", true]);
    assert.deepEqual([s.inspect(b).expired, s.inspect(c).expired], [["name"], ["name"]]);
    await s.refresh(b);
    await s.refresh(c);
    assert.deepEqual([b.name, c.name], ["b", "c"]);
    await s.close();
  });

  test("commit with a savepoint open releases it and commits everything", async () => {
    const s = await fresh();
    const a = s.add(new Customer({ name: "outer" }));
    await s.beginNested();
    const b = s.add(new Customer({ name: "inner" }));
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows.map((r) => r.name).sort(), ["inner", "outer"]);
    assert.deepEqual([s.inspect(a).status, s.inspect(b).status], ["persistent", "persistent"]);
    await s.close();
  });

  test("releasing an outer savepoint releases the ones inside it", async () => {
    const s = await fresh();
    const sp1 = await s.beginNested();
    s.add(new Customer({ name: "in1" }));
    await s.beginNested();
    s.add(new Customer({ name: "in2" }));
    await sp1.commit();
    assert.deepEqual((await s.execute(qCustomers)).rows.map((r) => r.name).sort(), ["in1", "in2"]);
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows.map((r) => r.name).sort(), ["in1", "in2"]);
    await s.close();
  });

  test("writing, after a rollback, the value a rolled-back flush had written is not lost", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    c.name = "B";
    await s.flush();
    await s.rollback();
    c.name = "B";
    assert.deepEqual(s.inspect(c).modified, ["name"]);
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows, [{ id: c.id, name: "B" }]);
    await s.refresh(c);
    assert.equal(c.name, "B");
    await s.close();
  });

  test("an attribute written while expired is updated even if it equals the stale value", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await ctx.engine.execute(update(customerT).set({ name: "Z" }).where(customerT.c.id.eq(c.id)));
    c.name = "A";
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows, [{ id: c.id, name: "A" }]);
    await s.close();
  });
});
