// Hostile values and identifiers: quotes of every kind, backslashes, comment markers, statement
// separators, placeholder look-alikes and unicode. As values they travel as bound parameters (the
// compiled SQL text never contains them) and round-trip intact; as schema names they are quoted,
// in DML and in DDL (constraint names, CHECK and DEFAULT literals). A victim table must survive.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError,
  MetaData,
  UniqueViolationError,
  check,
  deleteFrom,
  enumOf,
  excluded,
  fn,
  insert,
  integer,
  param,
  select,
  sql,
  text,
  types,
  escapeLike,
  update,
  varchar,
  type Connection,
} from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

const DROP = "; DROP TABLE inj_victim; --";
const PAYLOADS: readonly string[] = [
  `'${DROP}`,
  `"${DROP}`,
  "`" + DROP,
  `\\'${DROP}`,
  `\\"); DROP TABLE inj_victim; --`,
  "ends with a backslash \\",
  "\\",
  "\\\\",
  "it's",
  'say "hi"',
  "back`tick``",
  "/* comment */ OR 1=1",
  "*/ OR 1=1 /*",
  "x' OR '1'='1",
  "1 OR 1=1",
  "--",
  ";",
  "?",
  "??",
  "$1",
  ":name",
  "@var",
  "%_[]^",
  "'",
  "''",
  "ünïcødé ✓ 𝄞 😀",
  "line\nbreak\ttab\rcr\u2028",
  "E'\\x41'",
  "U&'\\0041'",
  "$$ dollar $$",
  "$tag$ quoted $tag$",
  "0x41",
  "N'x'",
  "",
];

const md = new MetaData();
const victim = md.table("inj_victim", { id: integer().primaryKey(), note: text().notNull() });
const data = md.table("inj_data", { id: integer().primaryKey(), body: text() });

// Identifiers that need quoting in every dialect. MariaDB identifiers are utf8mb3: no emoji.
const WEIRD_TABLE = "we\"ird`ta'ble;-- /*x*/";
const C = { quote: "co'l\"umn", semi: "semi;colon -- x", what: "wh?t ?? $1", slash: "en\\um", uni: "ünï cødé" } as const;
const weird = md.table(
  WEIRD_TABLE,
  {
    id: integer().primaryKey().named("i`d"),
    quote: varchar(100).unique().named(C.quote),
    semi: text().named(C.semi).serverDefault(`it's \\ "${DROP}`),
    what: text().named(C.what),
    slash: enumOf(["it's", "back\\slash", 'dq"', "bt`", `\\'${DROP}`]).named(C.slash),
    uni: text().named(C.uni),
  },
  (c) => [check(`ck ${WEIRD_TABLE}`, c.uni.ne(`\\'${DROP}`))],
);

function assertNotInSql(sqlText: string, values: readonly string[]) {
  for (const v of values) if (v.length >= 4) assert.ok(!sqlText.includes(v), `SQL text contains the value ${JSON.stringify(v)}: ${sqlText}`);
}

async function victimIntact(c: Connection) {
  assert.deepStrictEqual((await c.execute(select(victim))).rows, [{ id: 1, note: "still here" }]);
}

forEachEngine(import.meta.url, (ctx) => {
  // LIKE is case-sensitive on every engine (SQLite is set to agree with the binary collations).
  const likeMatches = (v: string, needle: string) => v.includes(needle);

  before(() =>
    ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
      await c.execute(insert(victim).values({ id: 1, note: "still here" }));
      await c.execute(insert(data).values(PAYLOADS.map((body, i) => ({ id: i + 1, body }))));
    }),
  );

  test("hostile values round-trip through insert().values() and select(), never as SQL text", () =>
    ctx.engine.withConnection(async (c) => {
      const stmt = insert(data).values(PAYLOADS.map((body, i) => ({ id: 1000 + i, body })));
      assertNotInSql(c.compile(stmt).sql, PAYLOADS);
      await c.execute(stmt);
      const got = await c.execute(select(data.c.body).where(data.c.id.ge(1000)).orderBy(data.c.id));
      assert.deepStrictEqual(got.scalars(), PAYLOADS);
      await c.execute(deleteFrom(data).where(data.c.id.ge(1000)));
      await victimIntact(c);
    }));

  test("WHERE = each hostile value finds exactly its own row", () =>
    ctx.engine.withConnection(async (c) => {
      for (const [i, p] of PAYLOADS.entries()) {
        const stmt = select(data.c.id, data.c.body).where(data.c.body.eq(p));
        assertNotInSql(c.compile(stmt).sql, [p]);
        assert.deepStrictEqual((await c.execute(stmt)).rows, [{ id: i + 1, body: p }], JSON.stringify(p));
        const viaParam = await c.execute(select(data.c.id).where(data.c.body.eq(param("p", data.c.body))), { p });
        assert.deepStrictEqual(viaParam.scalars(), [i + 1]);
      }
      const all = await c.execute(select(data.c.id).where(data.c.body.in(PAYLOADS)).orderBy(data.c.id));
      assert.deepStrictEqual(
        all.scalars(),
        PAYLOADS.map((_, i) => i + 1),
      );
      const none = await c.execute(select(data.c.id).where(data.c.body.notIn(PAYLOADS)));
      assert.deepStrictEqual(none.rows, []);
      await victimIntact(c);
    }));

  test("LIKE patterns holding quotes and comment markers match literally", () =>
    ctx.engine.withConnection(async (c) => {
      const plain = PAYLOADS.filter((p) => p.length > 0 && !/[\\%_]/.test(p));
      for (const p of plain) {
        const stmt = select(data.c.id)
          .where(data.c.body.like(`%${p}%`))
          .orderBy(data.c.id);
        assertNotInSql(c.compile(stmt).sql, [p]);
        const expected = PAYLOADS.flatMap((v, i) => (likeMatches(v, p) ? [i + 1] : []));
        assert.deepStrictEqual((await c.execute(stmt)).scalars(), expected, `LIKE %${JSON.stringify(p)}%`);
      }
      await victimIntact(c);
    }));

  test("backslash escapes LIKE patterns on every engine; escapeLike() makes any payload match itself", () =>
    ctx.engine.withConnection(async (c) => {
      for (const p of PAYLOADS.filter((v) => v.includes("\\") || /[%_]/.test(v))) {
        const stmt = select(data.c.id)
          .where(data.c.body.like(`%${escapeLike(p)}%`))
          .orderBy(data.c.id);
        const expected = PAYLOADS.flatMap((v, i) => (likeMatches(v, p) ? [i + 1] : []));
        assert.deepStrictEqual((await c.execute(stmt)).scalars(), expected, `LIKE %${JSON.stringify(p)}%`);
      }
    }));

  test("trailing spaces are significant in = comparisons", () =>
    ctx.engine.withConnection(async (c) => {
      await c.execute(
        insert(data).values([
          { id: 900, body: "pad" },
          { id: 901, body: "pad " },
          { id: 902, body: " " },
        ]),
      );
      try {
        assert.deepStrictEqual((await c.execute(select(data.c.id).where(data.c.body.eq("pad")))).scalars(), [900]);
        assert.deepStrictEqual((await c.execute(select(data.c.id).where(data.c.body.eq("")))).scalars(), [PAYLOADS.indexOf("") + 1]);
      } finally {
        await c.execute(deleteFrom(data).where(data.c.id.ge(900)));
      }
    }));

  test("values interpolated into the sql tag are bound, not spliced", () =>
    ctx.engine.withConnection(async (c) => {
      for (const p of PAYLOADS) {
        const stmt = sql`SELECT ${p} AS v`;
        assertNotInSql(c.compile(stmt).sql, [p]);
        assert.deepStrictEqual((await c.execute(stmt)).rows, [{ v: p }], JSON.stringify(p));
      }
      // Several values, identifiers and a table in one fragment; a '?' and '$1' in the template's own text stay text.
      const p1 = `'${DROP}`;
      const p2 = `\\'${DROP}`;
      const stmt = sql`SELECT ${sql.id("body")} AS b, '?' AS q, '$1' AS d FROM ${data} WHERE ${sql.id("body")} IN (${p1}, ${p2}) ORDER BY ${sql.id("id")}`;
      assertNotInSql(c.compile(stmt).sql, [p1, p2]);
      assert.deepStrictEqual((await c.execute(stmt)).rows, [
        { b: p1, q: "?", d: "$1" },
        { b: p2, q: "?", d: "$1" },
      ]);
      // Labels are identifiers too.
      const labelled = select(data.c.body.as(`x" FROM inj_victim; --`)).where(data.c.id.eq(1));
      // biome-ignore lint/complexity/useLiteralKeys: the key holds a double quote, which is the point
      assert.deepStrictEqual((await c.execute(labelled)).rows, [{ [`x" FROM inj_victim; --`]: PAYLOADS[0] }]);
      await victimIntact(c);
    }));

  test("streams carry hostile parameters intact (MariaDB streams a server-side prepared statement)", () =>
    ctx.engine.withConnection(async (c) => {
      const stmt = select(data.c.id, data.c.body).where(data.c.body.in(PAYLOADS)).orderBy(data.c.id);
      const rows: unknown[] = [];
      for await (const r of c.stream(stmt, undefined, { batchSize: 7 })) rows.push(r);
      assert.deepStrictEqual(
        rows,
        PAYLOADS.map((body, i) => ({ id: i + 1, body })),
      );
      await victimIntact(c);
    }));

  test("names that are not identifiers are refused, not spliced", () => {
    assert.throws(() => fn(`lower(1)${DROP}`, [], types.text), ArgumentError);
    assert.throws(() => select(data.c.id).limit(`1${DROP}` as never), ArgumentError);
    assert.throws(() => select(data.c.id).limit(-1), ArgumentError);
  });

  test("a table and columns with hostile names: DDL, DML, RETURNING, upsert, constraints, stream", () =>
    ctx.engine.withConnection(async (c) => {
      const w = weird.c;
      const rows = [
        { id: 1, quote: `'${DROP}`, what: "?", slash: "it's" as const, uni: "😀 ünï" },
        { id: 2, quote: `\\'${DROP}`, what: "$1", slash: `\\'${DROP}` as const, uni: '"' },
        { id: 3, quote: "back`tick", what: "??", slash: "back\\slash" as const, uni: "\\" },
      ];
      const ins = insert(weird).values(rows);
      assertNotInSql(
        c.compile(ins).sql,
        rows.flatMap((r) => [r.quote, r.what, r.slash, r.uni]),
      );
      await c.execute(ins);
      const semiDefault = `it's \\ "${DROP}`;
      const all = await c.execute(select(weird).orderBy(w.id));
      assert.deepStrictEqual(
        all.rows,
        rows.map((r) => ({ ...r, semi: semiDefault })),
      );

      const upd = await c.execute(
        update(weird)
          .set({ what: `'${DROP}` })
          .where(w.quote.eq(`\\'${DROP}`)),
      );
      assert.equal(upd.rowCount, 1);
      const back = await c.execute(select(w.what).where(w.id.eq(2)));
      assert.deepStrictEqual(back.scalars(), [`'${DROP}`]);

      const ret = await c.execute(insert(weird).values({ id: 4, quote: "q4", slash: 'dq"', uni: "u4" }).returning(w.id, w.semi, w.slash));
      assert.deepStrictEqual(ret.rows, [{ id: 4, semi: semiDefault, slash: 'dq"' }]);

      // Upsert on the primary key: the excluded row's value replaces the old one. (The row leaves
      // the unique column out: MariaDB refuses upserts whose rows could collide on another key.)
      const upsert = insert(weird)
        .values({ id: 4, uni: `"${DROP}` })
        .onConflict({ target: [w.id], set: { uni: excluded(w.uni) } });
      await c.execute(upsert);
      assert.deepStrictEqual((await c.execute(select(w.uni).where(w.id.eq(4)))).scalars(), [`"${DROP}`]);

      // A unique violation names the generated constraint, weird characters and all.
      const dup = await c.execute(insert(weird).values({ id: 5, quote: `'${DROP}` })).then(
        () => assert.fail("duplicate accepted"),
        (e: unknown) => e,
      );
      assert.ok(dup instanceof UniqueViolationError, String(dup));
      if (ctx.name !== "sqlite") assert.equal(dup.constraint, `uq_${WEIRD_TABLE}_${C.quote}`);

      // The CHECK and enum constraints hold literals with quotes and backslashes; they still work.
      const bad = await c.execute(sql`INSERT INTO ${weird} (${sql.id("i`d")}, ${sql.id(C.uni)}) VALUES (${6}, ${`\\'${DROP}`})`).then(
        () => "accepted",
        (e: unknown) => (e as Error).name,
      );
      assert.equal(bad, "CheckViolationError");
      const badEnum = await c.execute(sql`INSERT INTO ${weird} (${sql.id("i`d")}, ${sql.id(C.slash)}) VALUES (${7}, ${"back\\\\slash"})`).then(
        () => "accepted",
        (e: unknown) => (e as Error).name,
      );
      assert.equal(badEnum, "CheckViolationError");

      const streamed: unknown[] = [];
      const q = select(w.id, w.what)
        .where(w.what.ne(param("not", w.what)))
        .orderBy(w.id);
      for await (const r of c.stream(q, { not: "nothing" }, { batchSize: 2 })) streamed.push(r);
      assert.deepStrictEqual(streamed, [
        { id: 1, what: "?" },
        { id: 2, what: `'${DROP}` },
        { id: 3, what: "??" },
      ]);

      const del = await c.execute(deleteFrom(weird).where(w.slash.eq("back\\slash")));
      assert.equal(del.rowCount, 1);
      assert.deepStrictEqual((await c.execute(select(w.id).orderBy(w.id))).scalars(), [1, 2, 4]);
      await victimIntact(c);
    }));

  test("dropAll drops the hostile-named table and leaves the victim alone", () =>
    ctx.engine.withConnection(async (c) => {
      const weirdOnly = new MetaData();
      weirdOnly.add(weird as never);
      await weirdOnly.dropAll(c);
      await assert.rejects(c.execute(select(weird.c.id)));
      await victimIntact(c);
      await md.dropAll(c);
    }));
});
