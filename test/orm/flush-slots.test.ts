// The bookkeeping of a flush of many new objects keeps no Set, Map or copy per object: modified
// keys are bits on the state, a cascade walk and a flush's key links mark the states themselves,
// the undo log saves nothing aside for a new object (docs/performance.md, "The unit of work's insert path").
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, Model, Registry, Session, createEngine, integer, text } from "../../src/index.js";
import { KeyLinks } from "../../src/orm/key-links.js";
import { Journal } from "../../src/orm/persistence.js";
import { stateOf } from "../../src/orm/state.js";
import { md, registry, Customer, Order, Item } from "../fixtures/orm-shop.js";

function small(): { customer: Customer; orders: Order[]; items: Item[] } {
  const customer = new Customer({ name: "c" });
  const orders: Order[] = [];
  const items: Item[] = [];
  for (let o = 0; o < 2; o++) {
    const order = new Order({ num: `o${o}` });
    for (let i = 0; i < 3; i++) {
      const item = new Item({ sku: `s${o}${i}`, price: "1.00" });
      order.items.push(item);
      items.push(item);
    }
    customer.orders.push(order);
    orders.push(order);
  }
  return { customer, orders, items };
}

test("modified keys are bits on the state: writing columns and relationships of a new object makes no Set", () => {
  const { orders } = small();
  const s = stateOf(orders[0])!;
  assert.equal(s.modsOther, null);
  assert.notEqual(s.mods, 0);
  assert.deepEqual([...s.modified!].sort(), ["customer", "items", "num"]);
  assert.equal(s.modified!.size, 3);
  assert.ok(s.isModified("num") && !s.isModified("id"));
  s.markClean();
  assert.equal(s.modified, null);
});

test("keys past the bits go in a Set, with the same answers", () => {
  const wide = new MetaData().table("wide", {
    id: integer().primaryKey(),
    ...Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`c${k}`, text()])),
  });
  class Wide extends Model(wide) {}
  new Registry().map(Wide);
  const w = new Wide({ c1: "a", c35: "b" } as Record<string, string>);
  const s = stateOf(w)!;
  assert.deepEqual([...(s.modsOther ?? [])], ["c35"]);
  assert.deepEqual([...s.modified!], ["c1", "c35"]);
  assert.ok(s.isModified("c35") && s.isModified("c1") && !s.isModified("c36"));
});

test("a cascade walk marks the states it reaches, one token for the walk (no Set of them)", async () => {
  const engine = createEngine("sqlite::memory:");
  const session = new Session(engine, { registry });
  const { customer, orders, items } = small();
  session.add(customer);
  const walk = stateOf(customer)!.walk;
  assert.notEqual(walk, null);
  for (const o of [...orders, ...items]) assert.equal(stateOf(o)!.walk, walk);
  await session.close();
  await engine.dispose();
});

test("a flush hangs each row's links to its parents on its state, and lets go of them once done", async () => {
  const engine = createEngine("sqlite::memory:");
  await engine.withConnection((c) => md.createAll(c));
  const session = new Session(engine, { registry });
  const { customer, orders, items } = small();
  session.add(customer);
  const release = KeyLinks.prototype.release;
  let during: unknown[] = [];
  KeyLinks.prototype.release = function (this: KeyLinks): void {
    during = [...orders, ...items].map((o) => stateOf(o)!.linksOf);
    release.call(this);
  };
  try {
    await session.commit();
  } finally {
    KeyLinks.prototype.release = release;
  }
  assert.equal(during.length, 8);
  for (const owner of during) assert.ok(owner instanceof KeyLinks && owner === during[0]);
  for (const o of [...orders, ...items]) assert.deepEqual([stateOf(o)!.linksOf, stateOf(o)!.links], [null, null]);
  await session.close();
  await engine.dispose();
});

test("the undo log saves nothing aside for a new object; for a changed one it saves what it must", () => {
  const journal = new Journal();
  const item = new Item({ sku: "a", price: "1.00" });
  journal.write(stateOf(item)!, "orderId", 7);
  journal.write(stateOf(item)!, "id", 1);
  assert.equal(journal.savedAside, 0);
  const s = stateOf(item)!;
  s.markClean();
  s.expire(["sku"]);
  journal.write(s, "sku", "b");
  assert.equal(journal.savedAside, 1);
  journal.restore();
  // As it was before the first write: new, with the keys its constructor set.
  assert.deepEqual(
    [item.orderId, item.id, item.sku, [...s.modified!].sort(), s.committed, s.expired],
    [undefined, undefined, "a", ["price", "sku"], null, null],
  );
});

test("the undo log keeps its entries in chunks below V8's large-object size, and undoes them all", () => {
  const journal = new Journal();
  const items = Array.from({ length: 3000 }, (_, n) => new Item({ sku: `s${n}`, price: "1.00" }));
  for (let n = 0; n < items.length; n++) {
    journal.write(stateOf(items[n])!, "orderId", 7);
    journal.write(stateOf(items[n])!, "id", n + 1);
  }
  // 6,000 writes of five slots each: in one array, 30,000 slots.
  assert.ok(journal.longestChunk <= 5 * 2048, `${journal.longestChunk} slots in one array`);
  journal.restore();
  for (const i of items) assert.deepEqual([i.orderId, i.id, [...stateOf(i)!.modified!].sort()], [undefined, undefined, ["price", "sku"]]);
  assert.equal(journal.longestChunk, 0);
});
