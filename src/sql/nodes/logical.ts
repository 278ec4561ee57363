import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { childList, declare } from "./fields.js";

/** AND / OR over any number of conditions. */
export interface LogicalNode {
  readonly kind: "logical";
  readonly op: "AND" | "OR";
  readonly items: readonly ExprNode[];
  readonly type: SqlType;
}

export const logicalFields = declare<LogicalNode>({ op: "name", items: childList, type: "type" });
