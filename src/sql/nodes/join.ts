import type { ExprNode, FromNode } from "./index.js";
import { declare, optionalChild } from "./fields.js";

export type JoinType = "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS";

export interface JoinNode {
  readonly kind: "join";
  readonly type: JoinType;
  readonly left: FromNode;
  readonly right: FromNode;
  readonly on?: ExprNode;
}

export const joinFields = declare<JoinNode>({ type: "name", left: "child", right: "child", on: optionalChild });
