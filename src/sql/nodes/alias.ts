import type { TableNode } from "./index.js";

/** A table under another name: `FROM employee AS manager`. */
export interface AliasNode {
  readonly kind: "alias";
  readonly name: string;
  readonly table: TableNode;
}
