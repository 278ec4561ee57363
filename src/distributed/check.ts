// What a schema must satisfy to be spread over backends by the engine's own hash partitioning.
// Each refusal says which table and why, and what to change.
import { NotSupportedError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import type { MetaData } from "../schema/metadata.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { baseType } from "../sql/types.js";
import { checkDdlName } from "./servers.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
export type DistributedKind = "spider" | "postgres_fdw";

export interface Member {
  readonly table: AnyTable;
  readonly group: TableGroup;
  /** The column holding the group's root key: the partitioning column. */
  readonly rootColumn: AnyColumn;
}

const INTEGER_KINDS = new Set(["integer", "bigint", "smallint"]);

/** Every table of `metadata`, each a group member with a single integer root-key column; or an error naming the first that is not. */
export function distributedMembers(metadata: MetaData, kind: DistributedKind): Member[] {
  const out: Member[] = [];
  for (const table of metadata.tables as readonly AnyTable[]) {
    const site = { table: table.name };
    const group = metadata.groupOf(table);
    if (!group) throw new NotSupportedError(`${table.name} belongs to no table group: a distributed table is partitioned by its group's root key`, site);
    checkDdlName(table.name, "Table name");
    const keyNodes = group.rootKeyOf(table);
    if (keyNodes.length !== 1)
      throw new NotSupportedError(
        `${table.name}: group ${group.name} has a ${keyNodes.length}-column root key; hash partitioning needs a single integer column`,
        site,
      );
    const rootColumn = table.columns.find((c) => c.node === keyNodes[0])!;
    if (!INTEGER_KINDS.has(baseType(rootColumn.type).kind))
      throw new NotSupportedError(
        `${table.name}.${rootColumn.name}: the root key is ${baseType(rootColumn.type).kind}; Arbor computes the engine's partition only for integer keys`,
        { ...site, column: rootColumn.name },
      );
    if (table.columns.some((c) => c.def.autoincrement))
      throw new NotSupportedError(
        `${table.name}: autoincrement columns count per backend and collide across them; use keys that include the root key, or UUIDs`,
        site,
      );
    if (kind === "spider") {
      // MariaDB: every unique key of a partitioned table includes the partitioning column.
      const keys: { what: string; columns: readonly AnyColumn[] }[] = [{ what: "primary key", columns: table.primaryKey }];
      for (const u of table.uniques) keys.push({ what: `unique key (${u.columns.map((c) => c.name).join(", ")})`, columns: u.columns });
      for (const c of table.columns) if (c.def.unique) keys.push({ what: `unique column ${c.name}`, columns: [c] });
      for (const i of table.indexes) if (i.unique) keys.push({ what: `unique index (${i.columns.map((c) => c.name).join(", ")})`, columns: i.columns });
      for (const k of keys)
        if (k.columns.length > 0 && !k.columns.includes(rootColumn))
          throw new NotSupportedError(
            `${table.name}: its ${k.what} does not include the root key ${rootColumn.name}; MariaDB partitions only tables whose unique keys include the partitioning column`,
            site,
          );
    }
    out.push({ table, group, rootColumn });
  }
  return out;
}
