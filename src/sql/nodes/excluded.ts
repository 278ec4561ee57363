import type { SqlType } from "../types.js";
import type { ColumnNode } from "./index.js";

/** The value an upsert tried to insert: `excluded.col` / `VALUES(col)`. */
export interface ExcludedNode {
  readonly kind: "excluded";
  readonly column: ColumnNode;
  readonly type: SqlType;
}
