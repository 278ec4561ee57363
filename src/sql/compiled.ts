import type { CompoundNode, ExprNode, SelectNode, StatementNode } from "./nodes/index.js";
import type { SqlType, ValueSite } from "./types.js";

/**
 * A parameter position: a value the statement holds, already checked against its type (a custom
 * type's value converted to its stored form), with the stored type the engine encodes it as for
 * its driver when the statement runs; or a named `param()`, given, checked and encoded at execution.
 */
export type ParamSlot = { readonly value: unknown; readonly type: SqlType } | { readonly name: string; readonly type: SqlType; readonly site?: ValueSite };

/** A column of the result: its row key, declared type and the expression it came from. */
export interface ResultColumn {
  readonly key: string;
  readonly type: SqlType;
  readonly expr: ExprNode;
}

export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly ParamSlot[];
  /**
   * Result columns for SELECT and RETURNING, empty for other statements; null for raw SQL,
   * whose rows are keyed by the names the engine reports.
   */
  readonly columns: readonly ResultColumn[] | null;
  /** Things worth a developer's attention, e.g. a nested correlation without an index. */
  readonly warnings: readonly string[];
}

/**
 * The result columns of a statement. Cheap, and independent of compiling: a cached compile takes
 * them from the statement it serves, so expression identities (`result.get(row, expr)`) are its own.
 */
export function resultColumns(node: StatementNode): ResultColumn[] | null {
  if (node.kind === "raw") return null;
  const items = node.kind === "select" ? node.items : node.kind === "compound" ? firstSelect(node).items : node.returning;
  return items.map((i) => ({ key: i.key, type: i.expr.type, expr: i.expr }));
}

function firstSelect(n: CompoundNode): SelectNode {
  const q = n.queries[0];
  return q.kind === "select" ? q : firstSelect(q);
}
