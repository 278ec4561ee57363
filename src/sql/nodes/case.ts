import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";

export interface CaseNode {
  readonly kind: "case";
  readonly whens: readonly (readonly [ExprNode, ExprNode])[];
  readonly otherwise?: ExprNode;
  readonly type: SqlType;
}
