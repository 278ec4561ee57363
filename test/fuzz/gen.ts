// fast-check arbitraries for well-typed statements (model.ts) and small random tables. Every
// choice the generator avoids for a reason is named in dialect-differences.ts or known-open.ts.
import fc from "fast-check";
import {
  T,
  U,
  colsOf,
  isDec,
  type AggFn,
  type CmpOp,
  type Compound,
  type Dataset,
  type E,
  type FromKind,
  type How,
  type Item,
  type NestedItem,
  type Ord,
  type Row,
  type Sel,
  type Src,
  type Stmt,
  type Ty,
  type Val,
  type WinFn,
} from "./model.js";
import { DIFFERENCES } from "./dialect-differences.js";
import { avoided, knownOpenHits } from "./known-open.js";

export const VALUES: Record<Ty, readonly Val[]> = {
  int: [-3, -1, 0, 1, 2, 3, 5],
  // 0.10 and 0.20 have no exact binary form: sums of them catch float arithmetic.
  // -123456.78: products and sums with eight integer digits. Narrow results (numeric(10, 2), its sums
  // and its products with integers, which SQLite holds as a REAL) stay within 15 significant digits,
  // so SQLite's refusal of a narrow result no double holds exactly is never an accepted outcome.
  dec: ["-1.50", "0.00", "0.10", "0.20", "1.00", "2.50", "10.10", "-123456.78"],
  // Products of the values above, and one (0.0225) none of them makes.
  dec4: ["-0.1500", "0.0000", "0.0100", "0.0225", "0.2500", "2.2500", "102.0100"],
  text: DIFFERENCES.collation.texts,
  bool: [true, false],
  date: ["2023-12-31", "2024-01-01", "2024-01-15", "2024-02-29"],
};
/** LIKE patterns; the upper-case ones tell a case-sensitive LIKE (every engine's) from one that ignores case. */
export const PATTERNS = ["a%", "%b", "_", "%", "a_", "%a%", "b", "", "A%", "%B", "_A%"];
const TYS: readonly Ty[] = ["int", "dec", "dec4", "text", "bool", "date"];
const ORDERABLE: readonly Ty[] = ["int", "dec", "dec4", "text", "bool", "date"];
/** Non-zero divisors (dialect-differences.ts: division, decimalQuotient), by the dividend's type. */
const MOD_DIVISORS: Record<"int" | "dec" | "dec4", readonly Val[]> = {
  int: [2, 3, -2],
  dec: ["2.00", "0.30", "-1.50"],
  dec4: ["2.0000", "0.3000", "-1.5000"],
};
const QUOT_DIVISORS: readonly [Ty, Val][] = [
  ["int", 2],
  ["int", 3],
  ["int", -4],
  ["dec", "0.30"],
  ["dec", "-1.50"],
  ["dec", "-4.00"],
];

const nullable = <T>(arb: fc.Arbitrary<T>, p = 4): fc.Arbitrary<T | null> => fc.option(arb, { freq: p, nil: null });

export function datasetArb(): fc.Arbitrary<Dataset> {
  const cell = (ty: Ty) => nullable(fc.constantFrom(...VALUES[ty]));
  const tRow = fc.record({ i: cell("int"), j: cell("int"), d: cell("dec"), s: cell("text"), b: cell("bool"), dt: cell("date") });
  return fc.array(tRow, { minLength: 0, maxLength: 7 }).chain((ts) => {
    const tids = ts.map((_, n) => n + 1);
    const uRow = fc.record({
      tid: tids.length ? nullable(fc.constantFrom(...tids), 6) : fc.constant(null),
      k: cell("int"),
      e: cell("dec"),
      w: cell("text"),
      f: cell("bool"),
      du: cell("date"),
    });
    return fc.array(uRow, { minLength: 0, maxLength: 10 }).map((us) => ({
      t: ts.map((r, n): Row => ({ id: n + 1, ...r })),
      u: us.map((r, n): Row => ({ id: n + 1, ...r })),
    }));
  });
}

/** What an expression may refer to. */
interface Scope {
  readonly key: string;
  /** Sources whose columns may appear, innermost first. */
  readonly srcs: readonly Src[];
  /** Whether EXISTS / IN / scalar subqueries may appear (one level deep). */
  readonly sub: boolean;
}

const ST: Src = { name: "st", table: "t" };
const SU: Src = { name: "su", table: "u" };

/**
 * The statement arbitrary. Expression arbitraries are built once per (scope, type, depth) and shared
 * through a cache local to this call.
 */
export function stmtArb(): fc.Arbitrary<Stmt> {
  const memo = new Map<string, fc.Arbitrary<E>>();
  function memoized(key: string, make: () => fc.Arbitrary<E>): fc.Arbitrary<E> {
    let a = memo.get(key);
    if (!a) {
      // Depth falls on every recursive call, so building eagerly ends.
      a = make();
      memo.set(key, a);
    }
    return a;
  }

  function lit(ty: Ty, hows: readonly How[] = ["raw", "raw", "value", "param"]): fc.Arbitrary<E> {
    return fc
      .record({ k: fc.constant("lit" as const), ty: fc.constant(ty), v: nullable(fc.constantFrom(...VALUES[ty]), 8), how: fc.constantFrom(...hows) })
      .map((l) =>
        // A NULL typed by its sibling is spelled `eq(null)` / `isNull()` in Arbor; keep literal NULLs explicit.
        l.v === null && l.how === "raw" ? { ...l, how: "value" as const } : l,
      );
  }

  function col(scope: Scope, ty: Ty): fc.Arbitrary<E> | undefined {
    const cols = scope.srcs.flatMap((src) =>
      colsOf(src)
        .filter(([, t]) => t === ty)
        .map(([c]) => ({ k: "col" as const, src, col: c, ty })),
    );
    return cols.length ? fc.constantFrom(...cols) : undefined;
  }

  function exprArb(scope: Scope, ty: Ty, depth: number): fc.Arbitrary<E> {
    return memoized(`${scope.key}|${ty}|${depth}`, () => {
      const leaf: fc.Arbitrary<E>[] = [lit(ty)];
      const c = col(scope, ty);
      if (c) leaf.push(c, c, c);
      // No column is a numeric(20, 4): its leaves are products of numeric(10, 2) leaves.
      if (ty === "dec4") leaf.push(...Array<fc.Arbitrary<E>>(3).fill(product(exprArb(scope, "dec", 0), exprArb(scope, "dec", 0))));
      if (depth <= 0) return fc.oneof(...leaf);
      const sub = (t: Ty) => exprArb(scope, t, depth - 1);
      const opts: { arbitrary: fc.Arbitrary<E>; weight: number }[] = leaf.map((arbitrary) => ({ arbitrary, weight: 2 }));
      const add = (weight: number, arbitrary: fc.Arbitrary<E>) => opts.push({ arbitrary, weight });
      const caseArb = fc
        .tuple(fc.array(fc.tuple(condArb(scope, depth - 1), sub(ty)), { minLength: 1, maxLength: 3 }), fc.option(sub(ty), { nil: null }))
        .map(([whens, otherwise]): E => ({ k: "case", whens, otherwise, ty }));
      add(2, caseArb);
      add(
        2,
        fc.array(sub(ty), { minLength: 2, maxLength: 3 }).map((args): E => ({ k: "coalesce", args, ty })),
      );
      if (ty === "int") {
        add(
          3,
          fc
            .tuple(fc.constantFrom("add" as const, "sub" as const, "mul" as const), sub("int"), sub("int"))
            .map(([op, l, r]): E => ({ k: "arith", op, l, r, ty })),
        );
        // The divisor of % is a non-zero literal: PostgreSQL raises on zero where the others give NULL.
        add(
          1,
          fc.tuple(sub("int"), fc.constantFrom(2, 3, -2)).map(([l, v]): E => ({ k: "arith", op: "mod", l, r: { k: "lit", ty: "int", v, how: "raw" }, ty })),
        );
        // Integer division truncates on every engine; the divisor is a non-zero literal (dialect-differences.ts: division).
        if (!avoided("20.10-division"))
          add(
            1,
            fc.tuple(sub("int"), fc.constantFrom(2, 3, -2)).map(([l, v]): E => ({ k: "arith", op: "div", l, r: { k: "lit", ty: "int", v, how: "raw" }, ty })),
          );
        add(
          1,
          sub("int").map((e): E => ({ k: "neg", e, ty })),
        );
        add(
          1,
          sub("int").map((e): E => ({ k: "fn", f: "abs", e, ty })),
        );
        add(
          1,
          sub("text").map((e): E => ({ k: "fn", f: "length", e, ty })),
        );
      }
      if (ty === "dec" || ty === "dec4") {
        add(
          3,
          fc.tuple(fc.constantFrom("add" as const, "sub" as const), sub(ty), sub(ty)).map(([op, l, r]): E => ({ k: "arith", op, l, r, ty })),
        );
        // × an integer keeps the decimal's scale; % a non-zero literal has the larger scale (the dividend's here).
        add(
          1,
          fc.tuple(sub(ty), sub("int")).map(([l, r]): E => ({ k: "arith", op: "mul", l, r, ty })),
        );
        add(
          1,
          fc.tuple(sub(ty), divisor(ty, MOD_DIVISORS)).map(([l, r]): E => ({ k: "arith", op: "mod", l, r, ty })),
        );
        add(
          1,
          sub(ty).map((e): E => ({ k: "neg", e, ty })),
        );
        add(
          1,
          sub(ty).map((e): E => ({ k: "fn", f: "abs", e, ty })),
        );
      }
      if (ty === "dec4") {
        // A product of two numeric(10, 2) is a numeric(20, 4); a sum with one has the larger scale.
        add(3, product(sub("dec"), sub("dec")));
        add(
          2,
          fc
            .tuple(fc.constantFrom("add" as const, "sub" as const), sub("dec"), sub("dec4"), fc.boolean())
            .map(([op, d, d4, swap]): E => ({ k: "arith", op, l: swap ? d4 : d, r: swap ? d : d4, ty })),
        );
      }
      if (ty === "text") {
        add(
          2,
          fc.tuple(sub("text"), sub("text")).map(([l, r]): E => ({ k: "concat", l, r, ty: "text" })),
        );
        add(
          1,
          fc.tuple(fc.constantFrom("lower" as const, "upper" as const), sub("text")).map(([f, e]): E => ({ k: "fn", f, e, ty })),
        );
        add(
          1,
          fc
            .constantFrom<Ty>("int", "dec", "date")
            .chain((from) => sub(from))
            .map((e): E => ({ k: "cast", e, ty })),
        );
      }
      if (ty === "bool") add(6, condArb(scope, depth - 1));
      if (scope.sub && ty !== "bool") add(1, scalarSubArb(scope, ty));
      return fc.oneof(...opts);
    });
  }

  function product(l: fc.Arbitrary<E>, r: fc.Arbitrary<E>): fc.Arbitrary<E> {
    return fc.tuple(l, r).map(([a, b]): E => ({ k: "arith", op: "mul", l: a, r: b, ty: "dec4" }));
  }

  /** A non-zero literal divisor for a dividend of type `ty`: of its type, or an integer. */
  function divisor(ty: "int" | "dec" | "dec4", table: Record<"int" | "dec" | "dec4", readonly Val[]>): fc.Arbitrary<E> {
    const of = (t: "int" | "dec" | "dec4") =>
      fc.record({ k: fc.constant("lit" as const), ty: fc.constant(t), v: fc.constantFrom(...table[t]), how: fc.constantFrom<How>("raw", "value", "param") });
    return ty === "int" ? of("int") : fc.oneof(of(ty), of("int"));
  }

  /** A decimal quotient, only ever selected (dialect-differences.ts: decimalQuotient). */
  function quotientArb(scope: Scope): fc.Arbitrary<E> {
    return fc
      .tuple(
        fc.constantFrom<Ty>("dec", "dec4").chain((ty) => exprArb(scope, ty, 1)),
        fc.constantFrom(...QUOT_DIVISORS),
        fc.constantFrom<How>("raw", "value", "param"),
      )
      .map(([l, [ty, v], how]): E => ({ k: "arith", op: "div", l, r: { k: "lit", ty, v, how }, ty: "quot" }));
  }

  /** A boolean condition. */
  function condArb(scope: Scope, depth: number): fc.Arbitrary<E> {
    return memoized(`${scope.key}|cond|${depth}`, () => {
      const e = (t: Ty) => exprArb(scope, t, Math.max(0, depth - 1));
      const anyTy = fc.constantFrom(...TYS);
      // A decimal is compared with a decimal of either scale.
      const mate = (ty: Ty) => (isDec(ty) ? fc.constantFrom<Ty>("dec", "dec4").chain(e) : e(ty));
      const cmp = anyTy.chain((ty) =>
        fc.tuple(fc.constantFrom<CmpOp>("eq", "ne", "lt", "le", "gt", "ge"), e(ty), mate(ty)).map(([op, l, r]): E => ({ k: "cmp", op, l, r, ty: "bool" })),
      );
      const opts: { arbitrary: fc.Arbitrary<E>; weight: number }[] = [
        { arbitrary: cmp, weight: 6 },
        { arbitrary: fc.tuple(fc.boolean(), anyTy.chain(e)).map(([not, x]): E => ({ k: "isnull", not, e: x, ty: "bool" })), weight: 2 },
        {
          arbitrary: anyTy.chain((ty) =>
            fc
              .tuple(fc.boolean(), e(ty), fc.array(mate(ty), { minLength: 1, maxLength: 4 }))
              .map(([not, x, list]): E => ({ k: "in", not, e: x, list, ty: "bool" })),
          ),
          weight: 2,
        },
        {
          arbitrary: fc
            .constantFrom<Ty>(...ORDERABLE)
            .chain((ty) => fc.tuple(fc.boolean(), e(ty), mate(ty), mate(ty)).map(([not, x, lo, hi]): E => ({ k: "between", not, e: x, lo, hi, ty: "bool" }))),
          weight: 2,
        },
        {
          // LIKE is case-sensitive on every engine (SQLite's connections set case_sensitive_like):
          // subjects and patterns come in both cases.
          arbitrary: fc
            .tuple(fc.boolean(), likeSubject(scope), fc.constantFrom(...PATTERNS), fc.constantFrom<How>("raw", "value", "param"))
            .map(([not, x, v, how]): E => ({ k: "like", not, e: x, pattern: { k: "lit", ty: "text", v, how }, ty: "bool" })),
          weight: 1,
        },
      ];
      const bcol = col(scope, "bool");
      if (bcol) opts.push({ arbitrary: bcol, weight: 1 });
      if (depth > 0) {
        const c = condArb(scope, depth - 1);
        opts.push({
          arbitrary: fc
            .tuple(fc.constantFrom("and" as const, "or" as const), fc.array(c, { minLength: 2, maxLength: 3 }))
            .map(([op, items]): E => ({ k: "logic", op, items, ty: "bool" })),
          weight: 3,
        });
        opts.push({ arbitrary: c.map((x): E => ({ k: "not", e: x, ty: "bool" })), weight: 1 });
      }
      if (scope.sub) {
        opts.push({ arbitrary: fc.tuple(fc.boolean(), subSelectArb(scope, null)).map(([not, q]): E => ({ k: "exists", not, q, ty: "bool" })), weight: 1 });
        opts.push({
          arbitrary: anyTy.chain((ty) =>
            fc.tuple(fc.boolean(), e(ty), subSelectArb(scope, ty)).map(([not, x, q]): E => ({ k: "inq", not, e: x, q, ty: "bool" })),
          ),
          weight: 1,
        });
      }
      return fc.oneof(...opts);
    });
  }

  function likeSubject(scope: Scope): fc.Arbitrary<E> {
    const c = col(scope, "text");
    const base = c ?? lit("text", ["value", "param"]);
    return fc.oneof(
      base,
      base.map((e): E => ({ k: "fn", f: "lower", e, ty: "text" })),
      base.map((e): E => ({ k: "fn", f: "upper", e, ty: "text" })),
      fc.tuple(base, base).map(([l, r]): E => ({ k: "concat", l, r, ty: "text" })),
    );
  }

  /** The scope inside a subquery over `src`: its own columns, then the enclosing query's. */
  function innerScope(outer: Scope, src: Src): Scope {
    return { key: `${src.name}<${outer.key}`, srcs: [src, ...outer.srcs], sub: false };
  }

  /** A subquery over an alias; one column of type `ty` (or the key, for EXISTS). */
  function subSelectArb(outer: Scope, ty: Ty | null): fc.Arbitrary<Sel> {
    return fc.constantFrom(ST, SU).chain((src) => {
      const inner = innerScope(outer, src);
      const own: Scope = { key: src.name, srcs: [src], sub: false };
      const item = ty === null ? fc.constant<E>({ k: "col", src, col: "id", ty: "int" }) : exprArb(own, ty, 1);
      return fc.tuple(item, fc.option(condArb(inner, 1), { nil: null, freq: 5 })).map(([e, where]) => plainSelect(src, [{ label: "x", e }], where));
    });
  }

  /** A scalar subquery: an aggregate over an alias, so it yields exactly one row. */
  function scalarSubArb(outer: Scope, ty: Ty): fc.Arbitrary<E> {
    return fc.constantFrom(ST, SU).chain((src) => {
      const inner = innerScope(outer, src);
      const own: Scope = { key: src.name, srcs: [src], sub: false };
      const fns: AggFn[] = ["min", "max"];
      if (ty === "int" || isDec(ty)) fns.push("sum");
      if (ty === "int") fns.push("count");
      const agg = fc.constantFrom(...fns);
      return fc.tuple(agg, exprArb(own, ty, 1), fc.option(condArb(inner, 1), { nil: null, freq: 5 })).map(
        ([f, e, where]): E => ({
          k: "scalar",
          q: plainSelect(src, [{ label: "x", e: { k: "agg", f, e, filter: null, ty } }], where),
          ty,
        }),
      );
    });
  }

  function plainSelect(from: FromKind | Src, items: readonly Item[], where: E | null): Sel {
    return { k: "select", from, items, where, groupBy: [], having: null, distinct: false, order: [], total: false, limit: null, offset: null, nested: [] };
  }

  const FROMS: readonly FromKind[] = ["t", "t", "t join u", "t left join u"];
  const scopeOf = (from: FromKind): Scope => ({ key: from, srcs: from === "t" ? [T] : [T, U], sub: true });

  function itemsArb(scope: Scope, min = 1, max = 4): fc.Arbitrary<Item[]> {
    const item = fc.oneof(
      { arbitrary: fc.constantFrom(...TYS).chain((ty) => exprArb(scope, ty, 2)), weight: 12 },
      { arbitrary: quotientArb(scope), weight: 1 },
    );
    return fc.array(item, { minLength: min, maxLength: max }).map((es) => es.map((e, n) => ({ label: `c${n}`, e })));
  }

  function orderArb(scope: Scope): fc.Arbitrary<Ord> {
    return fc
      .tuple(
        fc.constantFrom(...ORDERABLE).chain((ty) => exprArb(scope, ty, 1)),
        fc.boolean(),
        fc.constantFrom("first" as const, "last" as const),
      )
      .map(([e, desc, nulls]) => ({ e, desc, nulls }));
  }

  const intLit = (max: number) =>
    fc.record({
      k: fc.constant("lit" as const),
      ty: fc.constant("int" as const),
      v: fc.integer({ min: 0, max }),
      how: fc.constantFrom<How>("raw", "value", "param"),
    });
  const keyOf = (from: FromKind): Ord[] =>
    from === "t"
      ? [{ e: { k: "col", src: T, col: "id", ty: "int" }, desc: false, nulls: "last" }]
      : [
          { e: { k: "col", src: T, col: "id", ty: "int" }, desc: false, nulls: "last" },
          { e: { k: "col", src: U, col: "id", ty: "int" }, desc: false, nulls: "first" },
        ];

  /** A plain SELECT: expressions, WHERE, DISTINCT, ORDER BY (made total by the key) with LIMIT/OFFSET. */
  function plainArb(): fc.Arbitrary<Sel> {
    return fc.constantFrom(...FROMS).chain((from) => {
      const scope = scopeOf(from);
      return fc
        .record({
          items: itemsArb(scope),
          where: fc.option(condArb(scope, 2), { nil: null, freq: 4 }),
          distinct: fc.boolean(),
          order: fc.array(orderArb(scope), { maxLength: 2 }),
          total: fc.boolean(),
          limit: fc.option(intLit(4), { nil: null, freq: 2 }),
          offset: fc.option(intLit(2), { nil: null, freq: 4 }),
        })
        .map((r): Sel => {
          // DISTINCT orders only by selected expressions on PostgreSQL: a distinct select has no ORDER BY.
          const total = r.total && !r.distinct;
          return {
            ...plainSelect(from, r.items, r.where),
            distinct: r.distinct,
            order: r.distinct ? [] : total ? [...r.order, ...keyOf(from)] : r.order,
            total,
            limit: total ? r.limit : null,
            offset: total && r.limit ? r.offset : null,
          };
        });
    });
  }

  /** GROUP BY over columns (see KNOWN_OPEN for expressions), aggregates with FILTER, HAVING. */
  function groupedArb(): fc.Arbitrary<Sel> {
    return fc.constantFrom(...FROMS).chain((from) => {
      const scope = scopeOf(from);
      const plain: Scope = { ...scope, key: scope.key + "-nosub", sub: false };
      const keyArb = avoided("20.8")
        ? fc.constantFrom(...TYS).chain((ty) => col(scope, ty) ?? lit(ty))
        : fc.constantFrom(...TYS).chain((ty) => exprArb(plain, ty, 1));
      return fc.array(keyArb, { minLength: 0, maxLength: 2 }).chain((keys) => {
        const aggA = aggArb(plain);
        const keyItem = keys.length ? [fc.constantFrom(...keys)] : [];
        const gexpr: fc.Arbitrary<E> = fc.oneof(
          ...keyItem,
          aggA,
          aggA,
          fc
            .tuple(
              aggA.filter((a) => a.ty === "int"),
              lit("int"),
            )
            .map(([a, l]): E => ({ k: "arith", op: "add", l: a, r: l, ty: "int" })),
          aggA.filter((a) => a.ty !== "double").chain((a) => lit(a.ty as Ty).map((l): E => ({ k: "coalesce", args: [a, l], ty: a.ty as Ty }))),
        );
        const having = aggA
          .filter((a) => a.ty !== "double")
          .chain((a) =>
            fc.tuple(fc.constantFrom<CmpOp>("eq", "ne", "lt", "le", "gt", "ge"), lit(a.ty as Ty)).map(([op, r]): E => ({ k: "cmp", op, l: a, r, ty: "bool" })),
          );
        return fc
          .record({
            items: fc.array(gexpr, { minLength: 1, maxLength: 4 }),
            where: fc.option(condArb(plain, 1), { nil: null, freq: 3 }),
            having: fc.option(having, { nil: null, freq: 3 }),
          })
          .map(
            (r): Sel => ({
              ...plainSelect(
                from,
                r.items.map((e, n) => ({ label: `c${n}`, e })),
                r.where,
              ),
              groupBy: keys,
              having: r.having,
            }),
          );
      });
    });
  }

  function aggArb(scope: Scope): fc.Arbitrary<E> {
    const filter = avoided("20.10-filter") ? fc.constant(null) : fc.option(condArb(scope, 1), { nil: null, freq: 3 });
    return fc.constantFrom(...TYS).chain((ty) => {
      const fns: AggFn[] = ["count", "countStar", "countDistinct", "min", "max"];
      if (ty === "int" || isDec(ty)) fns.push("sum", "avg");
      return fc.tuple(fc.constantFrom(...fns), exprArb(scope, ty, 1), filter).map(
        ([f, e, flt]): E => ({
          k: "agg",
          f,
          e: f === "countStar" ? null : e,
          filter: flt,
          ty: f === "count" || f === "countStar" || f === "countDistinct" ? "int" : f === "avg" ? "double" : ty,
        }),
      );
    });
  }

  /** Window functions over the outer rows; order made total where the function needs it. */
  function windowArb(): fc.Arbitrary<Sel> {
    return fc.constantFrom(...FROMS).chain((from) => {
      const scope: Scope = { ...scopeOf(from), key: from + "-nosub", sub: false };
      const win = fc.constantFrom(...TYS).chain((ty) => {
        const fns: WinFn[] = ["rowNumber", "rank", "denseRank", "count", "lag", "lead", "firstValue", "min", "max"];
        if (ty === "int" || isDec(ty)) fns.push("sum");
        return fc
          .record({
            f: fc.constantFrom(...fns),
            e: exprArb(scope, ty, 1),
            part: fc.array(
              fc.constantFrom(...TYS).chain((t2) => col(scope, t2) ?? lit(t2)),
              { maxLength: 2 },
            ),
            // dialect-differences.ts: mariadbConstantWindowOrder
            order: fc.array(
              orderArb(scope).filter((o) => JSON.stringify(o.e).includes('"k":"col"')),
              { maxLength: 2 },
            ),
          })
          .map((w): E => {
            const needsTotal = w.f === "rowNumber" || w.f === "lag" || w.f === "lead" || w.f === "firstValue";
            const order = needsTotal
              ? [...w.order, ...keyOf(from)]
              : w.f === "rank" || w.f === "denseRank"
                ? w.order.length
                  ? w.order
                  : keyOf(from)
                : w.order;
            const noArg = w.f === "rowNumber" || w.f === "rank" || w.f === "denseRank";
            return { k: "win", f: w.f, e: noArg ? null : w.e, part: w.part, order, ty: noArg || w.f === "count" ? "int" : ty };
          });
      });
      return fc
        .tuple(fc.array(win, { minLength: 1, maxLength: 2 }), itemsArb(scope, 0, 2), fc.option(condArb(scope, 1), { nil: null, freq: 3 }))
        .map(([ws, items, where]) => plainSelect(from, [...items, ...ws.map((e, n) => ({ label: `w${n}`, e }))], where));
    });
  }

  /** nested() child rows of u per t row, with a filter that may hold values and parameters. */
  function nestedArb(): fc.Arbitrary<Sel> {
    const uScope: Scope = { key: "u-only", srcs: [U], sub: false };
    const ucols = colsOf(U)
      .map(([c]) => c)
      .filter((c) => c !== "id");
    const nestedItem = fc
      .record({
        cols: fc.subarray(ucols, { minLength: 1 }),
        where: fc.option(condArb(uScope, 1), { nil: null, freq: 2 }),
        one: fc.boolean(),
      })
      .map((n) => ({ ...n, cols: ["id", ...n.cols] }));
    const scope = scopeOf("t");
    return fc
      .tuple(
        fc.array(nestedItem, { minLength: 1, maxLength: 2 }),
        itemsArb(scope, 0, 2),
        fc.option(condArb({ ...scope, sub: false, key: "t-nosub" }, 1), { nil: null, freq: 3 }),
      )
      .map(([ns, items, where]): Sel => ({ ...plainSelect("t", items, where), nested: ns.map((n, i): NestedItem => ({ ...n, label: `n${i}` })) }));
  }

  /** UNION / INTERSECT / EXCEPT of two selects with the same column types. */
  function compoundArb(): fc.Arbitrary<Compound> {
    return fc.array(fc.constantFrom(...TYS), { minLength: 1, maxLength: 3 }).chain((tys) => {
      const member = fc.constantFrom(...FROMS).chain((from) => {
        const scope = scopeOf(from);
        return fc.tuple(fc.tuple(...tys.map((ty) => exprArb(scope, ty, 1))), fc.option(condArb(scope, 1), { nil: null, freq: 3 })).map(([es, where]) =>
          plainSelect(
            from,
            es.map((e, n) => ({ label: `c${n}`, e })),
            where,
          ),
        );
      });
      return fc.record({
        k: fc.constant("compound" as const),
        op: fc.constantFrom("union" as const, "unionAll" as const, "intersect" as const, "except" as const),
        left: member,
        right: member,
      });
    });
  }

  function statement(): fc.Arbitrary<Stmt> {
    return fc
      .oneof(
        { arbitrary: plainArb(), weight: 5 },
        { arbitrary: groupedArb(), weight: 3 },
        { arbitrary: windowArb(), weight: 2 },
        { arbitrary: nestedArb(), weight: 1 },
        { arbitrary: compoundArb(), weight: 2 },
      )
      .filter((s) => knownOpenHits(s).length === 0);
  }

  return statement();
}
