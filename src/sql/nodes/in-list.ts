import type { SqlType } from "../types.js";
import type { ExprNode, QueryNode } from "./index.js";
import { declare } from "./fields.js";

/** `expr [NOT] IN (values…)` or `expr [NOT] IN (SELECT …)`. */
export interface InNode {
  readonly kind: "in";
  readonly expr: ExprNode;
  readonly values: readonly ExprNode[] | QueryNode;
  readonly negate: boolean;
  readonly type: SqlType;
}

export const inListFields = declare<InNode>({ expr: "child", values: "childOrChildren", negate: "name", type: "type" });
