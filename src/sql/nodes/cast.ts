import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { declare } from "./fields.js";

export interface CastNode {
  readonly kind: "cast";
  readonly expr: ExprNode;
  readonly type: SqlType;
}

export const castFields = declare<CastNode>({ expr: "child", type: "type" });
