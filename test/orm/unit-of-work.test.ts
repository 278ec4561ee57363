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
  },
  { echo: log.logger },
);
