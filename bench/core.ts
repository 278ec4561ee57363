// Core benchmark: Arbor against the raw driver, on SQLite (better-sqlite3) and PostgreSQL (pg).
//
//   node bench/build.mjs && node bench/.out/core.mjs [--quick] [--sqlite-only | --postgres-only]
//
// --quick: fewer repetitions. Arbor is the built package (dist/): bench/build.mjs points src/ imports there.
//
// (a) one SELECT of a 10,000-row table with 8 columns of mixed types;
// (b) 1,000 single-row SELECTs by primary key.
//
// SQLite runs twice: on a database file in WAL mode (how applications use it; both sides open
// the same file) and in memory (each side its own copy), where per-call overheads weigh more.
//
// Contenders per engine:
//   raw            the driver's defaults, as a user would call it: better-sqlite3 prepared
//                  statement .all() / .get() (object rows), pg client.query (object rows). Some
//                  columns come back with the wrong JS type (printed below).
//   raw + restore  the same driver call plus the work needed to get the objects Arbor returns
//                  (exact bigint, boolean, Date, numeric string with its scale).
//   Arbor          engine.execute(...) on an engine with one pooled connection. For (b): the
//                  statement built once with param("id", types.integer) and run with { id }, and a
//                  statement built fresh for every call; plus, for context, the prepared statement
//                  on a connection held with engine.connect() (no pool round trip).
//                  On SQLite also engine.executeSync(...): the same result without a promise,
//                  as better-sqlite3 itself answers.
//
// Every timed figure is one full pass ((a): one query, (b): 1,000 queries); the contenders are
// interleaved within each repetition (order rotated) after warm-up passes, with no forced GC: a
// pass pays for the collections its garbage causes, as in an application (a GC forced before every
// pass hid that cost, and with it most of what the allocation-avoiding code paths save); the
// rotation spreads a collection that falls in the next contender's pass. Reported: median, min and max in ms, the ratio of Arbor to raw, and the paired ratio
// (median over repetitions of a contender's time over raw's in the same repetition), the figure
// least moved by other load on the machine.
import { existsSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import {
  type Engine,
  MetaData,
  bigint,
  boolean,
  createEngine,
  double,
  insert,
  integer,
  numeric,
  param,
  select,
  sqliteDialect,
  text,
  timestamptz,
  types,
} from "../src/index.js";
import { mulberry32 } from "./support.js";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const ENGINES = args.includes("--sqlite-only") ? ["sqlite"] : args.includes("--postgres-only") ? ["postgres"] : ["sqlite", "postgres"];
const REPS = QUICK ? 5 : 21;
const WARMUP = QUICK ? 2 : 5;
const ROWS = 10_000;
const LOOKUPS = 1_000;
const PG_URL = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const PG_SCHEMA = "arbor_bench_core";
const TARGET_A = 1.1;
const TARGET_B = 1.2;

// ---------------------------------------------------------------------------------------------
// Schema and data

const md = new MetaData();
const item = md.table("bench_item", {
  id: integer().primaryKey(),
  name: text().notNull(),
  qty: integer().notNull(),
  price: double().notNull(),
  active: boolean().notNull(),
  created: timestamptz().notNull(),
  amount: numeric(10, 2).notNull(),
  big: bigint().notNull(),
});

/** The typed row every contender must end up with (what Arbor returns). */
interface Item {
  id: number;
  name: string;
  qty: number;
  price: number;
  active: boolean;
  created: Date;
  amount: string;
  big: bigint;
}

function makeRows(): Item[] {
  const rnd = mulberry32(2026);
  const start = Date.UTC(2020, 0, 1);
  return Array.from({ length: ROWS }, (_, k) => {
    const id = k + 1;
    // One amount in ten is whole ("123.00"): SQLite's NUMERIC affinity stores those as integers.
    const cents = Math.floor(rnd() * 10_000_000);
    return {
      id,
      name: `item ${id} ${Math.floor(rnd() * 2 ** 32).toString(36)}`,
      qty: Math.floor(rnd() * 100_000),
      price: Math.round(rnd() * 1e8) / 1e4,
      active: rnd() < 0.5,
      created: new Date(start + Math.floor(rnd() * 5 * 365 * 86_400_000)),
      amount: ((k % 10 === 0 ? cents - (cents % 100) : cents) / 100).toFixed(2),
      big: BigInt(id) * 1_000_000_007n + BigInt(Math.floor(rnd() * 1000)),
    };
  });
}

const ROWS_DATA = makeRows();
const LOOKUP_IDS = (() => {
  const rnd = mulberry32(7);
  return Array.from({ length: LOOKUPS }, () => 1 + Math.floor(rnd() * ROWS));
})();

async function fill(engine: Engine): Promise<void> {
  await engine.withConnection(async (c) => {
    await md.dropAll(c);
    await md.createAll(c);
    await c.transaction(async (tx) => {
      for (let i = 0; i < ROWS_DATA.length; i += 500) await tx.execute(insert(item).values(ROWS_DATA.slice(i, i + 500)));
    });
  });
}

/** Fails the run (without dumping 10,000 rows) when two contenders disagree. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`Benchmark contenders disagree: ${what}`);
}
const byId = (a: { id: number }, b: { id: number }): number => a.id - b.id;

// ---------------------------------------------------------------------------------------------
// Timing

type Pass = () => unknown;
interface Contender {
  readonly name: string;
  readonly pass: Pass;
}
/** Keeps results alive so no pass can be optimised away. */
let sink = 0;
const consume = (x: unknown): void => {
  if (Array.isArray(x)) sink += x.length;
  else if (x !== undefined) sink++;
};

async function timeOnce(pass: Pass): Promise<number> {
  const t0 = performance.now();
  const r = pass();
  consume(r instanceof Promise ? await r : r);
  return performance.now() - t0;
}

async function measure(contenders: readonly Contender[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    for (let j = 0; j < contenders.length; j++) {
      const c = contenders[(rep + j) % contenders.length];
      const ms = await timeOnce(c.pass);
      if (rep >= WARMUP) out.get(c.name)!.push(ms);
    }
  }
  return out;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The median over repetitions of a contender's time over the baseline's in the same repetition. */
const paired = (xs: readonly number[], base: readonly number[]): number => median(xs.map((x, i) => x / base[i]));
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/** A Markdown table; the first `left` columns are text (left-aligned), the rest figures. */
function table(head: string[], rows: string[][], left = 1): string {
  const cells = [head, ...rows];
  const width = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]): string => "| " + r.map((v, c) => (c < left ? v.padEnd(width[c]) : v.padStart(width[c]))).join(" | ") + " |";
  const rule = "|" + width.map((w, c) => (c < left ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(head), rule, ...rows.map(line)].join("\n");
}

interface Figures {
  readonly engine: string;
  readonly scenario: string;
  readonly results: Map<string, number[]>;
}
const summary: { engine: string; scenario: string; contender: string; ratio: number; target: number }[] = [];

function report(f: Figures, target: number, arborNames: readonly string[]): void {
  const raw = median(f.results.get("raw")!);
  const restored = median(f.results.get("raw + restore")!);
  const rawXs = f.results.get("raw")!;
  const rawMin = Math.min(...rawXs);
  const rows = [...f.results].map(([name, xs]) => [
    name,
    ms(median(xs)),
    ms(Math.min(...xs)),
    ms(Math.max(...xs)),
    (median(xs) / raw).toFixed(2) + "x",
    (median(xs) / restored).toFixed(2) + "x",
    (Math.min(...xs) / rawMin).toFixed(2) + "x",
    paired(xs, rawXs).toFixed(2) + "x",
  ]);
  console.log(`\n### ${f.engine}: ${f.scenario}\n`);
  // "min vs raw min" is the figure least disturbed by other load on the machine.
  console.log(table(["contender", "median ms", "min", "max", "vs raw", "vs raw + restore", "min vs raw min", "paired vs raw"], rows));
  for (const name of arborNames) summary.push({ engine: f.engine, scenario: f.scenario, contender: name, ratio: median(f.results.get(name)!) / raw, target });
}

/** "id number, name string, …" for a raw row, with the JS type each column came back as. */
function describeRow(row: Record<string, unknown>): string {
  return Object.entries(row)
    .map(([k, v]) => `${k}: ${v instanceof Date ? "Date" : typeof v === "number" && (v === 0 || v === 1) && k === "active" ? "number (0/1)" : typeof v}`)
    .join(", ");
}

// ---------------------------------------------------------------------------------------------
// One engine: the agreement check, then (a) and (b)

/** The raw driver's side of one engine. */
interface RawSide {
  /** What the raw driver returns, and what "raw + restore" adds. */
  readonly note: string;
  readonly selectAll: Pass;
  readonly selectAllRestored: Pass;
  readonly lookups: Pass;
  readonly lookupsRestored: Pass;
  /** For the agreement check. */
  allRestored(): Item[] | Promise<Item[]>;
  oneRestored(id: number): Item | Promise<Item>;
}

async function benchEngine(label: string, engine: Engine, raw: RawSide): Promise<void> {
  const selectAll = select(item).from(item);
  const lookup = select(item)
    .from(item)
    .where(item.c.id.eq(param("id", types.integer)));
  // Embedded engines also answer without a promise (executeSync), as better-sqlite3 itself does.
  const sync = engine.dialect.name === "sqlite";

  // Every contender must produce the same objects.
  const arborAll = (await engine.execute(selectAll)).rows;
  same(await raw.allRestored(), arborAll, `${label} (a): raw + restore vs Arbor`);
  same([...arborAll].sort(byId), ROWS_DATA, `${label} (a): Arbor vs the inserted rows`);
  for (const id of LOOKUP_IDS.slice(0, 50)) {
    const r = (await engine.execute(lookup, { id })).one();
    same(await raw.oneRestored(id), r, `${label} (b): id ${id}`);
    if (sync) same(engine.executeSync(lookup, { id }).one(), r, `${label} (b): executeSync, id ${id}`);
    same((await engine.execute(select(item).from(item).where(item.c.id.eq(id)))).one(), r, `${label} (b): fresh statement, id ${id}`);
  }
  console.log(`\n### ${label}: what the raw driver returns\n`);
  console.log(raw.note);

  report(
    {
      engine: label,
      scenario: `(a) select all ${ROWS.toLocaleString("en")} rows`,
      results: await measure([
        { name: "raw", pass: raw.selectAll },
        { name: "raw + restore", pass: raw.selectAllRestored },
        { name: "Arbor", pass: async () => (await engine.execute(selectAll)).rows },
        ...(sync ? [{ name: "Arbor, executeSync", pass: () => engine.executeSync(selectAll).rows }] : []),
      ]),
    },
    TARGET_A,
    sync ? ["Arbor", "Arbor, executeSync"] : ["Arbor"],
  );

  report(
    {
      engine: label,
      scenario: `(b) ${LOOKUPS.toLocaleString("en")} selects by primary key`,
      results: await measure([
        { name: "raw", pass: raw.lookups },
        { name: "raw + restore", pass: raw.lookupsRestored },
        {
          name: "Arbor, prepared statement",
          pass: async () => {
            let n = 0;
            for (const id of LOOKUP_IDS) if ((await engine.execute(lookup, { id })).rows[0]) n++;
            return n;
          },
        },
        ...(sync
          ? [
              {
                name: "Arbor, executeSync, prepared",
                pass: () => {
                  let n = 0;
                  for (const id of LOOKUP_IDS) if (engine.executeSync(lookup, { id }).rows[0]) n++;
                  return n;
                },
              },
            ]
          : []),
        {
          name: "Arbor, statement built per call",
          pass: async () => {
            let n = 0;
            for (const id of LOOKUP_IDS) if ((await engine.execute(select(item).from(item).where(item.c.id.eq(id)))).rows[0]) n++;
            return n;
          },
        },
        {
          name: "Arbor, prepared, held connection",
          pass: async () => {
            const conn = await engine.connect();
            try {
              let n = 0;
              for (const id of LOOKUP_IDS) if ((await conn.execute(lookup, { id })).rows[0]) n++;
              return n;
            } finally {
              await conn.release();
            }
          },
        },
      ]),
    },
    TARGET_B,
    ["Arbor, prepared statement", ...(sync ? ["Arbor, executeSync, prepared"] : []), "Arbor, statement built per call"],
  );
}

// ---------------------------------------------------------------------------------------------
// SQLite

const COLS = "id, name, qty, price, active, created, amount, big";

type SqliteSafeRow = { id: bigint; name: string; qty: bigint; price: number; active: bigint; created: string; amount: number | bigint; big: bigint };

/** What a user writes to get Item objects out of better-sqlite3 (safeIntegers for an exact bigint). */
function restoreSqlite(r: SqliteSafeRow): Item {
  const a = r.amount;
  return {
    id: Number(r.id),
    name: r.name,
    qty: Number(r.qty),
    price: r.price,
    active: r.active !== 0n,
    created: new Date(r.created),
    amount: typeof a === "bigint" ? `${a}.00` : a.toFixed(2),
    big: r.big,
  };
}

function sqliteRaw(db: Database.Database): RawSide {
  const all = db.prepare(`SELECT ${COLS} FROM bench_item`);
  const allSafe = db.prepare(`SELECT ${COLS} FROM bench_item`).safeIntegers(true);
  const one = db.prepare(`SELECT ${COLS} FROM bench_item WHERE id = ?`);
  const oneSafe = db.prepare(`SELECT ${COLS} FROM bench_item WHERE id = ?`).safeIntegers(true);
  return {
    note:
      `better-sqlite3 defaults: ${describeRow(all.get() as Record<string, unknown>)}. ` +
      `Raw leaves active as 0/1, created as ISO text, amount as a float (12.5, not "12.50") and big as a number (inexact above 2^53). ` +
      `"raw + restore" reads with safeIntegers(true) and converts each row to the typed object Arbor returns.`,
    selectAll: () => all.all(),
    selectAllRestored: () => (allSafe.all() as SqliteSafeRow[]).map(restoreSqlite),
    lookups: () => {
      let n = 0;
      for (const id of LOOKUP_IDS) if (one.get(id)) n++;
      return n;
    },
    lookupsRestored: () => {
      let n = 0;
      for (const id of LOOKUP_IDS) if (restoreSqlite(oneSafe.get(id) as SqliteSafeRow)) n++;
      return n;
    },
    allRestored: () => (allSafe.all() as SqliteSafeRow[]).map(restoreSqlite),
    oneRestored: (id) => restoreSqlite(oneSafe.get(id) as SqliteSafeRow),
  };
}

async function benchSqlite(): Promise<void> {
  const file = path.join(os.tmpdir(), `arbor-bench-core-${process.pid}.db`);
  try {
    // A database file in WAL mode, as an application uses SQLite: both sides open the same file.
    const engine = createEngine(`sqlite:${file}`, { poolSize: 1 });
    try {
      await fill(engine);
      const db = new Database(file, { readonly: true });
      await benchEngine("sqlite (file, WAL)", engine, sqliteRaw(db));
      db.close();
    } finally {
      await engine.dispose();
    }
    // In-memory databases: no file locking per statement, so fixed per-call costs weigh more.
    const memEngine = createEngine("sqlite::memory:");
    try {
      await fill(memEngine);
      const mem = new Database(":memory:");
      for (const ddl of md.createStatements({ dialect: sqliteDialect })) mem.exec(ddl);
      mem.exec(`ATTACH DATABASE '${file.replaceAll("'", "''")}' AS src; INSERT INTO main.bench_item SELECT * FROM src.bench_item; DETACH DATABASE src`);
      await benchEngine("sqlite (:memory:)", memEngine, sqliteRaw(mem));
      mem.close();
    } finally {
      await memEngine.dispose();
    }
  } finally {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function pgClient(int8AsBigInt: boolean): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: PG_URL,
    // The same session settings Arbor's driver uses.
    options: `-c TimeZone=UTC -c jit=off -c search_path=${PG_SCHEMA}`,
    ...(int8AsBigInt
      ? {
          types: {
            getTypeParser: ((oid: number, format?: string) =>
              oid === 20 ? (s: string) => BigInt(s) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
          },
        }
      : {}),
  });
  await client.connect();
  return client;
}

async function benchPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${PG_SCHEMA}`);
  const url = new URL(PG_URL);
  url.searchParams.set("schema", PG_SCHEMA);
  const engine = createEngine(url.toString(), { poolSize: 1 });
  const raw = await pgClient(false);
  const restoring = await pgClient(true);
  try {
    await fill(engine);
    await raw.query("ANALYZE bench_item");
    const allSql = `SELECT ${COLS} FROM bench_item`;
    const oneSql = `SELECT ${COLS} FROM bench_item WHERE id = $1`;
    const sample = (await raw.query(oneSql, [1])).rows[0] as Record<string, unknown>;
    await benchEngine("postgres", engine, {
      note:
        `pg defaults: ${describeRow(sample)}. ` +
        `Raw pg already returns boolean, Date (its own timestamptz parser) and numeric as an exact string; it leaves big (int8) as a string. ` +
        `"raw + restore" is the same client.query on a client whose int8 type parser returns BigInt.`,
      selectAll: async () => (await raw.query(allSql)).rows,
      selectAllRestored: async () => (await restoring.query(allSql)).rows,
      lookups: async () => {
        let n = 0;
        for (const id of LOOKUP_IDS) if ((await raw.query(oneSql, [id])).rows[0]) n++;
        return n;
      },
      lookupsRestored: async () => {
        let n = 0;
        for (const id of LOOKUP_IDS) if ((await restoring.query(oneSql, [id])).rows[0]) n++;
        return n;
      },
      allRestored: async () => (await restoring.query<Item>(allSql)).rows,
      oneRestored: async (id) => (await restoring.query<Item>(oneSql, [id])).rows[0],
    });
  } finally {
    await engine.dispose();
    await raw.end();
    await restoring.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await admin.end();
  }
}

// ---------------------------------------------------------------------------------------------

const cpus = os.cpus();
console.log(`## Core: Arbor vs raw driver\n`);
console.log(
  `Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ${os.platform()} ${os.arch()}; ` +
    `${QUICK ? "--quick: " : ""}median of ${REPS} passes after ${WARMUP} warm-up passes, contenders interleaved, no forced GC.`,
);
console.log(`Arbor from dist/ (the built package); 1-minute load average at start ${os.loadavg()[0].toFixed(2)}.`);
console.log(`Table: ${ROWS.toLocaleString("en")} rows of integer pk, text, integer, double, boolean, timestamptz, numeric(10,2), bigint.`);
if (ENGINES.includes("sqlite")) await benchSqlite();
if (ENGINES.includes("postgres")) await benchPostgres();

console.log(`\n### Targets (median Arbor / median raw)\n`);
console.log(
  table(
    ["engine", "scenario", "contender", "ratio", "target", "met"],
    summary.map((s) => [s.engine, s.scenario, s.contender, s.ratio.toFixed(2) + "x", `<= ${s.target.toFixed(2)}x`, s.ratio <= s.target ? "yes" : "NO"]),
    3,
  ),
);
console.log(`\n1-minute load average at the end: ${os.loadavg()[0].toFixed(2)}.`);
if (sink < 0) console.log(sink);
