import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { declare } from "./fields.js";

/** `expr AS name` in a SELECT list. */
export interface LabelNode {
  readonly kind: "label";
  readonly name: string;
  readonly expr: ExprNode;
  readonly type: SqlType;
}

export const labelFields = declare<LabelNode>({ name: "name", expr: "child", type: "type" });
