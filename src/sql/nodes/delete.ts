import type { CteNode, ExprNode, SelectItem, TableNode } from "./index.js";

export interface DeleteNode {
  readonly kind: "delete";
  readonly table: TableNode;
  readonly where?: ExprNode;
  readonly returning: readonly SelectItem[];
  readonly with: readonly CteNode[];
}
