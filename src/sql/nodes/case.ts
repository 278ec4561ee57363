import type { SqlType } from "../types.js";
import type { ExprNode } from "./index.js";
import { declare, optionalChild } from "./fields.js";

export interface CaseNode {
  readonly kind: "case";
  readonly whens: readonly (readonly [ExprNode, ExprNode])[];
  readonly otherwise?: ExprNode;
  readonly type: SqlType;
}

export const caseFields = declare<CaseNode>({ whens: { list: { tuple: ["child", "child"] } }, otherwise: optionalChild, type: "type" });
