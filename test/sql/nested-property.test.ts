// Property: for random datasets, the nested result equals the flat LEFT JOIN regrouped in memory,
// on every engine and for every type (NULLs, unicode, bigint extremes, numeric scales, dates,
// timestamps, bytes, JSON). Each dataset lives in a transaction that is rolled back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { select, insert, nested, type Transaction } from "../../src/index.js";
import { groupShop } from "../fixtures/group-shop.js";
import { forEachEngine } from "../support/engines.js";
import { BIGINTS, Gen, TEXTS } from "../support/random.js";

const DATASETS = Number(process.env.ARBOR_PROPERTY_RUNS ?? 200);
const { md, customer, order, item } = groupShop();

function jsonValue(g: Gen, depth = 0): unknown {
  switch (g.int(0, depth > 1 ? 3 : 5)) {
    case 0:
      return g.int(-1000, 1000);
    case 1:
      return g.pick(TEXTS);
    case 2:
      return g.bool();
    case 3:
      return null;
    case 4:
      return Array.from({ length: g.int(0, 3) }, () => jsonValue(g, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: g.int(0, 3) }, (_, i) => [`k${i}${g.pick(["", "é", " x"])}`, jsonValue(g, depth + 1)]));
  }
}

function dataset(seed: number) {
  const g = new Gen(seed);
  const customers = [];
  const orders = [];
  const items = [];
  let oid = 0;
  let iid = 0;
  for (let c = 1; c <= g.int(1, 4); c++) {
    customers.push({ id: c, name: g.maybe(0.2, () => g.pick(TEXTS)), vip: g.maybe(0.2, () => g.bool()) });
    for (let o = 0; o < g.int(0, 3); o++) {
      const id = ++oid;
      orders.push({
        id,
        customerId: c,
        placed: g.maybe(0.2, () => new Date(g.int(-2_000_000_000, 4_000_000_000) * 1000 + g.int(0, 999))),
        day: g.maybe(0.2, () => `${g.int(1900, 2100)}-${String(g.int(1, 12)).padStart(2, "0")}-${String(g.int(1, 28)).padStart(2, "0")}`),
        note: g.maybe(0.3, () => jsonValue(g)),
      });
      for (let i = 0; i < g.int(0, 3); i++) {
        const cents = g.int(-9_999_999, 9_999_999);
        items.push({
          id: ++iid,
          customerId: c,
          orderId: id,
          price: g.maybe(0.2, () => `${cents < 0 ? "-" : ""}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, "0")}`),
          serial: g.maybe(0.2, () => g.pick(BIGINTS)),
          blob: g.maybe(0.2, () => Uint8Array.from({ length: g.int(0, 6) }, () => g.int(0, 255))),
        });
      }
    }
  }
  return { customers, orders, items };
}

const nestedQuery = select(customer, nested(select(order, nested(select(item).orderBy(item.c.id)).as("items")).orderBy(order.c.id)).as("orders")).orderBy(
  customer.c.id,
);

const flatQuery = select(
  customer.c.id,
  customer.c.name,
  customer.c.vip,
  order.c.id.as("o_id"),
  order.c.customerId.as("o_customerId"),
  order.c.placed.as("o_placed"),
  order.c.day.as("o_day"),
  order.c.note.as("o_note"),
  item.c.id.as("i_id"),
  item.c.customerId.as("i_customerId"),
  item.c.orderId.as("i_orderId"),
  item.c.price.as("i_price"),
  item.c.serial.as("i_serial"),
  item.c.blob.as("i_blob"),
)
  .from(customer)
  .leftJoin(order, order.c.customerId.eq(customer.c.id))
  .leftJoin(item, item.c.orderId.eq(order.c.id))
  .orderBy(customer.c.id, order.c.id, item.c.id);

type Flat = Awaited<ReturnType<typeof run>>[number];
async function run(tx: Transaction) {
  return (await tx.execute(flatQuery)).rows;
}

function regroup(rows: Flat[]) {
  const out: Record<string, unknown>[] = [];
  const byCustomer = new Map<number, { orders: Record<string, unknown>[] }>();
  const byOrder = new Map<number, { items: Record<string, unknown>[] }>();
  for (const r of rows) {
    let c = byCustomer.get(r.id);
    if (!c) {
      c = { orders: [] };
      byCustomer.set(r.id, c);
      out.push({ id: r.id, name: r.name, vip: r.vip, orders: c.orders });
    }
    if (r.o_id === null) continue;
    let o = byOrder.get(r.o_id);
    if (!o) {
      o = { items: [] };
      byOrder.set(r.o_id, o);
      c.orders.push({ id: r.o_id, customerId: r.o_customerId, placed: r.o_placed, day: r.o_day, note: r.o_note, items: o.items });
    }
    if (r.i_id !== null) o.items.push({ id: r.i_id, customerId: r.i_customerId, orderId: r.i_orderId, price: r.i_price, serial: r.i_serial, blob: r.i_blob });
  }
  return out;
}

forEachEngine(import.meta.url, (ctx) => {
  test(`nested result equals the flat join regrouped (${DATASETS} random datasets)`, { timeout: 300_000 }, async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      for (let seed = 1; seed <= DATASETS; seed++) {
        const data = dataset(seed);
        const tx = await c.begin();
        try {
          await tx.execute(insert(customer).values(data.customers));
          if (data.orders.length) await tx.execute(insert(order).values(data.orders));
          if (data.items.length) await tx.execute(insert(item).values(data.items));
          const got = (await tx.execute(nestedQuery)).rows;
          const want = regroup(await run(tx));
          assert.deepStrictEqual(got, want, `seed ${seed}`);
          // And both equal what was inserted (the flat side is not trusted blindly).
          assert.equal(got.length, data.customers.length, `seed ${seed}`);
          assert.deepStrictEqual(
            got.flatMap((x) => x.orders.flatMap((o) => o.items.map((i) => i.serial))),
            data.items.map((i) => i.serial),
            `seed ${seed}`,
          );
        } finally {
          await tx.rollback();
        }
      }
      await md.dropAll(c);
    });
  });
});
