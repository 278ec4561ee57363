import type { SqlType } from "../types.js";
import type { QueryNode } from "./index.js";

export interface ExistsNode {
  readonly kind: "exists";
  readonly query: QueryNode;
  readonly negate: boolean;
  readonly type: SqlType;
}
