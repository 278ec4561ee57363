// Fan-out regressions (issue 16): on SQLite, PostgreSQL and MariaDB shards, every SELECT is merged to
// exactly what one database answers, or refused with NotSupportedError naming the construct.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NotSupportedError, func, select, sql, types, type Expr, type Statement } from "../../src/index.js";
import { mariadbAvg, postgresAvg } from "../../src/shard/avg.js";
import { cust, line, makeFixture, type Fixture, type Kind } from "./fanout-fixture.js";

const kinds: Kind[] = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mysql").split(",").map((k) => (k === "mysql" ? "mariadb" : k) as Kind);

// Codes that sort differently as text and as numbers; NULLs in every nullable column.
const custs = Array.from({ length: 24 }, (_, i) => ({
  id: i + 1,
  code: ["10", "100", "9", "b", "B", "a"][i % 6],
  note: i % 5 === 0 ? null : `n${(i * 7) % 11}`,
  score: i % 4 === 0 ? null : `${(i * 37) % 19}.${(i * 13) % 1000}`.replace(/\.(\d)$/, ".$100"),
  big: BigInt(i % 3) * 10n ** 12n + BigInt(i),
  at: i % 6 === 0 ? null : new Date(Date.UTC(2024, i % 12, 1 + i)),
  flag: i % 3 === 0 ? null : i % 2 === 0,
}));
const lines = custs.flatMap((c) =>
  Array.from({ length: c.id % 4 }, (_, k) => ({
    id: c.id * 10 + k,
    custId: c.id,
    qty: (c.id * 3 + k) % 7,
    label: ["bob", "Carl", "zoë", "Émile"][(c.id + k) % 4],
  })),
);

async function same(f: Fixture, q: Statement<unknown>): Promise<void> {
  assert.equal(f.sharded.shardsOf(q).length, 2);
  assert.deepEqual((await f.sharded.execute(q)).rows, (await f.reference.execute(q)).rows);
}

async function refused(f: Fixture, q: Statement<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(f.sharded.execute(q), (e: unknown) => e instanceof NotSupportedError && pattern.test(e.message));
}

for (const kind of kinds)
  describe(`fan-out on ${kind} shards`, () => {
    let f: Fixture;
    before(async () => {
      f = await makeFixture(kind, kind.slice(0, 2), custs, lines);
    });
    after(async () => f.dispose());

    test("issue 16.1: ORDER BY and min/max merge by the declared type: text as text, decimals exactly, bigint, timestamps, booleans, NULLs where the engine puts them", async () => {
      const rows = (
        await f.sharded.execute(
          select(cust.c.code, cust.c.id)
            .where(cust.c.code.in(["10", "100", "9"]))
            .orderBy(cust.c.code, cust.c.id),
        )
      ).rows;
      assert.deepEqual([...new Set(rows.map((r) => r.code))], ["10", "100", "9"]);
      await same(f, select(cust.c.code, cust.c.id).orderBy(cust.c.code.desc(), cust.c.id));
      await same(f, select(func.min(cust.c.code).as("lo"), func.max(cust.c.code).as("hi")));
      await same(f, select(cust.c.score, cust.c.id).orderBy(cust.c.score, cust.c.id));
      await same(f, select(cust.c.score, cust.c.id).orderBy(cust.c.score.desc(), cust.c.id).limit(5).offset(2));
      await same(f, select(func.min(cust.c.score).as("lo"), func.max(cust.c.score).as("hi"), func.sum(cust.c.score).as("s")));
      await same(f, select(cust.c.big, cust.c.id).orderBy(cust.c.big.desc(), cust.c.id));
      await same(f, select(cust.c.at, cust.c.id).orderBy(cust.c.at, cust.c.id).limit(7));
      await same(f, select(cust.c.flag, cust.c.id).orderBy(cust.c.flag.desc(), cust.c.id));
      await same(f, select(cust.c.note, cust.c.id).orderBy(cust.c.note, cust.c.id.desc()));
      await same(f, select(cust.c.note, cust.c.id).orderBy(cust.c.note.desc(), cust.c.id).limit(4));
    });

    test("issue 16.2: count(DISTINCT x) is refused across shards", async () => {
      await refused(f, select(func.countDistinct(cust.c.code).as("n")), /count\(DISTINCT/);
    });

    test("issue 16.3: HAVING is applied to the merged groups", async () => {
      const q = select(cust.c.code, func.count().as("n")).groupBy(cust.c.code).having(func.count().gt(3)).orderBy(cust.c.code);
      const rows = (await f.sharded.execute(q)).rows;
      assert.equal(rows.length, 6);
      await same(f, q);
      await same(
        f,
        select(line.c.custId, func.sum(line.c.qty).as("s"))
          .groupBy(line.c.custId)
          .having(func.max(line.c.qty).ge(5), func.count().lt(3))
          .orderBy(line.c.custId),
      );
    });

    test("issue 16.4: an aggregate inside another expression is refused", async () => {
      await refused(f, select(func.coalesce(func.sum(cust.c.id), 0).as("s")), /inside the expression/);
      await refused(f, select(func.sum(cust.c.id).add(1).as("s")), /inside the expression/);
    });

    test("issue 16.5: window functions are refused across shards", async () => {
      await refused(
        f,
        select(
          cust.c.id,
          func
            .rowNumber()
            .over({ orderBy: [cust.c.id] })
            .as("rn"),
        ),
        /window function/,
      );
    });

    test("issue 16.7: avg() merges as the engine computes it (rewritten as sum and count), else refuses", async () => {
      const q = select(line.c.custId.as("c"), func.avg(line.c.qty).as("m")).groupBy(line.c.custId).orderBy(line.c.custId);
      await same(f, q);
      await same(f, select(func.avg(line.c.qty).as("m")));
      await same(f, select(func.avg(line.c.qty).as("m")).where(line.c.qty.gt(100)));
      if (kind === "sqlite") await refused(f, select(func.avg(cust.c.score).as("m")), /avg\(\) cannot be merged across shards on SQLite except of integers/);
      else {
        // Decimals exactly: PostgreSQL's 16 significant digits, MariaDB's scale + 4.
        await same(f, select(func.avg(cust.c.score).as("m"), func.avg(cust.c.big).as("b"), func.avg(cust.c.id).as("i")));
        await same(f, select(cust.c.flag, func.avg(cust.c.score).as("m")).groupBy(cust.c.flag).orderBy(cust.c.flag));
        // The exact text, not only the double it decodes to: the engine's own avg against the one
        // computed from its sum and count, over every column and several subsets.
        const text = (e: Expr<unknown>) => (kind === "postgres" ? sql<string>`CAST(${e} AS text)` : sql<string>`CAST(${e} AS CHAR)`);
        const columns: [string, Expr<unknown>, Expr<unknown>, Expr<unknown>, number][] = [
          ["score", func.avg(cust.c.score), func.sum(cust.c.score), func.count(cust.c.score), 3],
          ["big", func.avg(cust.c.big), func.sum(cust.c.big), func.count(cust.c.big), 0],
          ["id", func.avg(cust.c.id), func.sum(cust.c.id), func.count(cust.c.id), 0],
        ];
        for (const [name, avg, sum, count, scale] of columns)
          for (const cond of [cust.c.id.gt(0), cust.c.id.lt(4), cust.c.flag.isNull(), cust.c.id.eq(7)]) {
            const r = (await f.reference.execute(select(text(avg).as("avg"), text(sum).as("sum"), count.as("n")).from(cust).where(cond))).one();
            const mine: string | null = kind === "postgres" ? postgresAvg(r.sum, r.n) : mariadbAvg(r.sum, r.n, scale);
            assert.equal(mine, r.avg, `avg(${name}) from sum ${r.sum} and count ${r.n}`);
          }
      }
    });

    test("issue 20: an ORDER BY expression is matched to a selected one with its types: a cast to integer is not the selected cast to text", async () => {
      const q = select(cust.c.id.cast(types.text).as("t"), cust.c.id).orderBy(cust.c.id.cast(types.integer).desc());
      await refused(f, q, /must also be selected/);
      await same(f, select(cust.c.id.cast(types.text).as("t"), cust.c.id).orderBy(cust.c.id.cast(types.text).desc(), cust.c.id));
    });

    test("issue 16.8: a statement pinned by root key (= or IN) runs only on the owning shards", async () => {
      const one = select(line.c.id, line.c.qty).where(line.c.custId.eq(7)).orderBy(line.c.id);
      assert.deepEqual(f.sharded.shardsOf(one), [f.shards.shardFor([7])]);
      assert.deepEqual((await f.sharded.execute(one)).rows, (await f.reference.execute(one)).rows);
      const ids = [3, 5];
      const many = select(cust.c.id).where(cust.c.id.in(ids));
      assert.deepEqual(f.sharded.shardsOf(many).sort(), [...new Set(ids.map((i) => f.shards.shardFor([i])))].sort());
    });
  });

describe("issue 16.6: text merges only under a binary collation", () => {
  for (const kind of kinds) {
    if (kind === "sqlite") continue;
    test(`${kind}: a column with a linguistic or case-insensitive collation is refused with how to fix it`, async () => {
      const f = await makeFixture(kind, `${kind.slice(0, 2)}c`, custs, lines, kind === "postgres" ? "en-US-x-icu" : "utf8mb4_general_ci");
      try {
        await refused(f, select(line.c.label, line.c.id).orderBy(line.c.label, line.c.id), /binary collation/);
        await refused(f, select(func.max(line.c.label).as("m")), /binary collation/);
        await same(f, select(cust.c.code, cust.c.id).orderBy(cust.c.code, cust.c.id));
        if (kind === "mariadb") await refused(f, select(line.c.label).distinct(), /collation where equal means identical/);
        else {
          // Grouping needs only equality, which every deterministic PostgreSQL collation keeps exact.
          const q = select(line.c.label, func.count().as("n")).groupBy(line.c.label).having(func.count().gt(1));
          const norm = (rows: readonly Record<string, unknown>[]) => rows.map((r) => `${String(r.label)}:${String(r.n)}`).sort();
          assert.deepEqual(norm((await f.sharded.execute(q)).rows), norm((await f.reference.execute(q)).rows));
        }
      } finally {
        await f.dispose();
      }
    });
  }
});
