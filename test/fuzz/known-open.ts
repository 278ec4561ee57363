// KNOWN_OPEN: bugs still open on main, each with the exact statement shape the fuzz test keeps out of
// its default run until the fix lands (issue-20 items by number; "new-N" for bugs this test found).
// Remove an entry when its fix is on main: the generator then produces that shape again, and the fuzz
// test proves the fix. `FUZZ_ALL=1` ignores the list.
import type { E, Sel, Stmt } from "./model.js";

export const KNOWN_OPEN: readonly { readonly item: string; readonly shape: string }[] = [
  // Not issue-20 items: found by this test (see the report for reproducers).
];

export function avoided(item: string): boolean {
  return process.env.FUZZ_ALL !== "1" && KNOWN_OPEN.some((k) => k.item === item);
}

const PREDICATE = new Set(["cmp", "in", "inq", "between", "like", "isnull"]);
const BOOLEAN_OP = new Set([...PREDICATE, "exists", "not", "logic"]);

/** Whether an expression's SQL type is known to PostgreSQL without looking at its parameters. */
function typed(e: E): boolean {
  switch (e.k) {
    case "col":
    case "scalar":
      return true;
    case "lit":
      return false;
    case "arith":
    case "concat":
      return typed(e.l) || typed(e.r);
    case "neg":
    case "fn":
      return typed(e.e);
    case "cast":
      return true;
    case "case":
      return e.whens.some(([, v]) => typed(v)) || (e.otherwise !== null && typed(e.otherwise));
    case "coalesce":
      return e.args.some(typed);
    case "agg":
      return e.f === "count" || e.f === "countStar" || e.f === "countDistinct" || (e.e !== null && typed(e.e));
    case "win":
      return e.f === "rowNumber" || e.f === "rank" || e.f === "denseRank" || e.f === "count" || (e.e !== null && typed(e.e));
    default:
      return true; // predicates are boolean
  }
}

type Visit = (e: E, parent: E | null, siblings: readonly E[]) => boolean;

/** Calls `visit` on every expression of the statement with its parent and the operands beside it. */
function some(s: Stmt, visit: Visit): boolean {
  const countSib: E = { k: "col", src: { name: "t", table: "t" }, col: "id", ty: "int" };
  const sel = (q: Sel): boolean =>
    q.items.some((i) => expr(i.e, null, [])) ||
    (q.where !== null && expr(q.where, null, [])) ||
    q.groupBy.some((g) => expr(g, null, [])) ||
    (q.having !== null && expr(q.having, null, [])) ||
    q.order.some((o) => expr(o.e, null, [])) ||
    // LIMIT and OFFSET take an integer, typed by the grammar
    (q.limit !== null && expr(q.limit, null, [countSib])) ||
    (q.offset !== null && expr(q.offset, null, [countSib])) ||
    q.nested.some((n) => n.where !== null && expr(n.where, null, []));
  const expr = (e: E, parent: E | null, siblings: readonly E[]): boolean => {
    if (visit(e, parent, siblings)) return true;
    const kid = (c: E, sibs: readonly E[]) => expr(c, e, sibs);
    switch (e.k) {
      case "col":
      case "lit":
        return false;
      case "arith":
      case "cmp":
      case "concat":
        return kid(e.l, [e.r]) || kid(e.r, [e.l]);
      case "neg":
      case "not":
      case "isnull":
      case "fn":
      case "cast":
        return kid(e.e, []);
      case "logic":
        return e.items.some((i) => kid(i, []));
      case "in":
        return kid(e.e, e.list) || e.list.some((v) => kid(v, [e.e]));
      case "between":
        return kid(e.e, [e.lo, e.hi]) || kid(e.lo, [e.e]) || kid(e.hi, [e.e]);
      case "like":
        return kid(e.e, [e.pattern]) || kid(e.pattern, [e.e]);
      case "case": {
        const results = [...e.whens.map(([, v]) => v), ...(e.otherwise ? [e.otherwise] : [])];
        return (
          e.whens.some(([c]) => kid(c, [])) ||
          results.some((v) =>
            kid(
              v,
              results.filter((x) => x !== v),
            ),
          )
        );
      }
      case "coalesce":
        return e.args.some((a, n) => kid(a, n > 0 ? [e.args[0]] : []));
      case "exists":
        return sel(e.q);
      case "inq":
        return kid(e.e, [e.q.items[0].e]) || sel(e.q);
      case "scalar":
        return sel(e.q);
      case "agg":
        return (e.e !== null && kid(e.e, [])) || (e.filter !== null && kid(e.filter, []));
      case "win":
        return (e.e !== null && kid(e.e, [])) || e.part.some((p) => kid(p, [])) || e.order.some((o) => kid(o.e, []));
    }
  };
  return s.k === "select" ? sel(s) : sel(s.left) || sel(s.right);
}

/** The KNOWN_OPEN items whose shape the statement has (only items still avoided). */
export function knownOpenHits(s: Stmt): string[] {
  const hits: string[] = [];
  if (avoided("20.4") && some(s, (e, p) => (p !== null && PREDICATE.has(p.k) && BOOLEAN_OP.has(e.k)) || (p?.k === "neg" && (e.k === "neg" || e.k === "arith"))))
    hits.push("20.4");
  // Several siblings of different PostgreSQL types (sum() is bigint) leave it "inconsistent types deduced".
  const mixed = (sibs: readonly E[]) => sibs.length > 1 && sibs.some((x) => x.k === "scalar" || x.k === "agg" || x.k === "win");
  if (avoided("20.5") && some(s, (e, p, sibs) => e.k === "lit" && !(p?.k === "like") && (!(p !== null && p.k !== "case" && sibs.some(typed)) || mixed(sibs))))
    hits.push("20.5");
  return hits;
}
