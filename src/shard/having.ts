// HAVING evaluated on merged groups, for the logic and comparisons whose SQL meaning JavaScript
// reproduces exactly (three-valued AND/OR/NOT, IS [NOT] NULL, typed comparisons); anything else
// is refused before a statement runs.
import { NotSupportedError } from "../errors.js";
import type { ExprNode, Node } from "../sql/nodes/index.js";
import { sameNode } from "../sql/structure.js";
import type { Compare } from "./compare.js";

type Row = Record<string, unknown>;

/**
 * Structural equality of expressions, as every kind declares its fields (sql/structure.ts): types
 * included, columns by name and source, values by value.
 */
export function sameExpr(a: Node, b: Node): boolean {
  return sameNode(a, b);
}

type Tri = boolean | null;

export interface HavingRefs {
  readonly aggregates: { key: string; expr: Node }[];
  readonly groups: { key: string; expr: ExprNode }[];
}

function value(e: ExprNode, row: Row, refs: HavingRefs): unknown {
  const n = e.kind === "label" ? e.expr : e;
  if (n.kind === "bind") return n.value;
  const agg = refs.aggregates.find((a) => a.expr === n) ?? refs.aggregates.find((a) => sameExpr(a.expr, n));
  if (agg) return row[agg.key];
  const g = refs.groups.find((x) => sameExpr(x.expr, n));
  if (g) return row[g.key];
  throw new NotSupportedError(`HAVING refers to a ${n.kind} that cannot be evaluated after merging shards: compare aggregates and grouped columns with values`);
}

export function evaluateHaving(e: ExprNode, row: Row, refs: HavingRefs, compare: Map<Node, Compare>): Tri {
  switch (e.kind) {
    case "logical": {
      const vs = e.items.map((i) => evaluateHaving(i, row, refs, compare));
      if (e.op === "AND") return vs.includes(false) ? false : vs.includes(null) ? null : true;
      return vs.includes(true) ? true : vs.includes(null) ? null : false;
    }
    case "unary": {
      if (e.op === "NOT") {
        const v = evaluateHaving(e.operand, row, refs, compare);
        return v === null ? null : !v;
      }
      if (e.op === "IS NULL" || e.op === "IS NOT NULL") {
        const v = value(e.operand, row, refs);
        return (v === null || v === undefined) === (e.op === "IS NULL");
      }
      break;
    }
    case "binary": {
      const cmp = compare.get(e);
      if (!cmp) break;
      const a = value(e.left, row, refs),
        b = value(e.right, row, refs);
      if (a === null || a === undefined || b === null || b === undefined) return null;
      const c = cmp(a, b);
      switch (e.op) {
        case "=":
          return c === 0;
        case "<>":
          return c !== 0;
        case "<":
          return c < 0;
        case "<=":
          return c <= 0;
        case ">":
          return c > 0;
        case ">=":
          return c >= 0;
      }
      break;
    }
  }
  throw new NotSupportedError(`HAVING with ${e.kind === "binary" || e.kind === "unary" ? e.op : e.kind} cannot be evaluated after merging shards`);
}
