import type { SqlType } from "../types.js";
import type { QueryNode } from "./index.js";
import { declare } from "./fields.js";

export interface ExistsNode {
  readonly kind: "exists";
  readonly query: QueryNode;
  readonly negate: boolean;
  readonly type: SqlType;
}

export const existsFields = declare<ExistsNode>({ query: "child", negate: "name", type: "type" });
