import type { ColumnNode, CteNode, ExprNode, FromNode, SelectItem, TableNode } from "./index.js";

export interface UpdateNode {
  readonly kind: "update";
  readonly table: TableNode;
  readonly set: readonly (readonly [ColumnNode, ExprNode])[];
  readonly where?: ExprNode;
  readonly returning: readonly SelectItem[];
  readonly with: readonly CteNode[];
  /** Other tables the WHERE refers to; left empty, they are inferred. */
  readonly from: readonly FromNode[];
}
