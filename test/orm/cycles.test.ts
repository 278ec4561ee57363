// Random graphs of users and posts referencing each other (post.author NOT NULL, user.favorite
// nullable), added in random order, with and without postUpdate: every flush finds an order, the
// database holds exactly the graph, and deleting a random part of it (with the posts of deleted
// users) leaves exactly the rest. ARBOR_CYCLES_SEED replays a run; the seed is printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Session, deleteFrom, select, update } from "../../src/index.js";
import { md, mapUsersAndPosts, usersT, postsT } from "../fixtures/orm-uow.js";
import { forEachEngine } from "../support/engines.js";

interface Graph {
  readonly authors: number[];
  readonly favorites: (number | null)[];
  readonly order: number[];
  readonly deleteUsers: boolean[];
  readonly deletePosts: boolean[];
}

const graphArb: fc.Arbitrary<Graph> = fc.record({ users: fc.integer({ min: 1, max: 4 }), posts: fc.integer({ min: 0, max: 5 }) }).chain(({ users, posts }) =>
  fc.record({
    authors: fc.array(fc.integer({ min: 0, max: users - 1 }), { minLength: posts, maxLength: posts }),
    favorites: fc.array(posts === 0 ? fc.constant(null) : fc.option(fc.integer({ min: 0, max: posts - 1 }), { nil: null }), {
      minLength: users,
      maxLength: users,
    }),
    order: fc.shuffledSubarray([...Array(users + posts).keys()], { minLength: users + posts, maxLength: users + posts }),
    deleteUsers: fc.array(fc.boolean(), { minLength: users, maxLength: users }),
    deletePosts: fc.array(fc.boolean(), { minLength: posts, maxLength: posts }),
  }),
);

const RUNS = 40;

forEachEngine(import.meta.url, (ctx) => {
  for (const postUpdate of [false, true])
    test(`${RUNS} random user ⇄ post graphs ${postUpdate ? "with postUpdate" : "cut at the nullable key"}: inserted and deleted in a valid order`, async (t) => {
      const seed = Number(process.env.ARBOR_CYCLES_SEED ?? Date.now() % 1_000_000);
      t.diagnostic(`ARBOR_CYCLES_SEED=${seed}`);
      // Rows left by the other variant would stop SQLite dropping the tables (the keys cycle).
      await emptyTables().catch(() => undefined);
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const { registry, User, Post } = mapUsersAndPosts(postUpdate);
      for (const [run, g] of fc.sample(graphArb, { seed, numRuns: RUNS }).entries()) {
        const where = `seed ${seed}, run ${run}: ${JSON.stringify(g)}`;
        await emptyTables();
        const s = new Session(ctx.engine, { registry });
        try {
          const users = g.favorites.map((_, i) => new User({ name: `u${i}` }));
          const posts = g.authors.map((a, i) => {
            const p = new Post({ title: `p${i}` });
            p.author = users[a];
            return p;
          });
          g.favorites.forEach((f, i) => (users[i].favorite = f === null ? null : posts[f]));
          for (const k of g.order) s.add(k < users.length ? users[k] : posts[k - users.length]);
          await s.commit();
          const expectUsers = users.map((u, i) => ({ name: `u${i}`, fav: g.favorites[i] === null ? null : posts[g.favorites[i]!].id }));
          const expectPosts = posts.map((p, i) => ({ title: `p${i}`, author: users[g.authors[i]].id }));
          assert.deepEqual(await usersNow(), expectUsers.sort(byName), where);
          assert.deepEqual(await postsNow(), expectPosts.sort(byTitle), where);

          // Delete some users with all their posts, and some other posts.
          const goneUsers = new Set(users.filter((_, i) => g.deleteUsers[i]));
          const gonePosts = new Set(posts.filter((p, i) => g.deletePosts[i] || goneUsers.has(users[g.authors[i]])));
          for (const u of users) {
            const live = (await s.get(User, u.id))!;
            await s.load(live, "posts");
            await s.load(live, "favorite");
          }
          for (const p of posts) await s.load((await s.get(Post, p.id))!, "author");
          for (const [i, u] of users.entries()) {
            const live = (await s.get(User, u.id))!;
            if (goneUsers.has(u)) s.delete(live);
            else if (g.favorites[i] !== null && gonePosts.has(posts[g.favorites[i]!])) live.favorite = null;
          }
          for (const p of gonePosts) s.delete((await s.get(Post, p.id))!);
          await s.commit();
          assert.deepEqual(
            await usersNow(),
            expectUsers
              .filter((_, i) => !goneUsers.has(users[i]))
              .map((u) => (u.fav !== null && [...gonePosts].some((p) => p.id === u.fav) ? { ...u, fav: null } : u))
              .sort(byName),
            where,
          );
          assert.deepEqual(await postsNow(), expectPosts.filter((_, i) => !gonePosts.has(posts[i])).sort(byTitle), where);
        } finally {
          await s.close();
        }
      }
    });

  const emptyTables = () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(update(usersT).set({ favoritePostId: null }).where(usersT.c.id.isNotNull()));
      await c.execute(deleteFrom(postsT).where(postsT.c.id.isNotNull()));
      await c.execute(deleteFrom(usersT).where(usersT.c.id.isNotNull()));
    });
  const usersNow = async () =>
    ((await ctx.engine.execute(select(usersT.c.name, usersT.c.favoritePostId).from(usersT))).rows as { name: string; favoritePostId: number | null }[])
      .map((r) => ({ name: r.name, fav: r.favoritePostId }))
      .sort(byName);
  const postsNow = async () =>
    ((await ctx.engine.execute(select(postsT.c.title, postsT.c.authorId).from(postsT))).rows as { title: string; authorId: number }[])
      .map((r) => ({ title: r.title, author: r.authorId }))
      .sort(byTitle);
});

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byTitle = (a: { title: string }, b: { title: string }) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0);
