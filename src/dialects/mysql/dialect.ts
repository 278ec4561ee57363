// MariaDB / MySQL: backtick quoting, ON DUPLICATE KEY UPDATE, no NULLS FIRST/LAST (emulated),
// no FULL JOIN; timestamps as DATETIME(3) holding UTC; JSON as JSON (LONGTEXT on MariaDB).
import { ArborError, NotSupportedError } from "../../errors.js";
import { isIntegerDivision } from "../../sql/compile-expr.js";
import { Compiler } from "../../sql/compiler.js";
import type { BinaryNode, CastNode, ColumnNode, ExprNode, FuncNode, InNode, InsertNode, OrderNode, SelectNode } from "../../sql/nodes/index.js";
import { Level } from "../../sql/precedence.js";
import type { JsonSpelling } from "../../sql/nested-compile.js";
import { baseType, timestampPrecision, types, type SqlType } from "../../sql/types.js";
import {
  bytesToBuffer,
  hexToBytes,
  parseJson,
  withScale,
  toBigInt,
  toBoolean,
  toBytes,
  toNumber,
  toSafeInteger,
  timestampTextDecoder,
  utcTimestampDecoder,
  utcWallClock,
} from "../codecs.js";
import { checkIsolation, type Capabilities, type Decoder, type Dialect, type TypeSite } from "../dialect.js";
import { guardedCast, roundedTimestampCast } from "./cast-guard.js";
import { exactDecimal, TypedNull } from "./decimal.js";
import { mysqlDriver } from "./driver.js";
import { translateMysqlError } from "./errors.js";

/** mysql2 column type codes. */
const T = { TINY: 1, SHORT: 2, LONG: 3, DOUBLE: 5, LONGLONG: 8, INT24: 9, NEWDECIMAL: 246, JSON: 245 } as const;

/**
 * DECIMAL(p, s) for numeric(p, s). There is no unconstrained DECIMAL: numeric() would be
 * DECIMAL(65, 30), which rounds past 30 places and pads "1" to "1.000…0", so it is refused, as are
 * precisions and scales beyond DECIMAL's (65, 30).
 */
function decimalType(type: SqlType): string {
  if (type.precision === undefined)
    throw new NotSupportedError("MariaDB has no unconstrained numeric (DECIMAL(65, 30) rounds to 30 places and pads every value); declare numeric(p, s)");
  const scale = type.scale ?? 0;
  if (type.precision > 65 || scale > 30)
    throw new NotSupportedError(`MariaDB's DECIMAL holds at most 65 digits, 30 after the point; numeric(${type.precision}, ${scale}) does not fit`);
  return `DECIMAL(${type.precision}, ${scale})`;
}

/** Aggregates that ignore NULL inputs, so CASE WHEN filter THEN x END inside them acts as FILTER. */
const NULL_SKIPPING_AGGREGATES = new Set([
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "group_concat",
  "bit_and",
  "bit_or",
  "bit_xor",
  "std",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "var_pop",
  "var_samp",
  "variance",
]);

class MysqlCompiler extends Compiler {
  // JSON_ARRAYAGG takes ORDER BY and LIMIT itself: MariaDB refuses outer references in derived tables.
  protected override readonly json: JsonSpelling = {
    row: "JSON_ARRAY",
    agg: "JSON_ARRAYAGG",
    empty: "JSON_ARRAY()",
    aggregateLimit: true,
    derivedCorrelation: false,
  };
  protected override nestedValue(e: ExprNode): ExprNode {
    switch (baseType(e.type).kind) {
      case "bigint":
      case "numeric":
        return { kind: "cast", expr: e, type: types.text };
      case "bytes":
        return { kind: "func", name: "HEX", args: [e], distinct: false, orderBy: [], type: e.type };
      default:
        return e;
    }
  }
  protected override aggregateBound(e: ExprNode): void {
    // MariaDB takes only integer literals there; LIMIT values were checked to be safe integers.
    if (e.kind === "bind" && Number.isSafeInteger(e.value)) this.write(String(e.value));
    else super.aggregateBound(e);
  }
  protected override castType(type: SqlType): string {
    // CAST accepts only a few target types on MySQL/MariaDB.
    switch (type.kind) {
      case "integer":
      case "smallint":
      case "bigint":
      case "boolean":
        return "SIGNED";
      case "real":
      case "double":
        return "DOUBLE";
      case "numeric":
        return decimalType(type);
      case "date":
        return "DATE";
      case "timestamp":
      case "timestamptz":
        return `DATETIME(${timestampPrecision(type)})`;
      case "bytes":
        return "BINARY";
      default:
        return "CHAR";
    }
  }
  override quote(name: string): string {
    // MariaDB refuses identifiers over 64 characters (aliases over 256): refused here, naming it.
    if (name.length > 64 && [...name].length > 64) throw new NotSupportedError(`MariaDB identifiers hold at most 64 characters: ${JSON.stringify(name)}`);
    return `\`${name.replace(/`/g, "``")}\``;
  }
  /**
   * DDL literals. A backslash escapes the next character in MySQL strings unless the session has
   * NO_BACKSLASH_ESCAPES, so no backslash is written inside quotes: it is spelled CHAR(92) and
   * concatenated, which means the same text in both modes.
   */
  override literal(value: unknown, type: SqlType): string {
    // A numeric is written as the text it was checked as (its encoding, a DECIMAL parameter, is for binding).
    const s = super.literal(value, baseType(type).kind === "numeric" ? types.text : type);
    if (!s.startsWith("'") || !s.includes("\\")) return s;
    const parts = s
      .slice(1, -1)
      .split("\\")
      .map((p) => `'${p}'`);
    return `(CONCAT(${parts.join(", CHAR(92), ")}))`;
  }
  protected override readonly updateFrom = "targets";
  protected override precedence(n: ExprNode): number {
    // `||` is printed as CONCAT(…), a call.
    return n.kind === "binary" && n.op === "||" ? Level.ATOM : super.precedence(n);
  }
  protected override visitCast(n: CastNode): void {
    // A cast to varchar(n) cuts the text to n characters, as PostgreSQL's does (CAST AS CHAR kept it whole).
    const target = baseType(n.type);
    if (target.kind === "varchar" && target.length !== undefined) {
      this.write("LEFT(");
      this.visitCast({ ...n, type: types.text });
      this.write(`, ${target.length})`);
      return;
    }
    const from = baseType(n.expr.type).kind;
    const to = target.kind;
    // A boolean is a TINYINT: it would print 1 and 0; print it as PostgreSQL does. ELT picks by
    // the boolean evaluated once (NULL stays NULL): CASE WHEN x … WHEN NOT x evaluated it twice,
    // and a boolean that is not the same each time (rand() < 0.5) printed neither.
    if (from === "boolean" && (to === "text" || to === "varchar")) {
      this.write("ELT(((");
      this.visit(n.expr);
      this.write(") <> 0) + 1, 'false', 'true')");
      return;
    }
    // CAST('true' AS SIGNED) is 0 with only a warning, and a malformed text would be read as
    // another value alike: refused rather than answered wrongly.
    if (to === "boolean" && (from === "text" || from === "varchar"))
      throw new NotSupportedError("MariaDB/MySQL cannot cast a text to a boolean (CAST('true' AS SIGNED) is 0): compare the text instead");
    // A value the cast would clamp or misread fails the statement instead (cast-guard.ts).
    const guarded = guardedCast(n, this.castType(n.type)) ?? n;
    super.visitCast(roundedTimestampCast(guarded) ?? guarded);
  }
  /**
   * No FILTER clause: an aggregate that skips NULLs gets the condition as a CASE inside it, which
   * yields NULL for the rows the filter drops. Other aggregates would count those NULLs: refused.
   */
  protected override visitFunc(n: FuncNode): void {
    // NOW() keeps whole seconds in the session's zone: UTC_TIMESTAMP(p) at the declared precision.
    if (n.args.length === 0 && n.name.toLowerCase() === "now" && (n.type.kind === "timestamp" || n.type.kind === "timestamptz"))
      return this.write(`UTC_TIMESTAMP(${timestampPrecision(n.type)})`);
    if (!n.filter) return super.visitFunc(n);
    const name = n.name.toLowerCase();
    if (!NULL_SKIPPING_AGGREGATES.has(name) || n.args.length !== 1)
      throw new NotSupportedError(`MariaDB has no FILTER clause, and ${n.name}() with a filter cannot be rewritten without one`);
    const arg = n.args[0];
    const then: ExprNode = arg.kind === "star" ? { kind: "raw", strings: ["1"], values: [], type: types.integer } : arg;
    const guarded: ExprNode = { kind: "case", whens: [[n.filter, then]], type: arg.type };
    super.visitFunc({ ...n, args: [guarded], filter: undefined });
  }
  protected override visitBinary(b: BinaryNode): void {
    const n = exactOperands(b);
    const scale = n.op === "*" ? productScale(n) : 0;
    if (scale > MAX_RESULT_SCALE)
      throw new NotSupportedError(
        `MariaDB keeps at most ${MAX_RESULT_SCALE} decimal places in a product and would cut this one's ${scale} without an error: declare the numerics with smaller scales, or cast the factors to a smaller scale first`,
      );
    if (isIntegerDivision(n)) {
      this.operand(n.left, Level.MUL);
      this.write(" DIV ");
      this.operand(n.right, Level.MUL, true);
      return;
    }
    if (n.op === "||") {
      this.write("CONCAT(");
      this.visit(n.left);
      this.write(", ");
      this.visit(n.right);
      this.write(")");
      return;
    }
    if (n.op === "ILIKE" || n.op === "NOT ILIKE") {
      this.write("LOWER(");
      this.visit(n.left);
      this.write(n.op === "ILIKE" ? ") LIKE LOWER(" : ") NOT LIKE LOWER(");
      this.visit(n.right);
      this.write(")");
      return;
    }
    if (n.op === "%" && baseType(n.type).kind === "numeric") {
      // A DECIMAL remainder can be a negative zero (-1.50 % -1.50 is -0.00), which MariaDB holds
      // unequal to 0 (-0.00 = 0 is false, so 0.0000 NOT IN (-0.00) was true); adding 0 makes it 0.
      this.write("(");
      super.visitBinary(n);
      this.write(" + 0)");
      return;
    }
    super.visitBinary(n);
  }
  /**
   * MariaDB 10.11 answers `x [NOT] IN (…, (SELECT …), …)` wrongly when a list item is a scalar
   * subquery (it plans the item as an IN-subquery: `3 NOT IN ((SELECT NULL …))` came back TRUE in a
   * WHERE). The list is spelled as the `=` / `<>` comparisons it means, which keep SQL's NULL logic.
   */
  protected override visitIn(n: InNode): void {
    // Likewise `(SELECT min(…) …) [NOT] IN (SELECT …)` compared wrongly (-3 IN (SELECT 2) was TRUE);
    // behind COALESCE the left side is a plain value again.
    if (!Array.isArray(n.values) && n.expr.kind === "scalar")
      return super.visitIn({ ...n, expr: { kind: "func", name: "COALESCE", args: [n.expr], distinct: false, orderBy: [], type: n.expr.type } });
    if (!Array.isArray(n.values)) return super.visitIn(n);
    const values = n.values as readonly ExprNode[];
    if (!values.some((v) => v.kind === "scalar")) return super.visitIn(n);
    const items = values.map((v): ExprNode => ({ kind: "binary", op: n.negate ? "<>" : "=", left: n.expr, right: v, type: types.boolean }));
    this.write("(");
    this.visit({ kind: "logical", op: n.negate ? "AND" : "OR", items, type: types.boolean });
    this.write(")");
  }
  protected override visitSelect(n: SelectNode): void {
    super.visitSelect(n.groupBy.some(isIntegerValue) ? { ...n, groupBy: n.groupBy.map(constantKey) } : n);
  }
  protected override visitOrder(o: OrderNode): void {
    const n = isIntegerValue(o.expr) ? { ...o, expr: constantKey(o.expr) } : o;
    // No NULLS FIRST/LAST: sort on "is null" first. MySQL sorts NULLs first ascending.
    const natural = n.direction === "ASC" ? "FIRST" : "LAST";
    if (n.nulls && n.nulls !== natural) {
      this.write("(");
      this.visit(n.expr);
      this.write(n.nulls === "LAST" ? ") IS NULL, " : ") IS NOT NULL, ");
    }
    this.visit(n.expr);
    this.write(n.direction === "DESC" ? " DESC" : " ASC");
  }
  protected override limitOffset(limit: ExprNode | undefined, offset: ExprNode | undefined): void {
    // MySQL accepts OFFSET only after a LIMIT; the largest unsigned 64-bit value means none.
    if (offset && !limit) this.write(" LIMIT 18446744073709551615");
    super.limitOffset(limit, offset);
  }
  protected override visitExcluded(n: ColumnNode): void {
    this.write(`VALUES(${this.quote(n.name)})`);
  }
  protected override onConflict(n: InsertNode): void {
    const oc = n.onConflict!;
    if (oc.where) throw new ArborError("ON DUPLICATE KEY UPDATE takes no WHERE");
    refuseOtherKeys(n);
    this.write(" ON DUPLICATE KEY UPDATE ");
    if (oc.set.length === 0) {
      // DO NOTHING: assign a key column to itself.
      const col = oc.target[0] ?? n.columns[0];
      this.write(`${this.quote(col.name)} = ${this.quote(col.name)}`);
      return;
    }
    this.assignments(oc.set);
  }
  protected override defaultValues(rows: number): void {
    if (rows > 1) super.defaultValues(rows);
    this.write(" () VALUES ()");
  }
}

/**
 * ON DUPLICATE KEY UPDATE fires on whichever unique key the row collides with, where PostgreSQL and
 * SQLite resolve only the target's conflicts and raise on any other key. An upsert whose row could
 * collide on another key (all of its columns are written) would update a row the target never
 * named, so it is refused. A key with a column the INSERT leaves out (an autoincrement key, or a
 * nullable column written as NULL) cannot collide.
 */
function refuseOtherKeys(n: InsertNode): void {
  const target = n.onConflict!.target;
  if (target.length === 0) return;
  const same = (key: readonly ColumnNode[]) => key.length === target.length && key.every((c) => target.some((t) => t.name === c.name));
  const written = new Set(n.columns.map((c) => c.name));
  const other = (n.table.info.uniqueKeys?.() ?? []).find((key) => !same(key) && key.every((c) => written.has(c.name)));
  if (other)
    throw new NotSupportedError(
      `MariaDB/MySQL upsert into ${n.table.info.name} on (${target.map((c) => c.name).join(", ")}): its rows also write the unique key ` +
        `(${other.map((c) => c.name).join(", ")}), and ON DUPLICATE KEY UPDATE would update on a collision there too; ` +
        `leave that key's columns out of the insert or upsert on that key`,
      { table: n.table.info.name },
    );
}

const capabilities: Capabilities = {
  returning: { insert: true, update: false, delete: true },
  upsert: "on-duplicate-key",
  fullJoin: false,
  rightJoin: true,
  nullsOrdering: false,
  ilike: false,
  lateral: false,
  window: true,
  cte: true,
  recursiveCte: true,
  intersectExcept: true,
  alterAddForeignKey: true,
  transactionalDdl: false,
  maxParams: 65535,
};

/**
 * MariaDB returns a negative zero for some DECIMAL results (-2.00 % 1.00 is "-0.00"), which no other
 * engine does and which is not equal to "0.00" as a string: the sign is dropped.
 */
const positiveZero: Decoder = (v) => (typeof v === "string" && v.charCodeAt(0) === 45 && !/[1-9]/.test(v) ? v.slice(1) : v);

export const mysqlDialect: Dialect = {
  name: "mysql",
  capabilities,
  ddl: {
    inlineAutoincrementPk: false,
    dropForeignKey: "FOREIGN KEY",
    tableSuffix: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
    clusteredSuffix: "",
  },
  createCompiler() {
    return new MysqlCompiler(mysqlDialect);
  },
  encode(type, value) {
    switch (type.kind) {
      case "numeric":
        // Sent as a DECIMAL parameter (decimal.ts), never as a string (read as a DOUBLE) nor under
        // CAST(? AS DECIMAL(p, s)), whose products MariaDB 10.11 gets wrong past ~30 digits
        // (CAST(… AS DECIMAL(30, 10)) * CAST(… AS DECIMAL(30, 10)) differs from the same product of columns).
        return exactDecimal(type.scale === undefined ? (value as string) : withScale(value as string, type.scale));
      case "bigint":
        // Bound as a BIGINT parameter by the adapter (driver.ts bindable), never as a string.
        return value;
      case "boolean":
        return value ? 1 : 0;
      case "timestamp":
      case "timestamptz":
        // String mode: checked ISO text in UTC, as the wall clock DATETIME reads.
        return type.mode === "string" ? textWallClock(value as string) : utcWallClock(value as Date);
      case "json":
        return JSON.stringify(value);
      case "bytes":
        return bytesToBuffer(value as Uint8Array);
      default:
        return value;
    }
  },
  encodeNull(type) {
    // Typed, so that arithmetic around it stays DECIMAL or BIGINT (decimal.ts: TypedNull).
    const kind = baseType(type).kind;
    return kind === "numeric" ? DECIMAL_NULL : INTEGER_KINDS.has(kind) ? BIGINT_NULL : null;
  },
  decoder(type, hint, key) {
    switch (type.kind) {
      case "integer":
      case "smallint":
        // sum() of integers is a DECIMAL, and one past 2^53 would round as a number.
        return hint === T.LONG || hint === T.TINY || hint === T.SHORT || hint === T.INT24 ? null : toSafeInteger;
      case "real":
      case "double":
        return hint === T.DOUBLE ? null : toNumber;
      case "bigint":
        return toBigInt;
      case "numeric":
        // DECIMAL columns keep their scale; a decimal arriving as text (a bound value) is given it.
        if (hint === T.NEWDECIMAL) return positiveZero;
        return type.scale === undefined ? String : (v) => withScale(String(v), type.scale!);
      case "boolean":
        return toBoolean;
      case "timestamp":
      case "timestamptz":
        return type.mode === "string" ? timestampTextDecoder(type, key) : utcTimestampDecoder(type.kind, key);
      case "json":
        return parseJson;
      case "bytes":
        return toBytes;
      case "unknown":
        if (hint === T.JSON) return parseJson;
        return hint === T.LONGLONG ? toBigInt : (v) => (v instanceof Uint8Array ? toBytes(v) : v);
      default:
        return null;
    }
  },
  nestedDecoder(type, key) {
    switch (type.kind) {
      case "bigint":
        return toBigInt;
      case "boolean":
        return toBoolean;
      case "timestamp":
      case "timestamptz":
        return type.mode === "string" ? timestampTextDecoder(type, key) : utcTimestampDecoder(type.kind, key);
      case "bytes":
        return hexToBytes;
      default:
        return null;
    }
  },
  typeName(type: SqlType, site: TypeSite) {
    const auto = site.autoincrement ? " AUTO_INCREMENT" : "";
    switch (type.kind) {
      case "integer":
        return "INT" + auto;
      case "smallint":
        return "SMALLINT" + auto;
      case "bigint":
        return "BIGINT" + auto;
      case "real":
      case "double":
        return "DOUBLE";
      case "numeric":
        return decimalType(type);
      case "varchar":
        return type.length === undefined ? (site.keyed ? "VARCHAR(255)" : "TEXT") : `VARCHAR(${type.length})`;
      case "text":
      case "enum":
        return site.keyed || type.kind === "enum" ? "VARCHAR(255)" : "LONGTEXT";
      case "boolean":
        return "BOOLEAN";
      case "date":
        return "DATE";
      case "timestamp":
      case "timestamptz":
        return `DATETIME(${timestampPrecision(type)})`;
      case "uuid":
        return "CHAR(36)";
      case "json":
        // The table's no-pad collation: MariaDB's JSON defaults to utf8mb4_bin, which may not mix with it.
        return "JSON COLLATE utf8mb4_nopad_bin";
      case "bytes":
        return site.keyed ? "VARBINARY(255)" : "LONGBLOB";
      default:
        return "LONGTEXT";
    }
  },
  translateError: translateMysqlError,
  beginStatements(tx) {
    // The characteristics of the next transaction are set before it starts: a transaction in
    // progress refuses SET TRANSACTION.
    const set = tx.isolation === undefined ? [] : [`SET TRANSACTION ISOLATION LEVEL ${checkIsolation(tx.isolation)}`];
    return [...set, tx.readOnly ? "START TRANSACTION READ ONLY" : "BEGIN"];
  },
  createDriver: mysqlDriver,
};

const INTEGER_KINDS: ReadonlySet<string> = new Set(["integer", "smallint", "bigint"]);

const ARITHMETIC: ReadonlySet<string> = new Set(["+", "-", "*", "/", "%"]);

/**
 * Arithmetic of a numeric with an integer expression, the integer cast to SIGNED unless it is a
 * column: mysql2 sends a JS number as a DOUBLE, an integer expression holding one is a DOUBLE, and
 * DECIMAL arithmetic with a DOUBLE is a DOUBLE (10.10 × (2 − j) read -30.299999999999997). Only
 * there: sending every integer as a BIGINT parameter cost the client about 3,500 instructions more
 * per value (mysql2 checks each one with BigInt arithmetic).
 */
function exactOperands(n: BinaryNode): BinaryNode {
  if (!ARITHMETIC.has(n.op)) return n;
  const numeric = (e: ExprNode) => baseType(e.type).kind === "numeric";
  const signed = (e: ExprNode): ExprNode =>
    e.kind !== "column" && e.kind !== "cast" && INTEGER_KINDS.has(baseType(e.type).kind) ? { kind: "cast", expr: e, type: types.bigint } : e;
  const left = numeric(n.right) ? signed(n.left) : n.left;
  const right = numeric(n.left) ? signed(n.right) : n.right;
  return left === n.left && right === n.right ? n : { ...n, left, right };
}

/** A bound integer: GROUP BY ? and ORDER BY ? with a BIGINT parameter name a select-list position. */
const isIntegerValue = (e: ExprNode): boolean => (e.kind === "bind" || e.kind === "param") && INTEGER_KINDS.has(baseType(e.type).kind);

/** The value as an expression (COALESCE(?)), which MariaDB groups or sorts by as the constant it is. */
const constantKey = (e: ExprNode): ExprNode =>
  isIntegerValue(e) ? { kind: "func", name: "COALESCE", args: [e], distinct: false, orderBy: [], type: e.type } : e;
const DECIMAL_NULL = new TypedNull("decimal");
const BIGINT_NULL = new TypedNull("bigint");

/** The most decimal places MariaDB keeps in a computed DECIMAL. */
const MAX_RESULT_SCALE = 38;

/**
 * The decimal places an exact product has (the factors' scales added, as PostgreSQL keeps them).
 * An unconstrained numeric's scale is its value's, unknown when compiling (a cached compile serves
 * other values): it counts as the 30 places such a value may have, so a product of two is refused.
 */
function productScale(e: ExprNode): number {
  if (e.kind === "binary" && e.op === "*") return productScale(e.left) + productScale(e.right);
  if (e.kind === "binary" && (e.op === "+" || e.op === "-")) return Math.max(productScale(e.left), productScale(e.right));
  if (e.kind === "unary" || e.kind === "label") return productScale("operand" in e ? e.operand : e.expr);
  const t = baseType(e.type);
  return t.kind === "numeric" ? (t.scale ?? 30) : 0;
}

/** "2024-01-02T03:04:05.123456Z" → "2024-01-02 03:04:05.123456" (checked text, UTC). */
function textWallClock(s: string): string {
  return `${s.slice(0, 10)} ${s.endsWith("Z") ? s.slice(11, -1) : s.slice(11)}`;
}
