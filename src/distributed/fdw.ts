// The DDL of a PostgreSQL head over backends through postgres_fdw: each group member is a table
// PARTITION BY HASH on its root-key column whose partitions are foreign tables, remainder r on
// backend r. The head holds no keys or foreign keys (PostgreSQL refuses unique indexes over
// foreign partitions); the backends get Arbor's ordinary DDL and enforce them per group.
import type { Dialect } from "../dialects/dialect.js";
import { DdlCompiler } from "../schema/ddl.js";
import type { MetaData } from "../schema/metadata.js";
import { distributedMembers } from "./check.js";
import { type BackendServer, checkDdlName, checkServer, serverName } from "./servers.js";
import type { HeadDdlOptions } from "./spider.js";

const literal = (s: string): string => `'${s}'`; // inputs are checked by servers.ts: no quote or backslash can occur

/** Statements creating the head's extension, servers, user mappings and partitioned tables, in order. */
export function fdwHeadDdl(dialect: Dialect, metadata: MetaData, servers: readonly BackendServer[], opts: HeadDdlOptions = {}): string[] {
  const members = distributedMembers(metadata, "postgres_fdw");
  const prefix = opts.serverPrefix ?? "arbor_b";
  const ddl = new DdlCompiler(dialect);
  const q = (name: string): string => dialect.createCompiler().quote(name);
  const out = ["CREATE EXTENSION IF NOT EXISTS postgres_fdw"];
  servers.forEach((raw, i) => {
    const s = checkServer(raw, i);
    const name = q(serverName(prefix, i));
    out.push(
      `CREATE SERVER ${name} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ${literal(s.host)}, port ${literal(String(s.port))}, dbname ${literal(s.database)})`,
      `CREATE USER MAPPING FOR CURRENT_USER SERVER ${name} OPTIONS (user ${literal(s.user)}${s.password === undefined ? "" : `, password ${literal(s.password)}`})`,
    );
  });
  for (const m of members) {
    out.push(ddl.createTable(m.table, new Set(m.table.foreignKeys), false, { keys: false, suffix: ` PARTITION BY HASH (${q(m.rootColumn.name)})` }));
    servers.forEach((s, r) => {
      const part = checkDdlName(`${m.table.name}_p${r}`, "Partition name");
      out.push(
        `CREATE FOREIGN TABLE ${q(part)} PARTITION OF ${ddl.tableName(m.table)} FOR VALUES WITH (MODULUS ${servers.length}, REMAINDER ${r}) ` +
          `SERVER ${q(serverName(prefix, r))} OPTIONS (schema_name ${literal(s.schema ?? "public")}, table_name ${literal(m.table.name)})`,
      );
    });
  }
  return out;
}

/** Statements dropping what `fdwHeadDdl` created (the extension stays). */
export function fdwHeadDropDdl(dialect: Dialect, metadata: MetaData, servers: number, opts: HeadDdlOptions = {}): string[] {
  const ddl = new DdlCompiler(dialect);
  const q = (name: string): string => dialect.createCompiler().quote(name);
  const prefix = opts.serverPrefix ?? "arbor_b";
  return [
    ...[...metadata.sorted().order].reverse().map((t) => ddl.dropTable(t)),
    ...Array.from({ length: servers }, (_, i) => `DROP SERVER IF EXISTS ${q(serverName(prefix, i))} CASCADE`),
  ];
}
