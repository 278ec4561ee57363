/** A quoted identifier (`sql.id("schema", "table")`). */
export interface IdentifierNode {
  readonly kind: "identifier";
  readonly parts: readonly string[];
}
