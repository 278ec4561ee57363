import type { ExprNode } from "./nodes/index.js";
import type { SqlType, ValueSite } from "./types.js";

/** A parameter position: a value fixed at compile time, or a named `param()` given at execution. */
export type ParamSlot =
  | { readonly value: unknown }
  | { readonly name: string; readonly type: SqlType; readonly site?: ValueSite };

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
