// Connecting: a server that accepts TCP and says nothing fails within connectTimeout on every
// network driver; a URL of one engine pointed at another's port, or malformed, is a clear typed
// error; SQLite URLs follow SQLAlchemy's forms; MySQL URL parameters reach mysql2.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import mysql from "mysql2/promise";
import { ArgumentError, ConnectTimeoutError, ConnectionError, ForeignKeyViolationError, createEngine, mysqlClientOptions, sql } from "../../src/index.js";
import { betterSqlite3Refusal, sqliteFile } from "../../src/dialects/sqlite/driver.js";
import { mysqlConfig } from "../../src/dialects/mysql/driver.js";

const engines = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",");
const MY = new URL(process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test");

/** The error `p` rejects with (failing when it resolves), and how long it took. */
async function timed(p: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const started = performance.now();
  try {
    await p;
  } catch (err) {
    return { err: err as Error, ms: performance.now() - started };
  }
  assert.fail("expected the call to fail");
}

// A server that accepts connections and never sends a byte.
let silent: net.Server;
let silentPort = 0;
const sockets: net.Socket[] = [];
before(async () => {
  silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentPort = (silent.address() as net.AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

for (const [scheme, name] of [
  ["postgres", "postgres"],
  ["mariadb", "mariadb"],
] as const) {
  test(`issue 13.2: ${name}: a server that accepts TCP and stays silent fails within connectTimeout`, {
    skip: !engines.includes(name) && `${name} not selected`,
    timeout: 60_000,
  }, async () => {
    const engine = createEngine(`${scheme}://root@127.0.0.1:${silentPort}/test`, { connectTimeout: 300 });
    try {
      const { err, ms } = await timed(engine.execute(sql`SELECT 1`));
      assert.ok(err instanceof ConnectTimeoutError, `${err.name}: ${err.message}`);
      assert.ok(err instanceof ConnectionError);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${silentPort} within connectTimeout \\(300 ms\\)`));
      // The upper bound allows for a loaded machine; without connectTimeout this waits forever.
      assert.ok(ms >= 250 && ms < 15_000, `failed after ${ms} ms`);
      assert.equal(engine.poolStats.open, 0, "the slot is free again");
    } finally {
      await engine.dispose();
    }
  });
}

test("issue 13.6: a postgres:// URL pointed at a MariaDB port is a ConnectionError saying the server is not PostgreSQL", {
  skip: !(engines.includes("mariadb") && engines.includes("postgres")) && "needs MariaDB",
}, async () => {
  const engine = createEngine(`postgres://root@${MY.hostname}:${MY.port || 3306}/test`, { connectTimeout: 3000 });
  try {
    const { err } = await timed(engine.execute(sql`SELECT 1`));
    assert.ok(err instanceof ConnectionError, `${err.name}: ${err.message}`);
    assert.match(err.message, /does not speak the PostgreSQL protocol/);
  } finally {
    await engine.dispose();
  }
});

test("issue 13.6: sqlite:%zz is an ArgumentError, not a URIError", () => {
  assert.throws(
    () => createEngine("sqlite:%zz"),
    (err: Error) => err instanceof ArgumentError && /percent-encoding/.test(err.message),
  );
  assert.throws(() => createEngine("mariadb://r%zz@127.0.0.1/test"), ArgumentError);
});

test("issue 13.8: SQLite URLs follow SQLAlchemy: three slashes relative, four absolute, no host", () => {
  const file = (u: string) => sqliteFile(new URL(u));
  assert.equal(file("sqlite:///relative.db"), "relative.db");
  assert.equal(file("sqlite:///dir/relative.db"), "dir/relative.db");
  assert.equal(file("sqlite:////absolute/path.db"), "/absolute/path.db");
  assert.equal(file("sqlite:///a%20b.db?x=1"), "a b.db");
  assert.equal(file("sqlite::memory:"), null);
  assert.equal(file("sqlite://"), null);
  assert.equal(file("sqlite:///:memory:"), null);
  // Arbor's short forms.
  assert.equal(file("sqlite:path/to.db"), "path/to.db");
  assert.equal(file("sqlite:/abs.db"), "/abs.db");
  // Used to create /rel2.db at the filesystem root.
  assert.throws(
    () => file("sqlite://./rel2.db"),
    (err: Error) => err instanceof ArgumentError && /names no host/.test(err.message),
  );
});

test("issue 13.8: sqlite:///relative.db opens relative to the working directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arbor-url-"));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const engine = createEngine("sqlite:///rel.db");
    await engine.execute(sql`CREATE TABLE t (x integer)`);
    await engine.dispose();
    assert.ok(existsSync(join(dir, "rel.db")));
    // join() gives /tmp/…: after sqlite:/// that is the four-slash absolute form.
    const abs = createEngine(`sqlite:///${join(dir, "abs.db")}`);
    await abs.execute(sql`CREATE TABLE t (x integer)`);
    await abs.dispose();
    assert.ok(existsSync(join(dir, "abs.db")));
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("issue 13.8: MySQL URL query parameters reach mysql2; driverOptions pass through; Arbor's settings stay", () => {
  const url = new URL(
    `mariadb://u%40x:p%3Aw@db.example:3307/app?socket=/tmp/my.sock&connectTimeout=5000&ssl=${encodeURIComponent('{"rejectUnauthorized":true}')}&enableKeepAlive=true&timezone=local`,
  );
  const c = mysqlConfig(url, { driverOptions: { keepAliveInitialDelay: 1000, dateStrings: false } });
  assert.equal(c.user, "u@x");
  assert.equal(c.password, "p:w");
  assert.equal(c.port, 3307);
  assert.equal(c.database, "app");
  assert.equal(c.socketPath, "/tmp/my.sock");
  assert.equal(c.connectTimeout, 5000);
  assert.deepEqual(c.ssl, { rejectUnauthorized: true });
  assert.equal(c.enableKeepAlive, true);
  assert.equal(c.keepAliveInitialDelay, 1000);
  // What decoding relies on is not overridable.
  assert.equal(c.dateStrings, true);
  assert.equal(c.timezone, "Z");
  assert.throws(() => mysqlConfig(new URL("mariadb://h/db?ssl={bad"), {}), ArgumentError);
});

test("regression: a MariaDB pool keeps at most half the server's prepared-statement limit (mysql2 kept 16,000 per connection: a pool of ten ran past the server's 16,382)", () => {
  const url = new URL("mariadb://h/db");
  assert.equal(mysqlConfig(url, {}).maxPreparedStatements, 819);
  assert.equal(mysqlConfig(url, { poolSize: 1 }).maxPreparedStatements, 2000);
  assert.equal(mysqlConfig(url, { poolSize: 4, maxPrepared: 50 }).maxPreparedStatements, 50);
  assert.equal(mysqlConfig(url, { poolSize: 100, maxPrepared: 5000 }).maxPreparedStatements, 81);
  // A URL parameter or driverOptions still overrides it.
  assert.equal(mysqlConfig(new URL("mariadb://h/db?maxPreparedStatements=7"), {}).maxPreparedStatements, 7);
});

test("issue 13.8: an application's own pg.Pool hands Arbor its clients; values decode as on Arbor's connections; released back on dispose", {
  skip: !engines.includes("postgres") && "postgres not selected",
}, async () => {
  const url = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let handed = 0;
  const engine = createEngine(url, {
    poolSize: 1,
    client: () => {
      handed++;
      return pool.connect();
    },
  });
  try {
    const row = (
      await engine.execute(
        sql`SELECT 9007199254740993::int8 AS big, '2024-02-29 12:00:00.123+02'::timestamptz AS at, '1.50'::numeric(5,2) AS n, current_setting('TimeZone') AS tz`,
      )
    ).rows[0] as Record<string, unknown>;
    // The pool's own clients would give a rounded number and a local Date string form.
    assert.equal(row.big, 9007199254740993n);
    assert.equal(row.at instanceof Date ? row.at.toISOString() : row.at, "2024-02-29T10:00:00.123Z");
    assert.equal(row.n, "1.50");
    assert.equal(row.tz, "UTC");
    assert.equal(handed, 1);
    assert.equal(pool.idleCount, 0, "held by Arbor's pool");
  } finally {
    await engine.dispose();
  }
  assert.equal(pool.idleCount, 1, "given back to the application's pool");
  await pool.end();
});

test("issue 13.8: an application's own mysql2 pool opened with mysqlClientOptions() serves the engine; values decode exactly; released back on dispose", {
  skip: !engines.includes("mariadb") && "mariadb not selected",
}, async () => {
  const pool = mysql.createPool({
    ...mysqlClientOptions(),
    host: MY.hostname,
    port: Number(MY.port || 3306),
    user: MY.username || "root",
    database: "test",
    connectionLimit: 2,
  });
  const handed: number[] = [];
  const engine = createEngine(MY.toString(), {
    poolSize: 1,
    client: async () => {
      const c = await pool.getConnection();
      handed.push(c.threadId);
      return c;
    },
  });
  try {
    await engine.execute(sql`CREATE TEMPORARY TABLE own_client_t (id INT PRIMARY KEY, v INT)`);
    await engine.execute(sql`INSERT INTO own_client_t VALUES (1, 5)`);
    const row = (
      await engine.execute(
        sql`SELECT CAST(9007199254740993 AS SIGNED) AS big, CAST('12345678901234567890.12' AS DECIMAL(22,2)) AS n, CAST('2024-02-29 10:00:00.123' AS DATETIME(3)) AS at, JSON_OBJECT('a', '1') AS j, @@session.time_zone AS tz, @@session.group_concat_max_len AS g, 7 AS __proto__`,
      )
    ).rows[0] as Record<string, unknown>;
    assert.equal(BigInt(String(row.big)), 9007199254740993n);
    assert.equal(row.n, "12345678901234567890.12");
    assert.equal(row.tz, "+00:00");
    assert.ok(Number(row.g) > 1024 * 1024, "Arbor's session limits are set");
    assert.equal(Object.getOwnPropertyDescriptor(row, "__proto__")?.value, 7);
    // FOUND_ROWS: an UPDATE that changes nothing still counts the row it matched (version counters rely on it).
    assert.equal((await engine.execute(sql`UPDATE own_client_t SET v = 5 WHERE id = 1`)).rowCount, 1);
    assert.equal(handed.length, 1);
  } finally {
    await engine.dispose();
  }
  // Released, not closed: the pool hands the same connection out again.
  const again = await pool.getConnection();
  assert.equal(again.threadId, handed[0]);
  again.release();
  await pool.end();
});

test("issue 13.8: a mysql2 connection opened without Arbor's settings is refused, naming each one", {
  skip: !engines.includes("mariadb") && "mariadb not selected",
}, async () => {
  const pool = mysql.createPool({
    host: MY.hostname,
    port: Number(MY.port || 3306),
    user: MY.username || "root",
    database: "test",
    connectionLimit: 1,
    decimalNumbers: true,
  });
  const engine = createEngine(MY.toString(), { poolSize: 1, client: () => pool.getConnection() });
  try {
    await assert.rejects(
      engine.execute(sql`SELECT 1 AS one`),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /mysqlClientOptions\(\)/.test(e.message) &&
        /decimalNumbers/.test(e.message) &&
        /jsonStrings/.test(e.message) &&
        /disableEval/.test(e.message),
    );
    // The refused connection went back to the application's pool (its limit is 1).
    const c = await pool.getConnection();
    c.release();
  } finally {
    await engine.dispose();
    await pool.end();
  }
  await assert.rejects(
    (async () => {
      const e = createEngine(MY.toString(), { client: async () => ({}) });
      try {
        await e.execute(sql`SELECT 1 AS one`);
      } finally {
        await e.dispose();
      }
    })(),
    (e: unknown) => e instanceof ArgumentError && /mysql2 connection/.test(e.message),
  );
});

test("issue 13.8: an application's own better-sqlite3 Database serves the engine; Arbor's settings and decimal sum apply; closed on dispose", async () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t(id), amount NUMERIC(20, 2), name TEXT)");
  const engine = createEngine("sqlite::memory:", { client: () => Promise.resolve(db) });
  try {
    await engine.execute(sql`INSERT INTO t (id, amount, name) VALUES (1, '0.10', 'Abc'), (2, '0.20', 'abc')`);
    // Foreign keys are enforced and LIKE is case-sensitive, as on Arbor's own connections.
    await assert.rejects(engine.execute(sql`INSERT INTO t (id, parent) VALUES (3, 99)`), ForeignKeyViolationError);
    assert.deepEqual(
      (await engine.execute(sql`SELECT id FROM t WHERE name LIKE 'a%'`)).rows.map((r) => Number(r.id)),
      [2],
    );
    // Arbor's exact decimal sum runs on the application's Database (SQLite's sum() gives 0.30000000000000004).
    const total = (await engine.execute(sql`SELECT arbor_decimal_sum(amount) AS s FROM t`)).rows[0] as { s: unknown };
    assert.equal(String(total.s), "0.3");
    // The application's handle sees what the engine wrote.
    assert.equal((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 2);
  } finally {
    await engine.dispose();
  }
  assert.equal(db.open, false, "closed with the engine");
  const wrong = createEngine("sqlite::memory:", { client: async () => ({ not: "a database" }) });
  await assert.rejects(wrong.execute(sql`SELECT 1`), ArgumentError);
  await wrong.dispose();
});

test("regression: better-sqlite3 13 on Node 20 is refused with the version to install, instead of crashing the process when loaded", () => {
  assert.match(betterSqlite3Refusal("13.0.1", "20.20.2") ?? "", /better-sqlite3 13\.0\.1 needs Node 22.*better-sqlite3@12/);
  assert.equal(betterSqlite3Refusal("12.4.1", "20.20.2"), undefined);
  assert.equal(betterSqlite3Refusal("13.0.1", "22.12.0"), undefined);
  assert.equal(betterSqlite3Refusal("11.10.0", "24.1.0"), undefined);
});
