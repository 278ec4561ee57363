// The engines every parameterised suite runs on. Each test file gets its own PostgreSQL schema
// and MariaDB database, so files can run in parallel against the same servers.
import { after, before, describe } from "node:test";
import { basename, dirname } from "node:path";
import { createEngine, type Engine, type EngineOptions } from "../../src/index.js";
import pg from "pg";
import mysql from "mysql2/promise";
import { TEST_PREFIX } from "./prefix.js";

export { TEST_PREFIX };

export type EngineName = "sqlite" | "postgres" | "mariadb";

const PG_URL = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const MY_URL = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";

/**
 * A namespace name for one test file: a-z, 0-9 and _ only. Its folder is part of it: files of one
 * name in two folders (engine/faults, orm/faults) shared a namespace and dropped each other's tables.
 */
export function namespaceFor(file: string): string {
  return (TEST_PREFIX + "t_" + `${basename(dirname(file))}_${basename(file)}`.replace(/\.test\.ts$/, "").replace(/[^A-Za-z0-9]+/g, "_"))
    .toLowerCase()
    .slice(0, 50);
}

/** Creates (afresh) an isolated namespace and returns an engine URL inside it. */
export async function prepareNamespace(name: EngineName, ns: string): Promise<string> {
  if (name === "sqlite") return "sqlite::memory:";
  if (name === "postgres") {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`);
    await client.query(`CREATE SCHEMA "${ns}"`);
    await client.end();
    const u = new URL(PG_URL);
    u.searchParams.set("schema", ns);
    return u.toString();
  }
  const u = new URL(MY_URL);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root", password: u.password });
  await conn.query(`DROP DATABASE IF EXISTS \`${ns}\``);
  await conn.query(`CREATE DATABASE \`${ns}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
  await conn.end();
  u.pathname = "/" + ns;
  return u.toString();
}

export async function dropNamespace(name: EngineName, ns: string): Promise<void> {
  if (name === "postgres") {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`);
    await client.end();
  } else if (name === "mariadb") {
    const u = new URL(MY_URL);
    const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root", password: u.password });
    await conn.query(`DROP DATABASE IF EXISTS \`${ns}\``);
    await conn.end();
  }
}

export interface EngineContext {
  readonly name: EngineName;
  readonly engine: Engine;
  readonly url: string;
}

const selected = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",") as EngineName[];

/**
 * Declares `fn`'s tests once per engine. `file` is the test file's import.meta.url (it names the
 * namespace). The context's engine exists inside tests and hooks, not while declaring.
 */
export function forEachEngine(file: string, fn: (ctx: EngineContext) => void, options: EngineOptions = {}): void {
  for (const name of selected) {
    const ns = namespaceFor(new URL(file).pathname);
    let engine: Engine | undefined;
    let url = "";
    const ctx: EngineContext = {
      name,
      get engine() {
        if (!engine) throw new Error("engine used outside a test");
        return engine;
      },
      get url() {
        return url;
      },
    };
    describe(`${basename(new URL(file).pathname, ".test.ts")} [${name}]`, () => {
      before(async () => {
        url = await prepareNamespace(name, ns);
        engine = createEngine(url, options);
      });
      after(async () => {
        await engine?.dispose();
        await dropNamespace(name, ns);
      });
      fn(ctx);
    });
  }
}
