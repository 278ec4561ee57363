import type { CteNode, ExprNode, SelectItem, TableNode } from "./index.js";
import { ctes, declare, optionalChild, selectItems } from "./fields.js";

export interface DeleteNode {
  readonly kind: "delete";
  readonly table: TableNode;
  readonly where?: ExprNode;
  readonly returning: readonly SelectItem[];
  readonly with: readonly CteNode[];
}

export const deleteFields = declare<DeleteNode>({ table: "source", where: optionalChild, returning: selectItems, with: ctes });
