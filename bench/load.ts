// Load test: many concurrent clients through one Arbor engine per server, for a fixed time, on
// loopback. Each client loops over a mix of work:
//   40% a read by primary key             (engine.execute, autocommit)
//   15% a range read of its own events    (engine.execute, autocommit)
//   20% an event insert                   (engine.execute, autocommit)
//   25% a transfer: a transaction that moves an amount between two accounts (rows locked in key
//       order), reads one back and records an event; rerun on deadlock / serialization failure
// Reported per engine: operations per second, p50 / p99 / max latency of one operation as its caller
// sees it (waiting for a pooled connection included), failed operations, and the check that no
// write was lost: every event whose insert or transaction resolved is read back afterwards, and the
// sum of the balances is what it was (transfers move money, never make or lose it).
//
//   node bench/.out/load.mjs [--seconds 60] [--pg-clients 200] [--my-clients 50] [--postgres-only | --mariadb-only]
//
// Bounded: clients stop taking new work at the deadline, and the process exits with an error if
// it is still running two minutes later.
import { MetaData, bigint, createEngine, insert, integer, select, sql, text, update, type Engine } from "../src/index.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = arg("--seconds", 60);
const PG_CLIENTS = arg("--pg-clients", 200);
const MY_CLIENTS = arg("--my-clients", 50);
const PG_URL = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const MY_URL = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";
const NS = `${process.env.ARBOR_TEST_PREFIX ?? ""}bench_load`;
const ACCOUNTS = 1000;
const START_BALANCE = 1_000_000;

const md = new MetaData();
const account = md.table("load_account", { id: integer().primaryKey(), balance: bigint().notNull() });
const event = md.table("load_event", { id: integer().primaryKey(), client: integer().notNull(), account: integer().notNull(), note: text().notNull() });

const guard = setTimeout(
  () => {
    console.error(`load test still running ${SECONDS + 120} s after it started: stopping`);
    process.exit(2);
  },
  (SECONDS + 120) * 1000,
);
guard.unref();

interface Figures {
  readonly engine: string;
  readonly clients: number;
  readonly pool: number;
  readonly ops: number;
  readonly failed: number;
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly writes: number;
  readonly lost: number;
  readonly balanced: boolean;
  readonly errors: Map<string, number>;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function prepare(name: "postgres" | "mariadb"): Promise<string> {
  const admin = createEngine(name === "postgres" ? PG_URL : MY_URL, { poolSize: 1 });
  try {
    if (name === "postgres") {
      await admin.withConnection(async (c) => {
        await c.runSql(`DROP SCHEMA IF EXISTS "${NS}" CASCADE`);
        await c.runSql(`CREATE SCHEMA "${NS}"`);
      });
      const u = new URL(PG_URL);
      u.searchParams.set("schema", NS);
      return u.toString();
    }
    await admin.withConnection(async (c) => {
      await c.runSql(`DROP DATABASE IF EXISTS \`${NS}\``);
      await c.runSql(`CREATE DATABASE \`${NS}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
    });
    const u = new URL(MY_URL);
    u.pathname = `/${NS}`;
    return u.toString();
  } finally {
    await admin.dispose();
  }
}

async function drop(name: "postgres" | "mariadb"): Promise<void> {
  const admin = createEngine(name === "postgres" ? PG_URL : MY_URL, { poolSize: 1 });
  try {
    await admin.withConnection((c) => c.runSql(name === "postgres" ? `DROP SCHEMA IF EXISTS "${NS}" CASCADE` : `DROP DATABASE IF EXISTS \`${NS}\``));
  } finally {
    await admin.dispose();
  }
}

async function run(name: "postgres" | "mariadb", clients: number, pool: number): Promise<Figures> {
  const url = await prepare(name);
  const engine: Engine = createEngine(url, { poolSize: pool });
  await engine.withConnection(async (c) => {
    await md.createAll(c);
    for (let from = 1; from <= ACCOUNTS; from += 500)
      await c.execute(insert(account).values(Array.from({ length: 500 }, (_, i) => ({ id: from + i, balance: BigInt(START_BALANCE) }))));
  });

  const latencies: number[] = [];
  const written: number[] = [];
  const errors = new Map<string, number>();
  let failed = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;

  const client = async (c: number) => {
    let seq = 0;
    const pick = () => 1 + Math.floor(Math.random() * ACCOUNTS);
    while (performance.now() < deadline) {
      const kind = Math.random();
      const t0 = performance.now();
      try {
        if (kind < 0.4) {
          await engine.execute(select(account.c.balance).where(account.c.id.eq(pick())));
        } else if (kind < 0.55) {
          await engine.execute(select(event.c.id, event.c.note).where(event.c.client.eq(c)).orderBy(event.c.id.desc()).limit(10));
        } else if (kind < 0.75) {
          const id = c * 1_000_000 + ++seq;
          await engine.execute(insert(event).values({ id, client: c, account: pick(), note: `insert ${id}` }));
          written.push(id);
        } else {
          const id = c * 1_000_000 + ++seq;
          let a = pick();
          let b = pick();
          while (b === a) b = pick();
          if (a > b) [a, b] = [b, a];
          const amount = BigInt(1 + Math.floor(Math.random() * 100));
          await engine.transaction(
            async (tx) => {
              await tx.execute(
                update(account)
                  .set({ balance: account.c.balance.sub(amount) })
                  .where(account.c.id.eq(a)),
              );
              await tx.execute(
                update(account)
                  .set({ balance: account.c.balance.add(amount) })
                  .where(account.c.id.eq(b)),
              );
              await tx.execute(select(account.c.balance).where(account.c.id.eq(b)));
              await tx.execute(insert(event).values({ id, client: c, account: a, note: `transfer ${amount} ${a}->${b}` }));
            },
            { retries: 5 },
          );
          written.push(id);
        }
        latencies.push(performance.now() - t0);
      } catch (err) {
        failed++;
        const key = err instanceof Error ? `${err.name}: ${err.message.slice(0, 120)}` : String(err);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  };

  await Promise.all(Array.from({ length: clients }, (_, c) => client(c + 1)));
  const elapsed = (performance.now() - started) / 1000;

  // Every write whose call resolved must be there; the balances must add up.
  const present = new Set(((await engine.execute(select(event.c.id))).rows as { id: number }[]).map((r) => Number(r.id)));
  const lost = written.filter((id) => !present.has(id)).length;
  const [{ total }] = (await engine.execute(sql`SELECT SUM(balance) AS total FROM load_account`)).rows as { total: string | number | bigint }[];
  const balanced = BigInt(total) === BigInt(ACCOUNTS * START_BALANCE);
  await engine.dispose();
  await drop(name);

  const sorted = Float64Array.from(latencies).sort();
  return {
    engine: name,
    clients,
    pool,
    ops: latencies.length,
    failed,
    opsPerSecond: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    writes: written.length,
    lost,
    balanced,
    errors,
  };
}

const results: Figures[] = [];
if (!args.includes("--mariadb-only")) results.push(await run("postgres", PG_CLIENTS, 20));
if (!args.includes("--postgres-only")) results.push(await run("mariadb", MY_CLIENTS, 10));

console.log(`\n${SECONDS} s per engine, Node ${process.version}\n`);
console.log("| engine | clients | pool | operations | ops/s | p50 ms | p99 ms | max ms | failed | writes committed | lost writes | balances add up |");
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
for (const r of results)
  console.log(
    `| ${r.engine} | ${r.clients} | ${r.pool} | ${r.ops} | ${Math.round(r.opsPerSecond)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.failed} | ${r.writes} | ${r.lost} | ${r.balanced ? "yes" : "NO"} |`,
  );
for (const r of results) for (const [k, n] of r.errors) console.log(`${r.engine}: ${n} × ${k}`);
if (results.some((r) => r.lost > 0 || !r.balanced || r.failed > 0)) process.exitCode = 1;
