import { declare } from "./fields.js";
/** A quoted identifier (`sql.id("schema", "table")`). */
export interface IdentifierNode {
  readonly kind: "identifier";
  readonly parts: readonly string[];
}

export const identifierFields = declare<IdentifierNode>({ parts: { list: "name" } });
