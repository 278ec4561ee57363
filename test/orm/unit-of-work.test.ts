// The unit of work measured against SQLAlchemy 1.4 on the same scenarios: which statements a
// flush emits and in which order, what refresh, merge, expire and expunge do to the session.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Session, select, CircularDependencyError, IntegrityError, MappingError, SessionStateError, Registry, Model, manyToOne } from "../../src/index.js";
import { md, registry, Parent, Child, Holder, Kid, Box, Ball, Label, Ping, Pong, mapUsersAndPosts, usersT, postsT, pingT, pongT } from "../fixtures/orm-uow.js";
import { forEachEngine } from "../support/engines.js";
import { StatementLog } from "../support/statements.js";

const log = new StatementLog();

forEachEngine(
  import.meta.url,
  (ctx) => {
    const open: Session[] = [];
    const fresh = async (options: { autoflush?: boolean } = {}) => {
      for (const x of open.splice(0)) await x.close();
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      log.clear();
      const session = new Session(ctx.engine, { registry, ...options });
      open.push(session);
      return session;
    };
    const another = (options: { autoflush?: boolean; expireOnCommit?: boolean } = {}) => {
      const s = new Session(ctx.engine, { registry, ...options });
      open.push(s);
      return s;
    };
    /** p1 with children a (1) and b (2), p2 without; committed and the session closed. */
    const seedFamilies = async () => {
      const s = await fresh();
      s.add(new Parent({ id: 1, name: "p1", children: [new Child({ id: 1, name: "a" }), new Child({ id: 2, name: "b" })] } as never));
      s.add(new Parent({ id: 2, name: "p2" }));
      await s.commit();
      await s.close();
      log.clear();
    };
    const rows = async (stmt: Parameters<typeof ctx.engine.execute>[0]) => (await ctx.engine.execute(stmt)).rows as Record<string, unknown>[];
    const children = () => rows(select(Child.c.id, Child.c.parentId, Child.c.name).from(Child.table).orderBy(Child.c.id));
    const writes = (stmts: string[]) => stmts.filter((x) => /^(INSERT|UPDATE|DELETE)/.test(x));

    test("issue 12.2: refresh() discards unflushed changes and never flushes", async () => {
      await seedFamilies();
      const s = another();
      const p = (await s.get(Parent, 1))!;
      p.name = "changed";
      log.clear();
      await s.refresh(p);
      assert.deepEqual(log.take(), ['SELECT "parent"."id", "parent"."name" FROM "parent" WHERE "parent"."id" = ?']);
      assert.equal(p.name, "p1");
      assert.deepEqual(s.dirty, []);
      await s.commit();
      // Nothing was written: no transaction was begun, so none is committed.
      assert.deepEqual(log.take(), []);
      assert.deepEqual(await rows(select(Parent.c.name).from(Parent.table).where(Parent.c.id.eq(1))), [{ name: "p1" }]);
    });

    test("issue 12.3: with autoflush off, refresh() clears the dirty state: the next commit writes nothing", async () => {
      await seedFamilies();
      const s = another({ autoflush: false });
      const p = (await s.get(Parent, 1))!;
      p.name = "changed";
      assert.equal(s.isModified(p), true);
      await s.refresh(p);
      assert.equal(s.isModified(p), false);
      assert.deepEqual(s.dirty, []);
      log.clear();
      await s.commit();
      // Nothing was written: no transaction was begun, so none is committed.
      assert.deepEqual(log.take(), []);
      assert.deepEqual(await rows(select(Parent.c.name).from(Parent.table).where(Parent.c.id.eq(1))), [{ name: "p1" }]);
    });

    test("issue 12.9: expire and refresh follow the refresh-expire cascade, expunge the expunge cascade", async () => {
      await seedFamilies();
      const s = another();
      const p = (await s.get(Parent, 1))!;
      const [a, b] = await s.load(p, "children");
      a.name = "zz";
      // refresh(): the children expire too, so a's change is discarded (as in SQLAlchemy).
      await s.refresh(p);
      assert.deepEqual([...s.inspect(a).expired].sort(), ["name", "parentId"]);
      assert.deepEqual(s.inspect(p).loaded, []);
      assert.deepEqual(s.dirty, []);
      // expire(): the whole loaded graph expires.
      await s.refresh(a);
      const kids = await s.load(p, "children");
      assert.deepEqual(s.inspect(kids[1]).expired, []);
      s.expire(p);
      assert.deepEqual([...s.inspect(p).expired].sort(), ["name"]);
      assert.deepEqual([...s.inspect(b).expired].sort(), ["name", "parentId"]);
      // A partial expire does not cascade.
      await s.refresh(p);
      await s.refresh(b);
      const again = await s.load(p, "children");
      s.expire(p, ["name"]);
      assert.deepEqual(s.inspect(again[1]).expired, []);
      // expunge(): the children leave the session with their parent.
      await s.refresh(p);
      await s.load(p, "children");
      const pending = new Child({ id: 9, name: "new" });
      p.children.push(pending);
      s.expunge(p);
      assert.deepEqual(
        [s.inspect(p).status, s.inspect(a).status, s.inspect(b).status, s.inspect(pending).status],
        ["detached", "detached", "detached", "transient"],
      );
      assert.equal(s.identityMap.size, 0);
      assert.deepEqual(s.new, []);
      log.clear();
      await s.commit();
      assert.deepEqual(writes(log.take()), []);
      assert.deepEqual(await children(), [
        { id: 1, parentId: 1, name: "a" },
        { id: 2, parentId: 1, name: "b" },
      ]);
    });

    test("issue 12.4: merge() follows the merge cascade: child changes, new and removed children reach the session", async () => {
      await seedFamilies();
      const s1 = another({ expireOnCommit: false });
      const d = (await s1.get(Parent, 1))!;
      await s1.load(d, "children");
      await s1.close();
      d.name = "p1x";
      d.children[0].name = "a-changed";
      d.children.push(new Child({ id: 3, name: "c" }));
      const s2 = another();
      log.clear();
      const m = await s2.merge(d);
      assert.notEqual(m, d);
      assert.equal(s2.inspect(d).status, "detached");
      assert.deepEqual(s2.inspect(m).loaded, ["children"]);
      assert.deepEqual(
        m.children.map((c) => c.name),
        ["a-changed", "b", "c"],
      );
      assert.equal(m.children[0].parent, m);
      assert.deepEqual(s2.new, [m.children[2]]);
      assert.deepEqual(new Set(s2.dirty), new Set([m, m.children[0]]));
      // Nothing written by the merge itself: the parent, its children, the new child looked up.
      assert.deepEqual(writes(log.take()), []);
      await s2.commit();
      assert.deepEqual(writes(log.take()), [
        'UPDATE "parent" SET "name" = ? WHERE "parent"."id" = ?',
        'UPDATE "child" SET "name" = ? WHERE "child"."id" = ?',
        'INSERT INTO "child" ("id", "parent_id", "name") VALUES (?, ?, ?)',
      ]);
      assert.deepEqual(await children(), [
        { id: 1, parentId: 1, name: "a-changed" },
        { id: 2, parentId: 1, name: "b" },
        { id: 3, parentId: 1, name: "c" },
      ]);

      // A child removed from the detached collection is an orphan of the merged parent.
      const s3 = another({ expireOnCommit: false });
      const d2 = (await s3.get(Parent, 1))!;
      await s3.load(d2, "children");
      await s3.close();
      d2.children.shift();
      const s4 = another();
      await s4.merge(d2);
      log.clear();
      await s4.commit();
      assert.deepEqual(writes(log.take()), ['DELETE FROM "child" WHERE "child"."id" IN (?)']);
      assert.deepEqual(
        (await children()).map((c) => c.id),
        [2, 3],
      );
    });

    test("issue 12.1: a child moved to another parent under delete-orphan is updated, not deleted", async () => {
      await seedFamilies();
      const s = another();
      const p1 = (await s.get(Parent, 1))!;
      const p2 = (await s.get(Parent, 2))!;
      const [a, b] = await s.load(p1, "children");
      await s.load(p2, "children");
      log.clear();
      p2.children.push(a);
      assert.deepEqual([...p1.children], [b]);
      await s.commit();
      assert.deepEqual(writes(log.take()), ['UPDATE "child" SET "parent_id" = ? WHERE "child"."id" = ?']);
      assert.deepEqual(await children(), [
        { id: 1, parentId: 2, name: "a" },
        { id: 2, parentId: 1, name: "b" },
      ]);
      assert.equal(s.inspect(a).status, "persistent");

      // Moved back through the many-to-one side, the old parent's collection loaded.
      const a2 = (await s.get(Child, 1))!;
      const p1b = (await s.get(Parent, 1))!;
      await s.load(p1b, "children");
      await s.load(a2, "parent");
      const p2b = (await s.get(Parent, 2))!;
      await s.load(p2b, "children");
      log.clear();
      a2.parent = p1b;
      await s.commit();
      assert.deepEqual(writes(log.take()), ['UPDATE "child" SET "parent_id" = ? WHERE "child"."id" = ?']);
      assert.deepEqual(
        (await children()).map((c) => c.parentId),
        [1, 1],
      );

      // Removed and left without a parent: an orphan, deleted.
      const p1c = (await s.get(Parent, 1))!;
      const kids = await s.load(p1c, "children");
      log.clear();
      (p1c.children as unknown as { remove(c: Child): boolean }).remove(kids[1]);
      await s.commit();
      assert.deepEqual(writes(log.take()), ['DELETE FROM "child" WHERE "child"."id" IN (?)']);
      assert.deepEqual(
        (await children()).map((c) => c.id),
        [1],
      );
    });

    for (const postUpdate of [true, false])
      for (const postFirst of [false, true])
        test(`issue 12.5/12.6: users ⇄ posts ${postUpdate ? "with postUpdate" : "cut at the nullable key"}, ${postFirst ? "post" : "user"} added first: insert, then null the key and delete`, async () => {
          await fresh();
          const { registry: reg, User, Post } = mapUsersAndPosts(postUpdate);
          const s = new Session(ctx.engine, { registry: reg });
          open.push(s);
          const u = new User({ name: "u" });
          const p = new Post({ title: "t" });
          p.author = u;
          u.favorite = p;
          if (postFirst) s.add(p);
          s.add(u);
          log.clear();
          await s.flush();
          assert.deepEqual(writes(log.take()), [
            'INSERT INTO "users" ("name", "favorite_post_id") VALUES (?, ?) RETURNING "users"."id"',
            'INSERT INTO "posts" ("title", "author_id") VALUES (?, ?) RETURNING "posts"."id"',
            'UPDATE "users" SET "favorite_post_id" = ? WHERE "users"."id" = ?',
          ]);
          await s.commit();
          assert.deepEqual(await rows(select(usersT.c.name, usersT.c.favoritePostId).from(usersT)), [{ name: "u", favoritePostId: p.id }]);
          // A new favourite for a user already there.
          const user = (await s.get(User, u.id))!;
          await s.load(user, "posts");
          const p2 = new Post({ title: "t2" });
          p2.author = user;
          user.favorite = p2;
          log.clear();
          await s.commit();
          assert.deepEqual(writes(log.take()), [
            'INSERT INTO "posts" ("title", "author_id") VALUES (?, ?) RETURNING "posts"."id"',
            'UPDATE "users" SET "favorite_post_id" = ? WHERE "users"."id" = ?',
          ]);
          // Deleting every row of the cycle: the key is cleared first, then posts, then users.
          const [uu, pa, pb] = [(await s.get(User, u.id))!, (await s.get(Post, p.id))!, (await s.get(Post, p2.id))!];
          await s.load(uu, "posts");
          s.delete(uu);
          s.delete(pa);
          s.delete(pb);
          log.clear();
          await s.commit();
          assert.deepEqual(writes(log.take()), [
            'UPDATE "users" SET "favorite_post_id" = ? WHERE "users"."id" = ?',
            'DELETE FROM "posts" WHERE "posts"."id" IN (?, ?)',
            'DELETE FROM "users" WHERE "users"."id" IN (?)',
          ]);
          assert.deepEqual([...(await rows(select(usersT.c.id).from(usersT))), ...(await rows(select(postsT.c.id).from(postsT)))], []);
        });

    test("issue 12.5: a cycle of rows through NOT NULL keys only is refused with CircularDependencyError naming the tables", async () => {
      const s = await fresh();
      const ping = new Ping({ id: 1 });
      const pong = new Pong({ id: 1 });
      ping.pong = pong;
      pong.ping = ping;
      s.add(ping);
      log.clear();
      await assert.rejects(
        s.flush(),
        (e: unknown) => e instanceof CircularDependencyError && /ping and pong/.test((e as Error).message) && /postUpdate/.test((e as Error).message),
      );
      assert.deepEqual(writes(log.take()), []);
      // Nothing written, nothing changed: both still pending (pong by add()'s cascade).
      assert.deepEqual([s.inspect(ping).status, s.inspect(pong).status], ["pending", "pending"]);
      assert.deepEqual([ping.pongId, pong.pingId], [undefined, undefined]);

      await s.close();
      // postUpdate cannot help with a NOT NULL key: refused before anything is written.
      const reg = new Registry();
      class Pi extends Model(pingT) {
        declare pong: Po | null;
      }
      class Po extends Model(pongT) {}
      reg.map(Pi, { relationships: { pong: manyToOne(() => Po, { postUpdate: true }) } });
      reg.map(Po);
      const s2 = new Session(ctx.engine, { registry: reg });
      open.push(s2);
      const pi = new Pi({ id: 1 });
      pi.pong = new Po({ id: 1, pingId: 1 });
      s2.add(pi);
      log.clear();
      await assert.rejects(
        s2.flush(),
        (e: unknown) =>
          e instanceof MappingError && /Pi\.pong has postUpdate, but its foreign key ping\(pong_id\) → pong is NOT NULL/.test((e as Error).message),
      );
      assert.deepEqual(writes(log.take()), []);
    });

    test("issue 12.7: deleting a parent without delete cascade loads its children and clears their key; passiveDeletes trusts the database", async () => {
      const s = await fresh();
      s.add(new Holder({ id: 1, name: "h", kids: [new Kid({ id: 1 }), new Kid({ id: 2 })] } as never));
      s.add(new Box({ id: 1, balls: [new Ball({ id: 1 })] } as never));
      await s.commit();
      await s.close();
      const s2 = another();
      const h = (await s2.get(Holder, 1))!;
      const box = (await s2.get(Box, 1))!;
      s2.delete(h);
      s2.delete(box);
      log.clear();
      await s2.commit();
      assert.deepEqual(
        log.take().filter((x) => !/^(BEGIN|SAVEPOINT|RELEASE|COMMIT)/.test(x)),
        [
          'SELECT "kid"."id", "kid"."holder_id" AS "holderId" FROM "kid" WHERE "kid"."holder_id" IN (?) ORDER BY "kid"."id" ASC',
          'UPDATE "kid" SET "holder_id" = CASE WHEN "kid"."id" = ? THEN ? WHEN "kid"."id" = ? THEN ? ELSE "kid"."holder_id" END WHERE "kid"."id" IN (?, ?)',
          'DELETE FROM "holder" WHERE "holder"."id" IN (?)',
          'DELETE FROM "box" WHERE "box"."id" IN (?)',
        ],
      );
      assert.deepEqual(await rows(select(Kid.c.id, Kid.c.holderId).from(Kid.table).orderBy(Kid.c.id)), [
        { id: 1, holderId: null },
        { id: 2, holderId: null },
      ]);
      assert.deepEqual(await rows(select(Ball.c.id, Ball.c.boxId).from(Ball.table)), [{ id: 1, boxId: null }]);
    });

    test("issue 12.8: within one table UPDATEs go before INSERTs: a unique value renamed and reused in one flush", async () => {
      const s = await fresh();
      s.add(new Label({ name: "x" }));
      await s.commit();
      const t = (await s.query(Label).one())!;
      t.name = "x-old";
      const fresh1 = s.add(new Label({ name: "x" }));
      log.clear();
      await s.flush();
      assert.deepEqual(writes(log.take()), [
        'UPDATE "label" SET "name" = ? WHERE "label"."id" = ?',
        'INSERT INTO "label" ("name") VALUES (?) RETURNING "label"."id"',
      ]);
      await s.commit();
      assert.deepEqual(await rows(select(Label.c.id, Label.c.name).from(Label.table).orderBy(Label.c.id)), [
        { id: t.id, name: "x-old" },
        { id: fresh1.id, name: "x" },
      ]);
    });

    test("issue 12: a child moved into a parent marked for deletion is not deleted by its cascade: the flush fails on its key, nothing is written", async () => {
      await seedFamilies();
      const s = another({ autoflush: false });
      const p1 = (await s.get(Parent, 1))!;
      const a = (await s.get(Child, 1))!;
      await s.load(p1, "children");
      s.delete(p1);
      const p2 = (await s.get(Parent, 2))!;
      await s.load(p2, "children");
      p1.children.splice(p1.children.indexOf(a), 1);
      p2.children.push(a);
      // Regression: the cascade reaches what p1 held at delete(), as SQLAlchemy's does: a, moved to
      // p2 afterwards, goes with p1 and b (it was moved to p2 and kept).
      await s.commit();
      assert.deepEqual(await children(), []);
      s.add(new Parent({ id: 3, name: "p3", children: [new Child({ id: 5, name: "e" })] } as never));
      await s.load(p2, "children");
      p2.children.push(new Child({ id: 6, name: "f" }));
      await s.commit();
      const p3 = (await s.get(Parent, 3))!;
      await s.load(p3, "children");
      s.delete(p3);
      await s.load(p2, "children");
      const moved = p2.children[0];
      // Moved into p3 after its delete(): written, not deleted with p3, so p3's DELETE fails.
      p3.children.push(moved);
      await assert.rejects(s.commit(), IntegrityError);
      await s.rollback();
      assert.deepEqual(await children(), [
        { id: 5, parentId: 3, name: "e" },
        { id: 6, parentId: 2, name: "f" },
      ]);
    });

    test("issue 12: adding to a relationship of an object whose DELETE was flushed is refused at once, never dropped", async () => {
      await seedFamilies();
      const s = another();
      const p1 = (await s.get(Parent, 1))!;
      await s.load(p1, "children");
      s.delete(p1);
      await s.flush();
      const p2 = s.add(new Parent({ id: 3, name: "p3" }));
      const late = new Child({ id: 9, name: "late" });
      assert.throws(
        () => p1.children.push(late),
        (e: unknown) =>
          e instanceof SessionStateError && /Parent \(id=1\) was deleted in this transaction: nothing can be added to its children/.test((e as Error).message),
      );
      assert.deepEqual([...p1.children].map((c) => c.name).sort(), ["a", "b"]);
      assert.equal(s.inspect(late).status, "transient");
      p2.children.push(late);
      await s.commit();
      assert.deepEqual(await children(), [{ id: 9, parentId: 3, name: "late" }]);
    });
  },
  { echo: log.logger },
);
