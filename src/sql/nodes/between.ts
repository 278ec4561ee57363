import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

export interface BetweenNode {
  readonly kind: "between";
  readonly expr: ExprNode;
  readonly low: ExprNode;
  readonly high: ExprNode;
  readonly negate: boolean;
  readonly type: SqlType;
}
