// How tightly each expression binds, for parenthesising operands. The levels follow PostgreSQL's
// table; dialects whose grammar differs re-rank a node (`Compiler.precedence`). Every predicate (a
// comparison, IS, LIKE, IN, BETWEEN) shares one non-associative level: the engines disagree on how
// those combine (PostgreSQL refuses `a = b <> c` and reads `a = b IS NULL` as `(a = b) IS NULL`,
// MariaDB reads `a = b BETWEEN …` as `(a = b) BETWEEN …`), so one predicate inside another is always
// parenthesised, which every engine reads the same way.
import type { ExprNode } from "./nodes/index.js";

export const Level = {
  OR: 10,
  AND: 20,
  NOT: 30,
  /** Comparisons, IS [NOT] [NULL], [NOT] LIKE/ILIKE, [NOT] IN, [NOT] BETWEEN: non-associative. */
  PREDICATE: 40,
  /** `||` on PostgreSQL ("any other operator": looser than + and -). */
  CONCAT: 50,
  ADD: 60,
  MUL: 70,
  /** Unary minus. */
  NEGATE: 90,
  /** Columns, placeholders, calls, CASE, CAST, parenthesised subqueries, tuples. */
  ATOM: 100,
} as const;

/** The level of `n` as the shared grammar prints it. `inline`: values are written as literals (DDL). */
export function defaultPrecedence(n: ExprNode, inline: boolean): number {
  switch (n.kind) {
    case "binary":
      switch (n.op) {
        case "+":
        case "-":
          return Level.ADD;
        case "*":
        case "/":
        case "%":
          return Level.MUL;
        case "||":
          return Level.CONCAT;
        default:
          return Level.PREDICATE;
      }
    case "unary":
      return n.op === "NOT" ? Level.NOT : n.op === "-" ? Level.NEGATE : Level.PREDICATE;
    case "logical":
      // No items prints the constant `1 = 1` / `1 = 0`.
      return n.items.length === 0 ? Level.PREDICATE : n.items.length === 1 ? defaultPrecedence(n.items[0], inline) : n.op === "OR" ? Level.OR : Level.AND;
    case "in":
    case "between":
      return Level.PREDICATE;
    case "exists":
      return n.negate ? Level.NOT : Level.ATOM;
    case "label":
      return defaultPrecedence(n.expr, inline);
    case "bind":
      // A negative literal must not follow a unary minus (`--3` opens a comment).
      return inline ? Level.NEGATE : Level.ATOM;
    case "raw":
      // Text of unknown grammar binds as loosely as anything; a bare interpolation is its value.
      return n.strings.every((s) => s === "") && n.values.length <= 1 ? Level.ATOM : 0;
    default:
      return Level.ATOM;
  }
}

/**
 * Whether an operand of level `child` needs parentheses under an operator of level `parent`.
 * Operators are left-associative, so an equal level on the right is parenthesised; predicates are
 * non-associative, so a predicate under a predicate always is.
 */
export function needsParens(child: number, parent: number, right: boolean): boolean {
  return child < parent || (child === parent && (right || parent === Level.PREDICATE));
}
