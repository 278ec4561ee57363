// UPDATEs of rows changing the same columns go out as one statement per column set and page: each
// column set by a CASE on the primary key. Exact SQL, typed values, composite keys and the
// failure path (a row gone: StaleDataError naming it, nothing written, the session as it was).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, Model, Registry, Session, StaleDataError, deleteFrom, insert, integer, primaryKey, select, text } from "../../src/index.js";
import { md, registry, Customer, Order, Item, Tag, itemT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { StatementLog } from "../support/statements.js";

const log = new StatementLog();

// A composite primary key: every CASE branch and the WHERE match both key columns.
const stockMd = new MetaData();
const stockT = stockMd.table("stock", { shop: integer().notNull(), sku: text().notNull(), qty: integer().notNull() }, (c) => [primaryKey(c.shop, c.sku)]);
const stockRegistry = new Registry();
class Stock extends Model(stockT) {}
stockRegistry.map(Stock);

forEachEngine(
  import.meta.url,
  (ctx) => {
    const open: Session[] = [];
    /** A fresh schema with one customer, one order and `n` items, and a session that loaded them. */
    const loaded = async (n: number) => {
      for (const x of open.splice(0)) await x.close();
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const setup = new Session(ctx.engine, { registry });
      const c = new Customer({ name: "Ann" });
      const o = new Order({ num: "A1" });
      c.orders.push(o);
      for (let i = 1; i <= n; i++) o.items.push(new Item({ sku: `s${i}`, price: `${i}.00`, serial: null }));
      setup.add(c);
      await setup.commit();
      await setup.close();
      const s = new Session(ctx.engine, { registry });
      open.push(s);
      const items = await s.query(Item).orderBy(itemT.c.id).all();
      log.clear();
      return { s, items };
    };
    // Read through the engine once every session let go of its connection (SQLite has one).
    const stored = () => ctx.engine.execute(select(itemT.c.id, itemT.c.sku, itemT.c.price, itemT.c.serial).orderBy(itemT.c.id)).then((r) => r.rows);

    test("rows changing the same columns: one UPDATE with a CASE per column; other column sets apart", async () => {
      const { s, items } = await loaded(4);
      const [a, b, c, d] = items;
      a.price = "10.50";
      b.price = "20.25";
      d.price = "40.00";
      c.sku = "renamed";
      c.price = "30.75";
      await s.flush();
      assert.deepEqual(
        log.take().filter((x) => x.startsWith("UPDATE")),
        [
          'UPDATE "item" SET "price" = CASE WHEN "item"."id" = ? THEN ? WHEN "item"."id" = ? THEN ? WHEN "item"."id" = ? THEN ? ELSE "item"."price" END WHERE "item"."id" IN (?, ?, ?)',
          'UPDATE "item" SET "sku" = ?, "price" = ? WHERE "item"."id" = ?',
        ],
      );
      await s.commit();
      await s.close();
      assert.deepEqual(await stored(), [
        { id: 1, sku: "s1", price: "10.50", serial: null },
        { id: 2, sku: "s2", price: "20.25", serial: null },
        { id: 3, sku: "renamed", price: "30.75", serial: null },
        { id: 4, sku: "s4", price: "40.00", serial: null },
      ]);
    });

    test("values keep their types through the CASE: bigint beyond 2^53, numeric scale, null", async () => {
      const { s, items } = await loaded(3);
      items[0].serial = 2n ** 62n + 1n;
      items[1].serial = 9007199254740993n;
      items[2].serial = 5n;
      await s.commit();
      await s.close();
      assert.deepEqual(
        (await stored()).map((r) => r.serial),
        [2n ** 62n + 1n, 9007199254740993n, 5n],
      );
      const s2 = new Session(ctx.engine, { registry });
      open.push(s2);
      const again = await s2.query(Item).orderBy(itemT.c.id).all();
      again[0].serial = null;
      again[2].serial = null;
      await s2.commit();
      await s2.close();
      assert.deepEqual(
        (await stored()).map((r) => r.serial),
        [null, 9007199254740993n, null],
      );
    });

    test("a page is bounded: 250 rows go out in pages of at most 100", async () => {
      const { s, items } = await loaded(250);
      for (const it of items) it.sku = `k${it.id}`;
      await s.flush();
      const updates = log.take().filter((x) => x.startsWith("UPDATE"));
      assert.deepEqual(
        updates.map((u) => (u.match(/WHEN/g) ?? []).length),
        [100, 100, 50],
      );
      await s.commit();
      await s.close();
      const rows = await stored();
      assert.equal(rows.length, 250);
      assert.ok(rows.every((r) => r.sku === `k${r.id}`));
    });

    // Engines check a unique key row by row inside one statement, in storage order: a batch could
    // collide where one statement per row does not, so such changes are not batched.
    test("rows changing a unique column go one by one", async () => {
      const { s } = await loaded(0);
      const [red, blue] = [new Tag({ label: "red" }), new Tag({ label: "blue" })];
      s.add(red);
      s.add(blue);
      await s.commit();
      blue.label = "navy";
      red.label = "crimson";
      log.clear();
      await s.commit();
      assert.deepEqual(
        log.take().filter((x) => x.startsWith("UPDATE")),
        ['UPDATE "tag" SET "label" = ? WHERE "tag"."id" = ?', 'UPDATE "tag" SET "label" = ? WHERE "tag"."id" = ?'],
      );
      await s.refresh(red);
      await s.refresh(blue);
      assert.deepEqual([red.label, blue.label], ["crimson", "navy"]);
    });

    test("composite keys: each branch and the WHERE match every key column", async () => {
      for (const x of open.splice(0)) await x.close();
      await ctx.engine.withConnection(async (c) => {
        await stockMd.dropAll(c);
        await stockMd.createAll(c);
        await c.execute(
          insert(stockT).values([
            { shop: 1, sku: "a", qty: 1 },
            { shop: 1, sku: "b", qty: 2 },
            { shop: 2, sku: "a", qty: 3 },
          ]),
        );
      });
      const s = new Session(ctx.engine, { registry: stockRegistry });
      const rows = await s.query(Stock).orderBy(stockT.c.shop, stockT.c.sku).all();
      log.clear();
      for (const r of rows) r.qty *= 10;
      await s.commit();
      assert.deepEqual(
        log.take().filter((x) => x.startsWith("UPDATE")),
        [
          'UPDATE "stock" SET "qty" = CASE WHEN "stock"."shop" = ? AND "stock"."sku" = ? THEN ? WHEN "stock"."shop" = ? AND "stock"."sku" = ? THEN ? WHEN "stock"."shop" = ? AND "stock"."sku" = ? THEN ? ELSE "stock"."qty" END WHERE "stock"."shop" = ? AND "stock"."sku" = ? OR "stock"."shop" = ? AND "stock"."sku" = ? OR "stock"."shop" = ? AND "stock"."sku" = ?',
        ],
      );
      await s.close();
      const after = await ctx.engine.execute(select(stockT).orderBy(stockT.c.shop, stockT.c.sku));
      assert.deepEqual(
        after.rows.map((r) => r.qty),
        [10, 20, 30],
      );
      await ctx.engine.withConnection((c) => stockMd.dropAll(c));
    });

    // Regression: MariaDB assigns SET items left to right; a CASE keyed on a primary key changed
    // earlier in the same SET matched nothing and the other column's change was lost.
    test("rows changing their primary key are updated one by one and keep every change", async () => {
      for (const x of open.splice(0)) await x.close();
      await ctx.engine.withConnection(async (c) => {
        await stockMd.dropAll(c);
        await stockMd.createAll(c);
        await c.execute(
          insert(stockT).values([
            { shop: 1, sku: "a", qty: 1 },
            { shop: 1, sku: "b", qty: 2 },
          ]),
        );
      });
      const s = new Session(ctx.engine, { registry: stockRegistry });
      const [a, b] = await s.query(Stock).orderBy(stockT.c.sku).all();
      a.sku = "a2";
      a.qty = 10;
      b.sku = "b2";
      b.qty = 20;
      log.clear();
      await s.commit();
      assert.equal(log.take().filter((x) => x.startsWith("UPDATE")).length, 2);
      await s.close();
      const after = await ctx.engine.execute(select(stockT).orderBy(stockT.c.sku));
      assert.deepEqual(after.rows, [
        { shop: 1, sku: "a2", qty: 10 },
        { shop: 1, sku: "b2", qty: 20 },
      ]);
      await ctx.engine.withConnection((c) => stockMd.dropAll(c));
    });

    // A row deleted behind the session's back: the batch matches fewer rows than it holds.
    test("a row gone → StaleDataError naming it; nothing is written and the session keeps its changes", async () => {
      const { s, items } = await loaded(3);
      const [a, b, c] = items;
      s.autoflush = false;
      a.price = "1.11";
      b.price = "2.22";
      c.price = "3.33";
      await s.execute(deleteFrom(itemT).where(itemT.c.id.eq(b.id)));
      await assert.rejects(s.flush(), (e: Error) => e instanceof StaleDataError && /UPDATE of Item \(id=2\) expected to match 1 row/.test(e.message));
      assert.deepEqual([a.price, b.price, c.price], ["1.11", "2.22", "3.33"]);
      assert.deepEqual(s.dirty.length, 3);
      const seen = (await s.execute(select(itemT.c.id, itemT.c.price).orderBy(itemT.c.id))).rows;
      assert.deepEqual(seen, [
        { id: 1, price: "1.00" },
        { id: 3, price: "3.00" },
      ]);
      await s.rollback();
    });
  },
  { echo: log.logger },
);
