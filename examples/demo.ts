// Arbor's demo: the customer → order → item schema on embedded SQLite, a few queries, and the
// whole tree loaded by ONE statement with nested(), printed as a tree.
import {
  MetaData,
  integer,
  text,
  numeric,
  timestamptz,
  boolean,
  bigint,
  unique,
  foreignKey,
  createEngine,
  select,
  insert,
  update,
  nested,
  func,
  and,
  type LogEntry,
} from "../src/index.js";

const md = new MetaData();
const customer = md.table("customer", {
  id: integer().primaryKey().autoincrement(),
  name: text().notNull(),
  vip: boolean().notNull().default(false),
});
// cust_order and item form a table group under customer: each member carries the root key
// (customer_id), and the grouping keys drive the correlation of nested selects.
const order = md.table(
  "cust_order",
  {
    id: integer().primaryKey().autoincrement(),
    customerId: integer()
      .notNull()
      .named("customer_id")
      .references(() => customer.c.id, { grouping: true }),
    ordernum: text().notNull(),
    placedAt: timestamptz().notNull().named("placed_at"),
  },
  (c) => [unique([c.customerId, c.id])],
);
const item = md.table(
  "item",
  {
    id: integer().primaryKey().autoincrement(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    sku: text().notNull(),
    qty: integer().notNull(),
    price: numeric(10, 2).notNull(),
    serial: bigint(),
  },
  (c) => [foreignKey([c.customerId, c.orderId], () => [order.c.customerId, order.c.id], { grouping: true })],
);

const statements: string[] = [];
const engine = createEngine("sqlite::memory:", { echo: (e: LogEntry) => statements.push(e.sql) });

await engine.transaction(async (tx) => {
  await md.createAll(tx);
  const people = await tx.execute(
    insert(customer)
      .values([{ name: "Ada Lovelace", vip: true }, { name: "Alan Turing" }, { name: "Grace Hopper" }])
      .returning(customer.c.id, customer.c.name),
  );
  let n = 0;
  for (const p of people.rows) {
    for (let k = 0; k < (p.name === "Grace Hopper" ? 0 : 2); k++) {
      const o = await tx.execute(
        insert(order)
          .values({ customerId: p.id, ordernum: `ORD-${++n}`, placedAt: new Date(Date.UTC(1843, 6 + n, n, 9, 30)) })
          .returning(order.c.id),
      );
      await tx.execute(
        insert(item).values([
          { customerId: p.id, orderId: o.one().id, sku: "difference-engine", qty: 1, price: "2.30", serial: 9007199254740993n + BigInt(n) },
          { customerId: p.id, orderId: o.one().id, sku: "punch-cards", qty: 40 * n, price: "0.05" },
        ]),
      );
    }
  }
});

function show(title: string, rows: unknown): void {
  console.log(`\n== ${title}`);
  console.log(rows);
}

// A join with an aggregate.
show(
  "Orders per customer",
  (
    await engine.execute(
      select(customer.c.name, func.count(order.c.id).as("orders")).leftJoin(order).groupBy(customer.c.id, customer.c.name).orderBy(customer.c.name),
    )
  ).rows,
);

// An update, then a filtered select.
await engine.execute(
  update(item)
    .set({ qty: item.c.qty.add(1) })
    .where(item.c.sku.eq("punch-cards")),
);
show("Items with qty > 50", (await engine.execute(select(item.c.sku, item.c.qty, item.c.price).where(and(item.c.qty.gt(50))))).rows);

// The whole tree, one statement: orders nested in customers, items nested in orders.
statements.length = 0;
const tree = select(
  customer.c.name,
  customer.c.vip,
  nested(
    select(order.c.ordernum, order.c.placedAt, nested(select(item.c.sku, item.c.qty, item.c.price, item.c.serial).orderBy(item.c.sku)).as("items")).orderBy(
      order.c.placedAt,
    ),
  ).as("orders"),
).orderBy(customer.c.name);
const customers = (await engine.execute(tree)).rows;

console.log(`\n== customer → orders → items, loaded by ${statements.length} statement:`);
for (const c of customers) {
  console.log(`${c.name}${c.vip ? " (vip)" : ""}`);
  if (c.orders.length === 0) console.log("└─ (no orders)");
  c.orders.forEach((o, i) => {
    const lastOrder = i === c.orders.length - 1;
    console.log(`${lastOrder ? "└─" : "├─"} ${o.ordernum}  placed ${o.placedAt.toISOString()}`);
    o.items.forEach((it, j) => {
      const lastItem = j === o.items.length - 1;
      const serial = it.serial === null ? "" : `  serial ${it.serial}n`;
      console.log(`${lastOrder ? "   " : "│  "}${lastItem ? "└─" : "├─"} ${it.qty} × ${it.sku} @ ${it.price}${serial}`);
    });
  });
}
console.log(`\nSQL: ${statements[0]}`);
console.log(`\nThe table group behind it:\n${md.groups()[0].describe()}`);
await engine.dispose();
