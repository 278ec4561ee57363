// An unconstrained numeric value as MariaDB/MySQL binds it. A decimal sent as a string is read as
// a DOUBLE in arithmetic and comparisons (17 significant digits), and an unconstrained numeric has
// no DECIMAL(p, s) of its own to be cast to: the dialect encodes it as an `ExactDecimal`, which the
// adapter sends as a DECIMAL parameter, so the server computes with the value's own digits and
// scale, as PostgreSQL does with a numeric. A value DECIMAL cannot hold exactly is refused.
import { InvalidValueError, describeValue } from "../../errors.js";

/** The most digits a DECIMAL holds, and the most after the point (MySQL's and MariaDB's shared limit). */
export const DECIMAL_MAX_DIGITS = 65;
export const DECIMAL_MAX_SCALE = 30;

/**
 * A checked decimal text that a MariaDB/MySQL driver adapter binds as a DECIMAL parameter (mysql2:
 * `TypedParameter.NEWDECIMAL(text)`), never as a string: what the dialect's `encode` makes of an
 * unconstrained numeric value.
 */
export class ExactDecimal {
  constructor(readonly text: string) {}
  /** Logged statements show the value itself. */
  toJSON(): string {
    return this.text;
  }
}

/**
 * A NULL that the adapter binds with its type (a DECIMAL or a BIGINT parameter). An untyped NULL
 * parameter makes the arithmetic around it a DOUBLE, and with it every row of a CASE or UNION it
 * appears in: CASE WHEN … THEN d * NULL ELSE 0.15 * 0.15 END read 0.0225 as a double.
 */
export class TypedNull {
  constructor(readonly kind: "decimal" | "bigint") {}
  toJSON(): null {
    return null;
  }
}

const DECIMAL_RE = /^[+-]?0*(\d*?)(?:\.(\d+))?$/;

/**
 * `text` (a numeric value already checked: digits, an optional sign and fraction) as an
 * ExactDecimal, or InvalidValueError when a DECIMAL would round it.
 */
export function exactDecimal(text: string): ExactDecimal {
  const m = DECIMAL_RE.exec(text);
  const intDigits = m?.[1].length ?? 0;
  const scale = m?.[2]?.length ?? 0;
  if (scale > DECIMAL_MAX_SCALE || intDigits + scale > DECIMAL_MAX_DIGITS) {
    const why =
      scale > DECIMAL_MAX_SCALE
        ? `${scale} digits after the point, and a DECIMAL holds at most ${DECIMAL_MAX_SCALE}`
        : `${intDigits + scale} digits, and a DECIMAL holds at most ${DECIMAL_MAX_DIGITS}`;
    throw new InvalidValueError(`Invalid value ${describeValue(text)} for an unconstrained numeric on MariaDB/MySQL: ${why}; it would be rounded`, {
      value: text,
    });
  }
  return new ExactDecimal(text);
}
