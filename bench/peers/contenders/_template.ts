// A template for a new contender (files starting with "_" are not loaded). Copy it to
// contenders/<name>.ts, fill in the methods, and `npm run bench` picks it up: the runner checks
// its graph load (counts, order, every value, the JS types returned) before timing it.
//
// For the Arbor ORM (src/orm): one file per loading strategy, e.g. contenders/arbor-orm-nestedload.ts
// with name "Arbor ORM nestedload" (names starting with "Arbor" are measured against the issue's
// targets), importing from "../../../src/index.js" (or "../../../src/orm/index.js").
import type { BenchContext, Contender, NewCustomer } from "../lib/contender.js";

function example(): Contender {
  return {
    name: "Example ORM",
    engine: "postgres", // "sqlite" for workload 5 (export a second contender for it)
    order: 20, // position in the tables: floor 0, Arbor 10–19, peers 20+
    // workloads: [1, 2],   // restrict to some workloads; default: every method implemented
    description: "What is called, with which options (shown in RESULTS.md).",
    async setup(ctx: BenchContext) {
      // connect to ctx.pgUrl with at most ctx.poolSize connections (SQLite: open ctx.sqliteFile)
      void ctx;
    },
    async graphLoad() {
      // every customer { id, name, vip, created, orders: [{ id, ordernum, placedAt, total,
      // items: [{ id, sku, qty, price, serial }] }] }, each level ordered by id; arrays or
      // iterable collections; values as the library returns them
      return [];
    },
    async oneGraph(id: number) {
      // the same shape for one customer, undefined/null when absent
      void id;
      return undefined;
    },
    async insertGraph(data: readonly NewCustomer[]) {
      // persist the whole graph (the tables are empty; the database assigns ids)
      void data;
    },
    async loadForUpdate(n: number) {
      // untimed: load items 1..n (into a fresh unit of work)
      void n;
    },
    async updateLoaded() {
      // timed: qty + 1 on every loaded item, then flush / commit
    },
    async teardown() {
      // close pools
    },
  };
}

export default example();
