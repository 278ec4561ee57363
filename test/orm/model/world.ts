// The model of the Session's model-based test (model.test.ts): what the session, the open
// transaction and the database should hold after each operation, and the checks against them.
import assert from "node:assert/strict";
import { select, type Result, type RowType, type Session, type Statement } from "../../../src/index.js";
import { Customer, Order, Item, customerT, orderT, itemT } from "../../fixtures/orm-shop.js";

export type Obj = Customer | Order | Item;
export type Status = "transient" | "pending" | "persistent" | "deleted" | "detached";

export interface View {
  readonly customers: Map<Customer, { name: string }>;
  readonly orders: Map<Order, { cust: Customer; num: string }>;
  readonly items: Map<Item, { order: Order; sku: string }>;
}

export const emptyView = (): View => ({ customers: new Map(), orders: new Map(), items: new Map() });
export const cloneView = (v: View): View => ({
  customers: new Map([...v.customers].map(([k, r]) => [k, { ...r }])),
  orders: new Map([...v.orders].map(([k, r]) => [k, { ...r }])),
  items: new Map([...v.items].map(([k, r]) => [k, { ...r }])),
});
export const inView = (v: View, o: Obj): boolean =>
  o instanceof Customer ? v.customers.has(o) : o instanceof Order ? v.orders.has(o) : v.items.has(o as Item);
export function removeFromView(v: View, o: Obj): void {
  if (o instanceof Customer) v.customers.delete(o);
  else if (o instanceof Order) v.orders.delete(o);
  else v.items.delete(o as Item);
}

/** Anything that runs a Core statement: a Session, an Engine. */
export interface Reader {
  execute<S extends Statement<unknown>>(stmt: S): Promise<Result<RowType<S>>>;
}

export const qCustomers = select(customerT.c.id, customerT.c.name).orderBy(customerT.c.id);
export const qOrders = select(orderT.c.id, orderT.c.customerId, orderT.c.num).orderBy(orderT.c.id);
export const qItems = select(itemT.c.id, itemT.c.customerId, itemT.c.orderId, itemT.c.sku).orderBy(itemT.c.id);

export async function readRows(r: Reader) {
  return {
    customers: (await r.execute(qCustomers)).rows,
    orders: (await r.execute(qOrders)).rows,
    items: (await r.execute(qItems)).rows,
  };
}

export function rowsOf(v: View) {
  const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
  return {
    customers: [...v.customers].map(([c, r]) => ({ id: c.id, name: r.name })).sort(byId),
    orders: [...v.orders].map(([o, r]) => ({ id: o.id, customerId: r.cust.id, num: r.num })).sort(byId),
    items: [...v.items].map(([i, r]) => ({ id: i.id, customerId: v.orders.get(r.order)!.cust.id, orderId: r.order.id, sku: r.sku })).sort(byId),
  };
}

export interface Frame {
  readonly sp: Awaited<ReturnType<Session["beginNested"]>>;
  readonly F: View;
  readonly deletedInTx: ReadonlySet<Obj>;
}

/** The model: what the session, the transaction and the database should hold. */
export class World {
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
