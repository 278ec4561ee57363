import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

/** `expr AS name` in a SELECT list. */
export interface LabelNode {
  readonly kind: "label";
  readonly name: string;
  readonly expr: ExprNode;
  readonly type: SqlType;
}
