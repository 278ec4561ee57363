// Statements rebuilt per call with other values share one compile (sql/cache-key.ts) yet behave
// exactly as if each were compiled afresh: their own values, row count and expressions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, func, insert, integer, select, text } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const pet = md.table("pet", { id: integer().primaryKey(), name: text().notNull(), legs: integer() });
const pets = [
  { id: 1, name: "Rex", legs: 4 },
  { id: 2, name: "Tweety", legs: 2 },
  { id: 3, name: "Nemo", legs: null },
  { id: 4, name: "Kaa", legs: 0 },
];

forEachEngine(import.meta.url, (ctx) => {
  test("a statement rebuilt with other values is compiled once and returns its own rows", async () => {
    const dialect = ctx.engine.dialect;
    const original = dialect.createCompiler;
    let compiles = 0;
    dialect.createCompiler = function (this: typeof dialect) {
      compiles++;
      return original.call(this);
    };
    try {
      await ctx.engine.withConnection(async (c) => {
        await md.createAll(c);
        await c.execute(insert(pet).values(pets));
        compiles = 0;
        const byId = (id: number) => select(pet.c.name).where(pet.c.id.eq(id));
        for (const p of pets) assert.equal((await c.execute(byId(p.id))).scalar(), p.name);
        assert.equal(compiles, 1, "four lookups of one shape compile once");
        assert.equal(ctx.engine.compile(byId(3)).sql, ctx.engine.compile(byId(4)).sql);
        assert.deepEqual(ctx.engine.compile(byId(3)).params, ctx.engine.compile(select(pet.c.name).where(pet.c.id.eq(3))).params);
        // LIMIT values share the shape; each statement still gets all of its rows.
        const first = (n: number) => select(pet.c.id).orderBy(pet.c.id).limit(n);
        assert.deepEqual((await c.execute(first(1))).scalars(), [1]);
        assert.deepEqual((await c.execute(first(3))).scalars(), [1, 2, 3]);
        // Expressions built per call address their own statement's rows.
        for (const min of [1, 3]) {
          const n = func.count().as("n");
          const res = await c.execute(select(n).from(pet).where(pet.c.legs.ge(min)));
          assert.equal(res.get(res.rows[0], n), min === 1 ? 2 : 1);
        }
        // eq(null) means IS NULL: another shape, not the cached `= ?` with a NULL bound.
        const byLegs = (legs: number | null) => select(pet.c.id).where(pet.c.legs.eq(legs)).orderBy(pet.c.id);
        assert.deepEqual((await c.execute(byLegs(4))).scalars(), [1]);
        assert.deepEqual((await c.execute(byLegs(null))).scalars(), [3]);
        assert.notEqual(ctx.engine.compile(byLegs(null)).sql, ctx.engine.compile(byLegs(4)).sql);
        await md.dropAll(c);
      });
    } finally {
      dialect.createCompiler = original;
    }
  });
});
