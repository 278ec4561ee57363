// Shards for the fan-out tests: two shards and one unsharded reference of the same engine, holding
// the same rows — SQLite in memory, PostgreSQL schemas in database `test` (collation C.UTF-8), or
// MariaDB databases in utf8mb4_nopad_bin.
import { TEST_PREFIX } from "../support/prefix.js";
import pg from "pg";
import mysql from "mysql2/promise";
import {
  MetaData,
  ShardSet,
  ShardedEngine,
  bigint,
  boolean,
  createEngine,
  insert,
  integer,
  numeric,
  sql,
  text,
  timestamptz,
  type Engine,
} from "../../src/index.js";

export const PG = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
export const MY = process.env.ARBOR_MYSQL_URL ?? "mariadb://root@127.0.0.1:3306/test";

export const md = new MetaData();
export const cust = md.table("h9_cust", {
  id: integer().primaryKey(),
  code: text().notNull(),
  note: text(),
  score: numeric(12, 3),
  big: bigint().notNull(),
  at: timestamptz(),
  flag: boolean(),
});
export const line = md.table("h9_line", {
  id: integer().primaryKey(),
  custId: integer()
    .notNull()
    .named("cust_id")
    .references(() => cust.c.id, { grouping: true }),
  qty: integer().notNull(),
  label: text().notNull(),
});

export type Kind = "sqlite" | "postgres" | "mariadb";
export interface Fixture {
  readonly shards: ShardSet;
  readonly sharded: ShardedEngine;
  readonly reference: Engine;
  dispose(): Promise<void>;
}

const pgUrl = (ns: string) => {
  const u = new URL(PG);
  u.searchParams.set("schema", ns);
  return u.toString();
};

async function pgSchema(ns: string): Promise<string> {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`);
  await c.query(`CREATE SCHEMA "${ns}"`);
  await c.end();
  return pgUrl(ns);
}

async function mariaDb(db: string): Promise<string> {
  const u = new URL(MY);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root" });
  await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
  await c.end();
  u.pathname = `/${db}`;
  return u.toString();
}

async function dropPg(ns: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`);
  await c.end();
}

async function dropMaria(db: string): Promise<void> {
  const u = new URL(MY);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || "root" });
  await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await c.end();
}

/** Shards a, b and a reference of `kind`, with `rows` loaded through the sharded engine and directly. */
export async function makeFixture(
  kind: Kind,
  tag: string,
  custs: Record<string, unknown>[],
  lines: Record<string, unknown>[],
  textCollation?: string,
): Promise<Fixture> {
  const names = ["a", "b", "ref"].map((n) => `${TEST_PREFIX}fanout_${tag}_${n}`);
  const urls =
    kind === "sqlite"
      ? names.map(() => "sqlite::memory:")
      : kind === "postgres"
        ? await Promise.all(names.map(pgSchema))
        : await Promise.all(names.map(mariaDb));
  const [a, b, reference] = urls.map((u) => createEngine(u));
  for (const e of [a, b, reference]) {
    await e.withConnection((c) => md.createAll(c));
    if (textCollation && kind === "postgres")
      await e.execute(sql`ALTER TABLE ${sql.id("h9_line")} ALTER COLUMN ${sql.id("label")} TYPE text COLLATE ${sql.id(textCollation)}`);
    if (textCollation && kind === "mariadb")
      await e.execute(sql`ALTER TABLE ${sql.id("h9_line")} MODIFY ${sql.id("label")} TEXT CHARACTER SET utf8mb4 COLLATE ${sql.id(textCollation)} NOT NULL`);
  }
  const shards = new ShardSet({ a, b }, { metadata: md });
  const sharded = new ShardedEngine(shards);
  for (const [t, rows] of [
    [cust, custs],
    [line, lines],
  ] as const) {
    if (!rows.length) continue;
    await sharded.execute(insert(t as typeof cust).values(rows as never));
    await reference.execute(insert(t as typeof cust).values(rows as never));
  }
  return {
    shards,
    sharded,
    reference,
    async dispose() {
      await shards.dispose();
      await reference.dispose();
      if (kind === "postgres") for (const n of names) await dropPg(n);
      if (kind === "mariadb") for (const n of names) await dropMaria(n);
    },
  };
}
