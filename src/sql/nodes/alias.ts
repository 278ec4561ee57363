import type { TableNode } from "./index.js";
import { declare } from "./fields.js";

/** A table under another name: `FROM employee AS manager`. */
export interface AliasNode {
  readonly kind: "alias";
  readonly name: string;
  readonly table: TableNode;
}

export const aliasFields = declare<AliasNode>({ name: "name", table: "ref" });
