import type { CteNode, ExprNode, OrderNode, QueryNode } from "./index.js";
import { childList, ctes, declare, optionalChild } from "./fields.js";

export type CompoundOp = "UNION" | "UNION ALL" | "INTERSECT" | "EXCEPT";

export interface CompoundNode {
  readonly kind: "compound";
  readonly op: CompoundOp;
  readonly queries: readonly QueryNode[];
  readonly orderBy: readonly OrderNode[];
  readonly limit?: ExprNode;
  readonly offset?: ExprNode;
  readonly with: readonly CteNode[];
}

export const compoundFields = declare<CompoundNode>({
  op: "name",
  queries: childList,
  orderBy: childList,
  limit: optionalChild,
  offset: optionalChild,
  with: ctes,
});
