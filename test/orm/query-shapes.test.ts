// Entity queries of one statement shape share their composition (orm/query-shapes.ts): a query
// rebuilt per call with other values composes nothing and its composed statement is not walked;
// the shape handed to the engine for it is the one a walk gives, and the rows are right whether
// the engine serves the shape from its cache or compiles it again.
import assert from "node:assert/strict";
import { mock } from "node:test";
import { MultipleResultsError, createEngine, joinedload, nestedload, selectinload, Session, type Engine } from "../../src/index.js";
import { Composer } from "../../src/orm/eager.js";
import type { EntityQuery } from "../../src/orm/query.js";
import { shapeKey } from "../../src/sql/cache-key.js";
import { md, registry, Customer, Order, Item } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { sessionScope } from "../support/sessions.js";

/** The composed statement's shape as given, against the one walking it gives. */
function assertShapeKnown(q: EntityQuery<unknown>, how: "all" | "first" | "one"): void {
  const { composed, shape } = q.composedWithShape(how);
  const walked = shapeKey(composed.stmt.statementNode);
  assert.ok(shape && walked);
  assert.equal(shape.key, walked.key);
  assert.deepEqual(shape.values, walked.values);
  assert.equal(shape.binds.length, walked.binds.length);
  shape.binds.forEach((b, i) => assert.equal(b, walked.binds[i]));
}

forEachEngine(import.meta.url, (ctx) => {
  const { session, closeAll, test } = sessionScope(() => ctx.engine, registry);

  test("setup", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
    const s = session();
    for (let n = 1; n <= 4; n++) {
      const c = new Customer({ name: `c${n}` });
      for (let k = 1; k <= n; k++) {
        const o = new Order({ num: `c${n}-o${k}` });
        for (let j = 1; j <= k; j++) o.items.push(new Item({ sku: `c${n}-o${k}-s${j}`, price: `${j}.25`, serial: BigInt(j) }));
        c.orders.push(o);
      }
      s.add(c);
    }
    await s.commit();
    await closeAll();
  });

  test("a query rebuilt per call with other values composes once, and the shape it hands the engine is the walked one", async () => {
    const prepare = mock.method(Composer.prototype, "prepare");
    registry.mapperOf(Customer).queryShapes = undefined;
    const s = session();
    const byId = (id: number) =>
      s
        .query(Customer)
        .options(nestedload(Customer, "orders", "items"))
        .where(Customer.c.id.eq(id));
    const first = byId(1).composedWithShape("first").composed;
    for (const id of [2, 3, 4]) {
      assertShapeKnown(byId(id), "first");
      // The select list, nested sub-select included, is the first query's, not built again.
      const items = byId(id).composedWithShape("first").composed.stmt.node.items;
      assert.equal(items.length, first.stmt.node.items.length);
      items.forEach((item, k) => assert.equal(item, first.stmt.node.items[k]));
    }
    assert.equal(prepare.mock.callCount(), 1);
    // Every query of the mapper starts from one statement of its table.
    assert.equal(s.query(Customer).statement, session().query(Customer).statement);
    // Other shapes: each composes once, their values where a walk puts them.
    const others: (() => EntityQuery<Customer>)[] = [
      () =>
        s
          .query(Customer)
          .options(nestedload(Customer, "orders", "items"))
          .where(Customer.c.name.eq("c2")),
      () =>
        s
          .query(Customer)
          .options(nestedload(Customer, "orders"))
          .where(Customer.c.id.in([1, 3]), Customer.c.name.ne("zz")),
      () =>
        s
          .query(Customer)
          .options(joinedload(Customer, "orders", "items"))
          .where(Customer.c.id.gt(1))
          .orderBy(Customer.c.name),
      () => s.query(Customer).options(selectinload(Customer, "orders")).where(Customer.c.id.le(3)).limit(2).offset(1),
    ];
    for (const make of others) for (const how of ["all", "first", "one"] as const) assertShapeKnown(make(), how);
    const calls = prepare.mock.callCount();
    for (const make of others) for (const how of ["all", "first", "one"] as const) make().composedWithShape(how);
    assert.equal(prepare.mock.callCount(), calls);
    prepare.mock.restore();
  });

  /** Names, orders and items of customer `id` loaded by a fresh query of one shape. */
  async function graphOf(s: Session, id: number, how: "first" | "one") {
    const q = s
      .query(Customer)
      .options(nestedload(Customer, "orders", "items"))
      .where(Customer.c.id.eq(id));
    const c = how === "first" ? await q.first() : await q.one();
    return c && { name: c.name, orders: c.orders.map((o) => [o.num, o.customer === c, o.items.map((i) => i.sku)]) };
  }

  function expected(id: number) {
    return {
      name: `c${id}`,
      orders: Array.from({ length: id }, (_, k) => [`c${id}-o${k + 1}`, true, Array.from({ length: k + 1 }, (_, j) => `c${id}-o${k + 1}-s${j + 1}`)]),
    };
  }

  test("queries of one shape load their own rows, from the engine's compile of the shape or compiled again", async () => {
    const engines: Engine[] = [ctx.engine];
    // In memory SQLite is one database per engine: a second engine would see no tables.
    if (ctx.name !== "sqlite") engines.push(createEngine(ctx.url, { cache: { shapes: 0 } }));
    try {
      for (const engine of engines) {
        // first() and one() differ only in their LIMIT's value: one shape for the engine.
        const s = new Session(engine, { registry });
        try {
          assert.equal((await s.query(Customer).where(Customer.c.id.gt(1)).orderBy(Customer.c.id).first())?.name, "c2");
          await assert.rejects(s.query(Customer).where(Customer.c.id.gt(1)).orderBy(Customer.c.id).one(), MultipleResultsError);
        } finally {
          await s.close();
        }
        for (const id of [1, 2, 3, 4, 2]) {
          const s = new Session(engine, { registry });
          try {
            assert.deepEqual(await graphOf(s, id, id % 2 ? "first" : "one"), expected(id));
            assert.equal(
              await s
                .query(Customer)
                .where(Customer.c.id.eq(id + 100))
                .first(),
              undefined,
            );
          } finally {
            await s.close();
          }
        }
      }
    } finally {
      for (const e of engines.slice(1)) await e.dispose();
    }
  });

  test("joined loads of one shape running at once on two sessions keep their rows apart", async () => {
    const load = async (id: number) => {
      const s = session();
      const [c] = await s
        .query(Customer)
        .options(joinedload(Customer, "orders", "items"))
        .where(Customer.c.id.eq(id))
        .all();
      return c.orders.map((o) => o.items.map((i) => i.sku));
    };
    const [a, b, c] = await Promise.all([load(2), load(3), load(2)]);
    assert.deepEqual(
      a,
      expected(2).orders.map((o) => o[2]),
    );
    assert.deepEqual(
      b,
      expected(3).orders.map((o) => o[2]),
    );
    assert.deepEqual(c, a);
  });
});
