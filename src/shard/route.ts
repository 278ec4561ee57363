// Which shards a statement must run on: the root-key values its WHERE pins down (equality or IN on
// every root-key column of a group member), or all shards when it pins none.
import type { BindNode, ColumnNode, ExprNode, TableNode } from "../sql/nodes/index.js";
import type { ShardSet } from "./shards.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { tableOf } from "../schema/table.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

function conjuncts(e: ExprNode | undefined): ExprNode[] {
  if (!e) return [];
  if (e.kind === "logical" && e.op === "AND") return e.items.flatMap(conjuncts);
  return [e];
}

function isColumnOf(n: ExprNode, table: TableNode, name: string): n is ColumnNode {
  return n.kind === "column" && n.source.kind === "table" && n.source.info === table.info && n.name === name;
}

/** The bind nodes a conjunct fixes `column` to: `col = v` → [v], `col IN (v…)` → [v…]. */
function bindsFor(c: ExprNode, table: TableNode, name: string): BindNode[] | undefined {
  if (c.kind === "binary" && c.op === "=") {
    if (isColumnOf(c.left, table, name) && c.right.kind === "bind") return [c.right];
    if (isColumnOf(c.right, table, name) && c.left.kind === "bind") return [c.left];
  }
  if (c.kind === "in" && !c.negate && isColumnOf(c.expr, table, name) && Array.isArray(c.values)) {
    const vs = c.values as readonly ExprNode[];
    if (vs.every((v) => v.kind === "bind")) return vs as BindNode[];
  }
  return undefined;
}

/**
 * The root keys a WHERE clause pins for `tables` (any of them suffices), or undefined when it
 * does not pin one: the statement must then fan out to every shard.
 */
export function pinnedRootKeys(
  shards: Pick<ShardSet, "metadata" | "groupOf">,
  tables: readonly TableNode[],
  where: ExprNode | undefined,
): unknown[][] | undefined {
  return pinnedRootBinds(shards, tables, where)?.map((key) => key.map((b) => b.value));
}

/**
 * `pinnedRootKeys` as the bind nodes holding the values: which binds they are depends on the
 * statement's structure only, so a router may remember it per shape and read the values later.
 */
export function pinnedRootBinds(
  shards: Pick<ShardSet, "metadata" | "groupOf">,
  tables: readonly TableNode[],
  where: ExprNode | undefined,
): BindNode[][] | undefined {
  const parts = conjuncts(where);
  for (const tn of tables) {
    let table: AnyTable;
    try {
      table = tableOf(tn) as AnyTable;
      if (!shards.metadata.groupOf(table)) continue;
    } catch {
      continue;
    }
    const cols = shards.groupOf(table).rootKeyOf(table);
    const perColumn = cols.map((col) => {
      for (const c of parts) {
        const v = bindsFor(c, tn, col.name);
        if (v) return v;
      }
      return undefined;
    });
    if (perColumn.some((v) => v === undefined)) continue;
    // One value per column, or an IN list on a single-column key.
    if (perColumn.length === 1) return perColumn[0]!.map((v) => [v]);
    if (perColumn.every((v) => v!.length === 1)) return [perColumn.map((v) => v![0])];
  }
  return undefined;
}

/** The shards holding the given root keys, or every shard. */
export function shardsFor(shards: ShardSet, keys: unknown[][] | undefined): string[] {
  if (!keys) return shards.names;
  return [...new Set(keys.map((k) => shards.shardFor(k)))];
}
