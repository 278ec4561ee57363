import type { ColumnNode, CteNode, ExprNode, QueryNode, SelectItem, TableNode } from "./index.js";

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
  /** One row of expressions per VALUES tuple; empty with `query` set. */
  readonly rows: readonly (readonly ExprNode[])[];
  readonly query?: QueryNode;
  readonly onConflict?: OnConflict;
  readonly returning: readonly SelectItem[];
  readonly with: readonly CteNode[];
}
