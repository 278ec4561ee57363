import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { childList, declare } from "./fields.js";

/** `(a, b)` — row values for composite comparisons and IN. */
export interface TupleNode {
  readonly kind: "tuple";
  readonly items: readonly ExprNode[];
  readonly type: SqlType;
}

export const tupleFields = declare<TupleNode>({ items: childList, type: "type" });
