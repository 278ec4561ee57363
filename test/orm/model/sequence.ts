// The random sequences of the Session's model-based test (model.test.ts): seeded operations
// applied to a Session and to the model (world.ts), checked after each one.
//
// ARBOR_MODEL_RUNS scales the number of sequences (default 500), ARBOR_MODEL_SEED moves the seeds.
// A failure names its seed and lists the operations that led to it.
import assert from "node:assert/strict";
import { Session, insert, deleteFrom, type Collection } from "../../../src/index.js";
import { registry, Customer, Order, Item, customerT, orderT, itemT, orderTagT, tagT } from "../../fixtures/orm-shop.js";
import type { EngineContext } from "../../support/engines.js";
import { Gen } from "../../support/random.js";
import { World, cloneView, inView, readRows, rowsOf, type Obj } from "./world.js";

export const RUNS = Number(process.env.ARBOR_MODEL_RUNS ?? 500);
const BASE_SEED = Number(process.env.ARBOR_MODEL_SEED ?? 7_000);

/** One random sequence of 5–15 operations from a freshly seeded database; returns how many ran. */
async function sequence(ctx: EngineContext, seed: number, trace: string[], counts: Map<string, number>): Promise<number> {
  const g = new Gen(seed);
  const engine = ctx.engine;
  // A tiny pool of values: writes often repeat what a row held before (committed, rolled back, expired).
  const fresh = () => g.pick(["a", "b", "c"]);
  const w = new World();

  // A fresh database: a few customers with orders and items, written with plain Core.
  const seeded: {
    cust: { id: number; name: string }[];
    orders: { id: number; customerId: number; num: string }[];
    items: { id: number; customerId: number; orderId: number; sku: string }[];
  } = {
    cust: [],
    orders: [],
    items: [],
  };
  await engine.transaction(async (tx) => {
    for (const t of [itemT, orderTagT, orderT, customerT, tagT]) await tx.execute(deleteFrom(t));
    for (let i = g.int(1, 3); i > 0; i--) {
      const name = fresh();
      const id = (await tx.execute(insert(customerT).values({ name }).returning(customerT.c.id))).rows[0].id;
      seeded.cust.push({ id, name });
      for (let j = g.int(0, 2); j > 0; j--) {
        const num = fresh();
        const oid = (await tx.execute(insert(orderT).values({ customerId: id, num }).returning(orderT.c.id))).rows[0].id;
        seeded.orders.push({ id: oid, customerId: id, num });
        for (let k = g.int(0, 2); k > 0; k--) {
          const sku = fresh();
          const iid = (await tx.execute(insert(itemT).values({ customerId: id, orderId: oid, sku, price: "1.00" }).returning(itemT.c.id))).rows[0].id;
          seeded.items.push({ id: iid, customerId: id, orderId: oid, sku });
        }
      }
    }
  });

  const session = new Session(engine, { registry });
  session.on("afterFlush", () => w.flushed());
  try {
    const byId = <T extends { id: number }>(objs: T[]) => new Map(objs.map((o) => [o.id, o]));
    const cs = byId(await session.query(Customer).all());
    const os = byId(await session.query(Order).all());
    const is = byId(await session.query(Item).all());
    assert.deepEqual([cs.size, os.size, is.size], [seeded.cust.length, seeded.orders.length, seeded.items.length], "seeded rows loaded");
    for (const r of seeded.cust) w.C.customers.set(cs.get(r.id)!, { name: r.name });
    for (const r of seeded.orders) w.C.orders.set(os.get(r.id)!, { cust: cs.get(r.customerId)!, num: r.num });
    for (const r of seeded.items) w.C.items.set(is.get(r.id)!, { order: os.get(r.orderId)!, sku: r.sku });
    w.W = cloneView(w.C);
    w.F = cloneView(w.C);
    for (const v of [w.C.customers, w.C.orders, w.C.items] as Map<Obj, unknown>[]) for (const o of v.keys()) w.label(o);
    trace.push(`seed ${seed}: ${w.labelsOf(w.known).join(" ")}`);

    const L = (o: Obj) => w.label(o);

    const newOrder = (): Order => {
      const o = new Order({ num: fresh() });
      L(o);
      for (let k = g.int(0, 1); k > 0; k--) {
        const it = new Item({ sku: fresh(), price: "2.50" });
        L(it);
        o.items.push(it);
      }
      return o;
    };
    const modelOrder = (o: Order, c: Customer) => {
      w.W.orders.set(o, { cust: c, num: o.num });
      for (const it of o.items) w.W.items.set(it, { order: o, sku: it.sku });
    };
    const describe = (o: Order) => `${L(o)}[${w.itemsOf(o).map(L).join(",")}]`;
    /**
     * Before a persistent customer or order is deleted, its pending orders and items leave the
     * session: deleting a parent never drops them (its flush would fail on their key).
     */
    const dropPendingUnder = (x: Customer | Order) => {
      for (const o of x instanceof Customer ? w.ordersOf(x) : [x]) {
        const kids: Obj[] = inView(w.F, o) ? w.itemsOf(o).filter((it) => !inView(w.F, it)) : [o];
        for (const k of kids) {
          trace.push(`delete pending ${k instanceof Order ? describe(k) : L(k)} first`);
          session.delete(k);
          w.remove(k, k);
        }
      }
    };

    /** A loaded collection holds what the model says (deleted objects may linger until expired). */
    const loadOrders = async (c: Customer, at: string): Promise<Order[]> => {
      const coll = await session.load(c, "orders");
      assert.deepEqual(w.labelsOf(coll.filter((o) => inView(w.W, o))), w.labelsOf(w.ordersOf(c)), `${at}: ${L(c)}.orders`);
      assert.equal(new Set(coll).size, coll.length, `${at}: ${L(c)}.orders has duplicates`);
      return coll;
    };

    const checkTx = async (at: string) => {
      // Through the session (its own transaction; autoflush has nothing left to do).
      assert.deepEqual(await readRows(session), rowsOf(w.F), `${at}: rows in the session's transaction`);
      // Another connection sees only what is committed (one in-memory connection on SQLite).
      if (ctx.name !== "sqlite") assert.deepEqual(await readRows(engine), rowsOf(w.C), `${at}: committed rows seen from another connection`);
      w.checkSession(session, `${at} (after reading)`);
    };

    const goneChecked = new Set<Obj>();
    const checkEnded = async (at: string, final = false) => {
      assert.equal(session.inTransaction, false, `${at}: the session still holds a transaction`);
      assert.deepEqual(w.labelsOf(session.new), [], `${at}: session.new`);
      assert.deepEqual(w.labelsOf(session.dirty), [], `${at}: session.dirty`);
      assert.deepEqual(w.labelsOf(session.deleted), [], `${at}: session.deleted`);
      // The session holds no connection now: read the committed rows through the engine.
      assert.deepEqual(await readRows(engine), rowsOf(w.C), `${at}: committed rows`);
      // Everything that exists comes back from the identity map, refreshed: by one query per class
      // beforehand, by get() itself, or (a third of the time, but never at the end) get() of a random
      // half only, so that other objects stay expired and later writes meet expired attributes.
      const how = g.pick(final ? (["query", "get"] as const) : (["query", "get", "sample"] as const));
      if (how === "query") for (const cls of [Customer, Order, Item]) await session.query(cls).all();
      const pick = () => how !== "sample" || g.bool();
      for (const [c, r] of w.C.customers) {
        if (!pick()) continue;
        const got = await session.get(Customer, c.id);
        assert.ok(
          got === c,
          `${at}: get(Customer, ${c.id}) should be ${L(c)}, got ${got === undefined ? "undefined" : `${w.labelsOf([got])[0]} (${session.inspect(got).status})`}`,
        );
        assert.equal(got!.name, r.name, `${at}: ${L(c)}.name`);
      }
      for (const [o, r] of w.C.orders) {
        if (!pick()) continue;
        const got = await session.get(Order, o.id);
        assert.ok(
          got === o,
          `${at}: get(Order, ${o.id}) should be ${L(o)}, got ${got === undefined ? "undefined" : `${w.labelsOf([got])[0]} (${session.inspect(got).status})`}`,
        );
        assert.deepEqual([got!.num, got!.customerId], [r.num, r.cust.id], `${at}: ${L(o)} num, customerId`);
      }
      for (const [i, r] of w.C.items) {
        if (!pick()) continue;
        const got = await session.get(Item, i.id);
        assert.ok(
          got === i,
          `${at}: get(Item, ${i.id}) should be ${L(i)}, got ${got === undefined ? "undefined" : `${w.labelsOf([got])[0]} (${session.inspect(got).status})`}`,
        );
        assert.deepEqual(
          [got!.sku, got!.orderId, got!.customerId],
          [r.sku, r.order.id, w.C.orders.get(r.order)!.cust.id],
          `${at}: ${L(i)} sku, orderId, customerId`,
        );
      }
      // What is gone is gone (unless the engine reused its key for a row that exists). Once gone,
      // an object never comes back, so each is looked up once.
      for (const o of w.known) {
        if (inView(w.C, o) || goneChecked.has(o)) continue;
        goneChecked.add(o);
        const id = (o as { id?: number }).id;
        if (typeof id !== "number") continue;
        const cls = o instanceof Customer ? Customer : o instanceof Order ? Order : Item;
        const live = o instanceof Customer ? w.C.customers : o instanceof Order ? w.C.orders : w.C.items;
        if ([...(live as Map<Obj, unknown>).keys()].some((x) => x.id === id)) continue;
        assert.equal(await session.get(cls, id), undefined, `${at}: ${L(o)} (id ${id}) is gone`);
      }
      w.checkSession(session, `${at} (after get)`);
    };

    /** The value each object was last given by "rename"/"renumber". */
    const written = new Map<Obj, string>();
    const ops = g.int(5, 15);
    for (let step = 0; step < ops; step++) {
      const custs = [...w.W.customers.keys()];
      const orders = [...w.W.orders.keys()];
      const redoable = [...written.keys()].filter((x) => inView(w.W, x));
      type Op = [string, number, () => Promise<void>];
      const menu: Op[] = [
        [
          "addCustomer",
          3,
          async () => {
            const c = new Customer({ name: fresh() });
            L(c);
            const made: Order[] = [];
            for (let k = g.int(0, 2); k > 0; k--) made.push(newOrder());
            c.orders.push(...made);
            w.W.customers.set(c, { name: c.name });
            for (const o of made) modelOrder(o, c);
            session.add(c);
            w.attach(c);
            trace.push(`add ${L(c)} name=${c.name} orders=[${made.map(describe).join(" ")}]`);
          },
        ],
        [
          "addOrder",
          custs.length ? 2 : 0,
          async () => {
            const c = g.pick(custs);
            const coll = await loadOrders(c, `addOrder to ${L(c)}`);
            const o = newOrder();
            coll.push(o);
            modelOrder(o, c);
            // c is in the session: the append cascades o (and its items) in at once.
            w.attach(o);
            const explicit = g.bool();
            if (explicit) session.add(o);
            trace.push(`push ${describe(o)} onto ${L(c)}.orders${explicit ? " and add it" : ""}`);
          },
        ],
        [
          "rename",
          custs.length ? 3 : 0,
          async () => {
            const c = g.pick(custs);
            const name = fresh();
            c.name = name;
            w.W.customers.get(c)!.name = name;
            written.set(c, name);
            trace.push(`${L(c)}.name = ${name}`);
          },
        ],
        [
          // A retry: write again what was last written (typically after a rollback undid it).
          "redo",
          redoable.length ? 2 : 0,
          async () => {
            const x = g.pick(redoable);
            const v = written.get(x)!;
            if (x instanceof Customer) {
              x.name = v;
              w.W.customers.get(x)!.name = v;
              trace.push(`${L(x)}.name = ${v} (again)`);
            } else {
              (x as Order).num = v;
              w.W.orders.get(x as Order)!.num = v;
              trace.push(`${L(x)}.num = ${v} (again)`);
            }
          },
        ],
        [
          "renumber",
          orders.length ? 2 : 0,
          async () => {
            const o = g.pick(orders);
            const num = fresh();
            o.num = num;
            w.W.orders.get(o)!.num = num;
            written.set(o, num);
            trace.push(`${L(o)}.num = ${num}`);
          },
        ],
        [
          "deleteCustomer",
          custs.length ? 2 : 0,
          async () => {
            const c = g.pick(custs);
            if (inView(w.F, c)) dropPendingUnder(c);
            trace.push(`delete ${L(c)} (${inView(w.F, c) ? "persistent" : "pending"}; orders ${w.ordersOf(c).map(describe).join(" ")})`);
            session.delete(c);
            if (inView(w.F, c)) w.markedDeleted.add(c);
            w.remove(c, inView(w.F, c) ? null : c);
          },
        ],
        [
          "removeOrder",
          orders.length ? 2 : 0,
          async () => {
            const o = g.pick(orders);
            const pending = !inView(w.F, o);
            // session.delete() wants an object in the session: one only pushed onto a collection is not yet.
            if (g.bool() || (pending && !w.attached.has(o))) {
              const c = w.W.orders.get(o)!.cust;
              trace.push(`remove ${describe(o)} from ${L(c)}.orders`);
              const coll = await loadOrders(c, `remove ${L(o)}`);
              assert.equal((coll as Collection<Order>).remove(o), true, `${L(o)} was in ${L(c)}.orders`);
              assert.equal(o.customer, null, `${L(o)}.customer after removal`);
              w.remove(o, null);
            } else {
              if (!pending) dropPendingUnder(o);
              trace.push(`delete ${describe(o)}`);
              session.delete(o);
              if (!pending) w.markedDeleted.add(o);
              w.remove(o, pending ? o : null);
            }
          },
        ],
        [
          "flush",
          2,
          async () => {
            trace.push("flush");
            await session.flush();
            await checkTx("flush");
          },
        ],
        [
          "commit",
          2,
          async () => {
            trace.push("commit");
            await session.commit();
            w.committed();
            w.checkSession(session, "commit");
            await checkEnded("commit");
          },
        ],
        [
          "rollback",
          1,
          async () => {
            trace.push("rollback");
            await session.rollback();
            w.rolledBack();
            w.checkSession(session, "rollback");
            await checkEnded("rollback");
          },
        ],
        [
          "beginNested",
          w.frames.length < 2 ? 1 : 0,
          async () => {
            trace.push(`beginNested (depth ${w.frames.length + 1})`);
            const sp = await session.beginNested();
            w.frames.push({ sp, F: cloneView(w.F), deletedInTx: new Set(w.deletedInTx) });
            await checkTx("beginNested");
          },
        ],
        [
          "releaseSavepoint",
          w.frames.length ? 2 : 0,
          async () => {
            const i = g.int(0, w.frames.length - 1);
            trace.push(`release savepoint ${i + 1} of ${w.frames.length}`);
            await w.frames[i].sp.commit();
            w.frames.length = i;
            await checkTx("release savepoint");
          },
        ],
        [
          "rollbackSavepoint",
          w.frames.length ? 2 : 0,
          async () => {
            const i = g.int(0, w.frames.length - 1);
            trace.push(`roll back savepoint ${i + 1} of ${w.frames.length}`);
            await w.frames[i].sp.rollback();
            w.rolledBackTo(i);
            w.checkSession(session, "savepoint rollback");
            await checkTx("savepoint rollback");
          },
        ],
      ];
      const total = menu.reduce((s, [, wt]) => s + wt, 0);
      let r = g.int(1, total);
      const op = menu.find(([, wt]) => (r -= wt) <= 0)!;
      counts.set(op[0], (counts.get(op[0]) ?? 0) + 1);
      await op[2]();
      w.checkSession(session, `after ${op[0]}`);
    }
    // End every sequence with a commit (savepoints still open are released by it, or before it).
    while (w.frames.length && g.bool()) {
      trace.push("release savepoint (final)");
      await w.frames[w.frames.length - 1].sp.commit();
      w.frames.length--;
    }
    trace.push("commit (final)");
    await session.commit();
    w.committed();
    w.checkSession(session, "final commit");
    await checkEnded("final commit", true);
    return ops;
  } finally {
    await session.close();
  }
}

export async function runMany(ctx: EngineContext, runs: number, diagnostic: (s: string) => void): Promise<void> {
  const started = performance.now();
  let ops = 0;
  const counts = new Map<string, number>();
  for (let i = 0; i < runs; i++) {
    const seed = BASE_SEED + i;
    const trace: string[] = [];
    try {
      ops += await sequence(ctx, seed, trace, counts);
    } catch (err) {
      const e = err as Error;
      throw new Error(
        `[${ctx.name}] sequence with seed ${seed} failed (rerun: ARBOR_MODEL_SEED=${seed} ARBOR_MODEL_RUNS=1 ARBOR_ENGINES=${ctx.name}): ${e.message}\n  ${trace.join("\n  ")}`,
        { cause: err },
      );
    }
  }
  diagnostic(
    `${ctx.name}: ${runs} sequences, ${ops} operations in ${((performance.now() - started) / 1000).toFixed(1)} s (${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")})`,
  );
  // Every kind of operation ran (with the default number of runs).
  if (runs >= 100) for (const [k, n] of counts) assert.ok(n >= runs / 20, `${k} ran only ${n} times`);
  if (runs >= 100) assert.equal(counts.size, 13, `operations that ran: ${[...counts.keys()].join(", ")}`);
}
