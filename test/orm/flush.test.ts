// The exact statement sequence of flushes, on every engine: a 3-level graph, mixed updates and
// deletes, a self-referential tree, a two-row cycle, a row switch and delete-orphan cascades.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Session, select, lazyload } from "../../src/index.js";
import { md, registry, Customer, Order, Item, Tag, Employee, Person } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { StatementLog } from "../support/statements.js";

const log = new StatementLog();

forEachEngine(
  import.meta.url,
  (ctx) => {
    const open: Session[] = [];
    const fresh = async () => {
      // A failed test may leave a session holding the (single, on SQLite) connection.
      for (const x of open.splice(0)) await x.close();
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      log.clear();
      const session = new Session(ctx.engine, { registry });
      open.push(session);
      return session;
    };

    test("a 3-level graph inserts parents first, one multi-row INSERT … RETURNING per table", async () => {
      const s = await fresh();
      const c = new Customer({ name: "Ann" });
      const o1 = new Order({ num: "A1" });
      const o2 = new Order({ num: "A2" });
      c.orders.push(o1, o2);
      o1.items.push(new Item({ sku: "x", price: "2.30" }), new Item({ sku: "y", price: "0.10" }));
      o2.items.push(new Item({ sku: "z", price: "9.99" }));
      s.add(c);
      await s.flush();
      assert.deepEqual(log.take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'INSERT INTO "customer" ("name") VALUES (?) RETURNING "customer"."id"',
        'INSERT INTO "cust_order" ("customer_id", "num") VALUES (?, ?), (?, ?) RETURNING "cust_order"."id"',
        'INSERT INTO "item" ("customer_id", "order_id", "sku", "price") VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?) RETURNING "item"."id"',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      // Parent keys were copied into children, including the root key carried by items.
      assert.deepEqual([o1.customerId, o2.customerId, o1.items[0].customerId, o2.items[0].orderId], [c.id, c.id, c.id, o2.id]);
      assert.equal(s.inspect(o2.items[0]).status, "persistent");
      await s.commit();
      await s.close();
    });

    test("mixed changes: per table in key order UPDATEs then INSERTs (as SQLAlchemy), deletes last, children first", async () => {
      const s = await fresh();
      const c = new Customer({ name: "Ann" });
      const o = new Order({ num: "A1" });
      c.orders.push(o);
      o.items.push(new Item({ sku: "x", price: "2.30" }), new Item({ sku: "y", price: "0.10" }));
      s.add(c);
      await s.commit();
      await s.refresh(c);
      await s.load(c, "orders");
      const [x, y] = await s.load(o, "items");
      log.clear();
      c.name = "Anne";
      y.price = "0.20";
      s.delete(x);
      o.items.push(new Item({ sku: "w", price: "1.00", serial: 2n ** 62n }));
      await s.flush();
      // The reads since the commit ran in autocommit: the transaction begins with the first write.
      assert.deepEqual(log.take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'UPDATE "customer" SET "name" = ? WHERE "customer"."id" = ?',
        'UPDATE "item" SET "price" = ? WHERE "item"."id" = ?',
        'INSERT INTO "item" ("customer_id", "order_id", "sku", "price", "serial") VALUES (?, ?, ?, ?, ?) RETURNING "item"."id"',
        'DELETE FROM "item" WHERE "item"."id" IN (?)',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      assert.deepEqual(s.dirty, []);
      await s.commit();
      await s.close();
    });

    test("a self-referential tree inserts level by level and deletes children first", async () => {
      const s = await fresh();
      const ceo = new Employee({ id: 1, name: "ceo" });
      const cto = new Employee({ id: 2, name: "cto" });
      const dev = new Employee({ id: 3, name: "dev" });
      dev.manager = cto;
      cto.manager = ceo;
      s.add(dev);
      await s.flush();
      assert.deepEqual(log.take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'INSERT INTO "employee" ("id", "name") VALUES (?, ?)',
        'INSERT INTO "employee" ("id", "name", "manager_id") VALUES (?, ?, ?)',
        'INSERT INTO "employee" ("id", "name", "manager_id") VALUES (?, ?, ?)',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      assert.equal(ceo.reports.length, 1);
      assert.equal(ceo.reports[0], cto);
      s.delete(ceo);
      s.delete(dev);
      s.delete(cto);
      await s.flush();
      assert.deepEqual(log.take(), [
        // dev's reports were never loaded: without a delete cascade they are loaded to clear their key.
        'SELECT "employee"."id", "employee"."name", "employee"."manager_id" AS "managerId" FROM "employee" WHERE "employee"."manager_id" IN (?) ORDER BY "employee"."id" ASC',
        "SAVEPOINT arbor_sp_N",
        'DELETE FROM "employee" WHERE "employee"."id" IN (?)',
        'DELETE FROM "employee" WHERE "employee"."id" IN (?)',
        'DELETE FROM "employee" WHERE "employee"."id" IN (?)',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      await s.commit();
      await s.close();
    });

    test("a two-row cycle is broken with a post-update", async () => {
      const s = await fresh();
      const a = new Person({ name: "a" });
      const b = new Person({ name: "b" });
      a.friend = b;
      b.friend = a;
      s.add(a);
      await s.flush();
      assert.deepEqual(log.take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'INSERT INTO "person" ("name", "friend_id") VALUES (?) RETURNING "person"."id"'.replace("(?)", "(?, ?)"),
        'INSERT INTO "person" ("name", "friend_id") VALUES (?, ?) RETURNING "person"."id"',
        'UPDATE "person" SET "friend_id" = ? WHERE "person"."id" = ?',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      await s.commit();
      await s.close();
      const rows = (await ctx.engine.execute(select(Person.c.name, Person.c.friendId).orderBy(Person.c.id))).rows;
      // The cycle is cut at the row added first: it goes in without its key, set afterwards.
      assert.deepEqual(rows, [
        { name: "a", friendId: b.id },
        { name: "b", friendId: a.id },
      ]);
      await s.close();
    });

    test("a delete and re-add of the same key becomes one UPDATE (row switch)", async () => {
      const s = await fresh();
      s.add(new Tag({ id: 1, label: "old" }));
      await s.commit();
      const t = (await s.get(Tag, 1))!;
      log.clear();
      s.delete(t);
      const replacement = s.add(new Tag({ id: 1, label: "new" }));
      await s.flush();
      assert.deepEqual(log.take(), ["BEGIN", "SAVEPOINT arbor_sp_N", 'UPDATE "tag" SET "label" = ? WHERE "tag"."id" = ?', "RELEASE SAVEPOINT arbor_sp_N"]);
      assert.equal(await s.get(Tag, 1), replacement);
      assert.equal(s.inspect(t).status, "deleted");
      await s.commit();
      await s.close();
    });

    test("delete-orphan on a grouping relationship removes the order and cascades to its items", async () => {
      const s = await fresh();
      const c = new Customer({ name: "Ann" });
      const o1 = new Order({ num: "A1" });
      const o2 = new Order({ num: "A2" });
      c.orders.push(o1, o2);
      o1.items.push(new Item({ sku: "x", price: "1.00" }), new Item({ sku: "y", price: "2.00" }));
      s.add(c);
      await s.commit();
      await s.close();
      const s2 = new Session(ctx.engine, { registry });
      open.push(s2);
      // Orders loaded on their own: the flush must load the items it cascades to.
      const c2 = await s2.query(Customer).options(lazyload(Customer, "orders")).where(Customer.c.id.eq(c.id)).one();
      const [first] = await s2.load(c2, "orders");
      log.clear();
      (c2.orders as unknown as { remove(o: Order): boolean }).remove(first);
      assert.equal(first.customer, null);
      await s2.flush();
      // The transaction begins with the flush: the items it reads are read in the transaction deleting them.
      assert.deepEqual(log.take(), [
        "BEGIN",
        'SELECT "item"."id", "item"."customer_id" AS "customerId", "item"."order_id" AS "orderId", "item"."sku", "item"."price", "item"."serial" FROM "item" WHERE "item"."customer_id" = ? AND "item"."order_id" = ? ORDER BY "item"."id" ASC',
        "SAVEPOINT arbor_sp_N",
        'DELETE FROM "order_tag" WHERE "order_tag"."order_id" = ?',
        'DELETE FROM "item" WHERE "item"."id" IN (?, ?)',
        'DELETE FROM "cust_order" WHERE "cust_order"."id" IN (?)',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      await s2.commit();
      await s2.close();
      const left = (await ctx.engine.execute(select(Order.c.num))).rows;
      assert.deepEqual(left, [{ num: "A2" }]);

      // Loaded as a whole group (the default for grouping relationships), nothing is read at flush.
      const s3 = new Session(ctx.engine, { registry });
      open.push(s3);
      const c3 = (await s3.get(Customer, c.id))!;
      log.clear();
      s3.delete(c3);
      await s3.flush();
      assert.deepEqual(log.take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'DELETE FROM "order_tag" WHERE "order_tag"."order_id" = ?',
        'DELETE FROM "cust_order" WHERE "cust_order"."id" IN (?)',
        'DELETE FROM "customer" WHERE "customer"."id" IN (?)',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      await s3.commit();
      await s2.close();
      await s.close();
    });

    test("regression: an order moved to another customer and deleted in one flush takes the new customer's key, and only its DELETE is written (it kept the old key)", async () => {
      const s = await fresh();
      const [ann, bob] = [new Customer({ name: "Ann" }), new Customer({ name: "Bob" })];
      const o = new Order({ num: "A1" });
      ann.orders.push(o);
      s.add(ann);
      s.add(bob);
      await s.commit();
      await s.load(bob, "orders");
      await s.load(o, "items");
      bob.orders.push(o);
      s.delete(o);
      log.clear();
      await s.flush();
      // SQLAlchemy writes the UPDATE of the new key before the DELETE; the row goes, so Arbor writes only the DELETE.
      assert.deepEqual(
        log.take().filter((t) => t.startsWith("UPDATE") || t.includes('"cust_order"')),
        ['DELETE FROM "cust_order" WHERE "cust_order"."id" IN (?)'],
      );
      assert.equal(o.customerId, bob.id);
      assert.equal(s.inspect(o).status, "deleted");
      assert.deepEqual((await s.execute(select(Order.c.id).from(Order))).rows, []);
      await s.commit();
      await s.close();
    });

    test("many-to-many: association rows follow the collections", async () => {
      const s = await fresh();
      const o = new Order({ num: "A1" });
      const c = new Customer({ name: "Ann" });
      c.orders.push(o);
      const red = new Tag({ label: "red" });
      const blue = new Tag({ label: "blue" });
      o.tags.push(red, blue);
      assert.equal(red.orders[0], o);
      s.add(c);
      await s.flush();
      const inserted = log.take();
      assert.equal(inserted.filter((x) => x.startsWith('INSERT INTO "order_tag"')).length, 1);
      assert.equal(inserted[inserted.length - 2], 'INSERT INTO "order_tag" ("order_id", "tag_id") VALUES (?, ?), (?, ?)');
      (o.tags as unknown as { remove(t: Tag): boolean }).remove(red);
      await s.flush();
      assert.deepEqual(log.take(), [
        "SAVEPOINT arbor_sp_N",
        'DELETE FROM "order_tag" WHERE "order_tag"."order_id" = ? AND "order_tag"."tag_id" = ?',
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      await s.commit();
      await s.close();
    });
  },
  { echo: log.logger },
);
