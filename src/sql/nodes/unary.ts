import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { declare } from "./fields.js";

export type UnaryOp = "NOT" | "-" | "IS NULL" | "IS NOT NULL";

export interface UnaryNode {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: ExprNode;
  readonly type: SqlType;
}

export const unaryFields = declare<UnaryNode>({ op: "name", operand: "child", type: "type" });
