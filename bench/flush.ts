// ORM flush benchmark: load 1,000 rows as mapped objects, change two columns on each (one on every
// row, one on every other row), commit. Timed: the changes and the commit. Against, for context,
// the raw driver sending one UPDATE per row inside a transaction, as a hand-written loop would.
//
//   node bench/.out/flush.mjs [--quick]
//
// PostgreSQL and MariaDB on loopback, SQLite on a WAL file; the same rows are reset before each
// repetition (untimed), medians of the repetitions after warm-ups, no forced GC (a repetition pays
// for the collections its garbage causes, as in an application).
import os from "node:os";
import path from "node:path";
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import mysql from "mysql2/promise";
import { MetaData, Model, Registry, Session, createEngine, insert, integer, numeric, sql, text, type Engine } from "../src/index.js";

const QUICK = process.argv.includes("--quick");
const REPS = QUICK ? 5 : 15;
const WARMUP = QUICK ? 1 : 3;
const N = 1000;
const PG = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const MY = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";
const FILE = path.join(os.tmpdir(), `arbor-bench-flush-${process.pid}.db`);

const md = new MetaData();
const stockT = md.table("bench_stock", { id: integer().primaryKey(), sku: text().notNull(), qty: integer().notNull(), price: numeric(10, 2).notNull() });
const registry = new Registry();
class Stock extends Model(stockT) {}
registry.map(Stock);

const rows = Array.from({ length: N }, (_, i) => ({ id: i + 1, sku: `sku-${i + 1}`, qty: 1, price: "1.50" }));
const changed = (id: number, qty: number) => ({ qty: qty + 1, price: id % 2 ? "2.25" : undefined });

/** Raw: one UPDATE per changed row in a transaction; `run(sql, params)` is the driver's call. */
async function rawLoop(run: (text: string, params: unknown[]) => unknown, ph: (i: number) => string): Promise<void> {
  await run("BEGIN", []);
  for (const r of rows) {
    const c = changed(r.id, 1);
    if (c.price === undefined) await run(`UPDATE bench_stock SET qty = ${ph(1)} WHERE id = ${ph(2)}`, [c.qty, r.id]);
    else await run(`UPDATE bench_stock SET qty = ${ph(1)}, price = ${ph(2)} WHERE id = ${ph(3)}`, [c.qty, c.price, r.id]);
  }
  await run("COMMIT", []);
}

async function arbor(engine: Engine): Promise<number> {
  const s = new Session(engine, { registry });
  const objs = await s.query(Stock).all();
  const t0 = performance.now();
  for (const o of objs) {
    const c = changed(o.id, o.qty);
    o.qty = c.qty;
    if (c.price !== undefined) o.price = c.price;
  }
  await s.commit();
  const dt = performance.now() - t0;
  await s.close();
  return dt;
}

async function measure(name: string, engine: Engine, raw: () => Promise<void>): Promise<void> {
  const reset = () =>
    engine.withConnection(async (c) => {
      await c.execute(sql`DELETE FROM bench_stock`);
      await c.execute(insert(stockT).values(rows));
    });
  await engine.withConnection(async (c) => {
    await md.dropAll(c);
    await md.createAll(c);
  });
  const times = { arbor: [] as number[], raw: [] as number[] };
  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    for (const who of rep % 2 ? (["raw", "arbor"] as const) : (["arbor", "raw"] as const)) {
      await reset();
      let dt: number;
      if (who === "arbor") dt = await arbor(engine);
      else {
        const t0 = performance.now();
        await raw();
        dt = performance.now() - t0;
      }
      if (rep >= WARMUP) times[who].push(dt);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(
    `| ${name} | ${med(times.arbor).toFixed(1)} | ${Math.min(...times.arbor).toFixed(1)} | ${med(times.raw).toFixed(1)} | ${(med(times.arbor) / med(times.raw)).toFixed(2)} |`,
  );
  await engine.withConnection((c) => md.dropAll(c));
  await engine.dispose();
}

console.log(`ORM flush: update ${N.toLocaleString("en")} loaded objects, Node ${process.version}, ${os.cpus().length} cores, ${REPS} reps`);
console.log("| engine | Arbor ORM commit, median ms | min | raw driver, UPDATE per row, median ms | Arbor × raw |");
console.log("|---|---:|---:|---:|---:|");

const pgClient = new pg.Client({ connectionString: PG });
await pgClient.connect();
await measure("PostgreSQL", createEngine(PG), () =>
  rawLoop(
    (t, p) => pgClient.query(t, p),
    (i) => `$${i}`,
  ),
);
await pgClient.end();

const u = new URL(MY);
const my = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root", database: u.pathname.slice(1) });
await measure("MariaDB", createEngine(MY), () =>
  rawLoop(
    (t, p) => my.query(t, p),
    () => "?",
  ),
);
await my.end();

rmSync(FILE, { force: true });
const engine = createEngine(`sqlite:${FILE}`);
await engine.withConnection((c) => c.runSql("PRAGMA journal_mode = WAL"));
const db = new Database(FILE);
db.pragma("journal_mode = WAL");
const statements = new Map<string, Database.Statement>();
await measure("SQLite (WAL file)", engine, () =>
  rawLoop(
    (t, p) => {
      let st = statements.get(t);
      if (!st) statements.set(t, (st = db.prepare(t)));
      return t === "BEGIN" || t === "COMMIT" ? db.exec(t) : st.run(...p);
    },
    () => "?",
  ),
);
db.close();
for (const f of [FILE, `${FILE}-wal`, `${FILE}-shm`]) rmSync(f, { force: true });
