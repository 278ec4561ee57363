import type { SqlType } from "../types.js";
import type { ExprNode, QueryNode } from "./index.js";

/** `expr [NOT] IN (values…)` or `expr [NOT] IN (SELECT …)`. */
export interface InNode {
  readonly kind: "in";
  readonly expr: ExprNode;
  readonly values: readonly ExprNode[] | QueryNode;
  readonly negate: boolean;
  readonly type: SqlType;
}
