import type { SqlType } from "../types.js";
import type { ExprNode, OrderNode } from "./index.js";
import { childList, declare, optionalChild } from "./fields.js";

/** A function call; `name` is validated as a plain identifier when built. */
export interface FuncNode {
  readonly kind: "func";
  readonly name: string;
  readonly args: readonly ExprNode[];
  readonly distinct: boolean;
  readonly orderBy: readonly OrderNode[];
  readonly filter?: ExprNode;
  /** LIMIT/OFFSET inside an aggregate (MariaDB's JSON_ARRAYAGG and GROUP_CONCAT). */
  readonly limit?: ExprNode;
  readonly offset?: ExprNode;
  readonly type: SqlType;
}

export const funcFields = declare<FuncNode>({
  name: "name",
  args: childList,
  distinct: "name",
  orderBy: childList,
  filter: optionalChild,
  limit: optionalChild,
  offset: optionalChild,
  type: "type",
});
