import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

export type BinaryOp =
  | "="
  | "<>"
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "||"
  | "LIKE"
  | "NOT LIKE"
  | "ILIKE"
  | "NOT ILIKE"
  | "IS"
  | "IS NOT";

export interface BinaryNode {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: ExprNode;
  readonly right: ExprNode;
  readonly type: SqlType;
}
