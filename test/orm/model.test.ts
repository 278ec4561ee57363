// Model-based test of the Session: seeded random sequences of adds, changes, deletes (cascading
// and delete-orphan), flushes, commits, rollbacks and savepoints, checked against an in-memory
// model of what the session holds (W), what the open transaction holds (F), what is committed (C)
// and the savepoint frames. After every operation each object's status and the session's
// new/deleted lists are checked; after flushes and savepoint operations the transaction's rows;
// after every commit and rollback the committed rows (read on a pooled connection) and, through
// `session.get`, every object that exists, and that gone ones are gone.
//
// ARBOR_MODEL_RUNS scales the number of sequences (default 500), ARBOR_MODEL_SEED moves the seeds.
// A failure names its seed and lists the operations that led to it.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { Session, IntegrityError, select, insert, update, deleteFrom, type Collection, type Result, type RowType, type Statement } from "../../src/index.js";
import { md, registry, Customer, Order, Item, customerT, orderT, itemT, orderTagT, tagT } from "../fixtures/orm-shop.js";
import { forEachEngine, type EngineContext } from "../support/engines.js";
import { Gen } from "../support/random.js";

const RUNS = Number(process.env.ARBOR_MODEL_RUNS ?? 500);
const BASE_SEED = Number(process.env.ARBOR_MODEL_SEED ?? 7_000);

type Obj = Customer | Order | Item;
type Status = "transient" | "pending" | "persistent" | "deleted" | "detached";

interface View {
  readonly customers: Map<Customer, { name: string }>;
  readonly orders: Map<Order, { cust: Customer; num: string }>;
  readonly items: Map<Item, { order: Order; sku: string }>;
}

const emptyView = (): View => ({ customers: new Map(), orders: new Map(), items: new Map() });
const cloneView = (v: View): View => ({
  customers: new Map([...v.customers].map(([k, r]) => [k, { ...r }])),
  orders: new Map([...v.orders].map(([k, r]) => [k, { ...r }])),
  items: new Map([...v.items].map(([k, r]) => [k, { ...r }])),
});
const inView = (v: View, o: Obj): boolean => (o instanceof Customer ? v.customers.has(o) : o instanceof Order ? v.orders.has(o) : v.items.has(o as Item));
function removeFromView(v: View, o: Obj): void {
  if (o instanceof Customer) v.customers.delete(o);
  else if (o instanceof Order) v.orders.delete(o);
  else v.items.delete(o as Item);
}

/** Anything that runs a Core statement: a Session, an Engine. */
interface Reader {
  execute<S extends Statement<unknown>>(stmt: S): Promise<Result<RowType<S>>>;
}

const qCustomers = select(customerT.c.id, customerT.c.name).orderBy(customerT.c.id);
const qOrders = select(orderT.c.id, orderT.c.customerId, orderT.c.num).orderBy(orderT.c.id);
const qItems = select(itemT.c.id, itemT.c.customerId, itemT.c.orderId, itemT.c.sku).orderBy(itemT.c.id);

async function readRows(r: Reader) {
  return {
    customers: (await r.execute(qCustomers)).rows,
    orders: (await r.execute(qOrders)).rows,
    items: (await r.execute(qItems)).rows,
  };
}

function rowsOf(v: View) {
  const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
  return {
    customers: [...v.customers].map(([c, r]) => ({ id: c.id, name: r.name })).sort(byId),
    orders: [...v.orders].map(([o, r]) => ({ id: o.id, customerId: r.cust.id, num: r.num })).sort(byId),
    items: [...v.items].map(([i, r]) => ({ id: i.id, customerId: v.orders.get(r.order)!.cust.id, orderId: r.order.id, sku: r.sku })).sort(byId),
  };
}

interface Frame {
  readonly sp: Awaited<ReturnType<Session["beginNested"]>>;
  readonly F: View;
  readonly deletedInTx: ReadonlySet<Obj>;
}

/** The model: what the session, the transaction and the database should hold. */
class World {
  /** What the session holds (what a flush would write). */
  W = emptyView();
  /** What the open transaction holds. */
  F = emptyView();
  /** What is committed. */
  C = emptyView();
  frames: Frame[] = [];
  /** Rows deleted by a flush in the open transaction. */
  deletedInTx = new Set<Obj>();
  /** Rows whose deletion was committed. */
  readonly detached = new Set<Obj>();
  /** Objects cascaded into the session (pending until flushed). */
  readonly attached = new Set<Obj>();
  /** Objects passed to session.delete() while persistent, not yet flushed. */
  readonly markedDeleted = new Set<Obj>();
  /** Pending objects taken out of the model before a flush: "pending" or "transient" until the next flush. */
  readonly limbo = new Set<Obj>();
  readonly known = new Set<Obj>();
  private readonly labels = new Map<Obj, string>();
  private seq = 0;

  label(o: Obj): string {
    let l = this.labels.get(o);
    if (!l) {
      l = `${o instanceof Customer ? "C" : o instanceof Order ? "O" : o instanceof Item ? "I" : "?"}${++this.seq}`;
      this.labels.set(o, l);
      this.known.add(o);
    }
    return l;
  }
  labelsOf(objs: Iterable<object>): string[] {
    return [...objs].map((o) => this.labels.get(o as Obj) ?? `<unknown ${(o as { constructor: { name: string } }).constructor.name}>`).sort();
  }

  ordersOf(c: Customer, v: View = this.W): Order[] {
    return [...v.orders].filter(([, r]) => r.cust === c).map(([o]) => o);
  }
  itemsOf(o: Order, v: View = this.W): Item[] {
    return [...v.items].filter(([, r]) => r.order === o).map(([i]) => i);
  }

  /** What session.add(o) cascades to: the graph reachable through loaded relationships. */
  attach(root: Obj): void {
    const todo: Obj[] = [root];
    const seen = new Set<Obj>();
    while (todo.length) {
      const o = todo.pop()!;
      if (seen.has(o)) continue;
      seen.add(o);
      if (!inView(this.F, o)) this.attached.add(o);
      if (o instanceof Customer) todo.push(...this.ordersOf(o));
      else if (o instanceof Order) {
        const r = this.W.orders.get(o);
        if (r) todo.push(r.cust);
        todo.push(...this.itemsOf(o));
      } else {
        const r = this.W.items.get(o as Item);
        if (r) todo.push(r.order);
      }
    }
  }

  /** Takes `o` out of W (with its children); pending children become limbo. */
  remove(o: Obj, immediate: Obj | null): void {
    const gone: Obj[] = [o];
    if (o instanceof Customer) for (const x of this.ordersOf(o)) gone.push(x, ...this.itemsOf(x));
    if (o instanceof Order) gone.push(...this.itemsOf(o));
    for (const x of gone) {
      removeFromView(this.W, x);
      if (!inView(this.F, x) && x !== immediate && this.attached.has(x)) this.limbo.add(x);
    }
  }

  /** A flush happened (session "afterFlush"): the transaction now holds W. */
  flushed(): void {
    for (const v of [this.F.customers, this.F.orders, this.F.items] as Map<Obj, unknown>[])
      for (const o of v.keys()) if (!inView(this.W, o)) this.deletedInTx.add(o);
    this.F = cloneView(this.W);
    this.markedDeleted.clear();
    this.limbo.clear();
  }

  committed(): void {
    this.C = cloneView(this.F);
    for (const o of this.deletedInTx) this.detached.add(o);
    this.deletedInTx = new Set();
    this.frames = [];
  }

  rolledBack(): void {
    this.W = cloneView(this.C);
    this.F = cloneView(this.C);
    this.deletedInTx = new Set();
    this.markedDeleted.clear();
    this.limbo.clear();
    this.frames = [];
  }

  rolledBackTo(i: number): void {
    const f = this.frames[i];
    this.W = cloneView(f.F);
    this.F = cloneView(f.F);
    this.deletedInTx = new Set(f.deletedInTx);
    this.markedDeleted.clear();
    this.limbo.clear();
    this.frames.length = i;
  }

  status(o: Obj): Status {
    if (inView(this.F, o)) return "persistent";
    if (inView(this.W, o)) return this.attached.has(o) ? "pending" : "transient";
    if (this.deletedInTx.has(o)) return "deleted";
    if (this.detached.has(o)) return "detached";
    return "transient";
  }

  expectedNew(): Obj[] {
    return [...this.known].filter((o) => inView(this.W, o) && !inView(this.F, o) && this.attached.has(o));
  }

  /** Statuses, identity keys and the session's new/deleted lists: no SQL. */
  checkSession(session: Session, at: string): void {
    for (const o of this.known) {
      const want = this.status(o);
      const info = session.inspect(o);
      if (this.limbo.has(o))
        assert.ok(info.status === "pending" || info.status === "transient", `${at}: ${this.label(o)} is ${info.status}, expected pending or transient`);
      else assert.equal(info.status, want, `${at}: status of ${this.label(o)}`);
      const keyed = want === "persistent" || want === "deleted" || want === "detached";
      if (!this.limbo.has(o)) assert.equal(info.identityKey !== undefined, keyed, `${at}: ${this.label(o)} (${want}) has identity key ${info.identityKey}`);
    }
    const news = this.labelsOf(session.new);
    const wantNew = this.labelsOf(this.expectedNew());
    const limbo = new Set(this.labelsOf(this.limbo));
    assert.deepEqual(
      news.filter((l) => !limbo.has(l)),
      wantNew,
      `${at}: session.new`,
    );
    assert.deepEqual(this.labelsOf(session.deleted), this.labelsOf(this.markedDeleted), `${at}: session.deleted`);
  }
}

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

async function runMany(ctx: EngineContext, runs: number, diagnostic: (s: string) => void): Promise<void> {
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

forEachEngine(import.meta.url, (ctx) => {
  const open: Session[] = [];
  const resetSchema = () =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
  const fresh = async () => {
    await resetSchema();
    const s = new Session(ctx.engine, { registry });
    open.push(s);
    return s;
  };
  // A failing case must not leave a transaction open: its locks would block dropping the namespace.
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
  });

  test(`${RUNS} random sequences keep the database and the session in line with the model`, async (t) => {
    await resetSchema();
    await runMany(ctx, RUNS, (s) => t.diagnostic(s));
  });

  // ---- Bugs the model found, each as a minimal case (fixed in e3f029e and bbea564) --------------

  test("issue 12: a pending order in the collection of a customer deleted in the same flush is inserted, never dropped: the flush fails on its key", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await s.load(c, "orders");
    const o = new Order({ num: "1" });
    const i = new Item({ sku: "x", price: "1.00" });
    o.items.push(i);
    c.orders.push(o);
    s.delete(c);
    await assert.rejects(s.commit(), IntegrityError);
    // Nothing was written and nothing was lost: the order and its item are still to be inserted.
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status, s.inspect(i).status], ["persistent", "pending", "pending"]);
    assert.deepEqual(s.deleted, [c]);
    await s.rollback();
    assert.deepEqual([(await ctx.engine.execute(qCustomers)).rows.length, (await ctx.engine.execute(qItems)).rows], [1, []]);
  });

  test("a pending order removed from its collection takes its pending items with it", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await s.load(c, "orders");
    const o = new Order({ num: "1" });
    const i = new Item({ sku: "x", price: "1.00" });
    o.items.push(i);
    c.orders.push(o);
    s.add(o);
    (c.orders as Collection<Order>).remove(o);
    await s.commit();
    assert.deepEqual([s.inspect(o).status, s.inspect(i).status], ["transient", "transient"]);
    assert.deepEqual([(await ctx.engine.execute(qOrders)).rows, (await ctx.engine.execute(qItems)).rows], [[], []]);
  });

  test("session.delete() of a pending order that is still in its customer's collection: it is not inserted", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await s.load(c, "orders");
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(o);
    s.delete(o);
    assert.equal(s.inspect(o).status, "transient");
    await s.commit();
    assert.equal(s.inspect(o).status, "transient");
    assert.deepEqual((await ctx.engine.execute(qOrders)).rows, []);
  });

  test("a flush with nothing to write still makes the pending objects it drops transient", async () => {
    const s = await fresh();
    const o = new Order({ num: "1" });
    const c = new Customer({ name: "A" });
    c.orders.push(o);
    s.add(c);
    (c.orders as Collection<Order>).remove(o);
    s.delete(c); // pending: leaves at once, with the pending orders still in its collection (none)
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status, s.new], ["transient", "pending", [o]]);
    await s.flush();
    assert.deepEqual([s.inspect(o).status, s.new], ["transient", []]);
    await s.commit();
    assert.equal(s.inspect(o).status, "transient");
  });

  test("rollback after a key was deleted and inserted again (and deleted) in one transaction: the original object is back in the identity map", async () => {
    const s = await fresh();
    const a = s.add(new Customer({ id: 5, name: "A" }));
    await s.commit();
    s.delete(a);
    await s.flush();
    const b = s.add(new Customer({ id: 5, name: "B" }));
    await s.flush();
    s.delete(b);
    await s.flush();
    await s.rollback();
    assert.deepEqual([s.inspect(a).status, s.inspect(b).status], ["persistent", "transient"]);
    assert.ok((await s.get(Customer, 5)) === a, "get(Customer, 5) returns the original object");
    assert.equal(a.name, "A");
  });

  test("deleting a pending customer also drops its pending orders; nothing is inserted", async () => {
    const s = await fresh();
    const c = new Customer({ name: "A" });
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(c);
    s.delete(c);
    await s.flush();
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status], ["transient", "transient"]);
    assert.deepEqual((await s.execute(qCustomers)).rows, []);
    assert.deepEqual((await s.execute(qOrders)).rows, []);
    await s.close();
  });

  test("a pending order removed from a delete-orphan collection is not inserted", async () => {
    const s = await fresh();
    const c = new Customer({ name: "B" });
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(c);
    (c.orders as Collection<Order>).remove(o);
    await s.flush();
    assert.equal(s.inspect(o).status, "transient");
    assert.deepEqual((await s.execute(qOrders)).rows, []);
    assert.equal((await s.execute(qCustomers)).rows.length, 1);
    await s.close();
  });

  test("issue 12: a pending order appended to a customer deleted in the same flush is saved when a row switch keeps the customer's row", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "C" }));
    await s.commit();
    await s.load(c, "orders");
    s.delete(c);
    const o = new Order({ num: "new" });
    c.orders.push(o);
    s.add(new Customer({ id: c.id, name: "C again" }));
    await s.commit();
    assert.equal(s.inspect(o).status, "persistent");
    assert.deepEqual((await ctx.engine.execute(qOrders)).rows, [{ id: o.id, customerId: c.id, num: "new" }]);
    await s.close();
  });

  test("an object inserted and deleted in one transaction is transient after rollback", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "D" }));
    await s.flush();
    s.delete(c);
    await s.flush();
    assert.equal(s.inspect(c).status, "deleted");
    await s.rollback();
    assert.deepEqual([s.inspect(c).status, s.inspect(c).identityKey], ["transient", undefined]);
    await s.close();
  });

  test("the same, undone by a savepoint rollback", async () => {
    const s = await fresh();
    const sp = await s.beginNested();
    const c = s.add(new Customer({ name: "E" }));
    await s.flush();
    s.delete(c);
    await s.flush();
    await sp.rollback();
    assert.deepEqual([s.inspect(c).status, s.inspect(c).identityKey], ["transient", undefined]);
    await s.close();
  });

  test("issue 12: rolling back a savepoint expires only the objects changed inside it (flushed or not)", async () => {
    const s = await fresh();
    const [a, b, c] = [new Customer({ name: "a" }), new Customer({ name: "b" }), new Customer({ name: "c" })];
    s.addAll([a, b, c]);
    await s.flush();
    await s.load(a, "orders");
    const sp = await s.beginNested();
    b.name = "b2";
    await s.flush();
    c.name = "c2";
    await sp.rollback();
    // a was not touched inside the savepoint: its values and loaded collection stay.
    assert.deepEqual([s.inspect(a).expired, a.name, s.inspect(a).loaded.includes("orders")], [[], "a", true]);
    assert.deepEqual([s.inspect(b).expired, s.inspect(c).expired], [["name"], ["name"]]);
    await s.refresh(b);
    await s.refresh(c);
    assert.deepEqual([b.name, c.name], ["b", "c"]);
    await s.close();
  });

  test("commit with a savepoint open releases it and commits everything", async () => {
    const s = await fresh();
    const a = s.add(new Customer({ name: "outer" }));
    await s.beginNested();
    const b = s.add(new Customer({ name: "inner" }));
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows.map((r) => r.name).sort(), ["inner", "outer"]);
    assert.deepEqual([s.inspect(a).status, s.inspect(b).status], ["persistent", "persistent"]);
    await s.close();
  });

  test("releasing an outer savepoint releases the ones inside it", async () => {
    const s = await fresh();
    const sp1 = await s.beginNested();
    s.add(new Customer({ name: "in1" }));
    await s.beginNested();
    s.add(new Customer({ name: "in2" }));
    await sp1.commit();
    assert.deepEqual((await s.execute(qCustomers)).rows.map((r) => r.name).sort(), ["in1", "in2"]);
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows.map((r) => r.name).sort(), ["in1", "in2"]);
    await s.close();
  });

  test("writing, after a rollback, the value a rolled-back flush had written is not lost", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    c.name = "B";
    await s.flush();
    await s.rollback();
    c.name = "B";
    assert.deepEqual(s.inspect(c).modified, ["name"]);
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows, [{ id: c.id, name: "B" }]);
    await s.refresh(c);
    assert.equal(c.name, "B");
    await s.close();
  });

  test("an attribute written while expired is updated even if it equals the stale value", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "A" }));
    await s.commit();
    await ctx.engine.execute(update(customerT).set({ name: "Z" }).where(customerT.c.id.eq(c.id)));
    c.name = "A";
    await s.commit();
    assert.deepEqual((await ctx.engine.execute(qCustomers)).rows, [{ id: c.id, name: "A" }]);
    await s.close();
  });

  test("deleting a customer after removing one of its orders from the collection deletes the orphan too", async () => {
    const s = await fresh();
    const c = new Customer({ name: "G" });
    const o = new Order({ num: "1" });
    c.orders.push(o);
    s.add(c);
    await s.commit();
    await s.load(c, "orders");
    (c.orders as Collection<Order>).remove(o);
    s.delete(c);
    await s.flush();
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status], ["deleted", "deleted"]);
    await s.commit();
    assert.deepEqual([(await ctx.engine.execute(qCustomers)).rows, (await ctx.engine.execute(qOrders)).rows], [[], []]);
    await s.close();
  });

  test("issue 12: deleting a customer whose orders are not loaded: a pending order that points at it is inserted and the flush fails on its key", async () => {
    const s = await fresh();
    const c = s.add(new Customer({ name: "F" }));
    await s.commit();
    const o = new Order({ num: "late" });
    o.customer = c;
    s.add(o);
    s.delete(c);
    await assert.rejects(s.flush(), IntegrityError);
    assert.deepEqual([s.inspect(c).status, s.inspect(o).status], ["persistent", "pending"]);
    await s.rollback();
    assert.deepEqual([(await ctx.engine.execute(qCustomers)).rows.length, (await ctx.engine.execute(qOrders)).rows], [1, []]);
    await s.close();
  });
});
