import type { SqlType } from "../types.js";

/** `*`, as in count(*). */
export interface StarNode {
  readonly kind: "star";
  readonly type: SqlType;
}
