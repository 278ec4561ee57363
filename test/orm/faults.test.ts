// Faults during a flush and misuse of a Session, on every engine:
// (a) a constraint violation part-way through a flush leaves the database and the session exactly
//     as before that flush, and the same flush succeeds once the bad value is fixed;
// (b) the connection killed while a flush waits on a lock (PostgreSQL, MariaDB): ConnectionError,
//     nothing written, the objects as before, and rollback() then a commit on a fresh connection;
// (c) clear, typed errors for a closed session, unmapped classes, duplicate identities, unloaded
//     relationships and expired attributes.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import {
  Session,
  select,
  insert,
  update,
  sql,
  ConnectionError,
  IntegrityError,
  UniqueViolationError,
  NotNullViolationError,
  SessionStateError,
  UnmappedClassError,
  DuplicateIdentityError,
  NotLoadedError,
  ExpiredAttributeError,
  type LogEntry,
} from "../../src/index.js";
import { md, registry, Customer, Order, Item, Counter, Tag, customerT, orderT, itemT, counterT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { normalizeSql } from "../support/statements.js";

/** Statements as run, normalised across dialects, failed ones marked with their error. */
const log: string[] = [];
const logger = (e: LogEntry): void => {
  const text = normalizeSql(e.sql);
  log.push(e.error ? `${text} -- ${e.error.name}` : text);
};
const take = (): string[] => log.splice(0);

const qCustomers = select(customerT.c.id, customerT.c.name).orderBy(customerT.c.id);
const qOrders = select(orderT.c.id, orderT.c.customerId, orderT.c.num).orderBy(orderT.c.id);
const qItems = select(itemT.c.id, itemT.c.customerId, itemT.c.orderId, itemT.c.sku).orderBy(itemT.c.id);
const qCounters = select(counterT.c.id, counterT.c.value, counterT.c.version).orderBy(counterT.c.id);

type Obj = Customer | Order | Item | Counter;

/** Everything observable about some objects and the session, to compare before and after. */
function snapshot(s: Session, objs: Record<string, Obj>) {
  const name = new Map(Object.entries(objs).map(([k, o]) => [o as object, k]));
  const names = (xs: object[]) => xs.map((x) => name.get(x) ?? "<other>");
  const out: Record<string, unknown> = {
    new: names(s.new),
    dirty: names(s.dirty).sort(),
    deleted: names(s.deleted).sort(),
    identities: s.identityMap.size,
  };
  for (const [k, o] of Object.entries(objs)) {
    const table = (o.constructor as unknown as { table: { columns: { key: string }[] } }).table;
    const cols: Record<string, unknown> = {};
    for (const { key } of table.columns) {
      try {
        cols[key] = (o as unknown as Record<string, unknown>)[key];
      } catch (err) {
        cols[key] = `<${(err as Error).name}>`;
      }
    }
    const info = s.inspect(o);
    const rels: Record<string, unknown> = {};
    for (const r of info.loaded) {
      const v = (o as unknown as Record<string, unknown>)[r];
      rels[r] = Array.isArray(v) ? names(v) : v === null ? null : names([v as object])[0];
    }
    out[k] = { ...info, cols, rels };
  }
  return out;
}

forEachEngine(
  import.meta.url,
  (ctx) => {
    const open: Session[] = [];
    const session = () => {
      const s = new Session(ctx.engine, { registry });
      open.push(s);
      return s;
    };
    const fresh = async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      take();
      return session();
    };
    /** Commits `objs` through a session of its own, closed afterwards. */
    const seed = async (...objs: object[]) => {
      const s = session();
      s.addAll(objs);
      await s.commit();
      await s.close();
    };
    // A failing case must not leave a transaction open: its locks would block dropping the namespace.
    afterEach(async () => {
      for (const x of open.splice(0)) await x.close();
    });
    const other = ctx.name !== "sqlite";

    // ---- (a) constraint violations ----------------------------------------------------------------

    /**
     * Committed by another session: customer "Old" with order O1, and customer "Other" with an
     * order holding item 500, which the test session never loads (so only the database knows it).
     */
    const seedShop = async () => {
      await (await fresh()).close();
      const old = new Customer({ name: "Old" });
      const other = new Customer({ name: "Other" });
      const gone = new Customer({ name: "Gone" });
      const o1 = new Order({ num: "O1" });
      old.orders.push(o1);
      other.orders.push(new Order({ num: "X1" }));
      other.orders[0].items.push(new Item({ id: 500, sku: "other", price: "1.00" }));
      await seed(old, other, gone, new Counter({ id: 1, value: 0 }));
      const read = async () => ({
        customers: (await ctx.engine.execute(qCustomers)).rows,
        orders: (await ctx.engine.execute(qOrders)).rows,
        items: (await ctx.engine.execute(qItems)).rows,
        counters: (await ctx.engine.execute(qCounters)).rows,
      });
      return { ids: { old: old.id, other: other.id, gone: gone.id, o1: o1.id }, committed: await read(), read };
    };

    for (const kind of ["unique", "not null"] as const) {
      test(`a ${kind} violation in the third statement of a flush: typed error, nothing written, the session as before; fixed, the flush succeeds`, async () => {
        const { ids, committed, read } = await seedShop();
        const s = session();
        const old = (await s.get(Customer, ids.old))!;
        // A first flush in the same transaction, which must survive the failing one.
        const early = s.add(new Customer({ name: "Early" }));
        await s.flush();
        const customer = new Customer({ name: "New" });
        const order = new Order({ num: "N1" });
        const bad = kind === "unique" ? new Item({ id: 500, sku: "dup", price: "2.00" }) : new Item({ sku: null as unknown as string, price: "2.00" });
        customer.orders.push(order);
        order.items.push(bad);
        s.add(customer);
        const objs = { old, early, customer, order, bad };
        const before = snapshot(s, objs);
        assert.deepEqual(before.new, ["customer", "order", "bad"]);
        take();

        const err = await s.flush().then(
          () => assert.fail("the flush succeeded"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof IntegrityError, `an IntegrityError, got ${err}`);
        assert.ok(err instanceof (kind === "unique" ? UniqueViolationError : NotNullViolationError), `${(err as Error).name}`);
        assert.equal((err as IntegrityError).table ?? "item", "item");
        const itemInsert =
          kind === "unique"
            ? 'INSERT INTO "item" ("id", "customer_id", "order_id", "sku", "price") VALUES (?, ?, ?, ?, ?)'
            : 'INSERT INTO "item" ("customer_id", "order_id", "sku", "price") VALUES (?, ?, ?, ?) RETURNING "item"."id"';
        assert.deepEqual(take(), [
          "SAVEPOINT arbor_sp_N",
          'INSERT INTO "customer" ("name") VALUES (?) RETURNING "customer"."id"',
          'INSERT INTO "cust_order" ("customer_id", "num") VALUES (?, ?) RETURNING "cust_order"."id"',
          `${itemInsert} -- ${kind === "unique" ? "UniqueViolationError" : "NotNullViolationError"}`,
          "ROLLBACK TO SAVEPOINT arbor_sp_N",
          "RELEASE SAVEPOINT arbor_sp_N",
        ]);

        // The session is exactly as before the flush: no generated keys, no copied foreign keys.
        assert.deepEqual(snapshot(s, objs), before);
        assert.equal(customer.id, undefined);
        assert.deepEqual([order.id, order.customerId], [undefined, undefined]);
        assert.deepEqual([bad.customerId, bad.orderId], [undefined, undefined]);
        assert.deepEqual([s.inspect(customer).status, s.inspect(order).status, s.inspect(bad).status], ["pending", "pending", "pending"]);
        assert.equal(order.customer, customer);

        // The transaction holds the earlier flush and nothing of the failed one.
        const inTx = await s.noAutoflush(async () => ({
          customers: (await s.execute(qCustomers)).rows,
          orders: (await s.execute(qOrders)).rows,
          items: (await s.execute(qItems)).rows,
        }));
        assert.deepEqual(inTx, { customers: [...committed.customers, { id: early.id, name: "Early" }], orders: committed.orders, items: committed.items });
        // Another connection sees none of it (SQLite has only the session's connection).
        if (other) assert.deepEqual(await read(), committed);

        // Fixed, the same objects flush and commit.
        if (kind === "unique") bad.id = 501;
        else bad.sku = "fixed";
        await s.commit();
        assert.deepEqual([s.inspect(customer).status, s.inspect(order).status, s.inspect(bad).status], ["persistent", "persistent", "persistent"]);
        const after = await read();
        assert.deepEqual(after.customers, [...committed.customers, { id: early.id, name: "Early" }, { id: customer.id, name: "New" }]);
        assert.deepEqual(after.orders, [...committed.orders, { id: order.id, customerId: customer.id, num: "N1" }]);
        assert.deepEqual(
          after.items.filter((r) => r.id !== 500),
          [{ id: bad.id, customerId: customer.id, orderId: order.id, sku: kind === "unique" ? "dup" : "fixed" }],
        );
        assert.equal(after.items.length, 2);
      });
    }

    test("a failed mixed flush restores updates, versions, deletes and objects cascaded during the flush", async () => {
      const { ids, committed, read } = await seedShop();
      const s = session();
      const old = (await s.get(Customer, ids.old))!;
      const gone = (await s.get(Customer, ids.gone))!;
      const counter = (await s.get(Counter, 1))!;
      assert.deepEqual([counter.value, counter.version], [0, 1]);

      const counter2 = s.add(new Counter({ id: 2, value: 7 })); // the first pending object: counters are written first
      counter.value = 5;
      old.name = "Old renamed";
      s.delete(gone);
      const customer = new Customer({ name: "New" });
      const order = new Order({ num: "N1" });
      const bad = new Item({ id: 500, sku: "dup", price: "2.00" });
      customer.orders.push(order);
      order.items.push(bad);
      s.add(customer);
      const late = new Item({ sku: "late", price: "3.00" });
      // Through the back-reference, which does not cascade: joins the session only when the flush cascades to it.
      late.order = order;
      const objs = { old, gone, counter, counter2, customer, order, bad, late };
      const before = snapshot(s, objs);
      assert.deepEqual(before.new, ["counter2", "customer", "order", "bad"]);
      assert.deepEqual(before.dirty, ["counter", "old"]);
      assert.deepEqual(before.deleted, ["gone"]);
      assert.equal(s.inspect(late).status, "transient");
      take();

      await assert.rejects(s.flush(), UniqueViolationError);
      assert.deepEqual(take(), [
        "BEGIN",
        "SAVEPOINT arbor_sp_N",
        'UPDATE "counter" SET "value" = ?, "version" = ? WHERE "counter"."id" = ? AND "counter"."version" = ?',
        'INSERT INTO "counter" ("id", "value", "version") VALUES (?, ?, ?)',
        'UPDATE "customer" SET "name" = ? WHERE "customer"."id" = ?',
        'INSERT INTO "customer" ("name") VALUES (?) RETURNING "customer"."id"',
        'INSERT INTO "cust_order" ("customer_id", "num") VALUES (?, ?) RETURNING "cust_order"."id"',
        'INSERT INTO "item" ("id", "customer_id", "order_id", "sku", "price") VALUES (?, ?, ?, ?, ?) -- UniqueViolationError',
        "ROLLBACK TO SAVEPOINT arbor_sp_N",
        "RELEASE SAVEPOINT arbor_sp_N",
      ]);
      assert.deepEqual(snapshot(s, objs), before);
      assert.deepEqual([counter.value, counter.version, counter2.version], [5, 1, undefined]);
      assert.deepEqual(s.inspect(counter).modified, ["value"]);
      assert.deepEqual(s.inspect(old).modified, ["name"]);
      assert.deepEqual([s.inspect(late).status, late.orderId, late.customerId], ["transient", undefined, undefined]);
      assert.deepEqual([s.inspect(gone).status, s.deleted.length, s.deleted[0] === gone], ["persistent", 1, true]);

      const inTx = await s.noAutoflush(async () => ({
        customers: (await s.execute(qCustomers)).rows,
        orders: (await s.execute(qOrders)).rows,
        items: (await s.execute(qItems)).rows,
        counters: (await s.execute(qCounters)).rows,
      }));
      assert.deepEqual(inTx, committed);
      if (other) assert.deepEqual(await read(), committed);

      bad.id = 501;
      await s.commit();
      const after = await read();
      assert.deepEqual(after.counters, [
        { id: 1, value: 5, version: 2 },
        { id: 2, value: 7, version: 1 },
      ]);
      assert.deepEqual(
        after.customers.map((r) => r.name),
        ["Old renamed", "Other", "New"],
      );
      const bySku = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : 1);
      assert.deepEqual(after.items.map((r): [string, number] => [r.sku, r.orderId]).sort(bySku), [
        ["dup", order.id],
        ["late", order.id],
        ["other", committed.items[0].orderId],
      ]);
      assert.deepEqual([s.inspect(gone).status, s.inspect(late).status, s.inspect(bad).status], ["detached", "persistent", "persistent"]);
    });

    // ---- (b) the connection dies mid-flush --------------------------------------------------------

    const noKill = ctx.name === "sqlite" ? "one in-memory connection: there is no other connection to kill it from" : false;

    /** The server's id for the session's connection (the session's transaction begins if needed). */
    const backendId = async (s: Session): Promise<number> => {
      const q = ctx.name === "postgres" ? sql`SELECT pg_backend_pid() AS id` : sql`SELECT CONNECTION_ID() AS id`;
      return Number((await s.execute(q)).rows[0].id);
    };
    /** Waits until connection `id` waits on a lock (bounded, so a failure cannot hang the run). */
    const waitForLockWait = async (id: number): Promise<void> => {
      // MariaDB's INNODB_TRX is a cached snapshot; its process list is current: an INSERT still
      // running on two looks 50 ms apart is waiting for the other transaction's key.
      const q =
        ctx.name === "postgres"
          ? sql`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid = ${id} AND wait_event_type = 'Lock'`
          : sql`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${id} AND INFO LIKE 'INSERT INTO %cust_order%'`;
      let seen = 0;
      for (let i = 0; i < 200; i++) {
        if (Number((await ctx.engine.execute(q)).rows[0].n) > 0) {
          if (++seen === 2) return;
        } else seen = 0;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`connection ${id} never waited on the lock`);
    };
    const kill = async (id: number): Promise<void> => {
      // `id` is a number the server gave us; KILL takes no parameters on MariaDB.
      if (ctx.name === "postgres") assert.equal((await ctx.engine.execute(sql`SELECT pg_terminate_backend(${id}) AS ok`)).rows[0].ok, true);
      else await ctx.engine.withConnection((c) => c.runSql(`KILL ${Math.trunc(id)}`));
    };

    test("the connection killed mid-flush: ConnectionError, nothing written, the session as before; rollback() and a new commit work", {
      skip: noKill,
    }, async () => {
      const s = await fresh();
      const a = new Customer({ name: "A" });
      const b = new Customer({ name: "B" });
      a.orders.push(new Order({ num: "A1" }));
      s.addAll([a, b]);
      await s.commit();
      const committed = { customers: (await ctx.engine.execute(qCustomers)).rows, orders: (await ctx.engine.execute(qOrders)).rows };

      const n = new Customer({ name: "N" });
      const o = new Order({ id: 777, num: "N1" });
      n.orders.push(o);
      let pid = 0;
      // Another transaction holds order key 777 (for customer B, so that A's row stays unlocked).
      const blocker = await ctx.engine.connect();
      const btx = await blocker.begin();
      try {
        await btx.execute(insert(orderT).values({ id: 777, customerId: b.id, num: "blocker" }));
        pid = await backendId(s);
        await s.refresh(a);
        a.name = "A2";
        s.add(n);
        const objs = { a, b, n, o };
        const before = snapshot(s, objs);
        take();

        // The flush inserts N, updates A, then waits for key 777: its connection is killed there.
        const flushing = s.flush().then(
          () => assert.fail("the flush succeeded"),
          (e: unknown) => e,
        );
        await waitForLockWait(pid);
        await kill(pid);
        const err = await flushing;
        assert.ok(err instanceof ConnectionError, `a ConnectionError, got ${err}`);
        const ran = take().filter((x) => !/pg_stat_activity|PROCESSLIST|pg_terminate_backend|^KILL /.test(x));
        assert.deepEqual(ran.slice(0, 5), [
          "SAVEPOINT arbor_sp_N",
          'UPDATE "customer" SET "name" = ? WHERE "customer"."id" = ?',
          'INSERT INTO "customer" ("name") VALUES (?) RETURNING "customer"."id"',
          'INSERT INTO "cust_order" ("id", "customer_id", "num") VALUES (?, ?, ?) -- ConnectionError',
          "ROLLBACK TO SAVEPOINT arbor_sp_N -- ConnectionError",
        ]);
        assert.deepEqual(snapshot(s, objs), before);
        assert.deepEqual([n.id, o.customerId, o.id, s.inspect(n).status, s.inspect(o).status], [undefined, undefined, 777, "pending", "pending"]);
        assert.deepEqual([a.name, s.inspect(a).modified], ["A2", ["name"]]);
      } finally {
        await btx.rollback();
        await blocker.release();
      }

      // Nothing was written (read on a fresh connection, after the blocker rolled back).
      assert.deepEqual({ customers: (await ctx.engine.execute(qCustomers)).rows, orders: (await ctx.engine.execute(qOrders)).rows }, committed);

      await s.rollback();
      assert.equal(s.inTransaction, false);
      assert.deepEqual([s.inspect(n).status, s.inspect(o).status, s.inspect(a).status, s.new], ["transient", "transient", "persistent", []]);

      // A new transaction runs on another connection, and the same objects commit.
      assert.notEqual(await backendId(s), pid);
      await s.refresh(a);
      assert.equal(a.name, "A");
      a.name = "A3";
      s.add(n);
      await s.commit();
      assert.deepEqual((await ctx.engine.execute(qCustomers)).rows, [
        { id: a.id, name: "A3" },
        { id: b.id, name: "B" },
        { id: n.id, name: "N" },
      ]);
      assert.deepEqual((await ctx.engine.execute(qOrders)).rows, [...committed.orders, { id: 777, customerId: n.id, num: "N1" }]);
    });

    // ---- (c) clear errors --------------------------------------------------------------------------

    test("a closed session refuses to be used: SessionStateError", async () => {
      const s = await fresh();
      const c = s.add(new Customer({ name: "A" }));
      await s.commit();
      await s.close();
      assert.equal(s.inspect(c).status, "detached");
      const closed = (e: unknown) => e instanceof SessionStateError && /session is closed/.test((e as Error).message);
      assert.throws(() => s.add(new Customer({ name: "B" })), closed);
      assert.throws(
        () => s.delete(c),
        (e: unknown) => e instanceof SessionStateError,
      );
      assert.throws(() => s.query(Customer), closed);
      await assert.rejects(s.get(Customer, c.id), closed);
      await assert.rejects(s.flush(), closed);
      await assert.rejects(s.commit(), closed);
      await assert.rejects(s.rollback(), closed);
      await assert.rejects(s.beginNested(), closed);
      await assert.rejects(s.execute(qCustomers), closed);
      assert.deepEqual(s.new, []);
      await s.close(); // closing twice is fine
    });

    test("objects of an unmapped class: UnmappedClassError naming the class", async () => {
      const s = await fresh();
      class Plain {
        id = 1;
      }
      const unmapped = (e: unknown) => e instanceof UnmappedClassError && /\bPlain\b/.test((e as Error).message);
      assert.throws(() => s.add(new Plain()), unmapped);
      assert.throws(() => s.delete(new Plain()), unmapped);
      assert.throws(() => s.inspect(new Plain()), unmapped);
      await assert.rejects(s.get(Plain, 1), unmapped);
      assert.throws(() => s.query(Plain), unmapped);
      assert.deepEqual([s.new, s.inTransaction], [[], false]);
      await s.load(s.add(new Customer({ name: "A" })), "orders");
      await assert.rejects(
        s.load(s.new[0] as Customer, "name" as "orders"),
        (e: unknown) => e instanceof UnmappedClassError && /Customer\.name is not a relationship/.test((e as Error).message),
      );
    });

    test("a new object with the identity of a loaded one: DuplicateIdentityError at flush, nothing written", async () => {
      const s = await fresh();
      s.add(new Customer({ id: 10, name: "Ten" }));
      await s.commit();
      const ten = (await s.get(Customer, 10))!;
      const dup = s.add(new Customer({ id: 10, name: "Dup" }));
      const before = snapshot(s, { ten, dup });
      await assert.rejects(
        s.flush(),
        (e: unknown) =>
          e instanceof DuplicateIdentityError && /Customer \(id=10\)/.test((e as Error).message) && (e as DuplicateIdentityError).table === "customer",
      );
      assert.deepEqual(snapshot(s, { ten, dup }), before);
      assert.deepEqual([s.inspect(dup).status, s.inspect(ten).status, await s.get(Customer, 10)], ["pending", "persistent", ten]);
      s.expunge(dup);
      await s.commit();
      assert.deepEqual((await ctx.engine.execute(qCustomers)).rows, [{ id: 10, name: "Ten" }]);
    });

    test("a DuplicateIdentityError at flush leaves objects it cascaded to as they were", async () => {
      const s = await fresh();
      s.add(new Customer({ id: 10, name: "Ten" }));
      await s.commit();
      await s.get(Customer, 10);
      const dup = s.add(new Customer({ id: 10, name: "Dup" }));
      const order = new Order({ num: "late" });
      order.customer = dup; // the back-reference does not cascade: joins only when a flush cascades
      await assert.rejects(s.flush(), DuplicateIdentityError);
      assert.deepEqual([s.inspect(order).status, s.new.length, s.new[0] === dup], ["transient", 1, true]);
    });

    test("re-attaching a detached object whose identity is already loaded: DuplicateIdentityError at add", async () => {
      const s = await fresh();
      const c = s.add(new Customer({ name: "A" }));
      await s.commit();
      await s.close();
      assert.equal(s.inspect(c).status, "detached");
      const s2 = new Session(ctx.engine, { registry });
      open.push(s2);
      const loaded = (await s2.get(Customer, c.id))!;
      assert.notEqual(loaded, c);
      assert.throws(
        () => s2.add(c),
        (e: unknown) => e instanceof DuplicateIdentityError && new RegExp(`Customer with key \\(id=${c.id}\\)`).test((e as Error).message),
      );
      assert.deepEqual([s2.inspect(c).status, s2.new, await s2.get(Customer, c.id)], ["detached", [], loaded]);
    });

    test("touching an unloaded relationship of a persistent object: NotLoadedError naming entity, key and attribute", async () => {
      await (await fresh()).close();
      const c = new Customer({ name: "A" });
      const o = new Order({ num: "A1" });
      c.orders.push(o);
      o.tags.push(new Tag({ label: "red" }));
      await seed(c);
      const s = session();
      const notLoaded = (entity: string, id: number, attr: string, table: string) => (e: unknown) =>
        e instanceof NotLoadedError &&
        (e as Error).message.startsWith(`${entity} (id=${id}).${attr} is not loaded: await session.load(obj, "${attr}")`) &&
        (e as NotLoadedError).table === table;
      // Columns only: the grouping collection (loaded nested by default) is not loaded.
      const loaded = await s.query(Customer).noEager().where(customerT.c.id.eq(c.id)).one();
      assert.throws(() => loaded.orders, notLoaded("Customer", c.id, "orders", "customer"));
      assert.throws(() => loaded.orders.push(new Order({ num: "x" })), notLoaded("Customer", c.id, "orders", "customer"));
      // Lazy relationships of an order loaded by key: its customer and its tags.
      const order = (await s.get(Order, o.id))!;
      assert.throws(() => order.customer, notLoaded("Order", o.id, "customer", "cust_order"));
      assert.throws(() => order.tags, notLoaded("Order", o.id, "tags", "cust_order"));
      assert.deepEqual(s.inspect(order).loaded, ["items"]);
      // Loaded explicitly, they work.
      assert.ok((await s.load(order, "customer")) === loaded);
      assert.deepEqual(
        (await s.load(order, "tags")).map((t) => t.label),
        ["red"],
      );
      assert.ok((await s.load(loaded, "orders"))[0] === order);
      // New objects need no loading: their relationships start empty.
      const fresh2 = new Order({ num: "new" });
      assert.deepEqual([fresh2.customer, [...fresh2.items], [...fresh2.tags]], [null, [], []]);
    });

    test("reading an attribute after commit: ExpiredAttributeError; refresh() loads the current row", async () => {
      const s = await fresh();
      const c = s.add(new Customer({ name: "A" }));
      await s.commit();
      assert.equal(typeof c.id, "number"); // the primary key does not expire
      assert.throws(
        () => c.name,
        (e: unknown) =>
          e instanceof ExpiredAttributeError &&
          new RegExp(`^Customer \\(id=${c.id}\\)\\.name has expired`).test((e as Error).message) &&
          (e as ExpiredAttributeError).column === "name" &&
          (e as ExpiredAttributeError).table === "customer",
      );
      assert.deepEqual(s.inspect(c).expired, ["name"]);
      // Someone else changes the row; refresh() sees it.
      await ctx.engine.execute(update(customerT).set({ name: "B" }).where(customerT.c.id.eq(c.id)));
      await s.refresh(c);
      assert.deepEqual([c.name, s.inspect(c).expired, s.inspect(c).status], ["B", [], "persistent"]);
      // After a rollback too.
      c.name = "C";
      await s.rollback();
      assert.throws(() => c.name, ExpiredAttributeError);
      await s.refresh(c);
      assert.equal(c.name, "B");
      // A row deleted elsewhere: refresh() says so and the object leaves the session.
      await s.commit();
      await ctx.engine.execute(sql`DELETE FROM ${customerT} WHERE ${customerT.c.id} = ${c.id}`);
      await assert.rejects(s.refresh(c), (e: unknown) => e instanceof SessionStateError && /no longer exists/.test((e as Error).message));
      assert.equal(s.inspect(c).status, "detached");
    });

    test("deleting or refreshing an object that is not persistent here: SessionStateError", async () => {
      const s = await fresh();
      const t = new Customer({ name: "T" });
      assert.throws(
        () => s.delete(t),
        (e: unknown) => e instanceof SessionStateError && /transient/.test((e as Error).message),
      );
      await assert.rejects(s.refresh(t), (e: unknown) => e instanceof SessionStateError && /transient/.test((e as Error).message));
      s.add(t);
      await assert.rejects(s.refresh(t), (e: unknown) => e instanceof SessionStateError && /pending/.test((e as Error).message));
      await s.commit();
      const s2 = new Session(ctx.engine, { registry });
      open.push(s2);
      assert.throws(
        () => s2.add(t),
        (e: unknown) => e instanceof SessionStateError && /another session/.test((e as Error).message),
      );
      assert.throws(() => s2.delete(t), SessionStateError);
    });
  },
  { echo: logger },
);
