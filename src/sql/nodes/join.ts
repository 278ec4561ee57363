import type { ExprNode, FromNode } from "./index.js";

export type JoinType = "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS";

export interface JoinNode {
  readonly kind: "join";
  readonly type: JoinType;
  readonly left: FromNode;
  readonly right: FromNode;
  readonly on?: ExprNode;
}
