// createAll({ ifNotExists: true }) runs again over what it created: tables, indexes (declared,
// unique and grouping-key ones) and the foreign keys that close a cycle (issue 15).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, deleteFrom, foreignKey, index, insert, integer, select, text, varchar, type AnyColumn, type Table } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

function schema(): { md: MetaData; author: Table; post: Table } {
  const md = new MetaData();
  const author = md.table(
    "h10_author",
    { id: integer().primaryKey(), name: varchar(40).notNull().unique(), favouritePost: integer().named("favourite_post").index() },
    (c) => [foreignKey([c.favouritePost], (): AnyColumn[] => [post.column("id")], { name: "fk_h10_author_fav" })],
  );
  const post: Table = md.table(
    "h10_post",
    {
      id: integer().primaryKey(),
      authorId: integer()
        .notNull()
        .named("author_id")
        .references(() => author.column("id"), { grouping: true }),
      title: text(),
    },
    (c) => [index([c.authorId, c.id], { name: "ix_h10_post_author_title" }), index([c.id], { unique: true })],
  );
  return { md, author, post };
}

forEachEngine(import.meta.url, (ctx) => {
  test("issue 15: createAll with ifNotExists runs twice", async () => {
    const { md, author, post } = schema();
    if (ctx.name !== "sqlite") assert.equal(md.deferredForeignKeys(ctx.engine).length, 1, "the schema has a cyclic foreign key");
    await md.createAll(ctx.engine, { ifNotExists: true });
    await md.createAll(ctx.engine, { ifNotExists: true });
    await ctx.engine.execute(insert(author).values({ id: 1, name: "a" }));
    await ctx.engine.execute(insert(post).values({ id: 10, authorId: 1, title: "t" }));
    await md.createAll(ctx.engine, { ifNotExists: true });
    // The data is still there and the constraints still hold after the third run.
    assert.deepEqual((await ctx.engine.execute(select(post.c.title).from(post))).rows, [{ title: "t" }]);
    await assert.rejects(ctx.engine.execute(insert(author).values({ id: 2, name: "a" })), "the unique constraint still holds");
    await assert.rejects(ctx.engine.execute(insert(post).values({ id: 11, authorId: 9, title: "t" })), "the foreign key still holds");
    // SQLite drops a referenced table only when no row refers to it.
    await ctx.engine.execute(deleteFrom(post));
    await md.dropAll(ctx.engine);
  });

  test("issue 15: createAll without ifNotExists still fails on an existing table", async () => {
    const { md } = schema();
    await md.createAll(ctx.engine);
    await assert.rejects(md.createAll(ctx.engine));
    await md.dropAll(ctx.engine);
  });
});
