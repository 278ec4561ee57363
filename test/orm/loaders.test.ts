// Loader strategies on every engine: nested is one statement for a 3-level graph; nested, joined
// and selectin build identical graphs out of the same identity-mapped objects; many-to-many and
// self-referential paths; ordering; loading never overwrites unflushed changes.
import assert from "node:assert/strict";
import { update, nestedload, joinedload, selectinload, lazyload, raiseload, NotLoadedError, type LoaderOption } from "../../src/index.js";
import { md, registry, Customer, Order, Item, Tag, Employee } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { sessionScope } from "../support/sessions.js";
import { StatementLog } from "../support/statements.js";

const log = new StatementLog();

/** A plain picture of a loaded graph: what each strategy must reproduce exactly. */
function picture(customers: Customer[]) {
  return customers.map((c) => ({
    id: c.id,
    name: c.name,
    orders: c.orders.map((o) => ({
      id: o.id,
      num: o.num,
      items: o.items.map((i) => ({ id: i.id, sku: i.sku, price: i.price, serial: i.serial })),
      tags: o.tags.map((t) => t.label),
    })),
  }));
}

forEachEngine(
  import.meta.url,
  (ctx) => {
    const { session, closeAll, test } = sessionScope(() => ctx.engine, registry);

    test("setup", async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const s = session();
      const red = new Tag({ label: "red" });
      const blue = new Tag({ label: "blue" });
      for (let n = 1; n <= 3; n++) {
        const c = new Customer({ name: `c${n}` });
        for (let k = 1; k <= n - 1; k++) {
          const o = new Order({ num: `c${n}-o${k}` });
          c.orders.push(o);
          for (let j = 1; j <= k + 1; j++) o.items.push(new Item({ sku: `s${j}`, price: `${j}.50`, serial: j === 1 ? 2n ** 60n + BigInt(n) : null }));
          if (k === 1) o.tags.push(red);
          if (n === 3) o.tags.push(blue);
        }
        s.add(c);
      }
      const ceo = new Employee({ id: 1, name: "ceo" });
      const cto = new Employee({ id: 2, name: "cto" });
      const dev = new Employee({ id: 3, name: "dev" });
      const intern = new Employee({ id: 4, name: "intern" });
      ceo.reports.push(cto, new Employee({ id: 5, name: "cfo" }));
      cto.reports.push(dev);
      dev.reports.push(intern);
      s.add(ceo);
      await s.commit();
      await closeAll();
    });

    test("nestedload of a 3-level graph is exactly one statement", async () => {
      const s = session();
      log.clear();
      const customers = await s
        .query(Customer)
        .options(nestedload(Customer, "orders", "items"), nestedload(Customer, "orders", "tags"))
        .orderBy(Customer.c.id)
        .all();
      const statements = log.take().filter((x) => x.startsWith("SELECT"));
      assert.equal(statements.length, 1, statements.join("\n"));
      assert.equal(customers.length, 3);
      assert.deepEqual(
        picture(customers)[2].orders[1].items.map((i) => i.sku),
        ["s1", "s2", "s3"],
      );
      assert.equal(customers[2].orders[0].items[0].serial, 2n ** 60n + 3n);
      assert.equal(customers[2].orders[0].customer, customers[2]);
      await closeAll();
    });

    test("nested, joined and selectin build identical graphs", async () => {
      const pictures = [];
      const counts: number[] = [];
      for (const load of [nestedload, joinedload, selectinload]) {
        const s = session();
        log.clear();
        const opts: LoaderOption[] = [load(Customer, "orders", "items"), load(Customer, "orders", "tags")];
        const customers = await s
          .query(Customer)
          .options(...opts)
          .orderBy(Customer.c.id)
          .all();
        counts.push(log.take().filter((x) => x.startsWith("SELECT")).length);
        pictures.push(picture(customers));
        // A tag shared by two orders is one object.
        const tags = customers.flatMap((c) => c.orders.flatMap((o) => o.tags)).filter((t) => t.label === "red");
        assert.ok(tags.length >= 2 && tags.every((t) => t === tags[0]));
        await closeAll();
      }
      assert.deepEqual(pictures[1], pictures[0]);
      assert.deepEqual(pictures[2], pictures[0]);
      assert.deepEqual(counts, [1, 1, 4]);
      await closeAll();
    });

    test("identity is kept across strategies and with objects already loaded; unflushed changes survive", async () => {
      const s = session();
      const [c1] = await s.query(Customer).options(lazyload(Customer, "orders")).where(Customer.c.name.eq("c3")).all();
      s.autoflush = false;
      c1.name = "changed";
      const viaNested = await s
        .query(Customer)
        .options(nestedload(Customer, "orders", "items"))
        .where(Customer.c.id.eq(c1.id))
        .one();
      assert.equal(viaNested, c1);
      assert.equal(c1.name, "changed");
      const order = c1.orders[0];
      const viaJoined = await s.query(Order).options(joinedload(Order, "items")).where(Order.c.id.eq(order.id)).one();
      assert.equal(viaJoined, order);
      const viaSelectin = await s
        .query(Customer)
        .options(selectinload(Customer, "orders", "items"))
        .where(Customer.c.id.eq(c1.id))
        .one();
      assert.equal(viaSelectin, c1);
      assert.equal(viaSelectin.orders[0].items[0], order.items[0]);
      assert.equal(await s.get(Item, order.items[0].id), order.items[0]);
      await closeAll();
    });

    // Regression: nested child rows get a slot for their back-reference; loading that
    // back-reference as a nested level of its own must not clash with the slot.
    test("nestedload down a pair and back up (Customer.orders, Order.customer) reaches the same customer", async () => {
      for (const load of [nestedload, joinedload, selectinload]) {
        const s = session();
        const customers = await s
          .query(Customer)
          .options(load(Customer, "orders", "customer"), load(Customer, "orders", "items"))
          .orderBy(Customer.c.id)
          .all();
        for (const c of customers) for (const o of c.orders) assert.equal(o.customer, c);
        const items = customers.flatMap((c) => c.orders.flatMap((o) => o.items.map((i) => [i, o] as const)));
        assert.ok(items.length > 0 && items.every(([i, o]) => i.order === o));
        await closeAll();
      }
    });

    test("populate-existing refreshes objects already in the session", async () => {
      const s = session();
      const c = await s.query(Customer).where(Customer.c.name.eq("c2")).one();
      // Another writer (through the session's own connection: SQLite has one).
      await s.execute(update(Customer.table).set({ name: "renamed" }).where(Customer.c.id.eq(c.id)));
      s.expire(c, []);
      await s.query(Customer).where(Customer.c.id.eq(c.id)).all();
      assert.equal(c.name, "c2");
      await s.query(Customer).where(Customer.c.id.eq(c.id)).populateExisting().all();
      assert.equal(c.name, "renamed");
      await s.execute(update(Customer.table).set({ name: "c2" }).where(Customer.c.id.eq(c.id)));
      await s.commit();
      await closeAll();
    });

    test("many-to-many from both sides", async () => {
      for (const load of [nestedload, joinedload, selectinload]) {
        const s = session();
        const tags = await s.query(Tag).options(load(Tag, "orders")).orderBy(Tag.c.label).all();
        assert.deepEqual(
          tags.map((t) => [t.label, t.orders.map((o) => o.num)]),
          [
            ["blue", ["c3-o1", "c3-o2"]],
            ["red", ["c2-o1", "c3-o1"]],
          ],
        );
        await closeAll();
      }
    });

    test("self-referential relationships nest to an explicit depth", async () => {
      for (const load of [nestedload, joinedload, selectinload]) {
        const s = session();
        log.clear();
        const [ceo] = await s
          .query(Employee)
          .options(load(Employee, "reports", "reports", "reports"))
          .where(Employee.c.managerId.isNull())
          .all();
        const statements = log.take().filter((x) => x.startsWith("SELECT")).length;
        assert.equal(statements, load === selectinload ? 4 : 1);
        assert.deepEqual(
          ceo.reports.map((e) => [e.name, e.reports.map((r) => [r.name, r.reports.map((x) => x.name)])]),
          [
            ["cto", [["dev", ["intern"]]]],
            ["cfo", []],
          ],
        );
        // Deeper than asked is not loaded, and says so.
        assert.throws(() => ceo.reports[0].reports[0].reports[0].reports, NotLoadedError);
        assert.equal(ceo.reports[0].manager, ceo);
        await closeAll();
      }
    });

    test("grouping relationships load nested by default; lazyload and raiseload opt out", async () => {
      const s = session();
      log.clear();
      const c = (await s.get(Customer, 3))!;
      assert.equal(log.take().filter((x) => x.startsWith("SELECT")).length, 1);
      assert.equal(c.orders[1].items.length, 3);
      await closeAll();
      const lazy = session();
      const c2 = (await lazy.query(Customer).options(lazyload(Customer, "orders")).where(Customer.c.id.eq(3)).one())!;
      assert.throws(() => c2.orders, NotLoadedError);
      assert.equal((await lazy.load(c2, "orders")).length, 2);
      await closeAll();
      const raised = session();
      const c3 = await raised.query(Customer).options(raiseload(Customer, "orders")).where(Customer.c.id.eq(2)).one();
      assert.throws(() => c3.orders, NotLoadedError);
      await closeAll();
    });

    test("collections follow the relationship's order", async () => {
      const s = session();
      const [ceo] = await s.query(Employee).options(nestedload(Employee, "reports")).where(Employee.c.id.eq(1)).all();
      assert.deepEqual(
        ceo.reports.map((e) => e.id),
        [2, 5],
      );
      await closeAll();
    });
  },
  { echo: log.logger },
);
