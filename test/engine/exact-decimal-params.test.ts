// Issue 20: an unconstrained numeric() bound on MariaDB was sent as a string, which MariaDB reads
// as a DOUBLE in arithmetic and comparisons: 20 significant digits came back as 17, and values
// differing in the 20th digit compared equal. It is now sent as a DECIMAL parameter carrying its
// own digits and scale (or refused with InvalidValueError when a DECIMAL would round it), and the
// answers are PostgreSQL's, digit for digit.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidValueError,
  MetaData,
  NotSupportedError,
  createEngine,
  insert,
  integer,
  mysqlDialect,
  numeric,
  param,
  select,
  types,
  value,
  type Engine,
  type LogEntry,
  type Statement,
} from "../../src/index.js";
import { dropNamespace, namespaceFor, prepareNamespace } from "../support/engines.js";

const selected = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",");
const free = types.numeric();
const dec = (v: string) => value(v, free);

const md = new MetaData();
const wide = md.table("xdp_wide", { id: integer().primaryKey(), w: numeric(40, 10).notNull() });
const stored = "123456789012345678901234567890.0000000001";

// 20 to 65 significant digits, scales 0 to 30.
const A = "12345678901234567890.123456789";
const B = "-98765432109876543210.98765";
const C = "0.000000000000000000001234567";
const D = "99999999999999999999999999999999999.999999999999999999999999999999";

describe("exact-decimal-params [postgres vs mariadb]", { skip: !selected.includes("postgres") || !selected.includes("mariadb") }, () => {
  const ns = namespaceFor(new URL(import.meta.url).pathname);
  const log: LogEntry[] = [];
  let pg: Engine;
  let my: Engine;

  before(async () => {
    pg = createEngine(await prepareNamespace("postgres", ns));
    my = createEngine(await prepareNamespace("mariadb", ns), { echo: (e) => log.push(e) });
    for (const e of [pg, my]) {
      await md.createAll(e);
      await e.execute(insert(wide).values({ id: 1, w: stored }));
    }
  });
  after(async () => {
    await pg?.dispose();
    await my?.dispose();
    await dropNamespace("postgres", ns);
    await dropNamespace("mariadb", ns);
  });

  /** Runs `stmt` on both engines: MariaDB's rows must be PostgreSQL's. */
  async function same(stmt: Statement<unknown>, params?: Record<string, unknown>): Promise<unknown[]> {
    const want = (await pg.execute(stmt, params)).rows;
    assert.deepStrictEqual((await my.execute(stmt, params)).rows, want);
    return want;
  }

  test("issue 20: unconstrained numeric values of 20+ digits add, subtract, negate and compare exactly on MariaDB; a product of two is refused there", async () => {
    const rows = await same(
      select(
        dec(A).add(dec(B)).as("sum"),
        dec(A).sub(dec(C)).as("diff"),
        dec(D).sub(dec(D)).as("zero"),
        dec(D).neg().as("neg"),
        dec(A).lt(dec("12345678901234567890.123456790")).as("lt"),
        dec(A).eq(dec("12345678901234567890.1234567890")).as("eq"),
        dec(A).eq(dec("12345678901234567890.123456788")).as("ne"),
      ),
    );
    assert.deepStrictEqual(rows, [
      {
        sum: "-86419753208641975320.864193211",
        diff: "12345678901234567890.123456788999999999998765433",
        zero: "0.000000000000000000000000000000",
        neg: "-" + D,
        lt: true,
        eq: true,
        ne: false,
      },
    ]);
    // Their scales are unknown when compiling and may add past the 38 places MariaDB keeps in a product.
    const triple = select(dec(A).mul(dec("3")).as("triple"));
    assert.deepStrictEqual((await pg.execute(triple)).rows, [{ triple: "37037036703703703670.370370367" }]);
    await assert.rejects(my.execute(triple), (e: unknown) => e instanceof NotSupportedError && /38 decimal places/.test(e.message));
    // The SQL is a bare placeholder: the value travels as a DECIMAL parameter.
    assert.equal(mysqlDialect.createCompiler().compile(select(dec(A).add(dec(B)).as("s")).statementNode).sql, "SELECT ? + ? AS `s`");
  });

  test("issue 20: an unconstrained numeric compared with a DECIMAL column is compared as a decimal on MariaDB", async () => {
    const near = "123456789012345678901234567890.0000000002";
    assert.deepStrictEqual(await same(select(wide.c.id).where(wide.c.w.eq(dec(near)))), []);
    assert.deepStrictEqual(await same(select(wide.c.id).where(wide.c.w.lt(dec(near)))), [{ id: 1 }]);
    assert.deepStrictEqual(await same(select(wide.c.w.sub(dec(near)).as("d"))), [{ d: "-0.0000000001" }]);
  });

  test("issue 20: named numeric() params are exact on every run of their prepared statement", async () => {
    const stmt = select(param("a", free).add(param("b", free)).as("s"), param("a", free).lt(param("b", free)).as("lt"));
    for (const [a, b] of [
      [A, B],
      [B, A],
      [C, "-" + C],
      ["1.5", "2.25"],
      [A, "12345678901234567890.123456790"],
    ])
      await same(stmt, { a, b });
  });

  test("issue 20: a numeric() value a DECIMAL would round is refused on MariaDB before anything is sent", async () => {
    const tooFine = "0." + "1".repeat(31);
    const tooLong = "9".repeat(66);
    for (const v of [tooFine, tooLong]) {
      assert.deepStrictEqual((await pg.execute(select(dec(v).as("x")))).rows, [{ x: v }]);
      log.length = 0;
      await assert.rejects(my.execute(select(dec(v).as("x"))), InvalidValueError);
      await assert.rejects(my.execute(select(param("p", free).as("x")), { p: v }), InvalidValueError);
      assert.deepStrictEqual(log, []);
    }
    // At the limits the value is held exactly.
    await same(select(dec("0." + "1".repeat(30)).as("x"), dec("9".repeat(65)).as("y")));
  });
});
