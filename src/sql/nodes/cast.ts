import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

export interface CastNode {
  readonly kind: "cast";
  readonly expr: ExprNode;
  readonly type: SqlType;
}
