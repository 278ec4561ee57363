import type { ColumnNode, CteNode, ExprNode, FromNode, SelectItem, TableNode } from "./index.js";
import { assignments, childList, ctes, declare, optionalChild, selectItems } from "./fields.js";

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

export const updateFields = declare<UpdateNode>({
  table: "source",
  set: assignments,
  where: optionalChild,
  returning: selectItems,
  with: ctes,
  from: childList,
});
