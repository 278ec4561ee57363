// Flushing many new objects at once, on every engine: a graph of customers → orders → items added
// and committed in one flush goes in as one INSERT per table, column set and page of 1,000 rows, in
// the order the rows were added, with each generated key and copied foreign key written back into
// its object, each next page built and compiled while the server runs the one before; a flush of
// such a graph that fails part-way leaves every object as it was.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { NotNullViolationError, Session, select, type LogEntry } from "../../src/index.js";
import { md, registry, Customer, Order, Item, customerT, orderT, itemT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { normalizeSql } from "../support/statements.js";

/**
 * Each statement as `INSERT INTO "t" (columns) × rows` (other statements as they are): rows counted
 * in the VALUES text, or as inserted where PostgreSQL sends a page's columns as arrays.
 */
const log: string[] = [];
const logger = (e: LogEntry): void => {
  const text = normalizeSql(e.sql);
  const values = text.indexOf(" VALUES ");
  const arrays = text.indexOf(" SELECT * FROM unnest(");
  if (values >= 0) log.push(`${text.slice(0, values)} × ${text.slice(values).split("), (").length}`);
  else if (arrays >= 0) log.push(`${text.slice(0, arrays)} × ${e.rowCount}`);
  else log.push(text);
};
const take = (): string[] => log.splice(0);

/** `customers` × 3 orders × 6 items; every third item has a serial (a second column set for items). */
function graph(customers: number): { customers: Customer[]; orders: Order[]; items: Item[] } {
  const out = { customers: [] as Customer[], orders: [] as Order[], items: [] as Item[] };
  for (let c = 0; c < customers; c++) {
    const customer = new Customer({ name: `c${c}` });
    for (let o = 0; o < 3; o++) {
      const order = new Order({ num: `c${c}-o${o}` });
      for (let i = 0; i < 6; i++) {
        const n = out.items.length;
        const item = new Item({ sku: `s${n}`, price: `${n % 100}.50` });
        if (n % 3 === 2) item.serial = 2n ** 53n + BigInt(n);
        order.items.push(item);
        out.items.push(item);
      }
      customer.orders.push(order);
      out.orders.push(order);
    }
    out.customers.push(customer);
  }
  return out;
}

forEachEngine(
  import.meta.url,
  (ctx) => {
    const open: Session[] = [];
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });
    const fresh = async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const s = new Session(ctx.engine, { registry, expireOnCommit: false });
      open.push(s);
      take();
      return s;
    };
    const rows = async () => ({
      customers: (await ctx.engine.execute(select(customerT.c.id, customerT.c.name).orderBy(customerT.c.id))).rows,
      orders: (await ctx.engine.execute(select(orderT.c.id, orderT.c.customerId, orderT.c.num).orderBy(orderT.c.id))).rows,
      items: (await ctx.engine.execute(select(itemT.c.id, itemT.c.customerId, itemT.c.orderId, itemT.c.sku, itemT.c.serial).orderBy(itemT.c.id))).rows,
    });

    test("a graph of 1,300 new objects: one INSERT per table, column set and page, every key written back", async () => {
      const s = await fresh();
      const g = graph(70); // 70 customers, 210 orders, 1,260 items (840 without a serial, 420 with)
      for (const c of g.customers) s.add(c);
      await s.commit();
      const items = 'INSERT INTO "item" ("customer_id", "order_id", "sku", "price")';
      assert.deepEqual(take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'INSERT INTO "customer" ("name") × 70',
        'INSERT INTO "cust_order" ("customer_id", "num") × 210',
        `${items} × 840`,
        'INSERT INTO "item" ("customer_id", "order_id", "sku", "price", "serial") × 420',
        "RELEASE SAVEPOINT arbor_sp_N",
        "COMMIT",
      ]);
      for (const o of [...g.customers, ...g.orders, ...g.items]) assert.equal(s.inspect(o).status, "persistent");
      // Keys in the order the rows were added, within each column set.
      const plain = g.items.filter((_, n) => n % 3 !== 2);
      const serial = g.items.filter((_, n) => n % 3 === 2);
      for (const list of [g.customers, g.orders, plain, serial]) for (let k = 1; k < list.length; k++) assert.ok(list[k].id > list[k - 1].id);
      assert.deepEqual(await rows(), {
        customers: g.customers.map((c) => ({ id: c.id, name: c.name })),
        orders: g.orders.map((o) => ({ id: o.id, customerId: o.customer!.id, num: o.num })).sort((a, b) => a.id - b.id),
        items: g.items
          .map((i) => ({ id: i.id, customerId: i.order!.customer!.id, orderId: i.order!.id, sku: i.sku, serial: i.serial ?? null }))
          .sort((a, b) => a.id - b.id),
      });
      for (const i of g.items) assert.deepEqual([i.orderId, i.customerId], [i.order!.id, i.order!.customerId]);
    });

    test("a flush of 1,300 new objects failing at its last page leaves every object as it was; fixed, it succeeds", async () => {
      const s = await fresh();
      const g = graph(70);
      const last = g.items[g.items.length - 1];
      last.sku = null as unknown as string;
      for (const c of g.customers) s.add(c);
      const all = [...g.customers, ...g.orders, ...g.items];
      const before = all.map((o) => ({ ...s.inspect(o), modified: s.isModified(o), json: JSON.stringify(o) }));
      const pending = s.new;
      take();
      await assert.rejects(s.flush(), NotNullViolationError);
      assert.deepEqual(
        all.map((o) => ({ ...s.inspect(o), modified: s.isModified(o), json: JSON.stringify(o) })),
        before,
      );
      assert.deepEqual(s.new, pending);
      for (const o of all) assert.equal((o as { id?: number }).id, undefined);
      for (const i of g.items) assert.deepEqual([i.orderId, i.customerId], [undefined, undefined]);
      assert.equal(g.orders[0].customerId, undefined);
      last.sku = "fixed";
      await s.commit();
      assert.equal((await rows()).items.length, g.items.length);
      for (const i of g.items) assert.deepEqual([i.orderId, i.customerId], [i.order!.id, i.order!.customerId]);
    });

    test("a table's pages: each next page is built and compiled while the one before runs", async () => {
      const s = await fresh();
      const customer = new Customer({ name: "c" });
      const order = new Order({ num: "o" });
      customer.orders.push(order);
      for (let n = 0; n < 2500; n++) order.items.push(new Item({ sku: `s${n}`, price: "1.00" }));
      s.add(customer);
      const before = ctx.engine.cacheStats.statements.hits;
      await s.commit();
      // The second and third pages were compiled ahead: running them found their plans.
      assert.equal(ctx.engine.cacheStats.statements.hits - before, 2);
      assert.deepEqual(
        take().filter((t) => t.startsWith('INSERT INTO "item"')),
        [1000, 1000, 500].map((n) => `INSERT INTO "item" ("customer_id", "order_id", "sku", "price") × ${n}`),
      );
      assert.deepEqual((await rows()).items.length, 2500);
    });
  },
  { echo: logger },
);

test("Collection.push appends by an indexed store, never through Array.prototype.push (its slow path on an Array subclass)", () => {
  const push = Array.prototype.push;
  let onCollections = 0;
  Array.prototype.push = function (this: unknown[], ...items: unknown[]): number {
    if (Object.getPrototypeOf(this) !== Array.prototype) onCollections++;
    return push.apply(this, items);
  };
  const order = new Order({ num: "o" });
  const items = [new Item({ sku: "a", price: "1.00" }), new Item({ sku: "b", price: "2.00" })];
  try {
    order.items.push(items[0]);
    order.items.push(items[1]);
  } finally {
    Array.prototype.push = push;
  }
  assert.equal(onCollections, 0);
  assert.deepEqual([...order.items], items);
  assert.equal(order.items.length, 2);
  assert.deepEqual(
    items.map((i) => i.order),
    [order, order],
  );
});
