// Writes that must not be lost between an attribute event and the flush (issue 12): keys copied
// into expired attributes, children appended to parents that expire or are deleted, and objects
// deleted earlier in the transaction appended again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Session, SessionStateError, select } from "../../src/index.js";
import { md, registry, Parent, Child, Holder, Kid } from "../fixtures/orm-uow.js";
import { forEachEngine } from "../support/engines.js";
import { StatementLog } from "../support/statements.js";

const log = new StatementLog();

forEachEngine(
  import.meta.url,
  (ctx) => {
    const open: Session[] = [];
    const session = () => {
      const s = new Session(ctx.engine, { registry });
      open.push(s);
      return s;
    };
    /** p1 with children a (1) and b (2), p2 without; committed, every session closed. */
    const seedFamilies = async () => {
      for (const x of open.splice(0)) await x.close();
      await ctx.engine.withConnection(async (c) => {
        await md.dropAll(c);
        await md.createAll(c);
      });
      const s = session();
      s.add(new Parent({ id: 1, name: "p1", children: [new Child({ id: 1, name: "a" }), new Child({ id: 2, name: "b" })] } as never));
      s.add(new Parent({ id: 2, name: "p2" }));
      await s.commit();
      log.clear();
    };
    const children = async () => (await ctx.engine.execute(select(Child.c.id, Child.c.parentId, Child.c.name).from(Child.table).orderBy(Child.c.id))).rows;
    const writes = (stmts: string[]) => stmts.filter((x) => /^(INSERT|UPDATE|DELETE)/.test(x));

    test("issue 12: a child whose columns expired, appended to another parent, moves (the copied key is written)", async () => {
      await seedFamilies();
      const s = session();
      const p2 = (await s.get(Parent, 2))!;
      const kids = await s.load(p2, "children");
      const a = (await s.get(Child, 1))!;
      s.expire(a);
      kids.push(a);
      log.clear();
      await s.commit();
      assert.deepEqual(writes(log.take()), ['UPDATE "child" SET "parent_id" = ? WHERE "child"."id" = ?']);
      assert.deepEqual(await children(), [
        { id: 1, parentId: 2, name: "a" },
        { id: 2, parentId: 1, name: "b" },
      ]);
    });

    test("issue 12: a child appended to a loaded collection joins the session at once and survives expiring its parent before the flush", async () => {
      await seedFamilies();
      const s0 = session();
      s0.add(new Holder({ id: 1, name: "h", kids: [new Kid({ id: 1 })] } as never));
      await s0.commit();
      const s = session();
      const h = (await s.get(Holder, 1))!;
      const kids = await s.load(h, "kids");
      const k = new Kid({ id: 2 });
      kids.push(k);
      assert.ok(s.new.includes(k), "pending from the append, not only at the flush");
      // kids has no delete-orphan cascade: expiring the holder passes its pending kid by.
      s.expire(h);
      log.clear();
      await s.commit();
      assert.deepEqual(writes(log.take()), ['INSERT INTO "kid" ("id", "holder_id") VALUES (?, ?)']);
      assert.deepEqual((await ctx.engine.execute(select(Kid.c.id, Kid.c.holderId).from(Kid.table).orderBy(Kid.c.id))).rows, [
        { id: 1, holderId: 1 },
        { id: 2, holderId: 1 },
      ]);
    });

    test("issue 12: appending an object whose DELETE was flushed in this transaction raises SessionStateError and leaves the collection as it was", async () => {
      await seedFamilies();
      const s = session();
      const b = (await s.get(Child, 2))!;
      s.delete(b);
      await s.flush();
      const p2 = (await s.get(Parent, 2))!;
      const kids = await s.load(p2, "children");
      assert.throws(
        () => kids.push(b),
        (e: unknown) => e instanceof SessionStateError && /Child \S*2\S* was deleted in this transaction/.test(e.message),
      );
      assert.deepEqual([...kids], []);
      await s.commit();
      assert.deepEqual(await children(), [{ id: 1, parentId: 1, name: "a" }]);
    });
  },
  { echo: log.logger },
);
