import type { QueryNode } from "./index.js";

/** A common table expression, referenced by name and emitted once in the WITH clause. */
export interface CteNode {
  readonly kind: "cte";
  readonly name: string;
  /** Holds a thunk so a recursive member can reference the CTE being defined. */
  readonly query: () => QueryNode;
  readonly recursive: boolean;
  readonly columnNames: readonly string[];
}
