// Typed errors: what the builder rejects before anything is sent (unknown keys, values that do not
// fit their type, missing required columns), what each engine rejects (integrity violations,
// mapped to one error class per kind with the constraint named where the engine says), result
// cardinality, and a connection lost under a live Connection.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError,
  ArborError,
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  ForeignKeyViolationError,
  IntegrityError,
  InvalidValueError,
  MetaData,
  MultipleResultsError,
  NoResultError,
  NotNullViolationError,
  TransactionError,
  UniqueViolationError,
  UnknownColumnError,
  bigint,
  boolean,
  bytes,
  check,
  custom,
  customType,
  date,
  deleteFrom,
  double,
  enumOf,
  insert,
  integer,
  json,
  numeric,
  param,
  select,
  sql,
  text,
  timestamp,
  types,
  unique,
  update,
  uuid,
  varchar,
  type Connection,
  type Engine,
} from "../../src/index.js";
import { constraintName } from "../../src/schema/ddl.js";
import { forEachEngine } from "../support/engines.js";

const point = customType<{ x: number; y: number }, string>({
  name: "point",
  base: types.text,
  toDb: (p) => `${p.x},${p.y}`,
  fromDb: (s) => ({ x: Number(s.split(",")[0]), y: Number(s.split(",")[1]) }),
  validate: (v) => (typeof (v as { x?: unknown }).x === "number" && typeof (v as { y?: unknown }).y === "number" ? undefined : "expected {x, y} numbers"),
});

const md = new MetaData();
const parent = md.table(
  "err_parent",
  { id: integer().primaryKey(), email: varchar(100).notNull().unique(), name: text().notNull(), a: integer(), b: integer() },
  (c) => [unique([c.a, c.b], "uq_err_parent_ab")],
);
const child = md.table(
  "err_child",
  {
    id: integer().primaryKey(),
    parentId: integer()
      .notNull()
      .references(() => parent.c.id)
      .named("parent_id"),
    qty: integer().notNull(),
  },
  (c) => [check("ck_err_child_qty", c.qty.gt(0))],
);
const typed = md.table("err_typed", {
  id: integer().primaryKey(),
  i: integer(),
  bi: bigint(),
  d: double(),
  n: numeric(10, 2),
  n5: numeric(5),
  dt: date(),
  ts: timestamp(),
  by: bytes(),
  e: enumOf(["a", "b"]),
  code: varchar(3),
  u: uuid(),
  flag: boolean(),
  j: json(),
  p: custom(point),
});

/** Runs `fn` and returns the error it throws (synchronously or not), failing if it does not throw. */
async function caught(fn: () => unknown): Promise<ArborError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ArborError, `expected an ArborError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an error");
}

async function expectInvalid(fn: () => unknown, table: string | undefined, column: string, value: unknown) {
  const err = await caught(fn);
  assert.ok(err instanceof InvalidValueError, `expected InvalidValueError, got ${err.name}: ${err.message}`);
  assert.equal(err.table, table);
  assert.equal(err.column, column);
  if (typeof value === "object" && value !== null) assert.equal(err.value, value);
  else assert.deepStrictEqual(err.value, value);
}

/** Waits until the server no longer lists session `id`. */
async function waitGone(engine: Engine, kind: "postgres" | "mariadb", id: number) {
  const q =
    kind === "postgres"
      ? sql`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${id}`
      : sql`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${id}`;
  for (let i = 0; i < 100; i++) {
    const n = (await engine.execute(q)).scalar();
    if (Number(n) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`session ${id} is still there`);
}

async function kill(engine: Engine, kind: "postgres" | "mariadb", id: number) {
  await engine.withConnection(async (other) => {
    assert.notEqual(other.sessionId, id);
    if (kind === "postgres") await other.execute(sql`SELECT pg_terminate_backend(${id})`);
    else await other.runSql(`KILL CONNECTION ${Number(id)}`);
  });
  await waitGone(engine, kind, id);
}

forEachEngine(import.meta.url, (ctx) => {
  const isSqlite = ctx.name === "sqlite";

  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    }),
  );

  async function fresh(c: Connection) {
    await c.execute(deleteFrom(child));
    await c.execute(deleteFrom(parent));
    await c.execute(insert(parent).values({ id: 1, email: "ann@example.com", name: "Ann", a: 1, b: 1 }));
  }

  // ---- builder errors: nothing reaches the database -----------------------------------------------

  test("an unknown key in insert values → UnknownColumnError naming table and key", async () => {
    for (const key of ["nope", "parent_id", "constructor", "__proto__"]) {
      const row = JSON.parse(`{"id": 1, "parentId": 1, "qty": 1, ${JSON.stringify(key)}: 5}`);
      const err = await caught(() => insert(child).values(row));
      assert.ok(err instanceof UnknownColumnError, `${key}: ${err.name}`);
      assert.equal(err.table, "err_child");
      assert.equal(err.column, key);
    }
  });

  test("an unknown key in update set / upsert set → UnknownColumnError", async () => {
    const e1 = await caught(() => update(parent).set({ nope: 1 } as never));
    assert.ok(e1 instanceof UnknownColumnError);
    assert.deepStrictEqual([e1.table, e1.column], ["err_parent", "nope"]);
    const e2 = await caught(() =>
      insert(parent)
        .values({ id: 9, email: "x", name: "x" })
        .onConflict({ target: [parent.c.id], set: { bogus: 1 } as never }),
    );
    assert.ok(e2 instanceof UnknownColumnError);
    assert.deepStrictEqual([e2.table, e2.column], ["err_parent", "bogus"]);
  });

  test("values that do not fit their column → InvalidValueError with table, column and value", async () => {
    const ins = (row: Record<string, unknown>) => () => insert(typed).values({ id: 1, ...row } as never);
    const T = "err_typed";
    await expectInvalid(ins({ i: "5" }), T, "i", "5");
    await expectInvalid(ins({ i: 2 ** 31 }), T, "i", 2 ** 31);
    await expectInvalid(ins({ i: -(2 ** 31) - 1 }), T, "i", -(2 ** 31) - 1);
    await expectInvalid(ins({ i: 1.5 }), T, "i", 1.5);
    await expectInvalid(ins({ i: 2n ** 31n }), T, "i", 2n ** 31n);
    await expectInvalid(ins({ bi: 2n ** 63n }), T, "bi", 2n ** 63n);
    await expectInvalid(ins({ bi: 2 ** 53 }), T, "bi", 2 ** 53);
    await expectInvalid(ins({ bi: "12" }), T, "bi", "12");
    await expectInvalid(ins({ d: "1.5" }), T, "d", "1.5");
    await expectInvalid(ins({ n: "abc" }), T, "n", "abc");
    await expectInvalid(ins({ n: "1.234" }), T, "n", "1.234");
    await expectInvalid(ins({ n: "123456789.00" }), T, "n", "123456789.00");
    await expectInvalid(ins({ n: "1e5" }), T, "n", "1e5");
    await expectInvalid(ins({ n: Infinity }), T, "n", Infinity);
    const bad = new Date("not a date");
    await expectInvalid(ins({ ts: bad }), T, "ts", bad);
    await expectInvalid(ins({ ts: "2024-01-01T00:00:00Z" }), T, "ts", "2024-01-01T00:00:00Z");
    await expectInvalid(ins({ dt: "2023-02-29" }), T, "dt", "2023-02-29");
    await expectInvalid(ins({ dt: "2024-1-1" }), T, "dt", "2024-1-1");
    const arr = [1, 2, 3];
    await expectInvalid(ins({ by: arr }), T, "by", arr);
    await expectInvalid(ins({ by: "bytes" }), T, "by", "bytes");
    await expectInvalid(ins({ e: "c" }), T, "e", "c");
    await expectInvalid(ins({ e: "A" }), T, "e", "A");
    await expectInvalid(ins({ code: "abcd" }), T, "code", "abcd");
    await expectInvalid(ins({ code: "😀😀😀😀" }), T, "code", "😀😀😀😀");
    await expectInvalid(ins({ u: "not-a-uuid" }), T, "u", "not-a-uuid");
    await expectInvalid(ins({ flag: 1 }), T, "flag", 1);
    const fnValue = () => 1;
    await expectInvalid(ins({ j: fnValue }), T, "j", fnValue);
    const notPoint = { x: "1", y: 2 };
    await expectInvalid(ins({ p: notPoint }), T, "p", notPoint);
  });

  test("varchar(3) takes three characters, counted as code points (emoji included)", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(typed));
      await c.execute(
        insert(typed).values([
          { id: 1, code: "abc" },
          { id: 2, code: "😀😀😀" },
          { id: 3, code: "äöü" },
        ]),
      );
      const got = await c.execute(select(typed.c.code).orderBy(typed.c.id));
      assert.deepStrictEqual(got.scalars(), ["abc", "😀😀😀", "äöü"]);
    }));

  test("bad values in update set, WHERE comparisons and named params → InvalidValueError", async () => {
    await expectInvalid(() => update(typed).set({ i: "x" } as never), "err_typed", "i", "x");
    await expectInvalid(() => select(typed.c.id).where(typed.c.n.eq("1.001")), "err_typed", "n", "1.001");
    await expectInvalid(() => select(typed.c.id).where(typed.c.i.in([1, 2 ** 40])), "err_typed", "i", 2 ** 40);
    const stmt = select(typed.c.id).where(typed.c.i.eq(param("p", typed.c.i)));
    await ctx.engine.withConnection(async (c) => {
      const err = await caught(() => c.execute(stmt, { p: "seven" }));
      assert.ok(err instanceof InvalidValueError);
      assert.equal(err.value, "seven");
      assert.equal(err.column, "p");
      const missing = await caught(() => c.execute(stmt, {}));
      assert.ok(missing instanceof ArgumentError && !(missing instanceof UnknownColumnError));
      assert.equal(missing.column, "p");
      // The connection still works after refusing both.
      assert.deepStrictEqual((await c.execute(stmt, { p: 1 })).rows, []);
    });
  });

  test("numeric(p) without a scale refuses decimals rather than rounding them", async () => {
    await expectInvalid(() => insert(typed).values({ id: 1, n5: "1.5" }), "err_typed", "n5", "1.5");
  });

  test("non-finite numbers are refused for double columns", async () => {
    await expectInvalid(() => insert(typed).values({ id: 1, d: NaN }), "err_typed", "d", NaN);
    await expectInvalid(() => insert(typed).values({ id: 1, d: Infinity }), "err_typed", "d", Infinity);
  });

  test("the builder refuses a row without a required column (ArgumentError), before any SQL", async () => {
    const err = await caught(() => insert(parent).values({ id: 5, email: "x@example.com" } as never));
    assert.ok(err instanceof ArgumentError && !(err instanceof UnknownColumnError));
    assert.deepStrictEqual([err.table, err.column], ["err_parent", "name"]);
    const rows = await caught(() => insert(parent).values([]));
    assert.ok(rows instanceof ArgumentError);
    assert.deepStrictEqual([rows.table, rows.column], ["err_parent", undefined]);
  });

  // ---- integrity violations --------------------------------------------------------------------

  test("duplicate unique value → UniqueViolationError naming the constraint", () =>
    ctx.engine.withConnection(async (c) => {
      await fresh(c);
      const err = await caught(() => c.execute(insert(parent).values({ id: 2, email: "ann@example.com", name: "Ann 2" })));
      assert.ok(err instanceof UniqueViolationError, `${err.name}: ${err.message}`);
      assert.ok(err instanceof IntegrityError && err instanceof DatabaseError);
      if (isSqlite) assert.deepStrictEqual([err.table, err.column], ["err_parent", "email"]);
      else assert.equal(err.constraint, "uq_err_parent_email");
      assert.match(err.sql ?? "", /INSERT INTO/);
      // Composite unique with an explicit name.
      const ab = await caught(() => c.execute(insert(parent).values({ id: 3, email: "b@example.com", name: "B", a: 1, b: 1 })));
      assert.ok(ab instanceof UniqueViolationError);
      if (!isSqlite) assert.equal(ab.constraint, "uq_err_parent_ab");
      // Primary key.
      const pk = await caught(() => c.execute(insert(parent).values({ id: 1, email: "c@example.com", name: "C" })));
      assert.ok(pk instanceof UniqueViolationError);
      if (ctx.name === "postgres") assert.equal(pk.constraint, "err_parent_pkey");
      if (ctx.name === "mariadb") assert.equal(pk.constraint, "PRIMARY");
      if (isSqlite) assert.deepStrictEqual([pk.table, pk.column], ["err_parent", "id"]);
      // Nothing was written by the failed statements.
      assert.equal((await c.execute(select(parent.c.id))).rows.length, 1);
    }));

  test("missing parent row → ForeignKeyViolationError naming the constraint", () =>
    ctx.engine.withConnection(async (c) => {
      await fresh(c);
      const err = await caught(() => c.execute(insert(child).values({ id: 1, parentId: 99, qty: 1 })));
      assert.ok(err instanceof ForeignKeyViolationError, `${err.name}: ${err.message}`);
      if (!isSqlite) assert.equal(err.constraint, "fk_err_child_parent_id");
      // Deleting a referenced parent is refused too.
      await c.execute(insert(child).values({ id: 1, parentId: 1, qty: 1 }));
      const del = await caught(() => c.execute(deleteFrom(parent).where(parent.c.id.eq(1))));
      assert.ok(del instanceof ForeignKeyViolationError, `${del.name}: ${del.message}`);
      if (!isSqlite) assert.equal(del.constraint, "fk_err_child_parent_id");
    }));

  test("NULL into a NOT NULL column (raw SQL) → NotNullViolationError naming the column", () =>
    ctx.engine.withConnection(async (c) => {
      await fresh(c);
      const stmt = sql`INSERT INTO ${parent} (${sql.id("id")}, ${sql.id("email")}, ${sql.id("name")}) VALUES (${2}, ${"nn@example.com"}, ${null})`;
      const err = await caught(() => c.execute(stmt));
      assert.ok(err instanceof NotNullViolationError, `${err.name}: ${err.message}`);
      assert.equal(err.column, "name");
      // Through the builder, an explicit null for a NOT NULL column reaches the database too.
      const viaBuilder = await caught(() => c.execute(insert(parent).values({ id: 3, email: "n2@example.com", name: null as never })));
      assert.ok(viaBuilder instanceof NotNullViolationError, `${viaBuilder.name}: ${viaBuilder.message}`);
      assert.equal(viaBuilder.column, "name");
    }));

  test("a failing CHECK → CheckViolationError naming the constraint", () =>
    ctx.engine.withConnection(async (c) => {
      await fresh(c);
      const err = await caught(() => c.execute(insert(child).values({ id: 1, parentId: 1, qty: 0 })));
      assert.ok(err instanceof CheckViolationError, `${err.name}: ${err.message}`);
      assert.equal(err.constraint, "ck_err_child_qty");
      const upd = await c
        .execute(insert(child).values({ id: 2, parentId: 1, qty: 5 }))
        .then(() => caught(() => c.execute(update(child).set({ qty: -1 }).where(child.c.id.eq(2)))));
      assert.ok(upd instanceof CheckViolationError);
      assert.equal(upd.constraint, "ck_err_child_qty");
      // The enum CHECK the DDL adds guards raw SQL that bypasses the builder.
      const en = await caught(() => c.execute(sql`INSERT INTO ${typed} (${sql.id("id")}, ${sql.id("e")}) VALUES (${1}, ${"zzz"})`));
      assert.ok(en instanceof CheckViolationError, `${en.name}: ${en.message}`);
    }));

  test("generated constraint names stay distinct and exact for multibyte table names", () =>
    ctx.engine.withConnection(async (c) => {
      const m = new MetaData();
      const name = "ü".repeat(28);
      const t = m.table(name, { id: integer().primaryKey(), a: text().unique().named("column_a"), b: varchar(50).unique().named("column_b") });
      await m.dropAll(c);
      try {
        await m.createAll(c);
        await c.execute(insert(t).values({ id: 1, a: "x", b: "y" }));
        const err = await caught(() => c.execute(insert(t).values({ id: 2, a: "other", b: "y" })));
        assert.ok(err instanceof UniqueViolationError);
        // Too long for 63 bytes: shortened with a hash, and still the name the engine reports.
        const expected = constraintName("uq", name, ["column_b"]);
        assert.ok(Buffer.byteLength(expected) <= 63 && expected !== constraintName("uq", name, ["column_a"]));
        if (!isSqlite) assert.equal(err.constraint, expected);
      } finally {
        await m.dropAll(c);
      }
    }));

  // ---- result cardinality ------------------------------------------------------------------------

  test(".one() on 0 rows → NoResultError, on 2 rows → MultipleResultsError", () =>
    ctx.engine.withConnection(async (c) => {
      await fresh(c);
      await c.execute(insert(parent).values({ id: 2, email: "two@example.com", name: "Two" }));
      const none = await c.execute(select(parent.c.id).where(parent.c.id.eq(42)));
      assert.throws(() => none.one(), NoResultError);
      assert.equal(none.oneOrNone(), undefined);
      const two = await c.execute(select(parent.c.id).orderBy(parent.c.id));
      assert.throws(() => two.one(), MultipleResultsError);
      assert.throws(() => two.oneOrNone(), MultipleResultsError);
      assert.deepStrictEqual((await c.execute(select(parent.c.id).where(parent.c.id.eq(2)))).one(), { id: 2 });
    }));

  // ---- a lost connection -------------------------------------------------------------------------

  for (const inTx of [false, true])
    for (const via of ["execute", "forEach"] as const)
      test(`a connection killed by the server${inTx ? " inside a transaction" : ""} → ConnectionError from ${via}, and the engine recovers`, {
        skip: isSqlite && "SQLite has no server session to kill",
      }, async () => {
        const engine = ctx.engine;
        const kind = ctx.name as "postgres" | "mariadb";
        const victim = await engine.connect();
        const pid = victim.sessionId!;
        assert.equal(typeof pid, "number");
        assert.equal((await victim.execute(select(parent.c.id).where(parent.c.id.eq(-1)))).rows.length, 0);
        const tx = inTx ? await victim.begin() : undefined;
        await kill(engine, kind, pid);
        const on = tx ?? victim;
        const err = await caught(() => (via === "execute" ? on.execute(select(parent.c.id)) : on.forEach(select(parent.c.id), () => undefined)));
        assert.ok(err instanceof ConnectionError, `${err.name}: ${err.message}`);
        assert.equal(victim.isBroken, true);
        const { size, open, idle, inUse } = engine.poolStats;
        await victim.release();
        assert.deepStrictEqual(
          engine.poolStats,
          { size, open: open - 1, inUse: inUse - 1, idle, waiting: 0 },
          "the broken connection is discarded, not pooled",
        );
        await assert.rejects(victim.execute(select(parent.c.id)), TransactionError);
        // The engine keeps working on new connections.
        const ids = new Set<number | undefined>();
        for (let i = 0; i < 3; i++)
          await engine.withConnection(async (c) => {
            ids.add(c.sessionId);
            assert.equal((await c.execute(select(parent.c.id).where(parent.c.id.eq(-1)))).rows.length, 0);
          });
        assert.equal(ids.has(pid), false);
        await engine.transaction(async (t) => {
          await t.execute(deleteFrom(child));
        });
      });
});
