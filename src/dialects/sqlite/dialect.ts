// SQLite: values stored with type affinities; booleans as 0/1, timestamps as ISO-8601 UTC text,
// numeric as NUMERIC affinity (exact up to 15 digits, formatted to its scale) or TEXT beyond.
import {
  ArborError,
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  ForeignKeyViolationError,
  NotNullViolationError,
  NotSupportedError,
  SerializationError,
  UniqueViolationError,
} from "../../errors.js";
import { isIntegerDivision } from "../../sql/compile-expr.js";
import { Compiler } from "../../sql/compiler.js";
import type { JsonSpelling } from "../../sql/nested-compile.js";
import type { BetweenNode, BinaryNode, CastNode, CompoundNode, ExprNode, FuncNode, InNode, OrderNode, UnaryNode } from "../../sql/nodes/index.js";
import { Level } from "../../sql/precedence.js";
import { baseType, types, type SqlType } from "../../sql/types.js";
import {
  bytesToBuffer,
  hexToBytes,
  isoTimestampDecoder,
  parseJson,
  timestampTextDecoder,
  toBytes,
  toBoolean,
  toExactBigInt,
  toSafeInteger,
  withScale,
} from "../codecs.js";
import { checkIsolation, type Capabilities, type Decoder, type Dialect, type TypeSite } from "../dialect.js";
import { decimalBetween, decimalBinary, decimalCast, decimalFunc, decimalIn, decimalOrder, decimalUnary, EXACT_DIGITS, isNarrow } from "./decimal-nodes.js";
import { scaledText, toScaled } from "./decimal.js";
import { TEXT_LOWER, TEXT_UPPER } from "./text-case.js";
import { BIGINTS, sqliteDriver } from "./driver.js";

class SqliteCompiler extends Compiler {
  protected override readonly json: JsonSpelling = {
    row: "json_array",
    agg: "json_group_array",
    empty: "'[]'",
    aggregateLimit: false,
    derivedCorrelation: true,
  };
  protected override nestedValue(e: ExprNode): ExprNode {
    const fn = (name: string): ExprNode => ({ kind: "func", name, args: [e], distinct: false, orderBy: [], type: e.type });
    switch (baseType(e.type).kind) {
      case "bigint":
        return { kind: "cast", expr: e, type: types.text };
      case "bytes":
        // JSON cannot hold BLOBs; hex(NULL) is '' so NULL is kept apart from an empty blob.
        return {
          kind: "case",
          whens: [
            [
              { kind: "unary", op: "IS NULL", operand: e, type: types.boolean },
              { kind: "raw", strings: ["NULL"], values: [], type: e.type },
            ],
          ],
          otherwise: fn("hex"),
          type: e.type,
        };
      case "json":
      case "nested":
        // Embed as JSON, not as a string holding JSON.
        return fn("json");
      default:
        return e;
    }
  }
  protected override limitOffset(limit: Parameters<Compiler["limitOffset"]>[0], offset: Parameters<Compiler["limitOffset"]>[1]): void {
    // SQLite accepts OFFSET only after a LIMIT; -1 means no limit.
    if (offset && !limit) this.write(" LIMIT -1");
    super.limitOffset(limit, offset);
  }
  /** `||` binds tighter than `*` in SQLite, where PostgreSQL ranks it below `+`. */
  protected override precedence(n: ExprNode): number {
    return n.kind === "binary" && n.op === "||" ? Level.MUL + 5 : super.precedence(n);
  }
  protected override visitFunc(n: FuncNode): void {
    // SQLite has no now(): its 'now' written in the stored form, ISO-8601 UTC to the millisecond.
    if (n.args.length === 0 && n.name.toLowerCase() === "now" && (n.type.kind === "timestamp" || n.type.kind === "timestamptz"))
      return this.write("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    // length() counts characters of text in SQLite, which has no char_length.
    if (n.name === "char_length") return super.visitFunc({ ...n, name: "length" });
    // SQLite's upper()/lower() change only ASCII letters (text-case.ts).
    if (n.name === "upper" || n.name === "lower") return super.visitFunc({ ...n, name: n.name === "upper" ? TEXT_UPPER : TEXT_LOWER });
    super.visitFunc(decimalFunc(n) ?? n);
  }
  protected override visitBinary(n: BinaryNode): void {
    const exact = decimalBinary(n);
    if (exact) return this.visit(exact);
    if (isIntegerDivision(n)) {
      // Bound JS numbers arrive as REAL, which would make 7 / 2 give 3.5.
      this.write("CAST(");
      this.visit(n.left);
      this.write(" AS INTEGER) / CAST(");
      this.visit(n.right);
      this.write(" AS INTEGER)");
      return;
    }
    if (n.op === "ILIKE" || n.op === "NOT ILIKE") {
      this.write(`${TEXT_LOWER}(`);
      this.visit(n.left);
      this.write(n.op === "ILIKE" ? `) LIKE ${TEXT_LOWER}(` : `) NOT LIKE ${TEXT_LOWER}(`);
      this.visit(n.right);
      this.write(") ESCAPE '\\'");
      return;
    }
    super.visitBinary(n);
    // PostgreSQL and MariaDB escape LIKE patterns with a backslash; make SQLite agree.
    if (n.op === "LIKE" || n.op === "NOT LIKE") this.write(" ESCAPE '\\'");
  }
  // Decimals: exact functions and sort keys instead of SQLite's doubles and text order (decimal-nodes.ts).
  protected override visitUnary(n: UnaryNode): void {
    const exact = decimalUnary(n);
    if (exact) this.visit(exact);
    else super.visitUnary(n);
  }
  protected override visitIn(n: InNode): void {
    super.visitIn(decimalIn(n) ?? n);
  }
  protected override visitBetween(n: BetweenNode): void {
    super.visitBetween(decimalBetween(n) ?? n);
  }
  protected override visitCast(n: CastNode): void {
    // A cast to varchar(n) cuts the text to n characters, as PostgreSQL's does (SQLite's kept it whole).
    const to = baseType(n.type);
    if (to.kind === "varchar" && to.length !== undefined) {
      this.write("substr(");
      this.visitCast({ ...n, type: types.text });
      this.write(`, 1, ${to.length})`);
      return;
    }
    const exact = decimalCast(n);
    if (exact) this.visit(exact);
    else super.visitCast(n);
  }
  protected override visitOrder(n: OrderNode): void {
    super.visitOrder(decimalOrder(n) ?? n);
  }
  protected override visitCompound(n: CompoundNode): void {
    // A compound's ORDER BY names its result columns, so it cannot sort on a key expression.
    if (n.orderBy.some((o) => decimalOrder(o) !== undefined))
      throw new NotSupportedError("SQLite sorts numerics wider than 15 digits as text: ORDER BY one over UNION/INTERSECT/EXCEPT is refused");
    super.visitCompound(n);
  }
  protected override forUpdate(): void {
    // SQLite locks the whole database for writers; there is no row lock to ask for.
  }
}

const capabilities: Capabilities = {
  returning: { insert: true, update: true, delete: true },
  upsert: "on-conflict",
  fullJoin: true,
  rightJoin: true,
  nullsOrdering: true,
  ilike: false,
  lateral: false,
  window: true,
  cte: true,
  recursiveCte: true,
  intersectExcept: true,
  alterAddForeignKey: false,
  transactionalDdl: true,
  maxParams: 32766,
};

function numericDecoder(type: SqlType): Decoder {
  const scale = type.scale;
  return (v) => {
    if (typeof v === "string") return scale === undefined ? v : withScale(v, scale);
    if (typeof v === "bigint") return scale ? `${v}.${"0".repeat(scale)}` : String(v);
    // A REAL's shortest text is the decimal it was stored from (15 digits at most), padded to the
    // scale and never cut: a value with more places (a quotient, a float from SQL the dialect does
    // not make exact) keeps them, as PostgreSQL and MariaDB return them, instead of being rounded.
    const text = realText(v as number);
    return scale === undefined ? text : withScale(text, scale);
  };
}

/** A double's shortest decimal text without an exponent (String(1e-7) is "1e-7"). */
function realText(n: number): string {
  const s = String(n);
  return /e/i.test(s) ? scaledText(toScaled(n)) : s;
}

const intFromBig: Decoder = (v) => (typeof v === "bigint" ? Number(v) : v);

export const sqliteDialect: Dialect = {
  name: "sqlite",
  capabilities,
  ddl: {
    inlineAutoincrementPk: true,
    dropForeignKey: "CONSTRAINT",
    tableSuffix: "",
    clusteredSuffix: " WITHOUT ROWID",
    // foreign_keys cannot change inside a transaction (it is ignored there), defer_foreign_keys
    // lasts only until the transaction ends: between them, a drop works inside one or outside.
    relaxForeignKeys: { before: ["PRAGMA defer_foreign_keys = ON", "PRAGMA foreign_keys = OFF"], after: ["PRAGMA foreign_keys = ON"] },
  },
  createCompiler() {
    return new SqliteCompiler(sqliteDialect);
  },
  encode(type, value) {
    switch (type.kind) {
      case "numeric":
        // numeric(p ≤ 15) is stored as a REAL: the bound value is the double its text is stored as,
        // so it compares with computed values as a number (a TEXT is greater than every number).
        if (isNarrow(type) && typeof value === "string") return Number(value);
        return type.scale !== undefined && typeof value === "string" ? withScale(value, type.scale) : value;
      case "boolean":
        return value ? 1 : 0;
      case "timestamp":
      case "timestamptz":
        // Stored as ISO text in UTC with its Z: string mode's text (microseconds kept) ends in one too.
        if (type.mode === "string") return type.kind === "timestamp" ? `${value as string}Z` : value;
        return (value as Date).toISOString();
      case "json":
        return JSON.stringify(value);
      case "bytes":
        return bytesToBuffer(value as Uint8Array);
      default:
        return value;
    }
  },
  decoder(type, hint, key) {
    switch (type.kind) {
      case "integer":
      case "smallint":
        // A result past 2^53 would round as a number (read as a bigint or not); past 2^63 SQLite
        // itself goes over to a REAL.
        return toSafeInteger;
      case "real":
      case "double":
        return hint === BIGINTS ? intFromBig : null;
      case "bigint":
        return toExactBigInt;
      case "numeric":
        return numericDecoder(type);
      case "boolean":
        return toBoolean;
      case "timestamp":
      case "timestamptz":
        return type.mode === "string" ? timestampTextDecoder(type, key) : isoTimestampDecoder(type.kind, key);
      case "json":
        return parseJson;
      case "bytes":
        return toBytes;
      case "unknown":
        return (v) => (v instanceof Uint8Array ? toBytes(v) : v);
      default:
        return null;
    }
  },
  nestedDecoder(type, key) {
    // Inside JSON: bytes arrive as hex and JSON is already parsed; numbers never come as bigint.
    switch (type.kind) {
      case "bytes":
        return hexToBytes;
      case "json":
      case "unknown":
      case "integer":
      case "smallint":
      case "real":
      case "double":
        return null;
      default:
        return sqliteDialect.decoder(type, undefined, key);
    }
  },
  typeName(type: SqlType, _site: TypeSite) {
    switch (type.kind) {
      case "integer":
      case "smallint":
      case "bigint":
        return "INTEGER";
      case "boolean":
        return "INTEGER";
      case "real":
      case "double":
        return "REAL";
      case "numeric":
        return type.precision !== undefined && type.precision <= EXACT_DIGITS ? `NUMERIC(${type.precision}, ${type.scale ?? 0})` : "TEXT";
      case "bytes":
        return "BLOB";
      default:
        return "TEXT";
    }
  },
  translateError(err, sql) {
    if (err instanceof ArborError) return err;
    const e = err as { code?: string; message?: string };
    const msg = e.message ?? String(err);
    const code = e.code ?? "";
    const columns = /failed: ([\w.", ]+)/.exec(msg)?.[1];
    const first = columns?.split(",")[0].trim();
    const [table, column] = first && first.includes(".") ? first.split(".") : [undefined, first];
    const ctx = { code, sql, cause: err, table, column };
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY")
      return new UniqueViolationError(`Unique constraint violated on ${columns}`, { ...ctx, constraint: columns });
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY")
      return new ForeignKeyViolationError(`Foreign key constraint violated`, { ...ctx, table: undefined, column: undefined });
    if (code === "SQLITE_CONSTRAINT_NOTNULL") return new NotNullViolationError(`NOT NULL constraint violated on ${first}`, ctx);
    if (code === "SQLITE_CONSTRAINT_CHECK")
      return new CheckViolationError(`CHECK constraint ${first} violated`, { ...ctx, table: undefined, column: undefined, constraint: first });
    // Another connection holds the lock this transaction needs (or its snapshot went stale in WAL
    // mode): rerunning the transaction is the way out.
    if (code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT" || code === "SQLITE_LOCKED")
      return new SerializationError(`Conflict with a concurrent transaction: ${msg}`, ctx);
    if (code === "SQLITE_CANTOPEN" || /database connection is not open/.test(msg)) return new ConnectionError(msg, ctx);
    return new DatabaseError(msg, { code, sql, cause: err });
  },
  beginStatements(tx) {
    // SQLite transactions are serializable; weaker levels would be an upgrade the caller did not ask for.
    if (tx.isolation !== undefined && checkIsolation(tx.isolation) !== "SERIALIZABLE")
      throw new NotSupportedError(`SQLite runs every transaction SERIALIZABLE: isolation ${tx.isolation} is not available`);
    if (tx.readOnly)
      throw new NotSupportedError("SQLite has no read-only transactions (open the database read-only instead: driverOptions { readonly: true })");
    return ["BEGIN"];
  },
  createDriver: sqliteDriver,
};
