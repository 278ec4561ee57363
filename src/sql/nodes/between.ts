import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { declare } from "./fields.js";

export interface BetweenNode {
  readonly kind: "between";
  readonly expr: ExprNode;
  readonly low: ExprNode;
  readonly high: ExprNode;
  readonly negate: boolean;
  readonly type: SqlType;
}

export const betweenFields = declare<BetweenNode>({ expr: "child", low: "child", high: "child", negate: "name", type: "type" });
