// Regression: a statement pinned to one root key ran on that key's shard even when a subquery or a
// join reached rows of other groups, so `count(*)` over every line counted only that shard's lines.
// Each statement here is either answered exactly as the unsharded database answers it, or refused.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Expr, NotSupportedError, deleteFrom, exists, func, nested, select, update, type Statement } from "../../src/index.js";
import { cust, line, makeFixture, type Fixture, type Kind } from "./fanout-fixture.js";

const kinds: Kind[] = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mysql").split(",").map((k) => (k === "mysql" ? "mariadb" : k) as Kind);

const custs = Array.from({ length: 12 }, (_, i) => ({
  id: i + 1,
  code: ["a", "b", "c"][i % 3],
  note: null,
  score: null,
  big: BigInt(i),
  at: null,
  flag: null,
}));
const lines = custs.flatMap((c) => Array.from({ length: 1 + (c.id % 3) }, (_, k) => ({ id: c.id * 10 + k, custId: c.id, qty: k + 1, label: `l${k}` })));

async function refused(f: Fixture, q: Statement<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(f.sharded.execute(q), (e: unknown) => e instanceof NotSupportedError && pattern.test(e.message));
  assert.throws(() => f.sharded.shardsOf(q), NotSupportedError);
}

for (const kind of kinds)
  describe(`shard-local statements on ${kind} shards`, () => {
    let f: Fixture;
    // Two customers whose groups live on different shards, so a one-shard answer would differ.
    let here: number;
    before(async () => {
      f = await makeFixture(kind, `lo${kind.slice(0, 2)}`, custs, lines);
      here = custs.find((c) => f.shards.shardFor([c.id]) === f.shards.names[0])!.id;
      assert.ok(
        custs.some((c) => f.shards.shardFor([c.id]) !== f.shards.names[0]),
        "the fixture spreads groups over both shards",
      );
    });
    after(async () => f.dispose());

    test("pinned query with an uncorrelated scalar subquery is refused, not answered from one shard", async () => {
      const all = select(func.count().as("n")).from(line).scalar();
      await refused(f, select(cust.c.id, all.as("lines")).where(cust.c.id.eq(here)), /h9_line is not joined on its root key/);
      // The unsharded answer it would have got wrong: every line, not the shard's.
      assert.equal((await f.reference.execute(select(all.as("n")))).rows[0].n, lines.length);
    });

    test("pinned query with a subquery correlated on the root key runs on the owning shard and equals one database", async () => {
      const mine = select(func.count().as("n")).from(line).where(line.c.custId.eq(cust.c.id)).scalar();
      const q = select(cust.c.id, mine.as("lines")).where(cust.c.id.eq(here));
      assert.deepEqual(f.sharded.shardsOf(q), [f.shards.names[0]]);
      assert.deepEqual((await f.sharded.execute(q)).rows, (await f.reference.execute(q)).rows);
      const withLines = select(cust.c.id)
        .where(cust.c.id.eq(here), exists(select(line.c.id).from(line).where(line.c.custId.eq(cust.c.id), line.c.qty.gt(1))))
        .orderBy(cust.c.id);
      assert.deepEqual((await f.sharded.execute(withLines)).rows, (await f.reference.execute(withLines)).rows);
    });

    test("nested() on the grouping key stays shard-local; EXISTS across groups is refused", async () => {
      const tree = select(cust.c.id, nested(select(line.c.id, line.c.qty).orderBy(line.c.id)).as("lines"))
        .where(cust.c.id.in([1, 2, 3, 4]))
        .orderBy(cust.c.id);
      assert.deepEqual((await f.sharded.execute(tree)).rows, (await f.reference.execute(tree)).rows);
      const other = select(cust.c.id).where(cust.c.id.eq(here), exists(select(line.c.id).from(line).where(line.c.qty.eq(cust.c.id))));
      await refused(f, other, /h9_line is not joined on its root key/);
    });

    test("a join on a column other than the root key is refused, pinned or fanned out", async () => {
      const byQty = select(cust.c.id, line.c.id.as("line")).from(cust).join(line, line.c.qty.eq(cust.c.id)).where(cust.c.id.eq(here));
      await refused(f, byQty, /not joined on its root key/);
      await refused(f, select(cust.c.id, line.c.id.as("line")).from(cust).join(line, line.c.qty.eq(cust.c.id)), /not joined on its root key/);
      // Joined on the root key, the same shape is answered exactly.
      const own = select(cust.c.id, line.c.id.as("line")).from(cust).join(line, line.c.custId.eq(cust.c.id)).orderBy(line.c.id);
      assert.deepEqual((await f.sharded.execute(own)).rows, (await f.reference.execute(own)).rows);
    });

    test("UPDATE and DELETE with an uncorrelated subquery are refused and change nothing", async () => {
      const most = select(func.max(line.c.qty).as("m")).from(line).scalar() as Expr<number | null>;
      await refused(f, update(line).set({ label: "top" }).where(line.c.qty.eq(most)), /h9_line is not joined on its root key/);
      await refused(f, deleteFrom(line).where(line.c.qty.eq(most)), /h9_line is not joined on its root key/);
      const count = async () => (await f.sharded.execute(select(func.count().as("n")).from(line))).rows[0].n;
      assert.equal(await count(), lines.length);
    });
  });
