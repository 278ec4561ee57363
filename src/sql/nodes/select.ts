import type { CteNode, ExprNode, FromNode, OrderNode } from "./index.js";
import { childList, ctes, declare, optionalChild, selectItems } from "./fields.js";

/** One entry of a SELECT list: the row key and the expression. */
export interface SelectItem {
  readonly key: string;
  readonly expr: ExprNode;
}

export interface SelectNode {
  readonly kind: "select";
  readonly items: readonly SelectItem[];
  /** Explicit FROM items; when empty the FROM is inferred from the referenced tables. */
  readonly from: readonly FromNode[];
  readonly where?: ExprNode;
  readonly groupBy: readonly ExprNode[];
  readonly having?: ExprNode;
  readonly orderBy: readonly OrderNode[];
  readonly limit?: ExprNode;
  readonly offset?: ExprNode;
  readonly distinct: boolean;
  readonly with: readonly CteNode[];
  /** false disables auto-correlation for this subquery. */
  readonly correlate: boolean;
  readonly forUpdate: boolean;
}

export const selectFields = declare<SelectNode>({
  items: selectItems,
  from: childList,
  where: optionalChild,
  groupBy: childList,
  having: optionalChild,
  orderBy: childList,
  limit: optionalChild,
  offset: optionalChild,
  distinct: "name",
  with: ctes,
  correlate: "name",
  forUpdate: "name",
});
