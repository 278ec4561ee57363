// GROUP BY expressions that carry values. PostgreSQL matches a SELECT-list, HAVING or ORDER BY
// expression to a grouped one by its tree, and two placeholders are two different parameters:
// `coalesce(x, $1)` in the SELECT list is not `coalesce(x, $2)` in GROUP BY. So the builder makes an
// expression equal to a grouped one (values included) the very same node; the compiler gives a bind
// node one placeholder wherever it appears, and the statement's shape key records the sharing, so a
// cached compile never serves a statement whose values differ.
import type { ExprNode, Node, OrderNode, SelectNode } from "./nodes/index.js";
import { mapChildren, sameNode } from "./structure.js";
import { eachChild } from "./traverse.js";

function hasBind(n: Node): boolean {
  if (n.kind === "bind") return true;
  let found = false;
  eachChild(n, (c) => {
    if (!found && hasBind(c)) found = true;
  });
  return found;
}

/** `n` with every subtree equal to one of `grouped` replaced by that node (subqueries left alone). */
function share<N extends Node>(n: N, grouped: readonly ExprNode[]): N | ExprNode {
  // Already a grouped node: kept whole. Descending into it could swap a value inside it for an
  // equal grouped value node, making it a different tree from the one in GROUP BY.
  if (grouped.some((g) => g === n)) return n;
  for (const g of grouped) if (sameNode(n, g)) return g;
  if (n.kind === "select" || n.kind === "compound") return n;
  return mapChildren(n, (c) => share(c, grouped));
}

/** The select with expressions equal to a grouped one that carries values made that same node. */
export function shareGrouped(q: SelectNode): SelectNode {
  const grouped = q.groupBy.filter(hasBind);
  if (grouped.length === 0) return q;
  const items = q.items.map((i) => {
    const expr = share(i.expr, grouped) as ExprNode;
    return expr === i.expr ? i : { ...i, expr };
  });
  const orderBy = q.orderBy.map((o): OrderNode => {
    const expr = share(o.expr, grouped) as ExprNode;
    return expr === o.expr ? o : { ...o, expr };
  });
  const having = q.having && (share(q.having, grouped) as ExprNode);
  return { ...q, items, orderBy, having };
}
