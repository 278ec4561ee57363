import type { ExprNode } from "./index.js";
import { declare } from "./fields.js";

export interface OrderNode {
  readonly kind: "order";
  readonly expr: ExprNode;
  readonly direction: "ASC" | "DESC";
  readonly nulls?: "FIRST" | "LAST";
}

export const orderFields = declare<OrderNode>({ expr: "child", direction: "name", nulls: "name" });
