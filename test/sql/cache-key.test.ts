// Statement shape keys: equal keys mean equal SQL, and a compile cached under a key serves another
// statement of that key with its own values exactly as compiling that statement would.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  select,
  insert,
  update,
  deleteFrom,
  sql,
  param,
  func,
  value,
  nested,
  nestedOne,
  alias,
  and,
  or,
  not,
  exists,
  notExists,
  caseWhen,
  excluded,
  customType,
  types,
  MetaData,
  integer,
  text,
  varchar,
  boolean,
  Expr,
  mysqlDialect,
  postgresDialect,
  sqliteDialect,
  type Dialect,
  type Statement,
} from "../../src/index.js";
import { shapeKey } from "../../src/sql/cache-key.js";
import { ShapedQuery } from "../../src/sql/shaped-query.js";
import type { Node } from "../../src/sql/nodes/index.js";
import { customer, order, item, employee } from "../fixtures/shop.js";
import { Gen, TEXTS, BIGINTS } from "../support/random.js";

const dialects: readonly Dialect[] = [sqliteDialect, postgresDialect, mysqlDialect];
const keyOf = (s: Statement<unknown>): string | undefined => shapeKey(s.statementNode)?.key;

/** A table with the same name and columns as the shop's customer, in another MetaData. */
const other = new MetaData().table("customer", {
  id: integer().primaryKey().autoincrement(),
  name: text().notNull(),
  email: varchar(120).unique(),
  vip: boolean().notNull().default(false),
});

function compileOrError(d: Dialect, s: Statement<unknown>): { sql: string; params: unknown } | Error {
  try {
    const c = d.createCompiler().compile(s.statementNode);
    return { sql: c.sql, params: c.params };
  } catch (e) {
    return e as Error;
  }
}

/** b has a's key, and a's cached compile re-bound to b's values is b's own compile, on every dialect. */
function assertServes(a: Statement<unknown>, b: Statement<unknown>): void {
  const sa = shapeKey(a.statementNode);
  const sb = shapeKey(b.statementNode);
  assert.ok(sa && sb, "both statements can be keyed");
  assert.equal(sb.key, sa.key);
  for (const d of dialects) {
    const fresh = compileOrError(d, b);
    if (fresh instanceof Error) {
      assert.throws(() => ShapedQuery.compile(d, a.statementNode, sa), { message: fresh.message });
      continue;
    }
    const cached = ShapedQuery.compile(d, a.statementNode, sa);
    const own = d.createCompiler().compile(b.statementNode);
    const re = cached.rebind(b.statementNode, sb.values);
    assert.equal(re.sql, own.sql, d.name);
    assert.deepEqual(re.params, own.params, d.name);
    assert.deepEqual(re.warnings, own.warnings, d.name);
    // The columns are b's own: same keys and types, and b's expression objects.
    assert.equal(re.columns?.length, own.columns?.length);
    re.columns?.forEach((c, i) => {
      assert.equal(c.key, own.columns![i].key);
      assert.equal(c.type, own.columns![i].type);
      assert.equal(c.expr, own.columns![i].expr);
    });
  }
}

describe("shape keys", () => {
  test("the same shape with other values has one key; values come in walk order", () => {
    const pk = (id: number) => select(item).from(item).where(item.c.id.eq(id));
    const a = shapeKey(pk(1).statementNode)!;
    const b = shapeKey(pk(2).statementNode)!;
    assert.equal(a.key, b.key);
    assert.deepEqual(a.values, [1]);
    assert.deepEqual(b.values, [2]);
    const s = shapeKey(select(customer.c.id).where(customer.c.id.eq(3), customer.c.name.like("A%")).limit(5).statementNode)!;
    assert.deepEqual(s.values, [3, "A%", 5]);
    assert.equal(s.binds.length, 3);
  });

  test("a compile cached under a key serves other statements of it, whatever the placeholder order", () => {
    const cases: ((g: number) => Statement<unknown>)[] = [
      (g) => select(item).from(item).where(item.c.id.eq(g)),
      (g) =>
        select(customer.c.name, order.c.ordernum)
          .join(order)
          .where(customer.c.id.eq(g), order.c.total.gt(`${g}.50`))
          .orderBy(order.c.id.desc())
          .limit(g)
          .offset(g + 1),
      (g) => select(customer.c.id).where(customer.c.id.in([g, g + 1, g + 2]), customer.c.vip.eq(g % 2 === 0)),
      (g) => select(item.c.id).where(item.c.serial.eq(BigInt(g) * 2n ** 40n), item.c.qty.between(g, g * 3)),
      (g) => select(order.c.id).where(order.c.placedAt.gt(new Date(Date.UTC(2020, 0, g)))),
      (g) =>
        insert(customer)
          .values([
            { name: `n${g}`, email: null },
            { name: "x", email: `e${g}`, vip: true },
          ])
          .returning(customer.c.id),
      (g) =>
        update(order)
          .set({ ordernum: `o${g}`, total: `${g}.25` })
          .where(order.c.id.eq(g))
          .returning(order.c.id),
      (g) => deleteFrom(item).where(item.c.qty.lt(g)),
      (g) =>
        insert(customer)
          .values({ id: g, name: "up" })
          .onConflict({ target: [customer.c.id], set: { name: excluded(customer.c.name) } }),
      (g) => {
        // The CTE's values are emitted first in the SQL although the outer WHERE is walked first here.
        const big = select(order.c.id, order.c.customerId)
          .where(order.c.total.gt(`${g}`))
          .cte("big");
        return select(big.c.id).where(big.c.customerId.eq(g + 10));
      },
      (g) =>
        select(
          customer.c.id,
          nested(
            select(order.c.ordernum)
              .where(order.c.ordernum.ne(`n${g}`))
              .orderBy(order.c.id)
              .limit(2),
          ).as("orders"),
        ).where(customer.c.id.gt(g)),
      (g) => select(customer.c.id, nestedOne(select(order.c.ordernum).where(order.c.total.gt(`${g}`))).as("last")),
      (g) =>
        select(customer.c.id)
          .where(customer.c.id.gt(g))
          .union(select(employee.c.id).where(employee.c.id.lt(g)))
          .limit(g),
      (g) =>
        select(
          employee.c.id,
          func
            .lag(employee.c.id, 2)
            .over({ orderBy: [employee.c.id] })
            .as("prev"),
        ).where(employee.c.name.ne(`e${g}`)),
      (g) => select(customer.c.id, sql`${customer.c.id} + ${g}`.typed(types.integer).as("plus")).where(sql`${customer.c.name} <> ${`x${g}`}`),
      (g) => select(customer.c.id).where(customer.c.id.eq(param("id")), customer.c.name.ne(`n${g}`), customer.c.email.ne(param("email"))),
      (g) =>
        select(
          customer.c.id,
          caseWhen(customer.c.vip, g)
            .else(g + 1)
            .as("rank"),
          value(g % 2 === 0, types.boolean).as("flag"),
        ),
      (g) => select(customer.c.id).where(exists(select(order.c.id).where(order.c.customerId.eq(customer.c.id), order.c.total.gt(`${g}`)))),
      (g) => {
        const m = alias(employee, "manager");
        return select(employee.c.name, m.c.name.as("boss")).join(m, employee.c.managerId.eq(m.c.id)).where(m.c.id.ne(g));
      },
      (g) => select(func.count(order.c.id).as("n"), order.c.customerId).groupBy(order.c.customerId).having(func.count(order.c.id).gt(g)),
    ];
    for (const make of cases) assertServes(make(1), make(7));
  });

  test("one bind node used twice differs from two with equal values, and both re-bind correctly", () => {
    const twice = (g: number) => {
      const c = customer.c.id.gt(g);
      return select(customer.c.id).where(c).having(c).groupBy(customer.c.id);
    };
    const apart = (g: number) => select(customer.c.id).where(customer.c.id.gt(g)).having(customer.c.id.gt(g)).groupBy(customer.c.id);
    assert.notEqual(keyOf(twice(1)), keyOf(apart(1)));
    assert.deepEqual(shapeKey(twice(4).statementNode)!.values, [4]);
    assertServes(twice(1), twice(2));
    assertServes(apart(1), apart(2));
  });

  test("anything that changes the SQL or the result columns changes the key", () => {
    const point = customType<string, string>({ name: "p1", base: types.text, toDb: (v) => v, fromDb: (v) => v });
    const point2 = customType<string, string>({ name: "p2", base: types.text, toDb: (v) => v, fromDb: (v) => v });
    const m = alias(employee, "m");
    const n = alias(employee, "n");
    const m2 = alias(employee, "m");
    const pairs: [Statement<unknown>, Statement<unknown>][] = [
      [select(customer.c.id).where(customer.c.id.eq(1)), select(customer.c.id).where(customer.c.id.ne(1))],
      [select(customer.c.id).where(customer.c.email.eq(null)), select(customer.c.id).where(customer.c.email.eq("a"))],
      [select(customer.c.id).where(customer.c.id.in([1, 2])), select(customer.c.id).where(customer.c.id.in([1, 2, 3]))],
      [select(customer.c.id).where(customer.c.id.in([])), select(customer.c.id).where(customer.c.id.in([1]))],
      [select(customer.c.id).limit(1), select(customer.c.id)],
      [select(customer.c.id).limit(1), select(customer.c.id).offset(1)],
      [select(customer.c.id), select(other.c.id)],
      [select(customer.c.id.as("a")), select(customer.c.id.as("b"))],
      [select(customer.c.id), select(customer.c.name)],
      [sql`SELECT ${1}`, sql`SELECT  ${1}`],
      [sql`SELECT ${1}`, sql`SELECT ${"1"}`],
      [select(customer.c.id).where(customer.c.id.eq(param("a"))), select(customer.c.id).where(customer.c.id.eq(param("b")))],
      [select(m.c.id), select(n.c.id)],
      [select(m.c.id, m.c.name), select(m.c.id, m2.c.name)],
      [
        select(customer.c.id).where(sql`${customer.c.name} = ${value("a", point)}`),
        select(customer.c.id).where(sql`${customer.c.name} = ${value("a", point2)}`),
      ],
      [select(customer.c.id, order.c.total.cast(types.numeric(10, 2)).as("t")), select(customer.c.id, order.c.total.cast(types.numeric(12, 2)).as("t"))],
      [select(customer.c.id).distinct(), select(customer.c.id)],
      [select(customer.c.id).forUpdate(), select(customer.c.id)],
      [select(customer.c.id).orderBy(customer.c.id.asc()), select(customer.c.id).orderBy(customer.c.id.desc())],
      [select(customer.c.id).orderBy(customer.c.id.asc()), select(customer.c.id).orderBy(customer.c.id.asc().nullsFirst())],
      [select(customer.c.name).join(order), select(customer.c.name).leftJoin(order)],
      [select(customer.c.id, nested(select(order.c.id).limit(2)).as("o")), select(customer.c.id, nested(select(order.c.id).limit(3)).as("o"))],
      [select(customer.c.id, nested(select(order.c.id)).as("o")), select(customer.c.id, nestedOne(select(order.c.id)).as("o"))],
      [select(customer.c.id, nested(select(order.c.id)).as("o")), select(other.c.id, nested(select(order.c.id)).as("o"))],
      [select(customer.c.id).where(exists(select(order.c.id))), select(customer.c.id).where(exists(select(order.c.id).correlate(false)))],
      [insert(customer).values({ name: "a" }), insert(customer).values([{ name: "a" }, { name: "b" }])],
      [insert(customer).values({ name: "a" }), insert(customer).values({ name: "a" }).returning(customer.c.id)],
      [update(customer).set({ name: "a" }), update(customer).set({ email: "a" })],
      [select(customer.c.id).where(and(customer.c.vip, customer.c.id.gt(1))), select(customer.c.id).where(or(customer.c.vip, customer.c.id.gt(1)))],
      [select(customer.c.id).where(customer.c.email.isNull()), select(customer.c.id).where(customer.c.email.isNotNull())],
      [select(customer.c.id).where(customer.c.id.between(1, 2)), select(customer.c.id).where(customer.c.id.notBetween(1, 2))],
      [select(customer.c.id).where(exists(select(order.c.id))), select(customer.c.id).where(notExists(select(order.c.id)))],
      [select(func.lower(customer.c.name).as("x")), select(func.upper(customer.c.name).as("x"))],
      [select(customer.c.id).union(select(employee.c.id)), select(customer.c.id).unionAll(select(employee.c.id))],
      [
        select(
          func
            .rowNumber()
            .over({ orderBy: [employee.c.id], frame: { unit: "ROWS", start: "UNBOUNDED PRECEDING" } })
            .as("r"),
        ),
        select(
          func
            .rowNumber()
            .over({ orderBy: [employee.c.id], frame: { unit: "RANGE", start: "UNBOUNDED PRECEDING" } })
            .as("r"),
        ),
      ],
      [select(customer.c.id).where(sql`${sql.id("a")} = 1`), select(customer.c.id).where(sql`${sql.id("b")} = 1`)],
      [
        insert(customer)
          .values({ id: 1, name: "a" })
          .onConflict({ target: [customer.c.id] }),
        insert(customer)
          .values({ id: 1, name: "a" })
          .onConflict({ target: [customer.c.id], set: { name: "b" } }),
      ],
      [select(customer.c.id).from(select(order.c.id).as("d")), select(customer.c.id).from(select(order.c.id).lateral("d"))],
      [select(customer.c.id, nested(select(order.c.id)).as("o")), select(customer.c.id, nested(select(order.c.id), { reserve: ["x"] }).as("o"))],
      [select(customer.c.id, nested(select(order.c.id)).as("o")), select(customer.c.id, nested(select(order.c.id.as("oid"))).as("o"))],
      // A nested type away from its nested select (a raw fragment typed with it) is written out.
      [
        select(sql`(SELECT 1)`.typed(nested(select(order.c.id)).node.type).as("o")),
        select(sql`(SELECT 1)`.typed(nested(select(order.c.total)).node.type).as("o")),
      ],
    ];
    for (const [a, b] of pairs) {
      const ka = keyOf(a);
      assert.ok(ka !== undefined);
      assert.notEqual(ka, keyOf(b), `${compileOrErrorText(a)}\n${compileOrErrorText(b)}`);
    }
    // Types are keyed by structure: a numeric(10, 2) built twice is one type.
    assert.equal(keyOf(select(order.c.total.cast(types.numeric(10, 2)).as("t"))), keyOf(select(order.c.total.cast(types.numeric(10, 2)).as("t"))));
  });

  test("a statement holding something that cannot be keyed has no key", () => {
    for (const kind of ["mystery", "toString"]) {
      const mystery = { kind } as unknown as Node;
      assert.equal(shapeKey({ kind: "raw", strings: ["", ""], values: [mystery], type: types.unknown }), null);
    }
    // A value that a dialect may print into the SQL must be a plain scalar.
    const limited = new Expr<number>({
      kind: "func",
      name: "f",
      args: [],
      distinct: false,
      orderBy: [],
      type: types.integer,
      limit: { kind: "bind", value: { n: 1 }, type: types.unknown },
    });
    assert.equal(shapeKey(select(limited.as("x")).statementNode), null);
  });

  test("re-bound result columns are the new statement's, for result.get by expression", () => {
    const make = (g: number) => select(func.count(order.c.id).as("n"), order.c.customerId.as("c")).where(order.c.id.gt(g)).groupBy(order.c.customerId);
    const a = make(1);
    const b = make(2);
    const cached = ShapedQuery.compile(sqliteDialect, a.statementNode, shapeKey(a.statementNode)!);
    const re = cached.rebind(b.statementNode, shapeKey(b.statementNode)!.values);
    assert.equal(re.columns![0].expr, b.node.items[0].expr);
    assert.notEqual(re.columns![0].expr, a.node.items[0].expr);
  });
});

// ---- property: random statements ------------------------------------------------------------
// Structure choices come from one generator and values from another, so two statements built from
// one structure seed differ only in their values.

type AnyExpr = Expr<unknown>;

function condition(s: Gen, v: Gen, depth: number): Expr<boolean> {
  switch (s.int(0, depth > 1 ? 6 : 9)) {
    case 0:
      return customer.c.id[s.pick(["eq", "ne", "lt", "gt", "le", "ge"] as const)](v.int(-5, 5));
    case 1:
      return s.bool(0.3) ? customer.c.email.eq(null) : customer.c.email.eq(v.pick(TEXTS));
    case 2:
      return customer.c.name[s.pick(["like", "notLike", "ilike"] as const)](v.pick(TEXTS));
    case 3:
      return customer.c.id[s.bool() ? "in" : "notIn"](Array.from({ length: s.int(0, 3) }, () => v.int(0, 9)));
    case 4:
      return customer.c.id.between(v.int(0, 3), v.int(4, 9));
    case 5:
      return s.bool() ? customer.c.vip.eq(v.bool()) : customer.c.email.isNull();
    case 6:
      return s.bool() ? customer.c.id.eq(param(s.pick(["p", "q"]), types.integer)) : sql`${customer.c.name} <> ${v.pick(TEXTS)}`.typed(types.boolean);
    case 7:
      return (s.bool() ? and : or)(...Array.from({ length: s.int(0, 3) }, () => condition(s, v, depth + 1)));
    case 8:
      return not(condition(s, v, depth + 1));
    default: {
      const sub = select(order.c.id).where(order.c.customerId.eq(customer.c.id), order.c.total.gt(`${v.int(0, 99)}.5`));
      return s.bool()
        ? exists(s.bool(0.2) ? sub.correlate(false) : sub)
        : customer.c.id.in(select(order.c.customerId).where(order.c.placedAt.lt(new Date(v.int(0, 2e12)))));
    }
  }
}

function selectItem(s: Gen, v: Gen, i: number): AnyExpr & { key: string } {
  switch (s.int(0, 6)) {
    case 0:
      return customer.c.name.as(`name${i}`);
    case 1:
      return customer.c.email.as(`e${i}`);
    case 2:
      return func.coalesce(customer.c.email, v.pick(TEXTS)).as(`c${i}`);
    case 3:
      return s.bool() ? value(v.int(0, 9), types.integer).as(`v${i}`) : value(BigInt(v.int(0, 9)), types.bigint).as(`v${i}`);
    case 4:
      return caseWhen(customer.c.vip, v.int(0, 9)).else(v.int(10, 19)).as(`k${i}`);
    case 5:
      return nested(
        select(order.c.ordernum, order.c.total)
          .where(order.c.total.gt(`${v.int(0, 9)}`))
          .orderBy(order.c.id)
          .limit(s.int(1, 3)),
      ).as(`n${i}`);
    default:
      return (s.bool() ? customer.c.id : other.c.id).as(`i${i}`);
  }
}

function randomSelect(s: Gen, v: Gen) {
  const items = [customer.c.id, ...Array.from({ length: s.int(0, 2) }, (_, i) => selectItem(s, v, i))];
  let q = select(...items).where(condition(s, v, 0));
  if (s.bool(0.3)) q = q.orderBy(s.bool() ? customer.c.id.desc() : customer.c.name.asc().nullsLast());
  if (s.bool(0.3)) q = q.limit(v.int(0, 9));
  if (s.bool(0.2)) q = q.offset(v.int(0, 9));
  return q;
}

function randomStatement(s: Gen, v: Gen): Statement<unknown> {
  switch (s.int(0, 7)) {
    case 0:
      return insert(customer).values(
        Array.from({ length: s.int(1, 3) }, () => ({ name: v.pick(TEXTS), email: s.bool(0.3) ? null : v.pick(TEXTS), vip: v.bool() })),
      );
    case 1: {
      const u = update(item)
        .set({ qty: v.int(0, 9), serial: s.bool(0.2) ? null : v.pick(BIGINTS) })
        .where(item.c.id.eq(v.int(0, 9)));
      return s.bool() ? u.returning(item.c.id) : u;
    }
    case 2:
      return deleteFrom(order).where(order.c.placedAt.lt(new Date(v.int(0, 2e12))), order.c.total.ne(`${v.int(0, 99)}.25`));
    case 3: {
      const big = select(order.c.customerId)
        .where(order.c.total.gt(`${v.int(0, 9)}`))
        .cte(s.pick(["big", "large"]));
      return select(customer.c.id).where(customer.c.id.in(select(big.c.customerId)), condition(s, v, 1));
    }
    case 4:
      return select(customer.c.id)
        .where(condition(s, v, 1))
        .union(select(employee.c.id).where(employee.c.id.lt(v.int(0, 9))))
        .limit(v.int(1, 5));
    default:
      return randomSelect(s, v);
  }
}

function property(RUNS: number): void {
  const byKey = new Map<string, { seed: number; stmt: Statement<unknown> }>();
  let shared = 0;
  for (let seed = 1; seed <= RUNS; seed++) {
    const a = randomStatement(new Gen(seed), new Gen(seed * 7919));
    const b = randomStatement(new Gen(seed), new Gen(seed * 104729 + 1));
    // Siblings differ only in values: one key, and a's compile serves b.
    assertServes(a, b);
    const key = keyOf(a)!;
    const first = byKey.get(key);
    if (first === undefined) byKey.set(key, { seed, stmt: a });
    else {
      // Statements of other structure seeds that share a key must compile alike too.
      shared++;
      assert.doesNotThrow(() => assertServes(first.stmt, a), `seeds ${first.seed} and ${seed}`);
    }
  }
  assert.ok(byKey.size > RUNS / 3, `${byKey.size} distinct keys in ${RUNS} statements`);
  assert.ok(shared > 0, "some structure seeds repeat a shape");
}

test("property: equal keys mean equal SQL, and re-binding equals compiling", () => property(Number(process.env.ARBOR_PROPERTY_RUNS ?? 300)));

// Runs last: it fills the process-wide name and type numbering, so later names and types are written out.
test("past the bounds on numbered names and types, keys stay exact", () => {
  const labelled = (label: string, g: number) => select(customer.c.id, nested(select(order.c.id.as(label)).where(order.c.id.gt(g))).as(`${label}_orders`));
  for (let i = 0; i < 10_001; i++) assert.ok(keyOf(labelled(`fill${i}`, 1)));
  assert.equal(keyOf(labelled("late", 1)), keyOf(labelled("late", 2)));
  assert.notEqual(keyOf(labelled("late", 1)), keyOf(labelled("later", 1)));
  assertServes(labelled("late", 1), labelled("late", 2));
  property(100);
});

function compileOrErrorText(s: Statement<unknown>): string {
  const c = compileOrError(sqliteDialect, s);
  return c instanceof Error ? c.message : c.sql;
}
