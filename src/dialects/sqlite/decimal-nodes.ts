// How the SQLite compiler spells decimal operations exactly (see decimal.ts for the functions and
// why): each function returns the node to compile instead, or undefined to leave `n` as it is.
import { NotSupportedError } from "../../errors.js";
import type { BetweenNode, BinaryNode, CastNode, ExprNode, FuncNode, InNode, OrderNode, UnaryNode } from "../../sql/nodes/index.js";
import { baseType, timestampPrecision, types, type SqlType } from "../../sql/types.js";
import {
  DECIMAL_ABS,
  DECIMAL_ADD,
  DECIMAL_KEY,
  DECIMAL_MAX,
  DECIMAL_MIN,
  DECIMAL_MUL,
  DECIMAL_MOD,
  DECIMAL_ROUND,
  DECIMAL_FIT,
  DECIMAL_INTEGER,
  DOUBLE_INTEGER,
  DECIMAL_NEG,
  DECIMAL_SUB,
  DECIMAL_SUM,
  DECIMAL_TEXT,
} from "./decimal.js";
import { BOOLEAN_TEXT, TEXT_BOOLEAN, TEXT_DATE, TEXT_INTEGER, TEXT_TIMESTAMP } from "./casts.js";

/** Numbers stored with NUMERIC affinity are exact up to 15 significant digits. */
export const EXACT_DIGITS = 15;

const isNumeric = (t: SqlType) => baseType(t).kind === "numeric";

/** A numeric SQLite holds as a REAL: numeric(p, s) with p ≤ 15. */
export function isNarrow(t: SqlType): boolean {
  const b = baseType(t);
  return b.kind === "numeric" && b.precision !== undefined && b.precision <= EXACT_DIGITS;
}

/** A numeric SQLite holds as TEXT: wider, or unconstrained. */
const isWide = (t: SqlType) => isNumeric(t) && !isNarrow(t);

const INTEGERS = new Set(["integer", "smallint", "bigint"]);

function call(name: string, args: readonly ExprNode[], type: SqlType, from?: FuncNode): FuncNode {
  return { distinct: false, orderBy: [], ...from, kind: "func", name, args, type };
}

const key = (e: ExprNode): ExprNode => call(DECIMAL_KEY, [e], types.text);

const COMPARISONS = new Set(["=", "<>", "<", "<=", ">", ">="]);
const ARITHMETIC: Readonly<Record<string, string>> = { "+": DECIMAL_ADD, "-": DECIMAL_SUB, "*": DECIMAL_MUL, "%": DECIMAL_MOD };

/**
 * A wide result as TEXT with its type's scale. The functions return a REAL when their inputs were
 * REALs (numeric(10, 2) × numeric(10, 2) is a numeric(20, 4) holding the REAL 0.02) and TEXT with the
 * inputs' scales otherwise, while wide columns and values are TEXT with their scale ("0.0200"):
 * DISTINCT, GROUP BY, PARTITION BY and set operations compare stored values, not sort keys, and
 * kept the two apart.
 */
function canonical(e: FuncNode): ExprNode {
  const t = baseType(e.type);
  if (!isWide(t) || t.scale === undefined) return e;
  return call(DECIMAL_TEXT, [e, { kind: "raw", strings: [String(t.scale)], values: [], type: types.integer }], e.type);
}

export function decimalBinary(n: BinaryNode): ExprNode | undefined {
  const l = baseType(n.left.type);
  const r = baseType(n.right.type);
  const exact = (isNumeric(l) || isNumeric(r)) && [l, r].every((t) => t.kind === "numeric" || INTEGERS.has(t.kind));
  const fn = exact ? ARITHMETIC[n.op] : undefined;
  if (fn !== undefined) return canonical(call(fn, [n.left, n.right], n.type));
  // A quotient of decimals is a double on SQLite (Expr.div). A narrow numeric holding a whole number
  // is stored as an INTEGER (NUMERIC affinity), and INTEGER / INTEGER truncates: 7.00 / 2.00 gave 3.
  if (exact && n.op === "/") return { ...n, left: { kind: "cast", expr: n.left, type: types.double } };
  // Wide numerics are TEXT, which SQLite compares as text: compare sort keys instead.
  if (COMPARISONS.has(n.op) && (isWide(l) || isWide(r))) return { ...n, left: key(n.left), right: key(n.right) };
  return undefined;
}

export function decimalUnary(n: UnaryNode): ExprNode | undefined {
  return n.op === "-" && isWide(n.operand.type) ? call(DECIMAL_NEG, [n.operand], n.type) : undefined;
}

const DOUBLES = new Set(["real", "double"]);
const TEXTS = new Set(["text", "varchar"]);
const BITS: Record<string, number> = { smallint: 16, integer: 32, bigint: 64 };

export function decimalFunc(n: FuncNode): FuncNode | undefined {
  // round(x, d) of a decimal or a double rounds its decimal value (SQLite's works on the binary double).
  if (n.name.toLowerCase() === "round" && n.args.length === 2) {
    const k = baseType(n.args[0].type).kind;
    return k === "numeric" || DOUBLES.has(k) ? { ...n, name: DECIMAL_ROUND } : undefined;
  }
  if (n.args.length !== 1) return undefined;
  const name = n.name.toLowerCase();
  const arg = n.args[0].type;
  // sum() of a numeric adds exactly instead of in doubles, for narrow numerics too.
  if (name === "sum" && isNumeric(arg)) return { ...n, name: DECIMAL_SUM };
  if (!isWide(arg)) return undefined;
  if (name === "min" || name === "max") return { ...n, name: name === "min" ? DECIMAL_MIN : DECIMAL_MAX };
  if (name === "abs") return { ...n, name: DECIMAL_ABS };
  return undefined;
}

export function decimalIn(n: InNode): InNode | undefined {
  if (!Array.isArray(n.values)) {
    if (isWide(n.expr.type))
      throw new NotSupportedError("SQLite compares numerics wider than 15 digits as text: IN (SELECT …) over one is refused; use EXISTS with a comparison");
    return undefined;
  }
  const values = n.values as readonly ExprNode[];
  if (!isWide(n.expr.type) && !values.some((v) => isWide(v.type))) return undefined;
  return { ...n, expr: key(n.expr), values: values.map(key) };
}

export function decimalBetween(n: BetweenNode): BetweenNode | undefined {
  if (![n.expr, n.low, n.high].some((e) => isWide(e.type))) return undefined;
  return { ...n, expr: key(n.expr), low: key(n.low), high: key(n.high) };
}

export function decimalOrder(n: OrderNode): OrderNode | undefined {
  return isWide(n.expr.type) ? { ...n, expr: key(n.expr) } : undefined;
}

/**
 * numeric(p ≤ 15) is a REAL, which CAST prints without its scale (2.5 for 2.50). better-sqlite3
 * binds every JS number as a REAL, so an integer expression holding one is a REAL too (CAST of
 * value(-3) printed "-3.0"): it goes through INTEGER first.
 */
export function decimalCast(n: CastNode): ExprNode | undefined {
  const from = baseType(n.expr.type);
  const to = baseType(n.type);
  // SQLite's CAST truncates a REAL to an integer and leaves a NUMERIC(p, s) unrounded: round as
  // PostgreSQL and MariaDB do instead.
  const lit = (k: number): ExprNode => ({ kind: "raw", strings: [String(k)], values: [], type: types.integer });
  if (TEXTS.has(from.kind)) {
    // SQLite reads a text's numeric prefix ('4x' is 4, 'true' is 0): parse it as PostgreSQL does.
    if (INTEGERS.has(to.kind)) return call(TEXT_INTEGER, [n.expr, lit(BITS[to.kind])], n.type);
    if (to.kind === "boolean") return call(TEXT_BOOLEAN, [n.expr], n.type);
    if (to.kind === "date") return call(TEXT_DATE, [n.expr], n.type);
    if (to.kind === "timestamp" || to.kind === "timestamptz")
      return call(TEXT_TIMESTAMP, [n.expr, lit(to.kind === "timestamptz" ? 1 : 0), lit(timestampPrecision(to))], n.type);
  }
  if (from.kind === "boolean" && TEXTS.has(to.kind)) return call(BOOLEAN_TEXT, [n.expr], n.type);
  // Into the target's own range, as PostgreSQL (SQLite's INTEGER is 64 bits whatever the target).
  if (INTEGERS.has(to.kind) && from.kind === "numeric") return call(DECIMAL_INTEGER, [n.expr, lit(BITS[to.kind])], n.type);
  if (INTEGERS.has(to.kind) && DOUBLES.has(from.kind)) return call(DOUBLE_INTEGER, [n.expr, lit(BITS[to.kind])], n.type);
  if (INTEGERS.has(to.kind) && INTEGERS.has(from.kind) && BITS[from.kind] > BITS[to.kind]) return call(DOUBLE_INTEGER, [n.expr, lit(BITS[to.kind])], n.type);
  if (
    to.kind === "numeric" &&
    to.precision !== undefined &&
    (from.kind === "numeric" || DOUBLES.has(from.kind) || INTEGERS.has(from.kind) || TEXTS.has(from.kind))
  ) {
    return call(DECIMAL_FIT, [n.expr, lit(to.scale ?? 0), lit(to.precision)], n.type);
  }
  if (to.kind !== "text") return undefined;
  if (INTEGERS.has(from.kind) && n.expr.kind !== "cast") return { ...n, expr: { kind: "cast", expr: n.expr, type: from } };
  if (!isNarrow(from)) return undefined;
  const scale: ExprNode = { kind: "raw", strings: [String(from.scale ?? 0)], values: [], type: types.integer };
  return call(DECIMAL_TEXT, [n.expr, scale], n.type);
}
