// reflect() reads a live schema back into a MetaData that round-trips: createAll of a reflection
// into an empty namespace reflects equal again (the Chinook scripts), and Arbor's own test schemas
// reflect as they were declared (issue 15).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEngine, describeSchema, reflect, type Engine, type MetaData } from "../../src/index.js";
import { chinookStatements } from "../support/chinook.js";
import { dropNamespace, forEachEngine, namespaceFor, prepareNamespace, type EngineName } from "../support/engines.js";
import { groupShop } from "../fixtures/group-shop.js";
import { md as shopMd } from "../fixtures/shop.js";
import { md as ormShopMd } from "../fixtures/orm-shop.js";
import { md as ormUowMd } from "../fixtures/orm-uow.js";

/** A second, empty namespace on the same server, and an engine inside it. */
async function secondEngine(name: EngineName): Promise<{ engine: Engine; drop: () => Promise<void> }> {
  const ns = namespaceFor(new URL(import.meta.url).pathname) + "_b";
  const url = await prepareNamespace(name, ns);
  const engine = createEngine(url);
  return { engine, drop: async () => (await engine.dispose(), await dropNamespace(name, ns)) };
}

forEachEngine(import.meta.url, (ctx) => {
  test("issue 15: the Chinook schema reflects, creates into an empty namespace and reflects equal again", async () => {
    await ctx.engine.withConnection(async (conn) => {
      for (const s of chinookStatements(ctx.name)) await conn.runSql(s);
    });
    const warnings: string[] = [];
    const first = await reflect(ctx.engine, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(first.tables.map((t) => t.name.toLowerCase().replace(/_/g, "")).sort(), [
      "album",
      "artist",
      "customer",
      "employee",
      "genre",
      "invoice",
      "invoiceline",
      "mediatype",
      "playlist",
      "playlisttrack",
      "track",
    ]);
    const track = first.tables.find((t) => /^track$/i.test(t.name))!;
    assert.equal(track.foreignKeys.length, 3, "Track references Album, Genre and MediaType");
    assert.equal(track.indexes.length, 3, "each foreign key column of Track has an index");
    const invoice = first.tables.find((t) => /^invoice$/i.test(t.name))!;
    const total = invoice.columns.find((c) => /^total$/i.test(c.name))!;
    assert.deepEqual([total.type.kind, total.type.precision, total.type.scale, total.nullable], ["numeric", 10, 2, false]);
    const other = await secondEngine(ctx.name);
    try {
      await first.createAll(other.engine);
      const second = await reflect(other.engine);
      assert.deepEqual(describeSchema(second, ctx.engine.dialect), describeSchema(first, ctx.engine.dialect));
    } finally {
      await other.drop();
    }
    await first.dropAll(ctx.engine);
  });

  const fixtures: [string, () => MetaData][] = [
    ["test/fixtures/shop.ts", () => shopMd],
    ["test/fixtures/group-shop.ts", () => groupShop().md],
    ["test/fixtures/orm-shop.ts", () => ormShopMd],
    ["test/fixtures/orm-uow.ts", () => ormUowMd],
  ];
  for (const [file, make] of fixtures)
    test(`issue 15: ${file} created by createAll reflects as declared`, async () => {
      const md = make();
      await md.createAll(ctx.engine);
      try {
        const reflected = await reflect(ctx.engine);
        assert.deepEqual(describeSchema(reflected, ctx.engine.dialect), describeSchema(md, ctx.engine.dialect));
      } finally {
        await md.dropAll(ctx.engine);
      }
    });
});
