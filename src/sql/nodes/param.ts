import type { SqlType } from "../types.js";
import { declare } from "./fields.js";

/** A named placeholder whose value is given at execution: `param("id")`. */
export interface ParamNode {
  readonly kind: "param";
  readonly name: string;
  readonly type: SqlType;
}

export const paramFields = declare<ParamNode>({ name: "name", type: "type" });
