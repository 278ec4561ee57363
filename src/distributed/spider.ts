// The DDL of a MariaDB Spider head over backends that hold the group members' real tables.
// Each member is an ENGINE=SPIDER table partitioned BY HASH on its root-key column, partition i on
// backend i: every member of a group uses the same partitioning, so a group lives on one backend
// and its foreign keys hold there (the backends get Arbor's ordinary DDL). The head declares no
// foreign keys: it cannot check them across backends.
import type { Dialect } from "../dialects/dialect.js";
import { DdlCompiler } from "../schema/ddl.js";
import type { MetaData } from "../schema/metadata.js";
import { distributedMembers } from "./check.js";
import { type BackendServer, checkServer, serverName } from "./servers.js";

export interface HeadDdlOptions {
  /** Prefix of the head's server objects (`arbor_b` → arbor_b0, arbor_b1, …). */
  readonly serverPrefix?: string;
}

const literal = (s: string): string => `'${s}'`; // inputs are checked by servers.ts: no quote or backslash can occur

/** Statements creating (or replacing) the head's servers and tables, in order. */
export function spiderHeadDdl(dialect: Dialect, metadata: MetaData, servers: readonly BackendServer[], opts: HeadDdlOptions = {}): string[] {
  const members = distributedMembers(metadata, "spider");
  const prefix = opts.serverPrefix ?? "arbor_b";
  const ddl = new DdlCompiler(dialect);
  const q = (name: string): string => dialect.createCompiler().quote(name);
  const out = servers.map((raw, i) => {
    const s = checkServer(raw, i);
    return (
      `CREATE OR REPLACE SERVER ${q(serverName(prefix, i))} FOREIGN DATA WRAPPER mysql OPTIONS ` +
      `(HOST ${literal(s.host)}, PORT ${s.port}, USER ${literal(s.user)}, PASSWORD ${literal(s.password ?? "")}, DATABASE ${literal(s.database)})`
    );
  });
  for (const m of members) {
    const partitions = servers.map((_, i) => `PARTITION ${q(`p${i}`)} COMMENT = 'srv "${serverName(prefix, i)}"'`);
    const suffix =
      ` ENGINE=SPIDER DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin COMMENT='wrapper "mysql", table "${m.table.name}"'` +
      ` PARTITION BY HASH (${q(m.rootColumn.name)}) (${partitions.join(", ")})`;
    out.push(ddl.createTable(m.table, new Set(m.table.foreignKeys), false, { suffix }));
  }
  return out;
}

/** Statements dropping what `spiderHeadDdl` created. */
export function spiderHeadDropDdl(dialect: Dialect, metadata: MetaData, servers: number, opts: HeadDdlOptions = {}): string[] {
  const ddl = new DdlCompiler(dialect);
  const q = (name: string): string => dialect.createCompiler().quote(name);
  const prefix = opts.serverPrefix ?? "arbor_b";
  return [
    ...[...metadata.sorted().order].reverse().map((t) => ddl.dropTable(t)),
    ...Array.from({ length: servers }, (_, i) => `DROP SERVER IF EXISTS ${q(serverName(prefix, i))}`),
  ];
}
