// Genuine differences between the engines' SQL semantics that Arbor does not paper over. This is the
// one list of them: the generator (gen.ts) and the comparator (compare.ts) avoid or normalise exactly
// these, each where it is named, and nothing else.
export const DIFFERENCES = {
  collation: {
    reason:
      "Text order and equality follow the database collation (PostgreSQL's datcollate, MariaDB's column collation, SQLite's BINARY); " +
      "the suites create MariaDB databases as utf8mb4_nopad_bin and run PostgreSQL under C.UTF-8, which agree on ASCII. " +
      "Texts are therefore lower-case ASCII without trailing spaces (PAD SPACE collations would ignore them).",
    texts: ["", "a", "ab", "b", "ba", "abc"] as readonly string[],
  },
  division: {
    reason:
      "x / 0 and x % 0 raise on PostgreSQL and are NULL elsewhere (Expr.div): `/` and `%` divide by a non-zero literal only. Integer division " +
      "truncates on every engine; a decimal remainder is exact with the larger scale and the dividend's sign; a decimal quotient, see decimalQuotient.",
  },
  decimalQuotient: {
    reason:
      "A quotient of decimals has each engine's own scale (PostgreSQL at least 16 significant digits, MariaDB the dividend's scale + div_precision_increment (4), " +
      "SQLite a double; Expr.div): quotients divide a decimal by a non-zero literal (2, 3, -4, 0.30, -1.50), whose exact quotient never lies on a rounding " +
      "boundary at the places compared (a power of two divides exactly, a multiple of 3 leaves a repeating 3 or 6), are only selected (never compared, " +
      "grouped or ordered, where the engines' different digits would decide) and are compared rounded to this many places.",
    places: 4,
  },
  decimalScales: {
    reason:
      "PostgreSQL keeps each value's own scale where a column mixes numerics of different scales (CASE, COALESCE, UNION of numeric(10, 2) and numeric(20, 4) " +
      "give 0.10 in one row and 0.0225 in the next; MariaDB pads all to the larger): the branches of a CASE or COALESCE and the columns of a compound " +
      "have one decimal type. Comparisons, IN and BETWEEN mix them freely, and so do + and - (whose results have the larger scale on every engine).",
  },
  averagePrecision: {
    reason:
      "avg() is a DECIMAL with div_precision_increment (4) more digits on MariaDB, a numeric with up to 16+ digits on PostgreSQL and a double on SQLite: " +
      "Arbor types it double, and averages agree within 10^-places (MariaDB's rounding) plus a relative error of `relative` (a double's rounding); " +
      "compared rounded to fixed places instead, an exact average on a rounding boundary split the engines (compare.ts: sameAverage).",
    places: 4,
    relative: 1e-12,
  },
  mariadbConstantWindowOrder: {
    reason:
      "MariaDB 10.11 ranks wrongly when one window of a SELECT orders only by constants and another by an expression " +
      "(plain SQL: `rank() OVER (ORDER BY (NULL) IS NULL, NULL), rank() OVER (ORDER BY CASE WHEN NULL = id THEN NULL ELSE id END DESC)` " +
      "gives 1 to id 2 instead of id 7): every window ORDER BY key mentions a column.",
  },
  unorderedRows: {
    reason:
      "Without an ORDER BY that ends in a unique key, row order is unspecified: such results are compared as multisets, and LIMIT/OFFSET only follow a total order.",
  },
} as const;
