// Type-level tests: checked by `tsc` (npm run typecheck, and types.test.ts runs it). A wrong
// inference fails to compile; each @ts-expect-error fails to compile if the error disappears.
import {
  select,
  insert,
  update,
  nested,
  nestedOne,
  func,
  alias,
  table,
  integer,
  text,
  timestamp,
  timestamptz,
  types,
  cast,
  type RowType,
  type TimestampType,
} from "../../src/index.js";
import { customer, order, item, employee } from "../fixtures/shop.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

// Columns give their keys and value types; nullable columns include null.
const q1 = select(customer.c.id, customer.c.name, customer.c.email);
expectType<Equal<RowType<typeof q1>, { id: number; name: string; email: string | null }>>(true);

// Labels rename.
const q2 = select(customer.c.name.as("who"), func.count().as("n"));
expectType<Equal<RowType<typeof q2>, { who: string; n: number }>>(true);

// A table stands for all its columns, with property keys (placedAt, not placed_at).
const q3 = select(order);
expectType<Equal<RowType<typeof q3>, { id: number; customerId: number; ordernum: string; placedAt: Date; total: string | null }>>(true);

// bigint columns are bigint; numeric is string.
const q4 = select(item.c.serial, item.c.price);
expectType<Equal<RowType<typeof q4>, { serial: bigint | null; price: string }>>(true);

// Nested results are typed at every depth.
const q5 = select(
  customer.c.name,
  nested(select(order.c.ordernum, order.c.placedAt, nested(select(item.c.sku, item.c.qty)).as("items"))).as("orders"),
  nestedOne(select(customer.c.vip)).as("self"),
);
expectType<
  Equal<
    RowType<typeof q5>,
    {
      name: string;
      orders: { ordernum: string; placedAt: Date; items: { sku: string; qty: number }[] }[];
      self: { vip: boolean } | null;
    }
  >
>(true);

// Derived tables expose typed columns.
const sub = select(order.c.customerId, func.sum(order.c.total).as("spent")).groupBy(order.c.customerId).as("t");
const q6 = select(sub.c.customerId, sub.c.spent);
expectType<Equal<RowType<typeof q6>, { customerId: number; spent: string | null }>>(true);

// Aliases keep types.
const boss = alias(employee, "boss");
const q7 = select(employee.c.name, boss.c.name.as("boss"));
expectType<Equal<RowType<typeof q7>, { name: string; boss: string }>>(true);

// RETURNING is typed; INSERT requires non-nullable columns without defaults.
const ins = insert(customer).values({ name: "a" }).returning(customer.c.id);
expectType<Equal<RowType<typeof ins>, { id: number }>>(true);
const insAll = insert(customer).values({ name: "a" }).returning();
expectType<Equal<RowType<typeof insAll>, { id: number; name: string; email: string | null; vip: boolean }>>(true);

// @ts-expect-error name is required
insert(customer).values({ email: "x" });
// @ts-expect-error no such column
insert(customer).values({ name: "a", nope: 1 });
// @ts-expect-error wrong value type
insert(customer).values({ name: 1 });
// @ts-expect-error wrong value type in SET
update(customer).set({ vip: "yes" });
// @ts-expect-error no such column on the table
select(customer.c.nope);
// @ts-expect-error comparing a number column with a string
customer.c.id.eq("1");
// @ts-expect-error an unlabelled expression has no key
select(func.count());
// @ts-expect-error like() is for strings
customer.c.id.like("1%");

// Tables declared inline infer as well.
const t = table("t", { a: integer().notNull(), b: text() });
const q8 = select(t.c.a, t.c.b);
expectType<Equal<RowType<typeof q8>, { a: number; b: string | null }>>(true);

// Loader option paths are typed from the mapped classes.
import { nestedload, selectinload } from "../../src/index.js";
import { Customer as OrmCustomer, Employee as OrmEmployee } from "../fixtures/orm-shop.js";
nestedload(OrmCustomer, "orders", "items");
nestedload(OrmCustomer, "orders", "tags", "orders");
selectinload(OrmEmployee, "reports", "reports", "manager");
// @ts-expect-error "name" is a column, not a relationship
nestedload(OrmCustomer, "name");
// @ts-expect-error orders have no "reports"
nestedload(OrmCustomer, "orders", "reports");
// @ts-expect-error no such relationship
selectinload(OrmCustomer, "nope");

// forEach hands over rows of the statement's type; nested() with reserve keeps the row type.
import type { Engine } from "../../src/index.js";
declare const engine: Engine;
void engine.forEach(q5, (row) => {
  expectType<Equal<typeof row, RowType<typeof q5>>>(true);
  // @ts-expect-error rows have no such key
  void row.nope;
});
const q9 = select(customer.c.id, nested(select(order.c.ordernum), { reserve: ["owner"] }).as("orders"));
expectType<Equal<RowType<typeof q9>, { id: number; orders: { ordernum: string }[] }>>(true);
// @ts-expect-error reserve takes key names
nested(select(order.c.ordernum), { reserve: [1] });

// Timestamps: a Date by default and at precisions up to 3; ISO text in string mode.
{
  const stamps = table("stamps", {
    id: integer().primaryKey(),
    plain: timestamp(),
    seconds: timestamptz({ precision: 0 }),
    micro: timestamp({ precision: 6, mode: "string" }),
    microTz: timestamptz({ precision: 6, mode: "string" }).notNull(),
  });
  const q = select(
    stamps.c.plain,
    stamps.c.seconds,
    stamps.c.micro,
    stamps.c.microTz,
    cast(stamps.c.plain, types.timestamptz({ mode: "string" })).as("asText"),
  );
  expectType<Equal<RowType<typeof q>, { plain: Date | null; seconds: Date | null; micro: string | null; microTz: string; asText: string }>>(true);
  expectType<Equal<typeof types.timestamp, TimestampType>>(true);
  // @ts-expect-error a string-mode column takes text, not a Date
  insert(stamps).values({ id: 1, microTz: new Date() });
}
