import type { QueryNode } from "./index.js";
import { declare } from "./fields.js";

/** A subquery in FROM: `(SELECT …) AS name`, optionally LATERAL. */
export interface DerivedNode {
  readonly kind: "derived";
  readonly name: string;
  readonly query: QueryNode;
  readonly lateral: boolean;
}

export const derivedFields = declare<DerivedNode>({ name: "name", query: "child", lateral: "name" });
