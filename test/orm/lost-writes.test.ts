// Writes that must not be lost between an attribute event and the flush (issue 12): keys copied
// into expired attributes, children appended to parents that expire or are deleted, and objects
// deleted earlier in the transaction appended again.
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
  },
  { echo: log.logger },
);
