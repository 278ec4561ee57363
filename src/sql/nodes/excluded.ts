import type { SqlType } from "../types.js";
import type { ColumnNode } from "./index.js";
import { declare } from "./fields.js";

/** The value an upsert tried to insert: `excluded.col` / `VALUES(col)`. */
export interface ExcludedNode {
  readonly kind: "excluded";
  readonly column: ColumnNode;
  readonly type: SqlType;
}

export const excludedFields = declare<ExcludedNode>({ column: "column", type: "type" });
