import type { ColumnNode } from "./index.js";
import { declare } from "./fields.js";

/** What the SQL layer needs to know about a schema table, without importing the schema layer. */
export interface TableInfo {
  readonly name: string;
  readonly schema?: string;
  readonly columnNodes: readonly ColumnNode[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  /** Whether an index (or the primary key) starts with these columns. */
  hasIndexOn?(columns: readonly ColumnNode[]): boolean;
  /** The primary key and every unique constraint or unique index, as column lists. */
  uniqueKeys?(): readonly (readonly ColumnNode[])[];
}

export interface ForeignKeyInfo {
  readonly columns: readonly ColumnNode[];
  readonly refTable: () => TableNode;
  readonly refColumns: () => readonly ColumnNode[];
  readonly grouping: boolean;
}

export interface TableNode {
  readonly kind: "table";
  readonly info: TableInfo;
}

export const tableFields = declare<TableNode>({ info: "ref" });
