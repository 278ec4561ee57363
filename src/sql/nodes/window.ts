import type { SqlType } from "../types.js";
import type { ExprNode, FuncNode, OrderNode } from "./index.js";
import { childList, declare } from "./fields.js";

/** `fn(...) OVER (PARTITION BY … ORDER BY … frame)`. */
export interface WindowNode {
  readonly kind: "window";
  readonly func: FuncNode;
  readonly partitionBy: readonly ExprNode[];
  readonly orderBy: readonly OrderNode[];
  /** A frame clause from a fixed vocabulary, e.g. "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW". */
  readonly frame?: string;
  readonly type: SqlType;
}

export const windowFields = declare<WindowNode>({ func: "child", partitionBy: childList, orderBy: childList, frame: "name", type: "type" });
