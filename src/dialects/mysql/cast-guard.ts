// MariaDB's CAST never fails in a SELECT: a value past the target's range is clamped (123.456 AS
// DECIMAL(3, 1) is 99.9, 1e20 AS SIGNED is 2^63 − 1) and a malformed text is read as its longest
// valid prefix ('4x' AS SIGNED is 4) or as NULL ('2024-02-30' AS DATE), each with only a warning,
// which mysql2 does not report. Such casts are compiled as
//   CAST(CASE WHEN <the value would be changed> THEN <an error> ELSE x END AS T)
// so the statement fails where PostgreSQL's would, instead of answering with another value. The
// error is an arithmetic overflow whose text carries REFUSED_CAST (translateError reads it).
// The operand is written, and evaluated, more than once: an operand that changes between
// evaluations (rand()) could pass the check and still be clamped.
import { NotSupportedError } from "../../errors.js";
import type { CastNode, ExprNode } from "../../sql/nodes/index.js";
import { baseType, timestampPrecision, types, type TypeKind } from "../../sql/types.js";

/** What the refusal's error message holds, followed by " to <target type>". */
export const REFUSED_CAST = "arbor: refused cast";

const TEXTS = new Set<TypeKind>(["text", "varchar"]);
const DOUBLES = new Set<TypeKind>(["real", "double"]);
const BITS: Partial<Record<TypeKind, number>> = { smallint: 16, integer: 32, bigint: 64 };

// PostgreSQL's input forms, spaces around allowed (no backslashes or quotes: written as literals).
const INTEGER_TEXT = "^[[:space:]]*[+-]?[0-9]+[[:space:]]*$";
const NUMBER_TEXT = "^[[:space:]]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?[[:space:]]*$";
const DATE_TEXT = "^[[:space:]]*[0-9]{4}-[0-9]{2}-[0-9]{2}[[:space:]]*$";
// A timestamp's offset other than Z is refused: MariaDB's CAST ignores it (10:00+02 read as 10:00 UTC).
const TIMESTAMP_TEXT = "^[[:space:]]*[0-9]{4}-[0-9]{2}-[0-9]{2}([ Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?[Zz]?[[:space:]]*$";
/** TO_DAYS('0001-01-01'): MariaDB reads year 0 and months or days of 0, which no engine stores. */
const FIRST_DAY = 366;

/** MariaDB's largest DECIMAL precision: a check through DECIMAL(65, s) clamps at the same bound as the cast. */
const MAX_PRECISION = 65;

const raw = (strings: string[], values: ExprNode[]): ExprNode => ({ kind: "raw", strings, values, type: types.boolean });
const notMatching = (x: ExprNode, pattern: string): ExprNode => raw(["NOT ((", `) REGEXP '${pattern}')`], [x]);
const or = (a: ExprNode, b: ExprNode): ExprNode => raw(["(", " OR ", ")"], [a, b]);

/**
 * `n` with its operand replaced by `CASE WHEN <would be changed> THEN <error> ELSE x END`, or
 * undefined when MariaDB's CAST gives PostgreSQL's value (or error) for every input. `spelled` is
 * the target as the cast writes it (DECIMAL(3, 1), SIGNED, DATE).
 */
export function guardedCast(n: CastNode, spelled: string): CastNode | undefined {
  const bad = changedBy(n, spelled);
  if (bad === undefined) return undefined;
  const error: ExprNode = { kind: "raw", strings: [`(9223372036854775807 + LENGTH('${REFUSED_CAST} to ${spelled}'))`], values: [], type: types.bigint };
  return { ...n, expr: { kind: "case", whens: [[bad, error]], otherwise: n.expr, type: n.expr.type } };
}

/** Digits before the point an exact operand's value can have once rounded to fewer places (Infinity: unknown). */
function integerDigits(x: ExprNode): number {
  const t = baseType(x.type);
  const bits = BITS[t.kind];
  if (bits !== undefined) return String(2n ** BigInt(bits - 1)).length;
  if (t.precision === undefined) return Number.POSITIVE_INFINITY;
  // 99.96 has two, but rounds to 100.0: a carry can add one.
  return t.precision - (t.scale ?? 0) + 1;
}

/** The condition under which MariaDB's CAST of `n.expr` would clamp or misread it (NULL for NULL). */
function changedBy(n: CastNode, spelled: string): ExprNode | undefined {
  const x = n.expr;
  const from = baseType(x.type).kind;
  const to = baseType(n.type);
  if (to.kind === "numeric" && to.precision !== undefined) {
    const scale = to.scale ?? 0;
    const bound = `1${"0".repeat(to.precision - scale)}`;
    // ROUND of an exact value is exact (half away from zero, as the cast rounds) and never clamps.
    if (from === "numeric" || BITS[from] !== undefined) {
      if (integerDigits(x) <= to.precision - scale) return undefined;
      return raw(["ABS(ROUND(", `, ${scale})) >= ${bound}`], [x]);
    }
    if (!DOUBLES.has(from) && !TEXTS.has(from)) return undefined;
    // A double or a text is rounded as the cast rounds it by a cast to the widest DECIMAL of the
    // scale, which clamps past 10^(65 − scale): beyond any bound below 65 digits, not at 65.
    if (to.precision >= MAX_PRECISION)
      throw new NotSupportedError(
        `MariaDB cannot check a cast of a ${from} to ${spelled} for overflow: cast to a DECIMAL of fewer than ${MAX_PRECISION} digits`,
      );
    const over = raw(["ABS(CAST(", ` AS DECIMAL(${MAX_PRECISION}, ${scale}))) >= ${bound}`], [x]);
    return TEXTS.has(from) ? or(notMatching(x, NUMBER_TEXT), over) : over;
  }
  const bits = BITS[to.kind];
  if (bits !== undefined) {
    const hi = 2n ** BigInt(bits - 1);
    const range = `BETWEEN ${-hi} AND ${hi - 1n}`;
    if (from === "numeric") return raw(["ROUND(", `) NOT ${range}`], [x]);
    const width = BITS[from];
    if (width !== undefined) return width > bits ? raw(["(", `) NOT ${range}`], [x]) : undefined;
    // A double is rounded half to even: hi − 0.5 rounds up to hi (even), -hi − 0.5 to -hi.
    if (DOUBLES.has(from)) {
      const [top, bottom] = bits === 64 ? [`${hi}e0`, `${-hi}e0`] : [`${hi - 1n}.5e0`, `-${hi}.5e0`];
      return raw(["((", `) >= ${top} OR (`, `) < ${bottom})`], [x, x]);
    }
    if (TEXTS.has(from)) return or(notMatching(x, INTEGER_TEXT), raw(["CAST(", ` AS DECIMAL(${MAX_PRECISION}, 0)) NOT ${range}`], [x]));
    return undefined;
  }
  if (DOUBLES.has(to.kind) && TEXTS.has(from)) return notMatching(x, NUMBER_TEXT);
  if ((to.kind === "date" || to.kind === "timestamp" || to.kind === "timestamptz") && TEXTS.has(from)) {
    const [form, as] = to.kind === "date" ? [DATE_TEXT, "DATE"] : [TIMESTAMP_TEXT, "DATETIME(6)"];
    const invalid = or(notMatching(x, form), raw(["COALESCE(TO_DAYS(CAST(", ` AS ${as})), 0) < ${FIRST_DAY}`], [x]));
    // An invalid date casts to NULL, as NULL does: told apart by the operand itself.
    return raw(["(", ") IS NOT NULL AND ", ""], [x, invalid]);
  }
  return undefined;
}

/**
 * `n` rounding to the target's digits of a second, as PostgreSQL does, where MariaDB's CAST to
 * DATETIME(p) cuts them (10:00:00.9995 AS DATETIME(3) was 10:00:00.999): half a unit of the last
 * digit is added first. Undefined when the operand has no more digits than the target keeps.
 */
export function roundedTimestampCast(n: CastNode): CastNode | undefined {
  const to = baseType(n.type);
  if (to.kind !== "timestamp" && to.kind !== "timestamptz") return undefined;
  const p = timestampPrecision(to);
  const from = baseType(n.expr.type);
  const finer = TEXTS.has(from.kind) || ((from.kind === "timestamp" || from.kind === "timestamptz") && timestampPrecision(from) > p);
  if (!finer || p >= 6) return undefined;
  const half = 5 * 10 ** (5 - p);
  return {
    ...n,
    expr: {
      kind: "raw",
      strings: ["(CAST(", ` AS DATETIME(6)) + INTERVAL ${half} MICROSECOND)`],
      values: [n.expr],
      type: types.timestamp({ precision: 6, mode: "string" }),
    },
  };
}
