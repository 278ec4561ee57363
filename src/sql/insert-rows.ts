// The VALUES rows of an INSERT, whichever form holds them (a node per value, or checked cells;
// nodes/insert.ts): counted, sliced, picked and read without the caller caring which.
import { siteOf } from "./expression.js";
import type { ExprNode, InsertNode } from "./nodes/index.js";

/** How many VALUES rows `n` has. */
export function rowCount(n: InsertNode): number {
  const cells = n.cells;
  if (cells === undefined) return n.rows.length;
  return n.columns.length === 0 ? 0 : cells.length / n.columns.length;
}

/** `n` with only its rows `from` to `to` (exclusive). */
export function sliceRows(n: InsertNode, from: number, to: number): InsertNode {
  const cells = n.cells;
  if (cells === undefined) return { ...n, rows: n.rows.slice(from, to) };
  const width = n.columns.length;
  return { ...n, cells: cells.slice(from * width, to * width) };
}

/** `n` with only the rows at `indexes`, in that order. */
export function pickRows(n: InsertNode, indexes: readonly number[]): InsertNode {
  const cells = n.cells;
  if (cells === undefined) return { ...n, rows: indexes.map((i) => n.rows[i]) };
  const width = n.columns.length;
  const out: unknown[] = [];
  for (let k = 0; k < indexes.length; k++) for (let j = 0, at = indexes[k] * width; j < width; j++) out.push(cells[at + j]);
  return { ...n, cells: out };
}

/** The expression row `i` gives column `j`: a checked cell as the bind node `values()` would have made. */
export function cellNode(n: InsertNode, i: number, j: number): ExprNode {
  const cells = n.cells;
  if (cells === undefined) return n.rows[i][j];
  const column = n.columns[j];
  return { kind: "bind", value: cells[i * n.columns.length + j], type: column.type, site: siteOf(column) };
}
