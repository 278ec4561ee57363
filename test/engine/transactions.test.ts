// Transactions (callback and explicit, nested as SAVEPOINTs), misuse of finished transactions and
// released connections, streaming large results in batches, the echo logger and the pool.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  DatabaseError,
  MetaData,
  TransactionError,
  bigint,
  createEngine,
  deleteFrom,
  insert,
  integer,
  numeric,
  param,
  select,
  sql,
  text,
  timestamptz,
  types,
  value,
  type Connection,
  type LogEntry,
  type Transaction,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const md = new MetaData();
const acct = md.table("tx_acct", { id: integer().primaryKey(), name: text().notNull() });
const big = md.table("tx_big", {
  id: integer().primaryKey(),
  label: text().notNull(),
  n: bigint().notNull(),
  amount: numeric(12, 2).notNull(),
  at: timestamptz().notNull(),
});

const N = 5000;
const T0 = Date.UTC(1969, 6, 20, 20, 17, 40, 123);
const bigRow = (i: number) => ({
  id: i,
  label: `row ${i} ✓`,
  n: 2n ** 62n + BigInt(i),
  amount: `${i}.${String(i % 100).padStart(2, "0")}`,
  at: new Date(T0 + i * 1001),
});

async function names(ex: Pick<Connection, "execute">): Promise<string[]> {
  return (await ex.execute(select(acct.c.name).orderBy(acct.c.id))).scalars() as string[];
}

forEachEngine(import.meta.url, (ctx) => {
  const isSqlite = ctx.name === "sqlite";

  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      for (let i = 1; i <= N; i += 1000) await c.execute(insert(big).values(Array.from({ length: 1000 }, (_, k) => bigRow(i + k))));
    }),
  );

  const reset = () => ctx.engine.execute(deleteFrom(acct));

  // ---- callback transactions ---------------------------------------------------------------------

  test("engine.transaction commits when the callback returns and passes its value through", async () => {
    await reset();
    const out = await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(acct).values({ id: 1, name: "committed" }));
      assert.deepStrictEqual(await names(tx), ["committed"]);
      return 42;
    });
    assert.equal(out, 42);
    assert.deepStrictEqual(await names(ctx.engine), ["committed"]);
  });

  test("engine.transaction rolls back when the callback throws, rethrowing the same error", async () => {
    await reset();
    const boom = new Error("boom");
    await assert.rejects(
      ctx.engine.transaction(async (tx) => {
        await tx.execute(insert(acct).values({ id: 1, name: "doomed" }));
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepStrictEqual(await names(ctx.engine), []);
    // A database error inside the callback rolls back the earlier statements as well.
    await assert.rejects(
      ctx.engine.transaction(async (tx) => {
        await tx.execute(insert(acct).values({ id: 2, name: "first" }));
        await tx.execute(insert(acct).values({ id: 2, name: "duplicate" }));
      }),
      DatabaseError,
    );
    assert.deepStrictEqual(await names(ctx.engine), []);
  });

  test("uncommitted work is invisible to other connections", { skip: isSqlite && "one in-memory connection" }, async () => {
    await reset();
    await ctx.engine.withConnection(async (c) => {
      const tx = await c.begin();
      await tx.execute(insert(acct).values({ id: 1, name: "pending" }));
      assert.deepStrictEqual(await names(ctx.engine), []);
      await tx.commit();
      assert.deepStrictEqual(await names(ctx.engine), ["pending"]);
    });
  });

  // ---- explicit transactions ---------------------------------------------------------------------

  test("explicit begin/commit and begin/rollback", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(acct));
      const t1 = await c.begin();
      assert.equal(c.inTransaction, true);
      assert.equal(t1.isActive, true);
      await t1.execute(insert(acct).values({ id: 1, name: "kept" }));
      await t1.commit();
      assert.equal(t1.isActive, false);
      assert.equal(c.inTransaction, false);
      const t2 = await c.begin();
      await t2.execute(insert(acct).values({ id: 2, name: "dropped" }));
      assert.deepStrictEqual(await names(t2), ["kept", "dropped"]);
      await t2.rollback();
      assert.deepStrictEqual(await names(c), ["kept"]);
    }));

  test("releasing a connection rolls back the transaction left open on it", async () => {
    await reset();
    const c = await ctx.engine.connect();
    const tx = await c.begin();
    await tx.execute(insert(acct).values({ id: 1, name: "abandoned" }));
    await c.release();
    assert.equal(tx.isActive, false);
    assert.deepStrictEqual(await names(ctx.engine), []);
  });

  // ---- nested transactions (SAVEPOINTs) ----------------------------------------------------------

  test("an inner rollback keeps the outer work", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(acct));
      const outer = await c.begin();
      await outer.execute(insert(acct).values({ id: 1, name: "outer" }));
      const inner = await outer.begin();
      assert.ok(inner.savepoint && inner.parent === outer);
      await inner.execute(insert(acct).values({ id: 2, name: "inner" }));
      assert.deepStrictEqual(await names(inner), ["outer", "inner"]);
      await inner.rollback();
      assert.equal(c.current, outer);
      assert.deepStrictEqual(await names(outer), ["outer"]);
      await outer.execute(insert(acct).values({ id: 3, name: "after" }));
      await outer.commit();
      assert.deepStrictEqual(await names(c), ["outer", "after"]);
    }));

  test("an outer rollback discards committed inner work; nested callbacks roll back alone", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(acct));
      const outer = await c.begin();
      const inner = await outer.begin();
      await inner.execute(insert(acct).values({ id: 1, name: "inner" }));
      await inner.commit();
      assert.deepStrictEqual(await names(outer), ["inner"]);
      await outer.rollback();
      assert.deepStrictEqual(await names(c), []);

      await c.transaction(async (tx) => {
        await tx.execute(insert(acct).values({ id: 1, name: "a" }));
        await assert.rejects(
          tx.transaction(async (sp) => {
            await sp.execute(insert(acct).values({ id: 2, name: "b" }));
            await sp.transaction(async (sp2) => sp2.execute(insert(acct).values({ id: 3, name: "c" })));
            throw new Error("inner fails");
          }),
          /inner fails/,
        );
        await tx.transaction(async (sp) => sp.execute(insert(acct).values({ id: 4, name: "d" })));
      });
      assert.deepStrictEqual(await names(c), ["a", "d"]);
    }));

  test("rolling back the outer transaction ends the open savepoints inside it", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(deleteFrom(acct));
      const outer = await c.begin();
      const inner = await outer.begin();
      await inner.execute(insert(acct).values({ id: 1, name: "x" }));
      await assert.rejects(outer.commit(), TransactionError, "cannot commit past an open savepoint");
      await assert.rejects(outer.begin(), TransactionError);
      await outer.rollback();
      assert.equal(inner.isActive, false);
      assert.equal(c.inTransaction, false);
      await assert.rejects(inner.commit(), TransactionError);
      assert.deepStrictEqual(await names(c), []);
    }));

  // ---- misuse -----------------------------------------------------------------------------------

  test("a finished transaction cannot be used, committed or rolled back again", () =>
    ctx.engine.withConnection(async (c) => {
      const committed = await c.begin();
      await committed.commit();
      await assert.rejects(committed.execute(select(acct.c.id)), TransactionError);
      await assert.rejects(committed.commit(), TransactionError);
      await assert.rejects(committed.rollback(), TransactionError);
      await assert.rejects(committed.begin(), TransactionError);
      const rolled = await c.begin();
      await rolled.rollback();
      await assert.rejects(rolled.execute(select(acct.c.id)), TransactionError);
      await assert.rejects(rolled.commit(), TransactionError);
      let escaped: Transaction | undefined;
      await c.transaction(async (tx) => {
        escaped = tx;
      });
      await assert.rejects(escaped!.execute(select(acct.c.id)), TransactionError);
      // The connection itself is fine.
      assert.equal((await c.execute(select(acct.c.id).where(acct.c.id.eq(-1)))).rows.length, 0);
    }));

  test("a released connection cannot be used", async () => {
    const c = await ctx.engine.connect();
    await c.release();
    await assert.rejects(c.execute(select(acct.c.id)), TransactionError);
    await assert.rejects(c.begin(), TransactionError);
    await assert.rejects(c.runSql("SELECT 1"), TransactionError);
    await assert.rejects(async () => {
      for await (const _ of c.stream(select(acct.c.id))) void _;
    }, TransactionError);
    await c.release(); // a second release is harmless
  });

  // ---- streaming --------------------------------------------------------------------------------

  test(`streaming ${N} rows in batches of 100 yields every row in order with its types`, () =>
    ctx.engine.withConnection(async (c) => {
      const stmt = select(big).orderBy(big.c.id);
      let i = 0;
      let cursorSeen = false;
      for await (const row of c.stream(stmt, undefined, { batchSize: 100 })) {
        i++;
        assert.deepStrictEqual(row, bigRow(i));
        if (i === 150 && ctx.name === "postgres") {
          // Between batches the rows live in a server-side cursor on this very connection.
          const cursors = await c.execute(sql`SELECT name FROM pg_cursors`);
          assert.equal(cursors.rows.length, 1);
          cursorSeen = true;
        }
      }
      assert.equal(i, N);
      assert.equal(cursorSeen, ctx.name === "postgres");
      // The connection is usable afterwards, and no cursor or transaction is left behind.
      assert.equal(c.inTransaction, false);
      const count = await c.execute(
        select(big.c.id)
          .where(big.c.id.gt(N - 2))
          .orderBy(big.c.id),
      );
      assert.deepStrictEqual(count.scalars(), [N - 1, N]);
    }));

  test("streaming with a named param, inside a transaction, and via engine.stream", async () => {
    const stmt = select(big.c.id, big.c.n)
      .where(big.c.id.gt(param("from", big.c.id)))
      .orderBy(big.c.id);
    await ctx.engine.transaction(async (tx) => {
      const ids: number[] = [];
      for await (const row of tx.stream(stmt, { from: N - 250 }, { batchSize: 100 })) ids.push((row as { id: number }).id);
      assert.deepStrictEqual(
        ids,
        Array.from({ length: 250 }, (_, k) => N - 249 + k),
      );
      assert.equal((await tx.execute(select(big.c.id).where(big.c.id.eq(1)))).rows.length, 1);
    });
    const rows: unknown[] = [];
    for await (const row of ctx.engine.stream(stmt, { from: N - 3 }, { batchSize: 2 })) rows.push(row);
    assert.deepStrictEqual(
      rows,
      [N - 2, N - 1, N].map((id) => ({ id, n: 2n ** 62n + BigInt(id) })),
    );
  });

  test("breaking out of a stream early leaves the connection usable", () =>
    ctx.engine.withConnection(async (c) => {
      let seen = 0;
      for await (const _ of c.stream(select(big.c.id).orderBy(big.c.id), undefined, { batchSize: 100 })) {
        void _;
        if (++seen === 250) break;
      }
      assert.equal(seen, 250);
      const after = await Promise.race([c.execute(select(big.c.id).where(big.c.id.eq(7))), new Promise<"hung">((r) => setTimeout(() => r("hung"), 3000))]);
      assert.notEqual(after, "hung", "the next statement on the connection never completed");
      assert.deepStrictEqual((after as { rows: unknown[] }).rows, [{ id: 7 }]);
    }));

  // ---- echo logger ------------------------------------------------------------------------------

  test("the echo logger receives sql, params, timing, row counts and errors", async () => {
    const log: LogEntry[] = [];
    const engine = createEngine(ctx.url, { echo: (e) => log.push(e) });
    try {
      const stmt = select(value("it's ✓", types.text).as("v"), value(7n, types.bigint).as("b"));
      const res = await engine.execute(stmt);
      assert.deepStrictEqual(res.rows, [{ v: "it's ✓", b: 7n }]);
      // The values as the driver gets them: node-postgres takes an int8 as text; MariaDB's adapter
      // binds a bigint as a BIGINT parameter (a string would be a DOUBLE in arithmetic).
      const expectedParams = ctx.name === "postgres" ? ["it's ✓", "7"] : ["it's ✓", 7n];
      assert.equal(log.length, 1);
      assert.equal(log[0].sql, engine.compile(stmt).sql);
      assert.deepStrictEqual(log[0].params, expectedParams);
      assert.equal(log[0].rowCount, 1);
      assert.equal(log[0].error, undefined);
      assert.ok(typeof log[0].durationMs === "number" && log[0].durationMs >= 0 && log[0].durationMs < 10_000);

      await engine.transaction(async (tx) => {
        await tx.execute(sql`SELECT ${1} AS one`);
      });
      assert.deepStrictEqual(
        log.slice(1).map((e) => e.sql.replace(/\s+/g, " ")),
        ["BEGIN", engine.compile(sql`SELECT ${1} AS one`).sql, "COMMIT"],
      );

      await assert.rejects(engine.execute(sql`SELECT * FROM ${sql.id("no_such_table")}`), DatabaseError);
      const last = log[log.length - 1];
      assert.ok(last.error instanceof DatabaseError);
      assert.match(last.sql, /no_such_table/);
    } finally {
      await engine.dispose();
    }
  });

  // Regression: a statement's encoded values are shared by its runs, so a logger that redacted
  // them in place changed what the next run of the same statement sent.
  test("a logger that redacts params in place does not change what a statement sends next time", async () => {
    const engine = createEngine(ctx.url, {
      echo: (e) => {
        const params = e.params as unknown[];
        for (let i = 0; i < params.length; i++) params[i] = "REDACTED";
      },
    });
    try {
      const stmt = select(value("it's ✓", types.text).as("v"));
      for (let run = 0; run < 3; run++) assert.deepStrictEqual((await engine.execute(stmt)).rows, [{ v: "it's ✓" }], `run ${run}`);
    } finally {
      await engine.dispose();
    }
  });

  // ---- pool -------------------------------------------------------------------------------------

  test("with poolSize 2, five concurrent executes all complete on at most two connections", async () => {
    const engine = createEngine(ctx.url, { poolSize: 2 });
    try {
      const nap =
        ctx.name === "postgres" ? sql`SELECT pg_sleep(0.05) IS NULL AS ok` : ctx.name === "mariadb" ? sql`SELECT SLEEP(0.05) = 0 AS ok` : sql`SELECT 1 AS ok`;
      let active = 0;
      let peak = 0;
      const sessions = new Set<number | undefined>();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          engine.withConnection(async (c) => {
            sessions.add(c.sessionId);
            peak = Math.max(peak, ++active);
            await c.execute(nap);
            active--;
            return (await c.execute(select(value(i, types.integer).as("i")))).scalar();
          }),
        ),
      );
      assert.deepStrictEqual(results, [0, 1, 2, 3, 4]);
      assert.equal(peak, isSqlite ? 1 : 2);
      if (!isSqlite) assert.equal(sessions.size, 2);
      const plain = await Promise.all(Array.from({ length: 5 }, (_, i) => engine.execute(select(value(`v${i}`, types.text).as("v")))));
      assert.deepStrictEqual(
        plain.map((r) => r.scalar()),
        ["v0", "v1", "v2", "v3", "v4"],
      );
      const n = isSqlite ? 1 : 2;
      assert.deepStrictEqual(engine.poolStats, { size: n, open: n, inUse: 0, idle: n, waiting: 0 });
    } finally {
      await engine.dispose();
    }
  });

  test("an idle pooled connection closed by the server is discarded, not handed out", { skip: isSqlite && "no server" }, async () => {
    const engine = createEngine(ctx.url, { poolSize: 1 });
    try {
      const pid = await engine.withConnection(async (c) => c.sessionId!);
      assert.deepStrictEqual(engine.poolStats, { size: 1, open: 1, inUse: 0, idle: 1, waiting: 0 });
      await ctx.engine.withConnection(async (c) => {
        if (ctx.name === "postgres") await c.execute(sql`SELECT pg_terminate_backend(${pid})`);
        else await c.runSql(`KILL CONNECTION ${Number(pid)}`);
      });
      const gone =
        ctx.name === "postgres"
          ? sql`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${pid}`
          : sql`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${pid}`;
      for (let i = 0; i < 100 && Number((await ctx.engine.execute(gone)).scalar()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50));
      // The very next statement succeeds, on a new session.
      const probe = select(value(1, types.integer).as("one"));
      assert.equal((await engine.execute(probe)).scalar(), 1);
      assert.notEqual(await engine.withConnection(async (c) => c.sessionId), pid);
      assert.deepStrictEqual(engine.poolStats, { size: 1, open: 1, inUse: 0, idle: 1, waiting: 0 });
    } finally {
      await engine.dispose();
    }
  });
});
