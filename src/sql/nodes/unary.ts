import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

export type UnaryOp = "NOT" | "-" | "IS NULL" | "IS NOT NULL";

export interface UnaryNode {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: ExprNode;
  readonly type: SqlType;
}
