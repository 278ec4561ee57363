// Result labels that collide with what JavaScript objects carry (`__proto__`, Object.prototype's
// methods), blank and unicode labels: every row, top level and nested, has each label as an own
// property holding its value, on the generated builders and on the portable loop alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError,
  MappingError,
  MetaData,
  Model,
  Session,
  alias,
  insert,
  integer,
  map,
  nested,
  nestedOne,
  select,
  sql,
  text,
  types,
  value,
} from "../../src/index.js";
import { loopBuilder, rowBuilder } from "../../src/engine/row-builder.js";
import { forEachEngine } from "../support/engines.js";

const LABELS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "__lookupSetter__",
  " ",
  "  x  ",
  "ünï cødé ✓",
  "0",
] as const;

const md = new MetaData();
const parent = md.table("lbl_parent", { id: integer().primaryKey(), name: text().notNull() });
const child = md.table("lbl_child", {
  id: integer().primaryKey(),
  parentId: integer()
    .notNull()
    .named("parent_id")
    .references(() => parent.c.id),
  note: text(),
});

/** Asserts `row` has exactly `expected` as own enumerable properties, with a plain prototype. */
function assertRow(row: object, expected: Record<string, unknown>): void {
  assert.equal(Object.getPrototypeOf(row), Object.prototype, "the prototype is untouched");
  assert.deepEqual(Object.keys(row).sort(), Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) {
    assert.ok(Object.hasOwn(row, k), `own property ${JSON.stringify(k)}`);
    assert.deepEqual((row as Record<string, unknown>)[k], v, `value of ${JSON.stringify(k)}`);
  }
}

test("issue 20.9: generated and loop row builders keep every label as an own property", () => {
  const keys = [...LABELS];
  const raw = keys.map((_, i) => i * 10);
  const expected = Object.fromEntries(keys.map((k, i) => [k, i * 10]));
  const double = (v: unknown) => (v as number) * 2;
  for (const build of [
    rowBuilder(
      keys,
      keys.map(() => null),
    ),
    loopBuilder(
      keys,
      keys.map(() => null),
    ),
  ])
    assertRow(build(raw), expected);
  const decoded = Object.fromEntries(keys.map((k, i) => [k, i * 20]));
  for (const build of [
    rowBuilder(
      keys,
      keys.map(() => double),
    ),
    loopBuilder(
      keys,
      keys.map(() => double),
    ),
  ])
    assertRow(build(raw), decoded);
  // An object value under `__proto__` is the property's value, not the row's prototype.
  const obj = { evil: true };
  const row = rowBuilder(["__proto__"], [null])([obj]) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.equal(row["__proto__"], obj);
  assert.equal((row as { evil?: unknown }).evil, undefined);
});

// Database columns named like JavaScript internals, mapped through other keys.
const oddMd = new MetaData();
const odd = oddMd.table("lbl_odd", {
  id: integer().primaryKey(),
  proto: text().named("__proto__"),
  ctor: text().named("constructor"),
  str: text().named("toString"),
});
class Odd extends Model(odd) {}
map(Odd, {});

test("issue 20.9: keys that would set a prototype or shadow what every object has are refused", () => {
  const m = new MetaData();
  assert.throws(() => m.table("lbl_bad", { id: integer().primaryKey(), ["__proto__"]: text() }), ArgumentError);
  for (const key of ["constructor", "toString", "toJSON", "hasOwnProperty"]) {
    const t = m.table(`lbl_bad_${key}`, { id: integer().primaryKey(), [key]: text().named("v") });
    assert.throws(
      () => Model(t),
      (e: Error) => e instanceof MappingError && e.message.includes(JSON.stringify(key)),
    );
  }
});

forEachEngine(import.meta.url, (ctx) => {
  test("issue 20.9: columns named __proto__, constructor and toString round-trip through Core and the ORM", async () => {
    await ctx.engine.withConnection(async (c) => {
      await oddMd.dropAll(c);
      await oddMd.createAll(c);
      await c.execute(
        insert(odd).values([
          { id: 1, proto: "p", ctor: "c", str: "s" },
          { id: 2, proto: null, ctor: null, str: null },
        ]),
      );
      assert.deepEqual((await c.execute(select(odd).orderBy(odd.c.id))).rows, [
        { id: 1, proto: "p", ctor: "c", str: "s" },
        { id: 2, proto: null, ctor: null, str: null },
      ]);
      const raw = (await c.execute(sql`SELECT * FROM ${odd} WHERE ${sql.id("id")} = ${1}`)).one();
      assertRow(raw, { id: raw["id"], ["__proto__"]: "p", constructor: "c", toString: "s" });
    });
    const s = new Session(ctx.engine);
    try {
      const [one] = await s.query(Odd).where(odd.c.id.eq(1)).all();
      assert.ok(one instanceof Odd);
      assert.deepEqual([one.proto, one.ctor, one.str], ["p", "c", "s"]);
    } finally {
      await s.close();
    }
    await ctx.engine.withConnection((c) => oddMd.dropAll(c));
  });

  test("a Core insert whose rows leave out a column keyed constructor writes NULL, not Object.prototype.constructor", async () => {
    const kmd = new MetaData();
    const keyed = kmd.table("lbl_keyed", { id: integer().primaryKey(), constructor: text(), toString: text() });
    // Each row leaves out one of the two: the insert lists both columns, so the missing one is read from the row.
    // The rows arrive untyped, as from a request body (TypeScript itself would refuse these literals:
    // it sees Object.prototype's members on them).
    const stmt = insert(keyed).values(JSON.parse('[{"id": 1, "constructor": "c"}, {"id": 2, "toString": "s"}]'));
    await ctx.engine.withConnection(async (c) => {
      await kmd.dropAll(c);
      await kmd.createAll(c);
      await c.execute(stmt);
      assert.deepEqual((await c.execute(select(keyed).orderBy(keyed.c.id))).rows, [
        { id: 1, constructor: "c", toString: null },
        { id: 2, constructor: null, toString: "s" },
      ]);
      await kmd.dropAll(c);
    });
  });

  // MariaDB identifiers are utf8mb3: no characters outside the BMP in labels there.
  test("issue 20.9: any label is a key of top-level rows, built and raw", async () => {
    const items = LABELS.map((k, i) => value(i + 1, types.integer).as(k));
    const res = await ctx.engine.execute(select(...items));
    assertRow(res.one(), Object.fromEntries(LABELS.map((k, i) => [k, i + 1])));
    // Raw SQL keys rows by the engine's own column names (MariaDB removes leading spaces).
    const named = (k: string) => (ctx.name === "mariadb" ? k.trimStart() : k);
    const q = ctx.name === "mariadb" ? (k: string) => "`" + k + "`" : (k: string) => `"${k}"`;
    const raw = sql([`SELECT ${LABELS.map((k, i) => `'v${i}' AS ${q(k)}`).join(", ")}`] as unknown as TemplateStringsArray);
    assertRow((await ctx.engine.execute(raw)).one(), Object.fromEntries(LABELS.map((k, i) => [named(k), `v${i}`])));
    // An empty label: PostgreSQL has no zero-length identifiers and refuses it; elsewhere it is a key.
    const empty = select(value(1, types.integer).as(""), value(2, types.integer).as("__proto__"));
    if (ctx.name === "postgres") await assert.rejects(ctx.engine.execute(empty), /zero-length/);
    else assertRow((await ctx.engine.execute(empty)).one(), { "": 1, ["__proto__"]: 2 });
    // The connection is still usable afterwards (MariaDB's driver used to drop it).
    assert.equal((await ctx.engine.execute(select(value(7, types.integer).as("n")))).one().n, 7);
  });

  test("issue 20.9: any label is a key of nested rows, at every depth", async () => {
    await ctx.engine.withConnection(async (c) => {
      await md.createAll(c);
      await c.execute(
        insert(parent).values([
          { id: 1, name: "a" },
          { id: 2, name: "b" },
        ]),
      );
      await c.execute(
        insert(child).values([
          { id: 10, parentId: 1, note: "x" },
          { id: 11, parentId: 1, note: "y" },
        ]),
      );
      const p2 = alias(parent, "p2");
      const inner = select(...LABELS.map((k) => child.c.note.as(k)), child.c.id.as("id")).orderBy(child.c.id);
      const q = select(
        parent.c.id.as("__proto__"),
        nested(inner).as("constructor"),
        nestedOne(select(p2.c.name.as("__proto__"), nested(inner).as("toString")).where(p2.c.id.eq(parent.c.id))).as("hasOwnProperty"),
      )
        .from(parent)
        .orderBy(parent.c.id);
      const rows = (await c.execute(q)).rows;
      const kid = (id: number, note: string) => ({ ...Object.fromEntries(LABELS.map((k) => [k, note])), id });
      const kids = [kid(10, "x"), kid(11, "y")];
      assert.equal(rows.length, 2);
      for (const [i, row] of rows.entries()) {
        const r = row as Record<string, unknown>;
        assertRow(r, { ["__proto__"]: i + 1, constructor: r["constructor"], hasOwnProperty: r["hasOwnProperty"] });
        const list = r["constructor"] as object[];
        assert.equal(list.length, i === 0 ? 2 : 0);
        list.forEach((k, j) => assertRow(k, kids[j]));
        const one = r["hasOwnProperty"] as Record<string, unknown>;
        assertRow(one, { ["__proto__"]: i === 0 ? "a" : "b", toString: one["toString"] });
        assert.equal((one["toString"] as object[]).length, list.length);
        (one["toString"] as object[]).forEach((k, j) => assertRow(k, kids[j]));
      }
      await md.dropAll(c);
    });
  });
});
