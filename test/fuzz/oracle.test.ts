// The fuzz test's oracle and comparator checked on hand-written cases, so a broken oracle cannot
// make the differential test pass vacuously.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { diffRows } from "./compare.js";
import { avoided, knownOpenHits } from "./known-open.js";
import { T, U, type Dataset, type E, type Sel } from "./model.js";
import { expected } from "./oracle.js";

const col = (name: string, ty: E["ty"] & string): E => ({ k: "col", src: T, col: name, ty: ty as "int" });
const lit = (v: number | string | null, ty: "int" | "dec" | "dec4" | "text" = "int"): E => ({ k: "lit", ty, v, how: "raw" });
const sel = (patch: Partial<Sel>): Sel => ({
  k: "select",
  from: "t",
  items: [{ label: "id", e: col("id", "int") }],
  where: null,
  groupBy: [],
  having: null,
  distinct: false,
  order: [],
  total: false,
  limit: null,
  offset: null,
  nested: [],
  ...patch,
});
const data: Dataset = {
  t: [
    { id: 1, i: 1, j: null, d: "0.25", s: "a", b: true, dt: "2024-01-01" },
    { id: 2, i: null, j: 2, d: null, s: null, b: null, dt: null },
    { id: 3, i: 3, j: 3, d: "-1.50", s: "ab", b: false, dt: "2024-02-29" },
  ],
  u: [
    { id: 1, tid: 1, k: 1, e: "1.00", w: "a", f: true, du: null },
    { id: 2, tid: 1, k: null, e: null, w: null, f: null, du: null },
  ],
};
const ids = (s: Sel) => expected(s, data).map((r) => r.id);

describe("fuzz oracle", () => {
  test("NOT IN with a NULL in the list is never true; IN finds matches", () => {
    const inList = (not: boolean, list: E[]): E => ({ k: "in", not, e: col("i", "int"), list, ty: "bool" });
    assert.deepEqual(ids(sel({ where: inList(true, [lit(1), lit(null)]) })), []);
    assert.deepEqual(ids(sel({ where: inList(true, [lit(1)]) })), [3]);
    assert.deepEqual(ids(sel({ where: inList(false, [lit(3), lit(null)]) })), [3]);
  });

  test("three-valued AND/OR/NOT: NULL OR TRUE is true, NOT NULL is NULL", () => {
    const gt: E = { k: "cmp", op: "gt", l: col("j", "int"), r: lit(1), ty: "bool" };
    const isTrue: E = { k: "cmp", op: "eq", l: col("b", "bool"), r: { k: "lit", ty: "bool", v: true, how: "raw" }, ty: "bool" };
    assert.deepEqual(ids(sel({ where: { k: "logic", op: "or", items: [gt, isTrue], ty: "bool" } })), [1, 2, 3]);
    assert.deepEqual(ids(sel({ where: { k: "not", e: gt, ty: "bool" } })), []);
  });

  test("aggregates skip NULLs, sum of nothing is NULL, decimals stay exact", () => {
    const sum: E = { k: "agg", f: "sum", e: col("d", "dec"), filter: null, ty: "dec" };
    const none: E = { k: "agg", f: "sum", e: col("d", "dec"), filter: { k: "isnull", not: false, e: col("d", "dec"), ty: "bool" }, ty: "dec" };
    const count: E = { k: "agg", f: "count", e: col("i", "int"), filter: null, ty: "int" };
    assert.deepEqual(
      expected(
        sel({
          items: [
            { label: "s", e: sum },
            { label: "n", e: none },
            { label: "c", e: count },
          ],
        }),
        data,
      ),
      [{ s: "-1.25", n: null, c: 2 }],
    );
  });

  test("a left join keeps parents without children; a correlated EXISTS sees the outer row", () => {
    const q = sel({
      from: "t left join u",
      items: [
        { label: "id", e: col("id", "int") },
        { label: "k", e: { k: "col", src: U, col: "k", ty: "int" } },
      ],
    });
    assert.deepEqual(expected(q, data), [
      { id: 1, k: 1 },
      { id: 1, k: null },
      { id: 2, k: null },
      { id: 3, k: null },
    ]);
    const su = { name: "su", table: "u" as const };
    const inner = sel({
      from: su,
      items: [{ label: "x", e: { k: "col", src: su, col: "id", ty: "int" } }],
      where: { k: "cmp", op: "eq", l: { k: "col", src: su, col: "tid", ty: "int" }, r: col("id", "int"), ty: "bool" },
    });
    assert.deepEqual(ids(sel({ where: { k: "exists", not: true, q: inner, ty: "bool" } })), [2, 3]);
  });

  test("decimals of any scale: products add scales, sums and remainders take the larger, quotients compare rounded", () => {
    const d = col("d", "dec");
    const lit4 = (v: string): E => ({ k: "lit", ty: "dec4", v, how: "value" });
    const item = (e: E) => sel({ items: [{ label: "x", e }], where: { k: "cmp", op: "eq", l: col("id", "int"), r: lit(3), ty: "bool" } });
    const one = (e: E) => expected(item(e), data)[0].x;
    assert.equal(one({ k: "arith", op: "mul", l: d, r: d, ty: "dec4" }), "2.2500");
    assert.equal(one({ k: "arith", op: "mul", l: d, r: { k: "lit", ty: "int", v: -3, how: "value" }, ty: "dec" }), "4.50");
    assert.equal(one({ k: "arith", op: "add", l: d, r: lit4("0.0225"), ty: "dec4" }), "-1.4775");
    // The remainder has the dividend's sign: -1.50 % 0.40 is -0.30; never a negative zero.
    assert.equal(one({ k: "arith", op: "mod", l: d, r: lit("0.40", "dec"), ty: "dec" }), "-0.30");
    assert.equal(one({ k: "arith", op: "mod", l: d, r: lit("0.50", "dec"), ty: "dec" }), "0.00");
    assert.equal(one({ k: "arith", op: "div", l: d, r: lit(3), ty: "quot" }), "-0.50000000000000000000");
    // Compared by value across scales: only -1.50 is below -1.4999.
    const lt: E = { k: "cmp", op: "lt", l: d, r: lit4("-1.4999"), ty: "bool" };
    assert.deepEqual(ids(sel({ where: lt })), [3]);
    const types = { q: "quot" };
    assert.equal(diffRows(types, false, [{ q: "0.33333333333333333333" }], [{ q: "0.333333" }]), undefined);
    assert.equal(diffRows(types, false, [{ q: "-0.00003333" }], [{ q: "0.000000" }]), undefined);
    assert.notEqual(diffRows(types, false, [{ q: "0.3333" }], [{ q: "0.3334" }]), undefined);
    assert.match(diffRows({ a: "dec4" }, false, [{ a: "0.0225" }], [{ a: "0.02" }])!, /WRONG-TYPE/);
  });

  test("the comparator checks exact types and scales, and multisets", () => {
    const types = { a: "dec", b: "int" };
    assert.equal(diffRows(types, false, [{ a: "3.50", b: 1 }], [{ a: "3.50", b: 1 }]), undefined);
    assert.match(diffRows(types, false, [{ a: "3.50", b: 1 }], [{ a: "3.5", b: 1 }])!, /WRONG-TYPE/);
    assert.match(diffRows(types, false, [{ a: "3.50", b: 1 }], [{ a: "3.50", b: "1" }])!, /WRONG-TYPE/);
    assert.notEqual(
      diffRows(
        types,
        false,
        [
          { a: null, b: 1 },
          { a: null, b: 1 },
        ],
        [{ a: null, b: 1 }],
      ),
      undefined,
    );
    assert.equal(
      diffRows(
        types,
        false,
        [
          { a: null, b: 1 },
          { a: "1.00", b: 2 },
        ],
        [
          { a: "1.00", b: 2 },
          { a: null, b: 1 },
        ],
      ),
      undefined,
    );
    assert.notEqual(
      diffRows(
        types,
        true,
        [
          { a: null, b: 1 },
          { a: "1.00", b: 2 },
        ],
        [
          { a: "1.00", b: 2 },
          { a: null, b: 1 },
        ],
      ),
      undefined,
    );
  });

  test("fuzz seed 939494094 statement 5442: an average on a rounding boundary agrees with its double one ulp below", () => {
    const types = { c0: "date", c1: "double" };
    // 623457.0165 exactly (PostgreSQL, MariaDB, the oracle) and as SQLite's double division left it.
    assert.equal(diffRows(types, true, [{ c0: null, c1: 623457.0165 }], [{ c0: null, c1: 623457.0164999999 }]), undefined);
    // MariaDB rounds an integer average to 4 places; a difference in the 3rd place is still one.
    assert.equal(diffRows(types, false, [{ c0: null, c1: 1 / 3 }], [{ c0: null, c1: 0.3333 }]), undefined);
    assert.notEqual(diffRows(types, false, [{ c0: null, c1: 0.3333 }], [{ c0: null, c1: 0.3343 }]), undefined);
    assert.notEqual(diffRows(types, false, [{ c0: null, c1: 623457.0165 }], [{ c0: null, c1: 623457.0185 }]), undefined);
    assert.match(diffRows(types, false, [{ c0: null, c1: 2.5 }], [{ c0: null, c1: "2.5" }])!, /WRONG-TYPE/);
    // As a multiset: rows pair up by their averages, whichever order they come in.
    const rows = (...xs: number[]) => xs.map((c1) => ({ c0: null, c1 }));
    assert.equal(diffRows(types, false, rows(2.0005, 1 / 3, 7), rows(7, 0.3333, 2.0004999999999997)), undefined);
    assert.notEqual(diffRows(types, false, rows(2.0005, 1 / 3), rows(2.0005, 2.0005)), undefined);
  });

  test("KNOWN_OPEN shapes are recognised", () => {
    const cmpOfIs: E = { k: "cmp", op: "eq", l: col("b", "bool"), r: { k: "isnull", not: true, e: col("i", "int"), ty: "bool" }, ty: "bool" };
    assert.equal(knownOpenHits(sel({ where: cmpOfIs })).includes("20.4"), avoided("20.4"));
    const untyped: E = { k: "cmp", op: "eq", l: { k: "lit", ty: "int", v: 1, how: "value" }, r: { k: "lit", ty: "int", v: 2, how: "param" }, ty: "bool" };
    assert.equal(knownOpenHits(sel({ where: untyped })).includes("20.5"), avoided("20.5"));
    assert.equal(knownOpenHits(sel({ where: { ...untyped, l: col("i", "int") } })).includes("20.5"), false);
  });
});
