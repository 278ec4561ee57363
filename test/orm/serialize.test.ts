// Entities in JSON: loaded columns and loaded relationships, back-references left out instead of
// throwing on the cycle, expired attributes refused instead of dropped, bigint as a string.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ExpiredAttributeError, Session, selectinload, nestedload } from "../../src/index.js";
import { md, registry, Customer, Order, Item, Tag, Employee } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";

forEachEngine(import.meta.url, (ctx) => {
  const seed = async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
    const s = new Session(ctx.engine, { registry });
    const c = new Customer({ name: "Ann" });
    const o = new Order({ num: "A1" });
    c.orders.push(o);
    o.items.push(new Item({ sku: "x", price: "2.30", serial: 2n ** 62n + 1n }));
    o.tags.push(new Tag({ label: "red" }));
    s.add(c);
    s.add(new Employee({ id: 1, name: "boss" }));
    s.add(new Employee({ id: 2, name: "dev", managerId: 1 }));
    await s.commit();
    await s.close();
    return { customerId: c.id, orderId: o.id };
  };

  test("issue 12: JSON.stringify gives loaded columns and relationships; back-references are left out, not a cycle error", async () => {
    const { customerId, orderId } = await seed();
    const s = new Session(ctx.engine, { registry });
    const c = await s
      .query(Customer)
      .options(nestedload(Customer, "orders", "items"), selectinload(Customer, "orders", "tags"))
      .where(Customer.c.id.eq(customerId))
      .one();
    // order.customer and item.order point back up the tree (loaded with it); tag.orders is not loaded.
    assert.equal(c.orders[0].customer, c);
    assert.equal(c.orders[0].items[0].order, c.orders[0]);
    const json = JSON.parse(JSON.stringify(c));
    const itemId = c.orders[0].items[0].id;
    const tagId = c.orders[0].tags[0].id;
    assert.deepEqual(json, {
      id: customerId,
      name: "Ann",
      orders: [
        {
          id: orderId,
          customerId,
          num: "A1",
          items: [{ id: itemId, customerId, orderId, sku: "x", price: "2.30", serial: (2n ** 62n + 1n).toString() }],
          tags: [{ id: tagId, label: "red" }],
        },
      ],
    });
    // From the child's side the parent is written out, and its collection (which holds the child) is left out.
    const o = c.orders[0];
    const fromOrder = JSON.parse(JSON.stringify(o));
    assert.deepEqual(Object.keys(fromOrder).sort(), ["customer", "customerId", "id", "items", "num", "tags"]);
    assert.deepEqual(fromOrder.customer, { id: customerId, name: "Ann" });
    // A self-referential pair: each side once.
    const dev = (await s.get(Employee, 2))!;
    await s.load(dev, "manager");
    await s.load(dev.manager!, "reports");
    assert.deepEqual(JSON.parse(JSON.stringify(dev)), { id: 2, name: "dev", managerId: 1, manager: { id: 1, name: "boss", managerId: null } });
    assert.deepEqual(JSON.parse(JSON.stringify(dev.manager)), { id: 1, name: "boss", managerId: null, reports: [{ id: 2, name: "dev", managerId: 1 }] });
    await s.close();
  });

  test("issue 12: an expired entity is refused by JSON.stringify with ExpiredAttributeError; refreshed, it serialises", async () => {
    const { customerId } = await seed();
    const s = new Session(ctx.engine, { registry });
    const c = (await s.get(Customer, customerId))!;
    c.name = "Anne";
    await s.commit();
    assert.throws(
      () => JSON.stringify(c),
      (e: unknown) =>
        e instanceof ExpiredAttributeError && /Customer \(id=\d+\) has expired attributes \(name\): refresh or load it/.test((e as Error).message),
    );
    // A nested expired object is refused too, not dropped.
    const o = (await s.query(Order).options(selectinload(Order, "items")).one())!;
    s.expire(o.items[0]);
    assert.throws(() => JSON.stringify(o), ExpiredAttributeError);
    await s.refresh(c);
    assert.deepEqual(JSON.parse(JSON.stringify(c)), { id: customerId, name: "Anne" });
    await s.close();
  });
});
