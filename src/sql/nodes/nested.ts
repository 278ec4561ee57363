import type { SqlType } from "../types.js";
import type { SelectNode } from "./index.js";
import { declare } from "./fields.js";

/**
 * A correlated subquery in a SELECT list that yields rows (or one row) per parent row. Dialects
 * rewrite it to their JSON aggregation; the type carries the nested rows' keys and types.
 */
export interface NestedNode {
  readonly kind: "nested";
  readonly query: SelectNode;
  readonly one: boolean;
  readonly type: SqlType;
}

export const nestedFields = declare<NestedNode>({ query: "child", one: "name", type: "type" });
