import type { SqlType } from "../types.js";
import type { QueryNode } from "./index.js";
import { declare } from "./fields.js";

/** A subquery used as a value: `(SELECT max(x) FROM …)`. */
export interface ScalarNode {
  readonly kind: "scalar";
  readonly query: QueryNode;
  readonly type: SqlType;
}

export const scalarFields = declare<ScalarNode>({ query: "child", type: "type" });
