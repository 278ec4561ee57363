// insert().values() of plain values holds them as checked cells (nodes/insert.ts), no node per
// value: a bulk INSERT of thousands of rows allocated and collected a bind node per value. The SQL,
// the values, the shape keys and the errors are those of the rows of nodes it replaces.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InvalidValueError, insert, mysqlDialect, postgresDialect, sql, sqliteDialect, type Statement } from "../../src/index.js";
import { PlanCache } from "../../src/engine/plan-cache.js";
import { shapeKey } from "../../src/sql/cache-key.js";
import { cellNode, pickRows, rowCount, sliceRows } from "../../src/sql/insert-rows.js";
import { customer, item, order } from "../fixtures/shop.js";

const pg = (s: Statement<unknown>) => postgresDialect.createCompiler().compile(s.statementNode);
/** Rows as values() takes them at run time: an expression where a value goes (its typed signature has no place for one). */
type Rows<T> = Parameters<ReturnType<typeof insert<T extends typeof order ? typeof order : typeof item>>["values"]>[0];
const items = (n: number, from = 0) =>
  Array.from({ length: n }, (_, k) => ({ orderId: from + k + 1, sku: `s${from + k}`, qty: k, price: "1.50", serial: 2n ** 60n + BigInt(from + k) }));

describe("INSERT cells", () => {
  test("plain values are held as checked cells, row after row, with no node per value", () => {
    const n = insert(item).values(items(3)).statementNode;
    assert.equal(n.rows.length, 0);
    assert.equal(rowCount(n), 3);
    assert.deepEqual(n.cells, [1, "s0", 0, "1.50", 2n ** 60n, 2, "s1", 1, "1.50", 2n ** 60n + 1n, 3, "s2", 2, "1.50", 2n ** 60n + 2n]);
    const c = pg(insert(item).values(items(2)));
    assert.equal(c.sql, 'INSERT INTO "item" ("order_id", "sku", "qty", "price", "serial") VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)');
    assert.deepEqual(
      c.params.map((p) => ("value" in p ? p.value : p.name)),
      [1, "s0", 0, "1.50", 2n ** 60n, 2, "s1", 1, "1.50", 2n ** 60n + 1n],
    );
    // Every dialect writes them as it wrote bind nodes of the column's own type.
    assert.equal(
      sqliteDialect.createCompiler().compile(insert(customer).values([{ name: "a" }, { name: "b" }]).statementNode).sql,
      'INSERT INTO "customer" ("name", "vip") VALUES (?, ?), (?, ?)',
    );
    assert.equal(
      mysqlDialect.createCompiler().compile(insert(customer).values({ name: "a", vip: true }).statementNode).sql,
      "INSERT INTO `customer` (`name`, `vip`) VALUES (?, ?)",
    );
  });

  test("an expression in a later row turns every row into nodes, the values checked before it included", () => {
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const rows: unknown = [
      { customerId: 1, ordernum: "a", placedAt: when, total: null },
      { customerId: 2, ordernum: sql`upper(${"b"})`, placedAt: when, total: "2.50" },
    ];
    const q = insert(order).values(rows as Rows<typeof order>);
    const n = q.statementNode;
    assert.equal(n.cells, undefined);
    assert.equal(n.rows.length, 2);
    assert.deepEqual(
      n.rows[0].map((c) => (c.kind === "bind" ? c.value : c.kind)),
      [1, "a", when, null],
    );
    const c = pg(q);
    assert.equal(c.sql, 'INSERT INTO "cust_order" ("customer_id", "ordernum", "placed_at", "total") VALUES ($1, $2, $3, $4), ($5, upper($6), $7, $8)');
    assert.deepEqual(
      c.params.map((p) => ("value" in p ? p.value : p.name)),
      [1, "a", when, null, 2, "b", when, "2.50"],
    );
  });

  test("a bad value names its table, column and row as before", () => {
    assert.throws(
      () => insert(item).values([...items(2), { orderId: 9, sku: "x", qty: 1.5, price: "1.00" }]),
      (e: unknown) => {
        assert.ok(e instanceof InvalidValueError);
        assert.match((e as Error).message, /^Invalid value 1\.5 for item\.qty \(integer\): expected an integer$/);
        return true;
      },
    );
    assert.throws(
      () => insert(item).values([{ orderId: 1, sku: "x", qty: 1, price: "1.005" }]),
      /item\.price \(numeric\(10, 2\)\): more than 2 decimal places/,
    );
    const gap: unknown = [
      { orderId: 1, sku: "x", qty: 1, price: "1" },
      { orderId: 2, qty: 1, price: "1" },
    ];
    assert.throws(() => insert(item).values(gap as Rows<typeof item>), /Row 1 of insert into item lacks sku/);
  });

  test("values() reads own properties only, on plain rows, class instances and null-prototype rows alike", () => {
    // Plain rows are read without an own-property check per value (bench/instructions.ts insert):
    // what a prototype holds must still never become a value.
    class Row {
      constructor(
        readonly orderId: number,
        readonly sku: string,
      ) {}
      get qty(): number {
        return 99;
      }
    }
    const one = (rows: unknown[]) => insert(item).values(rows as Rows<typeof item>);
    // qty is inherited: not given, so a required column left out.
    assert.throws(() => one([new Row(1, "a")]), /lacks a value for required column qty/);
    // Given by a plain row before it, it is still not read from the class row's prototype.
    assert.throws(() => one([items(1)[0], new Row(2, "b")]), /Row 1 of insert into item lacks qty/);
    const bare: unknown = Object.assign(Object.create(null) as object, items(1)[0]);
    assert.deepEqual(one([bare]).statementNode.cells, insert(item).values(items(1)).statementNode.cells);
    // A key Object.prototype holds only while values() runs is not read from it either.
    const proto = Object.prototype as { sku?: string };
    proto.sku = "polluted";
    try {
      assert.throws(() => one([items(1)[0], { orderId: 2, qty: 1, price: "1", serial: 1n }]), /Row 1 of insert into item lacks sku/);
    } finally {
      delete proto.sku;
    }
  });

  test("statements of one shape share a key and a compile; each binds its own cells", () => {
    const a = insert(customer).values([{ name: "a" }, { name: "b", vip: true }]).statementNode;
    const b = insert(customer).values([{ name: "c" }, { name: "d" }]).statementNode;
    const three = insert(customer).values([{ name: "c" }, { name: "d" }, { name: "e" }]).statementNode;
    const ka = shapeKey(a);
    const kb = shapeKey(b);
    assert.ok(ka && kb);
    assert.equal(ka.key, kb.key);
    assert.notEqual(shapeKey(three)?.key, ka.key);
    assert.deepEqual(kb.values, ["c", false, "d", false]);
    const plans = new PlanCache(postgresDialect);
    assert.deepEqual(plans.planFor(a).fill(postgresDialect, undefined), ["a", false, "b", true]);
    assert.deepEqual(plans.planFor(b).fill(postgresDialect, undefined), ["c", false, "d", false]);
    assert.equal(plans.stats.shapes.hits, 1);
    // Cells come after the bind nodes among a shape's values, whatever the order of their placeholders.
    const upsert = (name: string, set: string) =>
      insert(customer)
        .values([{ name }, { name: `${name}2` }])
        .onConflict({ target: [customer.c.id], set: { name: set } }).statementNode;
    const first = upsert("a", "x");
    assert.deepEqual(shapeKey(first)?.values, ["x", "a", false, "a2", false]);
    assert.deepEqual(plans.planFor(first).fill(postgresDialect, undefined), ["a", false, "a2", false, "x"]);
    assert.deepEqual(plans.planFor(upsert("b", "y")).fill(postgresDialect, undefined), ["b", false, "b2", false, "y"]);
    assert.equal(plans.stats.shapes.hits, 2);
    // Encoded for the driver as any value: a bigint past 2^53 as its exact text.
    const big = insert(item).values(items(2)).statementNode;
    assert.equal(plans.planFor(big).fill(postgresDialect, undefined)[4], String(2n ** 60n));
  });

  test("rows are counted, sliced, picked and read alike in both forms", () => {
    const cells = insert(item).values(items(4)).statementNode;
    const mixed: unknown = [...items(3), { orderId: 4, sku: sql`lower(${"S3"})`, qty: 3, price: "1.50", serial: 2n ** 60n + 3n }];
    const nodes = insert(item).values(mixed as Rows<typeof item>).statementNode;
    assert.ok(cells.cells !== undefined && nodes.cells === undefined);
    for (const n of [cells, nodes]) {
      assert.equal(rowCount(n), 4);
      const sql = (x: typeof n) =>
        postgresDialect
          .createCompiler()
          .compile(x)
          .params.map((p) => ("value" in p ? p.value : undefined));
      assert.deepEqual(sql(sliceRows(n, 1, 3)).slice(0, 5), [2, "s1", 1, "1.50", 2n ** 60n + 1n]);
      assert.equal(rowCount(sliceRows(n, 1, 3)), 2);
      assert.equal(rowCount(pickRows(n, [2, 0])), 2);
      assert.deepEqual(sql(pickRows(n, [2, 0])).slice(0, 2), [3, "s2"]);
      const v = cellNode(n, 2, 4);
      assert.ok(v.kind === "bind" && v.value === 2n ** 60n + 2n);
    }
  });
});
