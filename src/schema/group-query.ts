// The whole-group query (Akiban's `SELECT **`): a root with every member of its group nested
// under its parent, in one statement. Each level correlates on its grouping key.
import type { Expr } from "../sql/expression.js";
import { nested } from "../sql/nested.js";
import { select, type Select } from "../sql/select.js";
import type { SelectArg } from "../sql/statement.js";
import type { TableGroup } from "./groups.js";
import type { AnyColumn, Table } from "./table.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

/** A group row: the root's columns plus, per child table, its nested rows (recursively). */
export type GroupRow = { [key: string]: unknown };

export interface GroupQueryOptions {
  /** A condition on the root (e.g. one root key). */
  where?: Expr<boolean>;
  /** Order of each member's rows; defaults to the primary key. */
  orderBy?: (t: AnyTable) => Expr<unknown>[];
}

function level(group: TableGroup, t: AnyTable, opts: GroupQueryOptions): Select<GroupRow> {
  const items: SelectArg[] = [t];
  for (const child of group.childrenOf(t)) items.push(nested(level(group, child, opts)).as(child.name));
  const order = opts.orderBy?.(t) ?? t.primaryKey;
  return (select(...items) as unknown as Select<GroupRow>).orderBy(...order);
}

/** Selects the group's root rows with all members nested, keyed by member table name. */
export function selectGroup(group: TableGroup, opts: GroupQueryOptions = {}): Select<GroupRow> {
  const q = level(group, group.root, opts);
  return opts.where ? q.where(opts.where) : q;
}
