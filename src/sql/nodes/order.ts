import type { ExprNode } from "./index.js";

export interface OrderNode {
  readonly kind: "order";
  readonly expr: ExprNode;
  readonly direction: "ASC" | "DESC";
  readonly nulls?: "FIRST" | "LAST";
}
