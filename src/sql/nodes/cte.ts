import type { QueryNode } from "./index.js";
import { declare } from "./fields.js";

/** A common table expression, referenced by name and emitted once in the WITH clause. */
export interface CteNode {
  readonly kind: "cte";
  readonly name: string;
  /** Holds a thunk so a recursive member can reference the CTE being defined. */
  readonly query: () => QueryNode;
  readonly recursive: boolean;
  readonly columnNames: readonly string[];
}

export const cteFields = declare<CteNode>({ name: "name", query: "lazy", recursive: "name", columnNames: { list: "name" } });
