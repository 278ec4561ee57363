import type { SqlType } from "../types.js";

/** A named placeholder whose value is given at execution: `param("id")`. */
export interface ParamNode {
  readonly kind: "param";
  readonly name: string;
  readonly type: SqlType;
}
