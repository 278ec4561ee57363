import type { ColumnNode, CteNode, ExprNode, QueryNode, SelectItem, TableNode } from "./index.js";
import { assignments, childList, ctes, declare, optionalChild, selectItems } from "./fields.js";

export interface OnConflict {
  /** Columns of the unique key (PostgreSQL/SQLite need them; MySQL uses any unique key). */
  readonly target: readonly ColumnNode[];
  /** Empty means DO NOTHING. */
  readonly set: readonly (readonly [ColumnNode, ExprNode])[];
  readonly where?: ExprNode;
}

export interface InsertNode {
  readonly kind: "insert";
  readonly table: TableNode;
  readonly columns: readonly ColumnNode[];
  /** One row of expressions per VALUES tuple; empty with `query` or `cells` set. */
  readonly rows: readonly (readonly ExprNode[])[];
  /**
   * The VALUES rows as checked values instead of nodes, row after row: row i's value for column j
   * at i × columns.length + j, checked against that column's type (null for NULL). What `values()`
   * builds when every value is a plain value: a bulk INSERT then holds no node per value.
   */
  readonly cells?: readonly unknown[];
  readonly query?: QueryNode;
  readonly onConflict?: OnConflict;
  readonly returning: readonly SelectItem[];
  readonly with: readonly CteNode[];
}

export const insertFields = declare<InsertNode>({
  table: "source",
  columns: { list: "column" },
  rows: { list: childList },
  cells: { optional: "values" },
  query: optionalChild,
  onConflict: { optional: { record: { target: { list: "column" }, set: assignments, where: optionalChild } } },
  returning: selectItems,
  with: ctes,
});
