// Loader strategies from outside Arbor: a strategy class registered with registerStrategy is used
// by its loader option. One loads after the statement (one query per parent, like SQLAlchemy's
// immediateload), one inside it (a LEFT JOIN of the parent row and a row processor reading it);
// both must be called and produce the same identity-mapped objects the built-in strategies do.
import assert from "node:assert/strict";
import {
  LoaderStrategy,
  MappingError,
  alias,
  registerStrategy,
  select,
  selectinload,
  joinedload,
  type Entity,
  type LoadContext,
  type LoadPlan,
  type RowProcessor,
  type StatementSetup,
} from "../../src/index.js";
import { md, registry, Customer, Order, Item, customerT, orderT } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { sessionScope } from "../support/sessions.js";
import { StatementLog } from "../support/statements.js";

/** Customer.orders, one SELECT per customer after the query's rows. */
class ImmediateOrders extends LoaderStrategy {
  readonly name = "immediate-orders";
  override readonly afterStatement = true;
  readonly calls: number[] = [];

  override async postLoad(ctx: LoadContext, node: LoadPlan, parents: readonly Entity[]): Promise<void> {
    this.calls.push(parents.length);
    const exec = await ctx.reader();
    for (const parent of parents) {
      const id = (parent as unknown as Customer).id;
      const rows = (await exec.execute(select(orderT).where(orderT.c.customerId.eq(id)).orderBy(orderT.c.id))).rows;
      ctx.assign(
        parent,
        node.rel,
        rows.map((r) => ctx.hydrate(node.rel.target, r)),
      );
    }
  }
}

/** Order.customer from a LEFT JOIN in the query's own statement. */
class JoinedCustomer extends LoaderStrategy {
  readonly name = "joined-customer";
  rows = 0;

  override setupQuery(setup: StatementSetup, node: LoadPlan): RowProcessor {
    const n = setup.nextAlias();
    const prefix = `p${n}__`;
    const c = alias(customerT, `p${n}`);
    setup.addJoin(c, c.c.id.eq(orderT.c.customerId));
    setup.addItem(c.c.id.as(`${prefix}id`));
    setup.addItem(c.c.name.as(`${prefix}name`));
    return {
      processRow: (ctx, parent, row, first) => {
        this.rows++;
        if (!first) return;
        const id = row[`${prefix}id`];
        ctx.assign(parent, node.rel, id === null || id === undefined ? [] : [ctx.hydrate(node.rel.target, { id, name: row[`${prefix}name`] })]);
      },
    };
  }
}

const immediate = new ImmediateOrders();
const immediateOrders = registerStrategy(immediate);
const joined = new JoinedCustomer();
const joinedCustomer = registerStrategy(joined);

const log = new StatementLog();
const selects = () => log.take().filter((x) => x.startsWith("SELECT"));
const picture = (customers: Customer[]) =>
  customers.map((c) => ({ id: c.id, orders: c.orders.map((o) => ({ id: o.id, num: o.num, items: o.items.map((i) => i.sku) })) }));

forEachEngine(
  import.meta.url,
  (ctx) => {
    const { session, test } = sessionScope(() => ctx.engine, registry);

    test("setup", async () => {
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const s = session();
      for (let n = 1; n <= 3; n++) {
        const c = s.add(new Customer({ name: `c${n}` }));
        for (let k = 1; k < n; k++) {
          const o = new Order({ num: `c${n}-o${k}` });
          o.items.push(new Item({ sku: `s${k}`, price: "1.00" }));
          c.orders.push(o);
        }
      }
      await s.commit();
    });

    test("a registered post-load strategy is called once with every parent and loads what selectinload loads", async () => {
      const s = session();
      immediate.calls.length = 0;
      log.clear();
      // The items below the custom strategy's orders load select-in, after it.
      const customers = await s
        .query(Customer)
        .options(selectinload(Customer, "orders", "items"), immediateOrders(Customer, "orders"))
        .orderBy(Customer.c.id)
        .all();
      assert.deepEqual(immediate.calls, [3]);
      // The customers, one SELECT of orders per customer, one select-in of items.
      assert.equal(selects().length, 1 + 3 + 1);
      const expected = await session()
        .query(Customer)
        .options(selectinload(Customer, "orders", "items"))
        .orderBy(Customer.c.id)
        .all();
      assert.deepEqual(picture(customers), picture(expected));
      assert.deepEqual(
        customers.map((c) => c.orders.length),
        [0, 1, 2],
      );
      // The orders went through the session's identity map: get() finds them without SQL, and
      // their back-reference is set.
      log.clear();
      const first = customers[2].orders[0];
      assert.equal(await s.get(Order, first.id), first);
      assert.equal(first.customer, customers[2]);
      assert.deepEqual(selects(), []);
    });

    test("a registered in-statement strategy adds its join to the query's statement and its processor populates each row's object", async () => {
      const s = session();
      joined.rows = 0;
      log.clear();
      const orders = await s.query(Order).options(joinedCustomer(Order, "customer")).orderBy(Order.c.id).all();
      const statements = selects();
      assert.equal(statements.length, 1, statements.join("\n"));
      // Its columns and its join, in the query's own statement (identifiers unquoted to compare across engines).
      const sql = statements[0].replace(/[`"]/g, "");
      assert.ok(
        sql.includes(", p1.id AS p1__id, p1.name AS p1__name FROM cust_order LEFT JOIN customer AS p1 ON p1.id = cust_order.customer_id ORDER BY "),
        sql,
      );
      assert.equal(joined.rows, 3);
      assert.deepEqual(
        orders.map((o) => [o.num, o.customer?.name]),
        [
          ["c2-o1", "c2"],
          ["c3-o1", "c3"],
          ["c3-o2", "c3"],
        ],
      );
      // One object per customer row, the identity map's.
      assert.equal(orders[1].customer, orders[2].customer);
      log.clear();
      assert.equal(await s.get(Customer, orders[0].customerId), orders[0].customer);
      assert.deepEqual(selects(), []);
      // A joined load below it runs on the same rows.
      const again = await session().query(Order).options(joinedCustomer(Order, "customer"), joinedload(Order, "items")).orderBy(Order.c.id).all();
      assert.deepEqual(
        again.map((o) => [o.customer?.name, o.items.map((i) => i.sku)]),
        [
          ["c2", ["s1"]],
          ["c3", ["s1"]],
          ["c3", ["s2"]],
        ],
      );
    });

    test("a strategy name is registered once; an unknown name is refused when the query is composed", async () => {
      assert.equal(registerStrategy(immediate)(Customer, "orders").strategy, "immediate-orders");
      assert.throws(() => registerStrategy(new ImmediateOrders()), MappingError);
      class Shadow extends LoaderStrategy {
        readonly name = "selectin";
      }
      assert.throws(() => registerStrategy(new Shadow()), /registered already/);
      const s = session();
      await assert.rejects(
        s
          .query(Customer)
          .options({ cls: Customer, path: ["orders"], strategy: "nowhere" })
          .all(),
        /No loader strategy named "nowhere"/,
      );
    });
  },
  { echo: log.logger },
);
