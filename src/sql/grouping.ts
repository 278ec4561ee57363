// GROUP BY expressions that carry values. PostgreSQL matches a SELECT-list, HAVING or ORDER BY
// expression to a grouped one by its tree, and two placeholders are two different parameters:
// `coalesce(x, $1)` in the SELECT list is not `coalesce(x, $2)` in GROUP BY. So the builder makes an
// expression equal to a grouped one (values included) the very same node; the compiler gives a bind
// node one placeholder wherever it appears, and the statement's shape key records the sharing, so a
// cached compile never serves a statement whose values differ.
import type { ExprNode, Node, OrderNode, SelectNode } from "./nodes/index.js";
import { eachChild } from "./traverse.js";

const SOURCE_KINDS = new Set(["table", "alias", "derived", "cte"]);

/** Structural equality of two node trees, values included; sources compare by identity. */
export function sameNode(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameNode(x, b[i]));
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  if (typeof ra.kind === "string" && SOURCE_KINDS.has(ra.kind)) return false;
  const keys = Object.keys(ra).filter((k) => ra[k] !== undefined);
  if (keys.length !== Object.keys(rb).filter((k) => rb[k] !== undefined).length) return false;
  return keys.every((k) => sameNode(ra[k], rb[k]));
}

function hasBind(n: Node): boolean {
  if (n.kind === "bind") return true;
  let found = false;
  eachChild(n, (c) => {
    if (!found && hasBind(c)) found = true;
  });
  return found;
}

/** `n` with every subtree equal to one of `grouped` replaced by that node (subqueries left alone). */
function share(n: ExprNode, grouped: readonly ExprNode[]): ExprNode {
  for (const g of grouped) if (g !== n && sameNode(n, g)) return g;
  const s = (e: ExprNode): ExprNode => share(e, grouped);
  const list = (es: readonly ExprNode[]): ExprNode[] | undefined => {
    const out = es.map(s);
    return out.some((e, i) => e !== es[i]) ? out : undefined;
  };
  switch (n.kind) {
    case "binary": {
      const left = s(n.left);
      const right = s(n.right);
      return left === n.left && right === n.right ? n : { ...n, left, right };
    }
    case "unary": {
      const operand = s(n.operand);
      return operand === n.operand ? n : { ...n, operand };
    }
    case "cast":
    case "label": {
      const expr = s(n.expr);
      return expr === n.expr ? n : { ...n, expr };
    }
    case "logical": {
      const items = list(n.items);
      return items ? { ...n, items } : n;
    }
    case "func": {
      const args = list(n.args);
      return args ? { ...n, args } : n;
    }
    case "tuple": {
      const items = list(n.items);
      return items ? { ...n, items } : n;
    }
    case "case": {
      const whens = n.whens.map(([c, r]) => [s(c), s(r)] as const);
      const otherwise = n.otherwise && s(n.otherwise);
      const changed = otherwise !== n.otherwise || whens.some(([c, r], i) => c !== n.whens[i][0] || r !== n.whens[i][1]);
      return changed ? { ...n, whens, otherwise } : n;
    }
    case "between": {
      const [expr, low, high] = [s(n.expr), s(n.low), s(n.high)];
      return expr === n.expr && low === n.low && high === n.high ? n : { ...n, expr, low, high };
    }
    case "in": {
      const expr = s(n.expr);
      const values = Array.isArray(n.values) ? (list(n.values as readonly ExprNode[]) ?? n.values) : n.values;
      return expr === n.expr && values === n.values ? n : { ...n, expr, values };
    }
    default:
      return n;
  }
}

/** The select with expressions equal to a grouped one that carries values made that same node. */
export function shareGrouped(q: SelectNode): SelectNode {
  const grouped = q.groupBy.filter(hasBind);
  if (grouped.length === 0) return q;
  const items = q.items.map((i) => {
    const expr = share(i.expr, grouped);
    return expr === i.expr ? i : { ...i, expr };
  });
  const orderBy = q.orderBy.map((o): OrderNode => {
    const expr = share(o.expr, grouped);
    return expr === o.expr ? o : { ...o, expr };
  });
  const having = q.having && share(q.having, grouped);
  return { ...q, items, orderBy, having };
}
