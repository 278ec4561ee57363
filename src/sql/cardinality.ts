// What a statement's shape says about how many rows it can return, for drivers that answer a
// one-row query more cheaply than a many-row one (better-sqlite3's get() against all()).
import type { ColumnNode, ExprNode, StatementNode, TableNode } from "./nodes/index.js";

/**
 * True when the statement returns at most one row whatever its parameters: a SELECT with
 * `LIMIT 1` (or 0), or a SELECT from one table whose WHERE pins every column of its primary key or
 * of a unique key with `column = value` (ANDed with anything else). Conservative: false when unsure.
 */
export function atMostOneRow(node: StatementNode): boolean {
  if (node.kind !== "select") return false;
  const limit = node.limit;
  if (limit?.kind === "bind" && (limit.value === 1 || limit.value === 0)) return true;
  if (node.where === undefined || node.groupBy.length !== 0) return false;
  const pinned = new Set<ColumnNode>();
  collectPinned(node.where, pinned);
  let table: TableNode | undefined;
  for (const c of pinned) {
    if (c.source.kind !== "table" || (table !== undefined && c.source !== table)) return false;
    table = c.source;
  }
  if (table === undefined) return false;
  // The FROM must be that table alone: given explicitly, or inferred from plain columns of it.
  if (node.from.length !== 0) {
    if (node.from.length !== 1 || node.from[0] !== table) return false;
  } else if (!node.items.every((i) => isOwnColumn(i.expr, table))) return false;
  const keys = table.info.uniqueKeys?.() ?? [];
  return keys.some((key) => key.length !== 0 && key.every((c) => pinned.has(c)));
}

/** Columns compared with `=` to a value or parameter in the AND-ed conditions of a WHERE. */
function collectPinned(e: ExprNode, into: Set<ColumnNode>): void {
  if (e.kind === "logical") {
    if (e.op === "AND") for (const item of e.items) collectPinned(item, into);
    return;
  }
  if (e.kind !== "binary" || e.op !== "=") return;
  if (e.left.kind === "column" && isValue(e.right)) into.add(e.left);
  else if (e.right.kind === "column" && isValue(e.left)) into.add(e.right);
}

/** A bound value or named parameter (a literal NULL may compile to IS NULL, which pins nothing). */
function isValue(e: ExprNode): boolean {
  return (e.kind === "bind" && e.value !== null && e.value !== undefined) || e.kind === "param";
}

function isOwnColumn(e: ExprNode, table: TableNode): boolean {
  const inner = e.kind === "label" ? e.expr : e;
  return inner.kind === "column" && inner.source === table;
}
