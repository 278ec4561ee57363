// PostgreSQL: native types throughout; JSON columns as jsonb; identity columns for autoincrement.
import { connectionLost } from "../lost.js";
import {
  ArborError,
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  DeadlockError,
  ForeignKeyViolationError,
  NotNullViolationError,
  NotSupportedError,
  SerializationError,
  TimeoutError,
  UniqueViolationError,
} from "../../errors.js";
import { Compiler } from "../../sql/compiler.js";
import type { JsonSpelling } from "../../sql/nested-compile.js";
import type { ExprNode, FuncNode, InsertNode } from "../../sql/nodes/index.js";
import { baseType, timestampPrecision, types, type SqlType } from "../../sql/types.js";
import {
  bytesToBuffer,
  fastServerDate,
  parseJson,
  pgDateDecoder,
  refuseForDate,
  timestampTextDecoder,
  toBigInt,
  toNumber,
  toSafeInteger,
  type TimestampKind,
} from "../codecs.js";
import { checkIsolation, type Capabilities, type Decoder, type Dialect, type TypeSite } from "../dialect.js";
import { arrayLiteral, hasArrayForm } from "./array-literal.js";
import { OID, postgresDriver } from "./driver.js";
import { MAX_IDENTIFIER_BYTES, identifierTooLong } from "../../schema/validate.js";

class PostgresCompiler extends Compiler {
  // json, not jsonb: cheaper to build and free of jsonb's 256 MB array limit.
  protected override readonly json: JsonSpelling = { row: "json_build_array", agg: "json_agg", empty: "'[]'", aggregateLimit: false, derivedCorrelation: true };
  protected override readonly numberedPlaceholders = true;
  /**
   * Parameters are sent untyped: without a cast PostgreSQL infers their type from the context or
   * takes them as text, so `$1 >= $2` compared -3 and -2 as strings and a CASE over bound integers
   * sorted 10 before 2. A value of a known type carries its type in the SQL text.
   */
  protected override placeholder(index: number, type: SqlType | undefined): string {
    // The declared spelling (numeric(10, 2), varchar(20)) cuts nothing: checkValue refused any
    // value that it would round or truncate.
    if (type === undefined || type.kind === "unknown" || type.kind === "nested") return `$${index}`;
    let cast = this.casts.get(type);
    if (cast === undefined) this.casts.set(type, (cast = `::${this.castType(type)}`));
    return `$${index}${cast}`;
  }
  /**
   * A bulk INSERT of checked cells sends each column as one array, unnested by the server:
   * `INSERT INTO t (a, b) SELECT * FROM unnest($1::integer[], $2::text[])`. Parsing and planning a
   * VALUES list of thousands of rows cost the server more than the rows' writes (a third of the
   * time of an 8,400-row INSERT); the arrays are parsed in C, and the statement's text and its
   * parameter count no longer grow with the rows. Cells' values come back in RETURNING in row
   * order, as VALUES rows do. Smaller INSERTs, which are keyed by shape and kept prepared (one
   * statement text per row count), and a compile traced for re-binding keep VALUES.
   */
  protected override insertValues(n: InsertNode): void {
    const cells = n.cells;
    const width = n.columns.length;
    if (cells === undefined || cells.length <= UNNEST_MIN_CELLS || this.paramSources !== undefined || this.inlineValues) return super.insertValues(n);
    const bases = n.columns.map((c) => baseType(c.type));
    if (!bases.every((b) => hasArrayForm(b.kind))) return super.insertValues(n);
    const arrays = bases.map((base, j) => {
      this.params.push({ value: arrayLiteral(cells, width, j, base.kind, (v) => this.dialect.encode(base, v)), type: types.text });
      // An element type without a length: an explicit cast to varchar(n) would cut a longer value,
      // where storing it into the column refuses it.
      return `${this.placeholder(this.params.length, undefined)}::${base.kind === "varchar" ? "text" : this.castType(base)}[]`;
    });
    this.write(` SELECT * FROM unnest(${arrays.join(", ")})`);
  }
  /** Cast spellings by type, for this compile: a multi-row INSERT repeats each column's per row. */
  private readonly casts = new Map<SqlType, string>();
  /** PostgreSQL cuts identifiers to 63 bytes, so two long aliases could name one thing: refused. */
  override quote(name: string): string {
    if (identifierTooLong(name)) throw new NotSupportedError(`PostgreSQL identifiers hold at most ${MAX_IDENTIFIER_BYTES} bytes: ${JSON.stringify(name)}`);
    return super.quote(name);
  }
  /** PostgreSQL has no min(boolean)/max(boolean): false < true, so they are bool_and/bool_or. */
  protected override visitFunc(n: FuncNode): void {
    const name = n.name.toLowerCase();
    // now() has microseconds: cut to the milliseconds a Date holds (date_trunc; a cast would round).
    if (name === "now" && n.args.length === 0 && isTimestamp(n.type) && n.type.mode !== "string") return this.write("date_trunc('milliseconds', now())");
    if ((name === "min" || name === "max") && n.args.length === 1 && baseType(n.args[0].type).kind === "boolean")
      return super.visitFunc({ ...n, name: name === "min" ? "bool_and" : "bool_or" });
    // PostgreSQL has no round(double precision, integer): round the numeric the double converts to.
    const first = n.args[0];
    if (name === "round" && n.args.length === 2 && (baseType(first.type).kind === "double" || baseType(first.type).kind === "real"))
      return super.visitFunc({ ...n, args: [{ kind: "cast", expr: first, type: types.numeric() }, n.args[1]] });
    super.visitFunc(n);
  }
  protected override nestedValue(e: ExprNode): ExprNode {
    switch (baseType(e.type).kind) {
      case "bigint":
      case "numeric":
      case "timestamp":
      case "timestamptz":
        // Their JSON forms lose digits, scale or the offset; their text forms are what top-level reads decode.
        return { kind: "cast", expr: e, type: types.text };
      default:
        return e;
    }
  }
}

const isTimestamp = (t: SqlType): boolean => t.kind === "timestamp" || t.kind === "timestamptz";

const capabilities: Capabilities = {
  returning: { insert: true, update: true, delete: true },
  upsert: "on-conflict",
  fullJoin: true,
  rightJoin: true,
  nullsOrdering: true,
  ilike: true,
  lateral: true,
  window: true,
  cte: true,
  recursiveCte: true,
  intersectExcept: true,
  alterAddForeignKey: true,
  transactionalDdl: true,
  maxParams: 65535,
};

/**
 * Every other form PostgreSQL prints (short years, second offsets, trailing zero digits) → Date;
 * digits past the millisecond, infinity and BC years are refused (codecs.ts `refuseForDate`).
 */
function pgTimestampGeneral(s: string, kind: TimestampKind, where: string | undefined): Date {
  refuseForDate(s, kind, where);
  const m = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::(\d\d))?)?$/.exec(s);
  // Not the server's timestamp form: a bound value read back as text holds its ISO encoding.
  if (!m) return new Date(/^\d{4}-\d\d-\d\dT/.test(s) ? s : Number.NaN);
  const year = Number(m[1]);
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  let t = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (year < 100) {
    const d = new Date(t);
    d.setUTCFullYear(year);
    t = d.getTime();
  }
  if (m[8]) t -= (m[8] === "-" ? -1 : 1) * ((Number(m[9]) * 60 + Number(m[10] ?? 0)) * 60 + Number(m[11] ?? 0)) * 1000;
  return new Date(t);
}

/**
 * "2020-01-01 10:00:00.123+00" → Date, read by char codes for the common form (years 0100–9999,
 * up to 3 fraction digits, no offset or ±HH / ±HH:MM); anything else takes the general path. A
 * nested load parses one per row, so the regex was a visible share of it. `where` names the
 * column or expression in a refusal.
 */
function pgTimestamp(kind: TimestampKind, where: string | undefined): Decoder {
  return (v) => fastServerDate(v as string) ?? pgTimestampGeneral(v as string, kind, where);
}

/** A timestamp of either mode. */
function pgTimestampOf(type: SqlType, where: string | undefined): Decoder {
  return type.mode === "string" ? timestampTextDecoder(type, where) : pgTimestamp(type.kind === "timestamptz" ? "timestamptz" : "timestamp", where);
}

/** A boolean that arrives as text (e.g. a CASE over bound values): "t"/"true", "f"/"false", or a number. */
const pgBoolean: Decoder = (v) => {
  if (typeof v === "boolean") return v;
  if (v === "t" || v === "true") return true;
  if (v === "f" || v === "false") return false;
  return Number(v) !== 0;
};

const pgBytes: Decoder = (v) => {
  const b = Buffer.from((v as string).slice(2), "hex");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

const toFloat32: Decoder = (v) => Math.fround(Number(v));

/** Decoding by OID for columns whose type Arbor does not know (raw SQL). */
function byOid(hint: number | undefined, where: string | undefined): Decoder | null {
  switch (hint) {
    case OID.int8:
      return toBigInt;
    case OID.timestamp:
      return pgTimestamp("timestamp", where);
    case OID.timestamptz:
      return pgTimestamp("timestamptz", where);
    case OID.date:
      return pgDateDecoder(where);
    case OID.json:
    case OID.jsonb:
      return parseJson;
    case OID.bytea:
      return pgBytes;
    default:
      return null;
  }
}

/** Cells past which a multi-row INSERT sends arrays (the plan cache keys and prepares statements up to 1,000 parameters). */
const UNNEST_MIN_CELLS = 1000;

export const postgresDialect: Dialect = {
  name: "postgres",
  capabilities,
  ddl: { inlineAutoincrementPk: false, dropForeignKey: "CONSTRAINT", tableSuffix: "", clusteredSuffix: "" },
  createCompiler() {
    return new PostgresCompiler(postgresDialect);
  },
  encode(type, value) {
    switch (type.kind) {
      case "bigint":
        return (value as bigint).toString();
      case "timestamp":
      case "timestamptz":
        // String mode: checked ISO text, which PostgreSQL reads to the microsecond.
        return type.mode === "string" ? value : (value as Date).toISOString();
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
      case "real":
        // float4 prints its shortest text ("0.3"); the float32 value is what every engine returns.
        return toFloat32;
      case "integer":
      case "smallint":
        // sum() of integers is an int8, and an int8 past 2^53 would round as a number.
        return hint === OID.int4 || hint === OID.int2 ? null : toSafeInteger;
      case "double":
        return hint === OID.float8 ? null : toNumber;
      case "bigint":
        return toBigInt;
      case "numeric":
        return hint === OID.numeric || hint === OID.text ? null : String;
      case "boolean":
        return hint === OID.bool ? null : pgBoolean;
      case "timestamp":
      case "timestamptz":
        return pgTimestampOf(type, key);
      case "date":
        return pgDateDecoder(key);
      case "json":
        // json/jsonb text, or the JSON text of a bound value that came back as text.
        return parseJson;
      case "bytes":
        return pgBytes;
      case "unknown":
        return byOid(hint, key);
      default:
        return null;
    }
  },
  nestedDecoder(type, key) {
    switch (type.kind) {
      case "real":
        return toFloat32;
      case "integer":
      case "smallint":
      case "double":
        return toNumber;
      case "bigint":
        return toBigInt;
      case "timestamp":
      case "timestamptz":
        return pgTimestampOf(type, key);
      case "date":
        return pgDateDecoder(key);
      case "bytes":
        return pgBytes;
      case "numeric":
        return String;
      default:
        return null;
    }
  },
  typeName(type: SqlType, site: TypeSite) {
    const identity = site.autoincrement ? " GENERATED BY DEFAULT AS IDENTITY" : "";
    switch (type.kind) {
      case "integer":
        return "integer" + identity;
      case "smallint":
        return "smallint" + identity;
      case "bigint":
        return "bigint" + identity;
      case "real":
        return "real";
      case "double":
        return "double precision";
      case "numeric":
        return type.precision === undefined ? "numeric" : `numeric(${type.precision}, ${type.scale ?? 0})`;
      case "varchar":
        return type.length === undefined ? "varchar" : `varchar(${type.length})`;
      case "boolean":
        return "boolean";
      case "date":
        return "date";
      case "timestamp":
      case "timestamptz":
        return `${type.kind}(${timestampPrecision(type)})`;
      case "uuid":
        return "uuid";
      case "json":
        return "jsonb";
      case "bytes":
        return "bytea";
      default:
        return "text";
    }
  },
  translateError(err, sql) {
    if (err instanceof ArborError) return err;
    const e = err as { code?: string; message?: string; table?: string; column?: string; constraint?: string; detail?: string };
    const msg = e.message ?? String(err);
    const column = e.column ?? /Key \(([^)]+)\)/.exec(e.detail ?? "")?.[1];
    const ctx = { code: e.code, sql, cause: err, table: e.table, column, constraint: e.constraint };
    const detail = e.detail ? ` (${e.detail})` : "";
    switch (e.code) {
      case "23505":
        return new UniqueViolationError(`Unique constraint ${e.constraint} on ${e.table} violated${detail}`, ctx);
      case "23503":
        return new ForeignKeyViolationError(`Foreign key ${e.constraint} on ${e.table} violated${detail}`, ctx);
      case "23502":
        return new NotNullViolationError(`NOT NULL violated: ${e.table}.${e.column} is null`, ctx);
      case "23514":
        return new CheckViolationError(`CHECK constraint ${e.constraint} on ${e.table} violated`, ctx);
      case "40P01":
        return new DeadlockError(`Deadlock: ${msg}`, ctx);
      case "40001":
        return new SerializationError(`Serialization failure: ${msg}`, ctx);
      case "57014":
        // Cancelled: by Arbor for a statement's timeout or signal (the executor says which), or by statement_timeout.
        return new TimeoutError(`Statement cancelled: ${msg}`, ctx);
      case "57P01":
      case "57P02":
      case "57P03":
      case "08000":
      case "08003":
      case "08006":
        return new ConnectionError(connectionLost(msg), ctx);
    }
    if (/Connection terminated|ECONNRESET|ECONNREFUSED|Client has encountered a connection error|not queryable/.test(msg) || (e.code ?? "").startsWith("E"))
      return new ConnectionError(connectionLost(msg), ctx);
    return new DatabaseError(msg, ctx);
  },
  beginStatements(tx) {
    const modes = [tx.isolation && `ISOLATION LEVEL ${checkIsolation(tx.isolation)}`, tx.readOnly && "READ ONLY"].filter(Boolean);
    return [modes.length ? `BEGIN ${modes.join(" ")}` : "BEGIN"];
  },
  createDriver: postgresDriver,
};
