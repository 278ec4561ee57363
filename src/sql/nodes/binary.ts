import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { declare } from "./fields.js";

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

export const binaryFields = declare<BinaryNode>({ op: "name", left: "child", right: "child", type: "type" });
