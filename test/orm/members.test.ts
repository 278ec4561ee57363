// Membership of collections compared with includes() per item was quadratic: assigning a
// 4,000-member collection or flushing it compared 16 million pairs (bench/instructions.ts
// orm-reassign: 1,036.1 M instructions per load, assign and flush before, 392.4 M after).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Collection } from "../../src/orm/collection.js";
import { memberOf } from "../../src/orm/members.js";
import { Item, Order } from "../fixtures/orm-shop.js";

test("memberOf answers as includes() does, for short and long lists", () => {
  for (const n of [0, 1, 16, 17, 1_000]) {
    const items = Array.from({ length: n }, (_, i) => ({ i }));
    const others = Array.from({ length: 50 }, (_, i) => ({ i }));
    const has = memberOf(items);
    for (const o of items) assert.equal(has(o), true, `member of ${n}`);
    for (const o of others) assert.equal(has(o), items.includes(o), `non-member of ${n}`);
  }
});

test("a long list is looked up, not scanned per question (the quadratic comparison this replaced)", () => {
  class NoScan<T> extends Array<T> {
    override includes(): boolean {
      throw new Error("scanned");
    }
  }
  const items = NoScan.from({ length: 100 }, (_, i) => ({ i }));
  const has = memberOf(items);
  assert.equal(has(items[42]), true);
  assert.equal(has({ i: 42 }), false);
});

test("rawAdd scanned the owner's collection with includes() for each back-reference set: n items given one order asked n scans", () => {
  const order = new Order({ num: "o" });
  const items = Array.from({ length: 300 }, (_, i) => new Item({ sku: `s${i}`, price: "1.00" }));
  const includes = Array.prototype.includes;
  let scans = 0;
  Array.prototype.includes = function (this: unknown[], ...args: [unknown, number?]): boolean {
    if (this instanceof Collection && this.length > 16) scans++;
    return includes.apply(this, args);
  };
  try {
    for (const item of items) item.order = order;
    // Set again: already a member, not appended twice.
    for (const item of items) item.order = order;
  } finally {
    Array.prototype.includes = includes;
  }
  assert.equal(scans, 0);
  assert.deepEqual([...order.items], items);
});

test("a collection's membership answers as includes() does through appends, removals, reorders and replacements", () => {
  const order = new Order({ num: "o" });
  const pool = Array.from({ length: 60 }, (_, i) => new Item({ sku: `s${i}`, price: "1.00" }));
  const check = (step: string): void => {
    for (const o of pool) assert.equal(Collection.has_(order.items, o), order.items.includes(o), `${step}: ${o.sku}`);
  };
  for (const item of pool.slice(0, 40)) item.order = order;
  check("appended by back-reference");
  order.items.push(pool[40], pool[41]);
  check("pushed");
  Array.prototype.push.call(order.items, pool[42]);
  check("pushed around the Collection");
  order.items.pop();
  order.items.push(pool[43]);
  check("popped and pushed to the same length");
  order.items.splice(3, 2);
  check("spliced out");
  pool[2].order = null;
  pool[44].order = order;
  check("moved away by back-reference, another appended");
  order.items.reverse();
  check("reversed");
  order.items.sort((a, b) => a.sku.localeCompare(b.sku));
  check("sorted");
  order.items[0] = order.items[1];
  check("a member replaced by another member by index");
  order.items.fill(pool[45], 10, 12);
  check("filled");
  order.items.length = 5;
  check("shortened");
  // Appended: those neither in the collection nor pointing at the order already (a member cut off
  // by the shortening still does: setting the same reference again changes nothing).
  const before = [...order.items];
  const appended = pool.filter((o) => !before.includes(o) && o.order !== order);
  for (const item of pool) item.order = order;
  check("all set again");
  assert.deepEqual([...order.items], [...before, ...appended]);
});
