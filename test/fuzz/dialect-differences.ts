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
  likeCase: {
    reason: "SQLite's LIKE ignores ASCII case, PostgreSQL's and MariaDB's binary LIKE do not: LIKE only sees lower-case text (never upper()).",
  },
  division: {
    reason:
      "x / 0 and x % 0 raise on PostgreSQL and are NULL elsewhere, and decimal quotients get a different scale per engine (Expr.div documents both): " +
      "`/` and `%` only divide integers, by a non-zero integer literal (integer division truncates on every engine).",
  },
  decimalProduct: {
    reason:
      "Not an engine difference any more (a product of decimals has the sum of their scales on every engine, exact on SQLite too), but a limit of the oracle, " +
      "which holds every decimal at scale 2: decimals are only added, subtracted and negated here, and products and remainders are checked against " +
      "BigInt arithmetic on every engine in test/sql/decimal-product.test.ts.",
  },
  averagePrecision: {
    reason:
      "avg() is a DECIMAL with div_precision_increment (4) more digits on MariaDB, a numeric with up to 16+ digits on PostgreSQL and a double on SQLite: " +
      "Arbor types it double, and averages are compared to 4 decimal places.",
    places: 4,
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
