// Schema round trip: a MetaData created with createAll reads back through reflect() as the same
// schema (types with length, precision and scale, nullability, server defaults, autoincrement,
// primary, unique and foreign keys with their actions, indexes), then drops. CHECK constraints
// and boolean defaults are left out: they do not yet describe alike once read back (a reflected
// condition is unqualified, PostgreSQL spells a boolean default in lower case).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  MetaData,
  bigint,
  boolean,
  bytes,
  date,
  describeSchema,
  double,
  foreignKey,
  index,
  integer,
  json,
  numeric,
  real,
  reflect,
  smallint,
  text,
  timestamp,
  timestamptz,
  unique,
  uuid,
  varchar,
} from "../index.js";
import type { Suite } from "./context.js";

function schema(prefix: string): MetaData {
  const md = new MetaData();
  const owner = md.table(`${prefix}sc_owner`, {
    id: integer().primaryKey().autoincrement(),
    name: varchar(80).notNull(),
    email: varchar(120).unique(),
    vip: boolean().notNull(),
  });
  md.table(
    `${prefix}sc_thing`,
    {
      id: bigint().primaryKey(),
      ownerId: integer()
        .notNull()
        .named("owner_id")
        .references(() => owner.c.id, { onDelete: "CASCADE" }),
      code: varchar(12).notNull(),
      qty: smallint().notNull().serverDefault(1),
      rank: integer().notNull().serverDefault(7),
      price: numeric(10, 2),
      ratio: real(),
      score: double(),
      note: text(),
      born: date(),
      seen: timestamp(),
      at: timestamptz(),
      key: uuid(),
      doc: json<unknown>(),
      blob: bytes(),
      parentId: bigint().named("parent_id"),
    },
    (c) => [unique([c.ownerId, c.code]), index([c.ownerId]), index([c.parentId]), foreignKey([c.parentId], () => [c.id], { onDelete: "SET NULL" })],
  );
  return md;
}

export function schemaTests(suite: Suite): void {
  describe("schema", { skip: suite.skipped("schema") }, () => {
    const md = schema(suite.prefix);
    after(() => md.dropAll(suite.engine));

    test("createAll then reflect reads back the schema as declared", async () => {
      await md.dropAll(suite.engine);
      await md.createAll(suite.engine);
      const ours = new Set(md.tables.map((t) => t.name));
      const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const reflected = describeSchema(await reflect(suite.engine), suite.engine.dialect).tables.filter((t) => ours.has(t.name));
      assert.deepEqual([...reflected].sort(byName), [...describeSchema(md, suite.engine.dialect).tables].sort(byName));
    });

    test("dropAll removes every table it created", async () => {
      await md.dropAll(suite.engine);
      const ours = new Set(md.tables.map((t) => t.name));
      const left = (await reflect(suite.engine)).tables.filter((t) => ours.has(t.name));
      assert.deepEqual(
        left.map((t) => t.name),
        [],
      );
    });
  });
}
