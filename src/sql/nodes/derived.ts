import type { QueryNode } from "./index.js";

/** A subquery in FROM: `(SELECT …) AS name`, optionally LATERAL. */
export interface DerivedNode {
  readonly kind: "derived";
  readonly name: string;
  readonly query: QueryNode;
  readonly lateral: boolean;
}
