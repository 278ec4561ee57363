// Pending objects, orphans and deletes: bugs the Session's model-based test (model.test.ts)
// found, each as a minimal case (fixed in e3f029e and bbea564).
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, type Collection } from "../../src/index.js";
import { Customer, Order, Item } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { freshSessions } from "./model/fresh.js";
import { qCustomers, qItems, qOrders } from "./model/world.js";

forEachEngine(import.meta.url, (ctx) => {
  const fresh = freshSessions(() => ctx.engine);

  test("issue 12: a pending order in the collection of a customer deleted in the same flush is inserted, never dropped: the flush fails on its key", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await s.load(c, "orders");
    const o = new Order({ num: "1" });
    const i = new Item({ sku: "x", price: "1.00" });
    o.items.push(i);
    c.orders.push(o);
    s.delete(c);
    await assert.rejects(s.commit(), IntegrityError);
    // Nothing was written and nothing was lost: the order and its item are still to be inserted.
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status, s.inspect(i).status], ["persistent", "pending", "pending"]);
    assert.deepEqual(s.deleted, [c]);
    await s.rollback();
    assert.deepEqual([(await ctx.engine.execute(qCustomers)).rows.length, (await ctx.engine.execute(qItems)).rows], [1, []]);
  });

  test("a pending order removed from its collection takes its pending items with it", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await s.load(c, "orders");
    const o = new Order({ num: "1" });
    const i = new Item({ sku: "x", price: "1.00" });
    o.items.push(i);
    c.orders.push(o);
    s.add(o);
    (c.orders as Collection<Order>).remove(o);
    await s.commit();
    assert.deepEqual([s.inspect(o).status, s.inspect(i).status], ["transient", "transient"]);
    assert.deepEqual([(await ctx.engine.execute(qOrders)).rows, (await ctx.engine.execute(qItems)).rows], [[], []]);
  });

  test("session.delete() of a pending order that is still in its customer's collection: it is not inserted", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await s.load(c, "orders");
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(o);
    s.delete(o);
    assert.equal(s.inspect(o).status, "transient");
    await s.commit();
    assert.equal(s.inspect(o).status, "transient");
    assert.deepEqual((await ctx.engine.execute(qOrders)).rows, []);
  });

  test("a flush with nothing to write still makes the pending objects it drops transient", async () => {
    const s = await fresh();
    const o = new Order({ num: "1" });
    const c = new Customer({ name: "A" });
    c.orders.push(o);
    s.add(c);
    (c.orders as Collection<Order>).remove(o);
    s.delete(c); // pending: leaves at once, with the pending orders still in its collection (none)
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status, s.new], ["transient", "pending", [o]]);
    await s.flush();
    assert.deepEqual([s.inspect(o).status, s.new], ["transient", []]);
    await s.commit();
    assert.equal(s.inspect(o).status, "transient");
  });

  test("deleting a pending customer also drops its pending orders; nothing is inserted", async () => {
    const s = await fresh();
    const c = new Customer({ name: "A" });
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(c);
    s.delete(c);
    await s.flush();
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status], ["transient", "transient"]);
    assert.deepEqual((await s.execute(qCustomers)).rows, []);
    assert.deepEqual((await s.execute(qOrders)).rows, []);
    await s.close();
  });

  test("a pending order removed from a delete-orphan collection is not inserted", async () => {
    const s = await fresh();
    const c = new Customer({ name: "B" });
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(c);
    (c.orders as Collection<Order>).remove(o);
    await s.flush();
    assert.equal(s.inspect(o).status, "transient");
    assert.deepEqual((await s.execute(qOrders)).rows, []);
    assert.equal((await s.execute(qCustomers)).rows.length, 1);
    await s.close();
  });

  test("issue 12: a pending order appended to a customer deleted in the same flush is saved when a row switch keeps the customer's row", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "C" }));
    await s.commit();
    await s.load(c, "orders");
    s.delete(c);
    const o = new Order({ num: "new" });
    c.orders.push(o);
    s.add(new Customer({ id: c.id, name: "C again" }));
    await s.commit();
    assert.equal(s.inspect(o).status, "persistent");
    assert.deepEqual((await ctx.engine.execute(qOrders)).rows, [{ id: o.id, customerId: c.id, num: "new" }]);
    await s.close();
  });

  test("deleting a customer after removing one of its orders from the collection deletes the orphan too", async () => {
    const s = await fresh();
    const c = new Customer({ name: "G" });
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(c);
    await s.commit();
    await s.load(c, "orders");
    (c.orders as Collection<Order>).remove(o);
    s.delete(c);
    await s.flush();
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status], ["deleted", "deleted"]);
    await s.commit();
    assert.deepEqual([(await ctx.engine.execute(qCustomers)).rows, (await ctx.engine.execute(qOrders)).rows], [[], []]);
    await s.close();
  });

  test("issue 12: deleting a customer whose orders are not loaded: a pending order that points at it is inserted and the flush fails on its key", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "F" }));
    await s.commit();
    const o = new Order({ num: "late" });
    o.customer = c;
    s.add(o);
    s.delete(c);
    await assert.rejects(s.flush(), IntegrityError);
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status], ["persistent", "pending"]);
    await s.rollback();
    assert.deepEqual([(await ctx.engine.execute(qCustomers)).rows.length, (await ctx.engine.execute(qOrders)).rows], [1, []]);
    await s.close();
  });
});
