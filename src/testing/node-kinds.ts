// Every node kind of Arbor's expression language, compiled and executed on the engine under test, or
// refused there with NotSupportedError where its capabilities say so. The cases are a Record over
// NodeKind, so a new kind without a case fails to compile.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  MetaData,
  index,
  integer,
  text,
  numeric,
  select,
  insert,
  update,
  deleteFrom,
  func,
  param,
  value,
  tuple,
  excluded,
  caseWhen,
  exists,
  or,
  nested,
  sql,
  alias,
  types,
  NotSupportedError,
  type Capabilities,
  type Engine,
  type Statement,
  type nodes,
} from "../index.js";
import type { Suite } from "./context.js";

export type Rows = readonly Record<string, unknown>[];
export interface Case {
  /** What the variant shows, when a kind has several. */
  readonly what?: string;
  readonly stmt: () => Statement<unknown>;
  readonly params?: Record<string, unknown>;
  /** Expected rows (in order unless `unordered`). */
  readonly rows?: Rows;
  readonly unordered?: boolean;
  /** For statements that write: a query whose rows show the effect. */
  readonly check?: { readonly stmt: () => Statement<unknown>; readonly rows: Rows };
  /** True when the dialect must refuse the statement with NotSupportedError, given its capabilities. */
  readonly refused?: (c: Capabilities) => boolean;
}

/** The node-kind cases over tables named with `prefix`, and the schema and rows they read. */
export function nodeKindCases(prefix: string) {
  const names = { a: `${prefix}nk_a`, b: `${prefix}nk_b`, w: `${prefix}nk_w` };
  const md = new MetaData();
  const a = md.table(names.a, { id: integer().primaryKey(), n: integer(), s: text(), p: numeric(10, 2) });
  const b = md.table(
    names.b,
    {
      id: integer().primaryKey(),
      aId: integer()
        .named("a_id")
        .references(() => a.c.id),
      v: integer(),
    },
    (c) => [index([c.aId])],
  );
  const w = md.table(names.w, { id: integer().primaryKey(), v: integer() });

  const a2 = alias(a, "a2");
  const ids = (...xs: number[]) => xs.map((id) => ({ id }));
  const byId = () => select(a.c.id).from(a).orderBy(a.c.id);
  const wRows = () => select(w.c.id, w.c.v).from(w).orderBy(w.c.id);

  const cases: Record<nodes.NodeKind, readonly Case[]> = {
    select: [{ stmt: byId, rows: ids(1, 2) }],
    table: [{ stmt: byId, rows: ids(1, 2) }],
    column: [{ stmt: () => select(a.c.s).from(a).orderBy(a.c.id), rows: [{ s: "x" }, { s: "y" }] }],
    label: [{ stmt: () => select(a.c.n.as("m")).from(a).orderBy(a.c.id), rows: [{ m: 10 }, { m: 20 }] }],
    order: [
      { stmt: () => select(a.c.id).from(a).orderBy(a.c.id.desc()), rows: ids(2, 1) },
      { what: "NULLS FIRST", stmt: () => select(a.c.id).from(a).orderBy(a.c.p.asc().nullsFirst()), rows: ids(2, 1) },
    ],
    bind: [{ stmt: () => select(a.c.id).from(a).where(a.c.n.eq(10)), rows: ids(1) }],
    param: [
      {
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(a.c.n.eq(param("n", types.integer))),
        params: { n: 20 },
        rows: ids(2),
      },
    ],
    binary: [
      { stmt: () => select(a.c.n.add(1).as("x")).from(a).where(a.c.id.eq(1)), rows: [{ x: 11 }] },
      { what: "concatenation", stmt: () => select(a.c.s.concat("!").as("x")).from(a).where(a.c.id.eq(1)), rows: [{ x: "x!" }] },
    ],
    unary: [
      { stmt: () => select(a.c.n.neg().as("x")).from(a).where(a.c.id.eq(1)), rows: [{ x: -10 }] },
      { what: "IS NULL", stmt: () => select(a.c.id).from(a).where(a.c.p.isNull()), rows: ids(2) },
    ],
    logical: [
      {
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(or(a.c.id.eq(1), a.c.n.eq(20)))
            .orderBy(a.c.id),
        rows: ids(1, 2),
      },
    ],
    func: [
      { stmt: () => select(func.count().as("c")).from(a), rows: [{ c: 2 }] },
      { what: "sum of decimals", stmt: () => select(func.sum(a.c.p).as("t")).from(a), rows: [{ t: "1.50" }] },
    ],
    cast: [{ stmt: () => select(a.c.n.cast(types.text).as("x")).from(a).where(a.c.id.eq(1)), rows: [{ x: "10" }] }],
    case: [
      {
        stmt: () =>
          select(caseWhen(a.c.n.gt(15), a.c.s).else(a.c.s.concat("?")).as("x"))
            .from(a)
            .orderBy(a.c.id),
        rows: [{ x: "x?" }, { x: "y" }],
      },
    ],
    in: [
      {
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(a.c.id.in([2, 3])),
        rows: ids(2),
      },
      {
        what: "IN a subquery",
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(a.c.id.in(select(b.c.aId).from(b))),
        rows: ids(1),
      },
    ],
    between: [{ stmt: () => select(a.c.id).from(a).where(a.c.n.between(15, 25)), rows: ids(2) }],
    scalar: [
      {
        stmt: () =>
          select(a.c.id, select(func.count().as("c")).from(b).where(b.c.aId.eq(a.c.id)).scalar().as("k"))
            .from(a)
            .orderBy(a.c.id),
        rows: [
          { id: 1, k: 2 },
          { id: 2, k: 0 },
        ],
      },
    ],
    exists: [
      {
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(exists(select(b.c.id).from(b).where(b.c.aId.eq(a.c.id)))),
        rows: ids(1),
      },
    ],
    window: [
      {
        stmt: () =>
          select(
            a.c.id,
            func
              .rowNumber()
              .over({ orderBy: [a.c.id.desc()] })
              .as("r"),
          )
            .from(a)
            .orderBy(a.c.id),
        rows: [
          { id: 1, r: 2 },
          { id: 2, r: 1 },
        ],
      },
    ],
    tuple: [
      {
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(tuple(a.c.id, a.c.n).eq(tuple(value(2, types.integer), value(20, types.integer)))),
        rows: ids(2),
      },
    ],
    raw: [{ stmt: () => select(a.c.id, sql`1 + 1`.typed(types.integer).as("two")).from(a).where(a.c.id.eq(1)), rows: [{ id: 1, two: 2 }] }],
    identifier: [
      {
        stmt: () =>
          select(sql`${sql.id(names.a, "n")} * 2`.typed(types.integer).as("x"))
            .from(a)
            .where(a.c.id.eq(1)),
        rows: [{ x: 20 }],
      },
    ],
    star: [{ stmt: () => select(func.count().as("c")).from(b), rows: [{ c: 2 }] }],
    join: [
      {
        stmt: () => select(a.c.id, b.c.v).from(a).join(b).orderBy(b.c.id),
        rows: [
          { id: 1, v: 5 },
          { id: 1, v: 6 },
        ],
      },
      {
        what: "LEFT JOIN",
        stmt: () => select(a.c.id, b.c.v).from(a).leftJoin(b).orderBy(a.c.id, b.c.id),
        rows: [
          { id: 1, v: 5 },
          { id: 1, v: 6 },
          { id: 2, v: null },
        ],
      },
      {
        what: "FULL JOIN",
        stmt: () => select(a.c.id, b.c.v).from(a).fullJoin(b).orderBy(a.c.id, b.c.id),
        rows: [
          { id: 1, v: 5 },
          { id: 1, v: 6 },
          { id: 2, v: null },
        ],
        refused: (c) => !c.fullJoin,
      },
    ],
    alias: [{ stmt: () => select(a2.c.id).from(a2).where(a2.c.n.eq(20)), rows: ids(2) }],
    derived: [
      {
        stmt: () => {
          const d = select(a.c.id.as("x")).from(a).as("d");
          return select(d.c.x).from(d).orderBy(d.c.x);
        },
        rows: [{ x: 1 }, { x: 2 }],
      },
      {
        what: "LATERAL",
        stmt: () => {
          const l = select(b.c.v).from(b).where(b.c.aId.eq(a.c.id)).orderBy(b.c.v.desc()).limit(1).lateral("l");
          return select(a.c.id, l.c.v).from(a).crossJoin(l);
        },
        rows: [{ id: 1, v: 6 }],
        refused: (c) => !c.lateral,
      },
    ],
    cte: [
      {
        stmt: () => {
          const c = select(a.c.id.as("x")).from(a).where(a.c.n.gt(15)).cte("c");
          return select(c.c.x).from(c);
        },
        rows: [{ x: 2 }],
      },
    ],
    compound: [
      {
        stmt: () =>
          select(a.c.id)
            .from(a)
            .where(a.c.id.eq(1))
            .union(select(a.c.id).from(a).where(a.c.id.eq(2))),
        rows: ids(1, 2),
        unordered: true,
      },
      {
        what: "EXCEPT",
        stmt: () =>
          select(a.c.id)
            .from(a)
            .except(select(b.c.id).from(b).where(b.c.v.eq(6))),
        rows: ids(1),
      },
    ],
    nested: [
      {
        stmt: () =>
          select(a.c.id, nested(select(b.c.v).orderBy(b.c.id)).as("bs"))
            .from(a)
            .orderBy(a.c.id),
        rows: [
          { id: 1, bs: [{ v: 5 }, { v: 6 }] },
          { id: 2, bs: [] },
        ],
      },
    ],
    insert: [{ stmt: () => insert(w).values({ id: 10, v: 1 }), check: { stmt: wRows, rows: [{ id: 10, v: 1 }] } }],
    excluded: [
      {
        stmt: () =>
          insert(w)
            .values({ id: 10, v: 7 })
            .onConflict({ target: [w.c.id], set: { v: excluded(w.c.v) } }),
        check: { stmt: wRows, rows: [{ id: 10, v: 7 }] },
      },
    ],
    update: [
      { stmt: () => update(w).set({ v: 2 }).where(w.c.id.eq(10)), check: { stmt: wRows, rows: [{ id: 10, v: 2 }] } },
      {
        what: "UPDATE … RETURNING",
        stmt: () => update(w).set({ v: 3 }).where(w.c.id.eq(10)).returning(w.c.v),
        rows: [{ v: 3 }],
        refused: (c) => !c.returning.update,
      },
    ],
    delete: [{ stmt: () => deleteFrom(w).where(w.c.id.eq(10)), check: { stmt: wRows, rows: [] } }],
  };

  /** Creates the tables afresh and fills them with the rows the cases expect. */
  async function setUp(engine: Engine): Promise<void> {
    await md.dropAll(engine);
    await md.createAll(engine);
    await engine.execute(
      insert(a).values([
        { id: 1, n: 10, s: "x", p: "1.50" },
        { id: 2, n: 20, s: "y", p: null },
      ]),
    );
    await engine.execute(
      insert(b).values([
        { id: 1, aId: 1, v: 5 },
        { id: 2, aId: 1, v: 6 },
      ]),
    );
  }
  return { md, cases, setUp };
}

const sortRows = (rows: Rows) => [...rows].map((r) => JSON.stringify(r)).sort();

/** Runs one case: compiled and executed with the rows it expects, or refused with NotSupportedError. */
export async function runCase(engine: Engine, c: Case): Promise<void> {
  const stmt = c.stmt();
  if (c.refused?.(engine.dialect.capabilities)) {
    assert.throws(() => engine.dialect.createCompiler().compile(stmt.statementNode), NotSupportedError);
    await assert.rejects(engine.execute(stmt, c.params), NotSupportedError);
    return;
  }
  assert.ok(engine.dialect.createCompiler().compile(stmt.statementNode).sql.length > 0);
  const result = await engine.execute(stmt, c.params);
  if (c.rows) {
    if (c.unordered) assert.deepEqual(sortRows(result.rows as Rows), sortRows(c.rows));
    else assert.deepEqual(result.rows, c.rows);
  }
  if (c.check) assert.deepEqual((await engine.execute(c.check.stmt())).rows, c.check.rows);
}

export function nodeKindTests(suite: Suite): void {
  describe("node kinds", { skip: suite.skipped("nodeKinds") }, () => {
    const { md, cases, setUp } = nodeKindCases(suite.prefix);
    before(() => setUp(suite.engine));
    // In declaration order: insert, excluded (upsert), update and delete share the row with id 10.
    for (const [kind, list] of Object.entries(cases) as [nodes.NodeKind, readonly Case[]][])
      for (const c of list)
        test(`${kind}${c.what ? ` (${c.what})` : ""} compiles and runs, or is refused where the dialect lacks it`, () => runCase(suite.engine, c));
    test("the node-kind tables drop", () => md.dropAll(suite.engine));
  });
}
