import type { SqlType } from "../types.js";
import { declare } from "./fields.js";

/** `*`, as in count(*). */
export interface StarNode {
  readonly kind: "star";
  readonly type: SqlType;
}

export const starFields = declare<StarNode>({ type: "type" });
