// Regression: a sharded session loaded every relationship from the shard of the object it started
// from. A relationship to another group's row (a post's reviewer is some other account) was looked
// up there and came back null when that account lives on another shard. Loading such a relationship
// is now refused; relationships within a group keep working.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  Model,
  NotSupportedError,
  Registry,
  ShardSet,
  ShardedSession,
  createEngine,
  insert,
  integer,
  manyToOne,
  oneToMany,
  select,
  selectinload,
  sql,
  text,
  type Engine,
} from "../../src/index.js";

const md = new MetaData();
const account = md.table("xg_account", { id: integer().primaryKey(), name: text().notNull() });
const post = md.table("xg_post", {
  id: integer().primaryKey(),
  accountId: integer()
    .notNull()
    .named("account_id")
    .references(() => account.c.id, { grouping: true }),
  reviewerId: integer()
    .named("reviewer_id")
    .references(() => account.c.id),
  title: text().notNull(),
});

const registry = new Registry();
class Account extends Model(account) {
  declare posts: Post[];
}
class Post extends Model(post) {
  declare account: Account | null;
  declare reviewer: Account | null;
}
registry.map(Account, { relationships: { posts: oneToMany(() => Post, { backPopulates: "account", foreignKey: [post.c.accountId] }) } });
registry.map(Post, {
  relationships: {
    account: manyToOne(() => Account, { backPopulates: "posts", foreignKey: [post.c.accountId] }),
    reviewer: manyToOne(() => Account, { foreignKey: [post.c.reviewerId] }),
  },
});

let engines: Record<string, Engine>;
let shards: ShardSet;
let author: number;
let reviewer: number;

before(async () => {
  engines = { a: createEngine("sqlite::memory:"), b: createEngine("sqlite::memory:") };
  shards = new ShardSet(engines, { metadata: md });
  for (const e of Object.values(engines)) await md.createAll(e);
  const ids = Array.from({ length: 40 }, (_, i) => i + 1);
  author = ids.find((id) => shards.shardFor([id]) === "a")!;
  reviewer = ids.find((id) => shards.shardFor([id]) === "b")!;
  for (const id of [author, reviewer]) await engines[shards.shardFor([id])].execute(insert(account).values({ id, name: `account ${id}` }));
  // The reviewer is on shard b: a database foreign key cannot reach it from shard a.
  await engines.a.execute(sql`PRAGMA foreign_keys = OFF`);
  await engines.a.execute(insert(post).values({ id: 1, accountId: author, reviewerId: reviewer, title: "hello" }));
});
after(async () => {
  for (const e of Object.values(engines)) await e.dispose();
});

test("a relationship to another group's row is refused, not loaded as null from the wrong shard", async () => {
  const ss = new ShardedSession(shards, { registry });
  try {
    const p = (await ss.get(Post, 1))!;
    // What the shard holding the post would answer: no such account there.
    const onItsShard = await engines.a.execute(select(account.c.id).where(account.c.id.eq(reviewer)));
    assert.equal(onItsShard.rows.length, 0);
    await assert.rejects(
      ss.load(p, "reviewer"),
      (e: unknown) => e instanceof NotSupportedError && /Post\.reviewer joins xg_post to xg_account/.test(e.message),
    );
    await assert.rejects(ss.query(Post).options(selectinload(Post, "reviewer")).all(), NotSupportedError);
    // Within the group: the post's own account, from the same shard.
    assert.equal((await ss.load(p, "account"))?.id, author);
    const [a] = await ss.query(Account).where(account.c.id.eq(author)).options(selectinload(Account, "posts")).all();
    assert.deepEqual(
      a.posts.map((x) => x.title),
      ["hello"],
    );
  } finally {
    await ss.close();
  }
});
