import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

/** AND / OR over any number of conditions. */
export interface LogicalNode {
  readonly kind: "logical";
  readonly op: "AND" | "OR";
  readonly items: readonly ExprNode[];
  readonly type: SqlType;
}
