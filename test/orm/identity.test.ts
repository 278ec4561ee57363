// Identities and loaded state: numeric primary keys are their own identity (other keys become
// strings that never collide with them), and loaded graphs stay correct under changes, flush,
// expire, refresh and rollback.
import { test as baseTest } from "node:test";
import assert from "node:assert/strict";
import {
  type Collection,
  MetaData,
  Model,
  Registry,
  type Session,
  bigint,
  integer,
  nestedload,
  text,
  timestamptz,
  ExpiredAttributeError,
  type Mapper,
} from "../../src/index.js";
import { md, registry, Customer, Order, Item } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { sessionScope } from "../support/sessions.js";
import { StatementLog } from "../support/statements.js";

baseTest("identities: a single numeric key is itself; other keys are strings that cannot collide with it", () => {
  const m = new MetaData();
  const reg = new Registry();
  const byInt = m.table("by_int", { id: integer().primaryKey() });
  const byText = m.table("by_text", { code: text().primaryKey() });
  const byBig = m.table("by_big", { id: bigint().primaryKey() });
  const byTime = m.table("by_time", { at: timestamptz().primaryKey() });
  const byPair = m.table("by_pair", { a: integer().primaryKey(), b: text().primaryKey() });
  const mi: Mapper = reg.map(class extends Model(byInt) {});
  const mt: Mapper = reg.map(class extends Model(byText) {});
  const mb: Mapper = reg.map(class extends Model(byBig) {});
  const mTime: Mapper = reg.map(class extends Model(byTime) {});
  const mp: Mapper = reg.map(class extends Model(byPair) {});
  assert.equal(mi.identOf({ id: 5 }), 5);
  assert.equal(mi.identOf({ id: null }), undefined);
  assert.equal(mt.identOf({ code: "5" }), "s5");
  assert.equal(mb.identOf({ id: 5n }), "5n");
  assert.equal(mTime.identOf({ at: new Date(0) }), String(new Date(0)));
  assert.equal(mp.identOf({ a: 1, b: "x" }), "1\u0000sx");
  assert.equal(mp.identOf({ a: 1 }), undefined);
  // The display form is the identity key as it always was: schema.table, key, identity token.
  assert.equal(mi.keyString(5, ""), ".by_int\u00005");
  assert.equal(mi.keyString(5, "east"), ".by_int\u00005\u0000@east");
  assert.equal(mi.identityKey({ id: 5 }, "east"), ".by_int\u00005\u0000@east");
});

const log = new StatementLog();

forEachEngine(
  import.meta.url,
  (ctx) => {
    const { session, closeAll, test } = sessionScope(() => ctx.engine, registry);
    const graph = (s: Session) =>
      s
        .query(Customer)
        .options(nestedload(Customer, "orders", "items"))
        .orderBy(Customer.c.id)
        .all();

    test("setup", async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const s = session();
      for (let n = 1; n <= 2; n++) {
        const c = new Customer({ name: `c${n}` });
        for (let k = 1; k <= 2; k++) {
          const o = new Order({ num: `c${n}-o${k}` });
          c.orders.push(o);
          for (let j = 1; j <= 3; j++) o.items.push(new Item({ sku: `s${j}`, price: `${j}.00`, serial: null }));
        }
        s.add(c);
      }
      await s.commit();
    });

    test("a loaded graph: one object per row, found again by key without SQL, with its identity key", async () => {
      const s = session();
      const [c1] = await graph(s);
      const item = c1.orders[1].items[2];
      assert.equal(item.order, c1.orders[1]);
      assert.equal(c1.orders[1].customer, c1);
      log.clear();
      assert.equal(await s.get(Item, item.id), item);
      assert.equal(await s.get(Customer, c1.id), c1);
      assert.equal(log.take().filter((x) => x.startsWith("SELECT")).length, 0);
      assert.match(s.inspect(item).identityKey!, new RegExp(`item\u0000${item.id}$`));
      assert.deepEqual(s.inspect(item).loaded, ["order"]);
      // Loading again returns the same objects.
      const [again] = await graph(s);
      assert.equal(again, c1);
      assert.equal(again.orders[1].items[2], item);
    });

    test("changes to loaded objects and collections flush; snapshots follow the flush", async () => {
      const s = session();
      const [c1] = await graph(s);
      const [o1] = c1.orders;
      assert.equal(s.isModified(o1), false);
      o1.num = "renamed";
      assert.deepEqual(s.dirty, [o1]);
      const added = new Item({ sku: "s4", price: "4.00", serial: 7n });
      o1.items.push(added);
      assert.equal(added.order, o1);
      await s.commit();
      await closeAll();

      const t = session();
      const [d1] = await graph(t);
      assert.equal(d1.orders[0].num, "renamed");
      assert.deepEqual(
        d1.orders[0].items.map((i) => i.sku),
        ["s1", "s2", "s3", "s4"],
      );
      assert.equal(d1.orders[0].items[3].serial, 7n);
      // delete-orphan: an item removed from its collection is deleted.
      const gone = d1.orders[1].items[0];
      (d1.orders[1].items as Collection<Item>).remove(gone);
      await t.flush();
      assert.equal(t.inspect(gone).status, "deleted");
      // The flushed membership is the new snapshot: removing nothing more deletes nothing more.
      d1.orders[1].num = "touched";
      await t.flush();
      assert.deepEqual(
        d1.orders[1].items.map((i) => i.sku),
        ["s2", "s3"],
      );
      assert.equal(t.inspect(d1.orders[1].items[0]).status, "persistent");
      await t.rollback();
    });

    test("expire and refresh on loaded objects; a rollback expires the whole graph", async () => {
      const s = session();
      const [c1] = await graph(s);
      const item = c1.orders[0].items[0];
      s.expire(item);
      assert.throws(() => item.sku, ExpiredAttributeError);
      await s.refresh(item);
      assert.equal(item.sku, "s1");
      s.expire(item, ["price"]);
      assert.equal(item.sku, "s1");
      assert.throws(() => item.price, ExpiredAttributeError);
      // Loading the row again fills what expired, and only that.
      item.sku = "local";
      await s.noAutoflush(() => graph(s));
      assert.equal(item.price, "1.00");
      assert.equal(item.sku, "local");
      await s.rollback();
      assert.throws(() => c1.name, ExpiredAttributeError);
      const [again] = await graph(s);
      assert.equal(again, c1);
      assert.equal(c1.name, "c1");
      assert.equal(c1.orders[0].items[0], item);
      assert.equal(item.sku, "s1");
    });

    // Regression: objects expired as a whole share one set of expired keys; writing or refreshing
    // one object must not un-expire its siblings.
    test("a commit expires every object alike; a write or a refresh on one leaves the others expired", async () => {
      const s = session();
      const [c1] = await graph(s);
      const [a, b, c] = c1.orders[0].items;
      await s.commit();
      for (const x of [a, b, c]) assert.deepEqual([...s.inspect(x).expired].sort(), ["customerId", "orderId", "price", "serial", "sku"]);
      a.sku = "written";
      assert.deepEqual([...s.inspect(a).expired].sort(), ["customerId", "orderId", "price", "serial"]);
      assert.deepEqual([...s.inspect(b).expired].sort(), ["customerId", "orderId", "price", "serial", "sku"]);
      assert.throws(() => b.sku, ExpiredAttributeError);
      // The write counts as a change against what the database held; the others have none.
      assert.deepEqual(s.inspect(a).modified, ["sku"]);
      assert.deepEqual(s.dirty, [a]);
      await s.refresh(c);
      assert.deepEqual(s.inspect(c).expired, []);
      assert.equal(c.sku, "s3");
      assert.throws(() => b.price, ExpiredAttributeError);
      await s.rollback();
    });
  },
  { echo: log.logger },
);
