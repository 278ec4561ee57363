// The unit of work measured against SQLAlchemy 1.4 on the same scenarios: which statements a
// flush emits and in which order, what refresh, merge, expire and expunge do to the session.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Session, select } from "../../src/index.js";
import { md, registry, Parent, Child } from "../fixtures/orm-uow.js";
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
    const rows = async (stmt: Parameters<typeof ctx.engine.execute>[0]) => (await ctx.engine.execute(stmt)).rows;
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
      assert.deepEqual(log.take(), ["COMMIT"]);
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
      assert.deepEqual(log.take(), ["COMMIT"]);
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
      assert.deepEqual([s.inspect(p).status, s.inspect(a).status, s.inspect(b).status, s.inspect(pending).status], ["detached", "detached", "detached", "transient"]);
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
      assert.deepEqual(m.children.map((c) => c.name), ["a-changed", "b", "c"]);
      assert.equal(m.children[0].parent, m);
      assert.deepEqual(s2.new, [m.children[2]]);
      assert.deepEqual(new Set(s2.dirty), new Set([m, m.children[0]]));
      // Nothing written by the merge itself: the parent, its children, the new child looked up.
      assert.deepEqual(writes(log.take()), []);
      await s2.commit();
      assert.deepEqual(writes(log.take()).sort(), [
        'INSERT INTO "child" ("id", "parent_id", "name") VALUES (?, ?, ?)',
        'UPDATE "child" SET "name" = ? WHERE "child"."id" = ?',
        'UPDATE "parent" SET "name" = ? WHERE "parent"."id" = ?',
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
      assert.deepEqual((await children()).map((c) => c.id), [2, 3]);
    });
  },
  { echo: log.logger },
);
