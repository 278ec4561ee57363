// Timestamps are never changed on read: digits past the millisecond, 'infinity' and BC years are
// refused as a Date (naming the column and the value), and a string-mode timestamp keeps
// microseconds as ISO-8601 text on every engine, whoever wrote them.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError,
  InvalidValueError,
  MetaData,
  alias,
  date,
  fn,
  func,
  insert,
  integer,
  nested,
  reflect,
  select,
  sql,
  table,
  timestamp,
  timestamptz,
  types,
} from "../../src/index.js";
import { sqlTypeOf, typeSpecOf } from "../../src/migrate/spec.js";
import { forEachEngine, type EngineName } from "../support/engines.js";

/** A table created by raw SQL, as another tool would: microsecond columns and a date. */
const RAW_DDL: Record<EngineName, string> = {
  sqlite: "CREATE TABLE ts_raw (id INTEGER PRIMARY KEY, a TEXT, b TEXT, d TEXT)",
  postgres: "CREATE TABLE ts_raw (id integer PRIMARY KEY, a timestamp(6), b timestamptz(6), d date)",
  mariadb: "CREATE TABLE ts_raw (id INT PRIMARY KEY, a DATETIME(6), b DATETIME(6), d DATE)",
};
/** Row 1 has microseconds, row 2 trailing zeros; as each engine's own SQL writes them. */
const RAW_ROWS: Record<EngineName, string> = {
  sqlite: `INSERT INTO ts_raw VALUES (1, '2024-01-02 03:04:05.123456', '2024-01-02T05:04:05.123456+02:00', '2024-01-02'), (2, '2024-01-02T03:04:05.123000Z', '2024-01-02 03:04:05.123000', '2024-01-02')`,
  postgres: `INSERT INTO ts_raw VALUES (1, '2024-01-02 03:04:05.123456', '2024-01-02 05:04:05.123456+02', '2024-01-02'), (2, '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123+00', '2024-01-02')`,
  mariadb: `INSERT INTO ts_raw VALUES (1, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123456', '2024-01-02'), (2, '2024-01-02 03:04:05.123000', '2024-01-02 03:04:05.123', '2024-01-02')`,
};

/** The raw table declared the default way (a Date) and in string mode. */
const asDates = table("ts_raw", { id: integer().primaryKey(), a: timestamp(), b: timestamptz(), d: date() });
const asText = table("ts_raw", {
  id: integer().primaryKey(),
  a: timestamp({ precision: 6, mode: "string" }),
  b: timestamptz({ precision: 6, mode: "string" }),
  d: date(),
});

const md = new MetaData();
const stamps = md.table("ts_made", {
  id: integer().primaryKey(),
  micro: timestamp({ precision: 6, mode: "string" }),
  microTz: timestamptz({ precision: 6, mode: "string" }),
  seconds: timestamp({ precision: 0 }),
  milli: timestamptz(),
});

const defaults = md.table("ts_defaults", {
  id: integer().primaryKey(),
  createdAt: timestamptz().notNull().serverDefault(func.now()),
  seenAt: timestamp({ precision: 6, mode: "string" }).serverDefault(sql`CURRENT_TIMESTAMP`),
});

/** A refusal naming `column` and quoting `value`, with what to do about it. */
function refusal(column: string, value: RegExp, advice: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof InvalidValueError, String(err));
    assert.match(err.message, new RegExp(`"${column}"`));
    assert.match(err.message, value);
    assert.match(err.message, advice);
    assert.equal(err.column, column);
    return true;
  };
}

const MICRO_ADVICE = /precision: 6, mode: "string"/;

forEachEngine(import.meta.url, (ctx) => {
  const run = async (...statements: string[]): Promise<void> =>
    ctx.engine.withConnection(async (conn) => {
      for (const s of statements) await conn.runSql(s);
    });

  test("setup", async () => {
    await run(RAW_DDL[ctx.name], RAW_ROWS[ctx.name]);
    await md.createAll(ctx.engine);
  });

  test("a microsecond timestamp was rounded to milliseconds on read: as a Date it is refused, naming the column and the value", async () => {
    const one = (c: typeof asDates.c.a | typeof asDates.c.b) => ctx.engine.execute(select(c).from(asDates).where(asDates.c.id.eq(1)));
    await assert.rejects(one(asDates.c.a), refusal("a", /123456/, MICRO_ADVICE));
    await assert.rejects(one(asDates.c.b), refusal("b", /123456/, MICRO_ADVICE));
    await assert.rejects(ctx.engine.execute(select(asDates.c.a.as("seen")).from(asDates).where(asDates.c.id.eq(1))), refusal("seen", /123456/, MICRO_ADVICE));
    // Inside a nested result too.
    const outer = table("ts_raw", { id: integer().primaryKey() });
    const inner = alias(asDates, "inner_raw");
    const q = select(outer.c.id, nested(select(inner.c.a).from(inner).where(inner.c.id.eq(outer.c.id))).as("rows")).from(outer);
    await assert.rejects(ctx.engine.execute(q), refusal("a", /123456/, MICRO_ADVICE));
    // Trailing zeros hold nothing a Date loses.
    const two = await ctx.engine.execute(select(asDates.c.a, asDates.c.b).from(asDates).where(asDates.c.id.eq(2)));
    assert.deepEqual(two.one(), { a: new Date("2024-01-02T03:04:05.123Z"), b: new Date("2024-01-02T03:04:05.123Z") });
  });

  test("string mode reads microseconds written by raw SQL whole, in one ISO-8601 form", async () => {
    const rows = await ctx.engine.execute(select(asText.c.id, asText.c.a, asText.c.b).from(asText).orderBy(asText.c.id));
    assert.deepEqual(rows.all(), [
      { id: 1, a: "2024-01-02T03:04:05.123456", b: "2024-01-02T03:04:05.123456Z" },
      { id: 2, a: "2024-01-02T03:04:05.123000", b: "2024-01-02T03:04:05.123000Z" },
    ]);
    const outer = table("ts_raw", { id: integer().primaryKey() });
    const inner = alias(asText, "inner_raw");
    const q = select(outer.c.id, nested(select(inner.c.a, inner.c.b).from(inner).where(inner.c.id.eq(outer.c.id))).as("rows"))
      .from(outer)
      .where(outer.c.id.eq(1));
    assert.deepEqual((await ctx.engine.execute(q)).one().rows, [{ a: "2024-01-02T03:04:05.123456", b: "2024-01-02T03:04:05.123456Z" }]);
  });

  test("string mode round-trips microseconds written through Arbor, compared and ordered by the engine", async () => {
    await ctx.engine.execute(
      insert(stamps).values([
        { id: 1, micro: "2024-01-02T03:04:05.123456", microTz: "2024-01-02T05:04:05.123456+02:00", seconds: new Date("2024-01-02T03:04:05Z") },
        { id: 2, micro: "2024-01-02 03:04:05.1234", microTz: "2024-01-02T03:04:05.000001Z", milli: new Date("2024-01-02T03:04:05.007Z") },
      ]),
    );
    const rows = await ctx.engine.execute(select(stamps).orderBy(stamps.c.microTz));
    assert.deepEqual(rows.all(), [
      { id: 2, micro: "2024-01-02T03:04:05.123400", microTz: "2024-01-02T03:04:05.000001Z", seconds: null, milli: new Date("2024-01-02T03:04:05.007Z") },
      { id: 1, micro: "2024-01-02T03:04:05.123456", microTz: "2024-01-02T03:04:05.123456Z", seconds: new Date("2024-01-02T03:04:05Z"), milli: null },
    ]);
    const hit = await ctx.engine.execute(select(stamps.c.id).from(stamps).where(stamps.c.micro.eq("2024-01-02T03:04:05.123456")));
    assert.deepEqual(hit.all(), [{ id: 1 }]);
    const later = await ctx.engine.execute(select(stamps.c.id).from(stamps).where(stamps.c.microTz.gt("2024-01-02T03:04:05.000000Z")));
    assert.deepEqual(
      later
        .all()
        .map((r) => r.id)
        .sort(),
      [1, 2],
    );
    // The engine holds the microseconds (its own text of the stored value).
    const stored = await ctx.engine.execute(
      ctx.name === "postgres" ? sql`SELECT micro::text AS t FROM ts_made WHERE id = 1` : sql`SELECT CAST(micro AS CHAR) AS t FROM ts_made WHERE id = 1`,
    );
    assert.match(String(stored.one().t), /^2024-01-02[ T]03:04:05\.123456Z?$/);
  });

  test("a bulk INSERT (PostgreSQL sends its columns as arrays) keeps microseconds", async () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({
      id: 1000 + i,
      micro: `2024-01-02T03:04:05.${String(i).padStart(6, "0")}`,
      microTz: `2024-01-02T03:04:05.${String(999_999 - i).padStart(6, "0")}Z`,
      milli: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, i)),
    }));
    await ctx.engine.execute(insert(stamps).values(rows));
    const back = await ctx.engine.execute(
      select(stamps.c.id, stamps.c.micro, stamps.c.microTz, stamps.c.milli).from(stamps).where(stamps.c.id.ge(1000)).orderBy(stamps.c.id),
    );
    assert.deepEqual(back.all(), rows);
  });

  test("PostgreSQL 'infinity' was read as a far Date: it is refused in both modes", async (t) => {
    if (ctx.name === "mariadb") return t.skip("DATETIME holds no infinity");
    // SQLite keeps whatever text it is given.
    await run("INSERT INTO ts_raw (id, a, b) VALUES (3, 'infinity', '-infinity')");
    try {
      await assert.rejects(ctx.engine.execute(select(asDates.c.a).from(asDates).where(asDates.c.id.eq(3))), refusal("a", /"infinity"/, /types\.text/));
      await assert.rejects(ctx.engine.execute(select(asDates.c.b).from(asDates).where(asDates.c.id.eq(3))), refusal("b", /"-infinity"/, /types\.text/));
      await assert.rejects(
        ctx.engine.execute(select(asText.c.a).from(asText).where(asText.c.id.eq(3))),
        refusal("a", /"infinity"/, /ISO-8601 has no infinity/),
      );
    } finally {
      await run("DELETE FROM ts_raw WHERE id = 3");
    }
  });

  test("a BC date was read as its raw text ('0044-03-15 BC'): BC dates and timestamps are refused", async (t) => {
    if (ctx.name !== "postgres") return t.skip("only PostgreSQL stores years before 1");
    await run(`INSERT INTO ts_raw (id, a, b, d) VALUES (4, '0044-03-15 12:00:00 BC', '0044-03-15 12:00:00+00 BC', '0044-03-15 BC')`);
    try {
      const where4 = (from: typeof asDates | typeof asText) => from.c.id.eq(4);
      await assert.rejects(ctx.engine.execute(select(asDates.c.d).from(asDates).where(where4(asDates))), refusal("d", /0044-03-15 BC/, /types\.text/));
      await assert.rejects(ctx.engine.execute(select(asDates.c.a).from(asDates).where(where4(asDates))), refusal("a", /BC/, /0001 to 9999/));
      await assert.rejects(ctx.engine.execute(select(asDates.c.b).from(asDates).where(where4(asDates))), refusal("b", /BC/, /0001 to 9999/));
      await assert.rejects(ctx.engine.execute(select(asText.c.a).from(asText).where(where4(asText))), refusal("a", /BC/, /before year 1/));
      // The raw SQL path decodes by the engine's own type.
      await assert.rejects(
        ctx.engine.execute(sql`SELECT d FROM ts_raw WHERE id = 4`),
        (e: unknown) => e instanceof InvalidValueError && /0044-03-15 BC/.test(e.message),
      );
    } finally {
      await run("DELETE FROM ts_raw WHERE id = 4");
    }
  });

  test("func.now() reads as a Date to the millisecond on every engine", async () => {
    const before = Date.now();
    const row = (await ctx.engine.execute(select(func.now().as("at"), fn("now", [], types.timestamptz({ precision: 6, mode: "string" })).as("text")))).one();
    assert.ok(row.at instanceof Date);
    assert.ok(Math.abs(row.at.getTime() - before) < 60_000, row.at.toISOString());
    assert.match(row.text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // As a server default: a Date column defaulting to func.now(), a microsecond one to CURRENT_TIMESTAMP.
    await ctx.engine.execute(insert(defaults).values({ id: 1 }));
    const made = (await ctx.engine.execute(select(defaults).from(defaults))).one();
    assert.ok(made.createdAt instanceof Date && Math.abs(made.createdAt.getTime() - before) < 60_000, String(made.createdAt));
    assert.match(made.seenAt ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  test("reflect reads a timestamp column past 3 digits in string mode, and 3 or fewer as a Date", async () => {
    const ddl: Record<EngineName, string> = {
      sqlite: "CREATE TABLE ts_reflected (id INTEGER PRIMARY KEY, micro DATETIME(6), milli DATETIME(3), plain DATETIME)",
      postgres: "CREATE TABLE ts_reflected (id integer PRIMARY KEY, micro timestamptz, milli timestamp(3), plain timestamp(0))",
      mariadb: "CREATE TABLE ts_reflected (id INT PRIMARY KEY, micro DATETIME(6), milli DATETIME(3), plain DATETIME)",
    };
    await run(ddl[ctx.name]);
    try {
      const got = (await reflect(ctx.engine)).get("ts_reflected");
      const type = (name: string) => {
        const c = got.columns.find((x) => x.name === name)!;
        return [c.type.kind, c.type.precision, c.type.mode];
      };
      assert.deepEqual(type("micro"), [ctx.name === "postgres" ? "timestamptz" : "timestamp", 6, "string"]);
      assert.deepEqual(type("milli"), ["timestamp", undefined, undefined]);
      assert.deepEqual(type("plain"), ["timestamp", ctx.name === "sqlite" ? undefined : 0, undefined]);
    } finally {
      await run("DROP TABLE ts_reflected");
    }
  });
});

test("bound string-mode values are checked strictly, naming the column", () => {
  const refused = (values: Record<string, unknown>, column: string, why: RegExp) =>
    assert.throws(
      () => insert(stamps).values({ id: 9, ...values }),
      (err: unknown) => err instanceof InvalidValueError && err.column === column && err.message.includes(`ts_made.${column}`) && why.test(err.message),
      JSON.stringify(values),
    );
  refused({ micro: "2024-01-02" }, "micro", /expected ISO-8601 text/);
  refused({ micro: new Date() }, "micro", /expected ISO-8601 text/);
  refused({ micro: "2024-02-30T00:00:00" }, "micro", /no such date/);
  refused({ micro: "2024-01-02T24:00:00" }, "micro", /no such date/);
  refused({ micro: "0000-01-02T00:00:00" }, "micro", /outside 0001-01-01 to 9999-12-31/);
  refused({ micro: "2024-01-02T03:04:05.1234567" }, "micro", /more than 6 digits of a second would be rounded/);
  refused({ micro: "2024-01-02T03:04:05+02:00" }, "micro", /takes no offset/);
  refused({ microTz: "2024-01-02T03:04:05" }, "microTz", /expected an offset/);
  refused({ microTz: "9999-12-31T23:00:00-02:00" }, "microTz", /outside/);
  refused({ seconds: new Date("2024-01-02T03:04:05.500Z") }, "seconds", /more than 0 digits of a second would be rounded/);
  // Normalised to the one form: T, UTC, the column's digits; zeros past them are no rounding.
  const ok = insert(stamps).values({ id: 9, micro: "2024-01-02 03:04:05.1200000Z", microTz: "0001-01-01T01:30:00+01:00" });
  assert.ok(ok);
});

test("a timestamp precision past 3 in date mode is refused where the type is declared", () => {
  assert.throws(
    () => types.timestamp({ precision: 6 }),
    (e: unknown) => e instanceof ArgumentError && /mode: "string"/.test(e.message),
  );
  assert.throws(() => timestamptz({ precision: 4, mode: "date" }), ArgumentError);
  for (const precision of [7, -1, 1.5, Number.NaN]) assert.throws(() => types.timestamp({ precision, mode: "string" }), ArgumentError, String(precision));
  assert.throws(() => types.timestamp({ mode: "text" as "string" }), ArgumentError);
  // The default spelled out is the default itself.
  assert.equal(types.timestamp({ precision: 3, mode: "date" }), types.timestamp);
  assert.equal(types.timestamptz(), types.timestamptz);
});

test("DDL spells the declared precision on every dialect, and migration specs keep it", async () => {
  const { postgresDialect } = await import("../../src/dialects/postgres/dialect.js");
  const { mysqlDialect } = await import("../../src/dialects/mysql/dialect.js");
  const { sqliteDialect } = await import("../../src/dialects/sqlite/dialect.js");
  const ddl = (dialect: typeof postgresDialect) => md.createStatements({ dialect }).join("\n");
  assert.match(ddl(postgresDialect), /"micro" timestamp\(6\).*"microTz" timestamptz\(6\).*"seconds" timestamp\(0\).*"milli" timestamptz\(3\)/s);
  assert.match(ddl(mysqlDialect), /`micro` DATETIME\(6\).*`microTz` DATETIME\(6\).*`seconds` DATETIME\(0\).*`milli` DATETIME\(3\)/s);
  assert.match(ddl(sqliteDialect), /"micro" TEXT.*"seconds" TEXT/s);
  for (const c of stamps.columns) {
    const spec = typeSpecOf(c.type, c.name);
    const back = sqlTypeOf(spec);
    assert.deepEqual([back.kind, back.precision, back.mode], [c.type.kind, c.type.precision, c.type.mode], c.name);
  }
});
