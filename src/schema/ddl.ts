// DDL text for tables, constraints and indexes, spelled by the dialect. Constraint names are
// generated deterministically so errors name them and cyclic foreign keys can be dropped.
import type { Dialect } from "../dialects/dialect.js";
import { ArgumentError, NotSupportedError } from "../errors.js";
import type { Compiler } from "../sql/compiler.js";
import { Expr } from "../sql/expression.js";
import { baseType, checkValue } from "../sql/types.js";
import type { AnyColumn, ForeignKey, IndexDef, Table } from "./table.js";
import { checkIdentifier, checkReferenceOptions } from "./validate.js";

/** PostgreSQL truncates identifiers at 63 bytes; MySQL at 64 characters. Keep generated names within both. */
export function constraintName(prefix: string, table: string, columns: readonly string[]): string {
  const name = `${prefix}_${table}_${columns.join("_")}`;
  if (Buffer.byteLength(name) <= 63) return name;
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  // Cut on a code point boundary so the name stays valid UTF-8 within 54 bytes.
  let head = "";
  for (const ch of name) {
    if (Buffer.byteLength(head + ch) > 54) break;
    head += ch;
  }
  return `${head}_${(h >>> 0).toString(16).padStart(8, "0")}`;
}

export function fkName(fk: ForeignKey): string {
  return (
    fk.name ??
    constraintName(
      "fk",
      fk.table.name,
      fk.columns.map((c) => c.name),
    )
  );
}

export function indexName(table: Table, idx: IndexDef): string {
  return (
    idx.name ??
    constraintName(
      idx.unique ? "uq" : "ix",
      table.name,
      idx.columns.map((c) => c.name),
    )
  );
}

/** Columns under a key, index or foreign key: MariaDB spells their types bounded. */
export function keyedColumns(table: Table): Set<AnyColumn> {
  const keyed = new Set<AnyColumn>(table.primaryKey);
  for (const c of table.columns) if (c.def.unique || c.def.index || c.def.references) keyed.add(c);
  for (const u of table.uniques) u.columns.forEach((c) => keyed.add(c));
  for (const i of table.indexes) i.columns.forEach((c) => keyed.add(c));
  for (const fk of table.foreignKeys) for (const n of fk.columns) keyed.add(table.columns.find((c) => c.node === n)!);
  return keyed;
}

/** How a CREATE TABLE departs from the table's own declaration (see `DdlCompiler.createTable`). */
export interface TableVariant {
  /** PRIMARY KEY and UNIQUE constraints (default true). */
  readonly keys?: boolean;
  /** Table options written after the column list, replacing the dialect's; Arbor builds it from checked names only. */
  readonly suffix?: string;
}

export class DdlCompiler {
  private readonly c: Compiler;
  constructor(readonly dialect: Dialect) {
    this.c = dialect.createCompiler();
  }

  private q(name: string): string {
    return this.c.quote(name);
  }

  tableName(t: Table): string {
    return this.c.tableName(t.node);
  }

  /**
   * CREATE TABLE with every constraint except the foreign keys in `deferred`. `variant` shapes the
   * table a distributed head declares over its backends: without keys (PostgreSQL refuses unique
   * indexes over foreign partitions) and with its own table options in place of the dialect's.
   */
  createTable(t: Table, deferred: ReadonlySet<ForeignKey> = new Set(), ifNotExists = false, variant: TableVariant = {}): string {
    const keyed = keyedColumns(t);
    const pk = t.primaryKey;
    const autoinc = t.columns.filter((c) => c.def.autoincrement);
    if (autoinc.length > 1) throw new ArgumentError(`Table ${t.name} has more than one autoincrement column`, { table: t.name });
    const inlinePk = this.dialect.ddl.inlineAutoincrementPk && autoinc.length === 1;
    if (inlinePk && (pk.length !== 1 || pk[0] !== autoinc[0]))
      throw new ArgumentError(`On SQLite an autoincrement column must be the whole primary key (${t.name})`, { table: t.name });
    const parts: string[] = t.columns.map((col) => this.columnDdl(t, col, keyed.has(col), inlinePk));
    const keys = variant.keys !== false;
    if (keys && pk.length && !inlinePk) parts.push(`PRIMARY KEY (${pk.map((c) => this.q(c.name)).join(", ")})`);
    for (const u of keys ? t.uniques : [])
      parts.push(
        `CONSTRAINT ${this.q(
          u.name ??
            constraintName(
              "uq",
              t.name,
              u.columns.map((c) => c.name),
            ),
        )} UNIQUE (${u.columns.map((c) => this.q(c.name)).join(", ")})`,
      );
    for (const col of t.columns)
      if (keys && col.def.unique) parts.push(`CONSTRAINT ${this.q(constraintName("uq", t.name, [col.name]))} UNIQUE (${this.q(col.name)})`);
    for (const chk of t.checks) parts.push(`CONSTRAINT ${this.q(chk.name)} CHECK (${this.inline(chk.condition)})`);
    for (const fk of t.foreignKeys) if (!deferred.has(fk)) parts.push(this.foreignKeyClause(fk));
    const head = `CREATE TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${this.tableName(t)}`;
    return `${head} (${parts.join(", ")})${variant.suffix ?? this.tableSuffix(t)}`;
  }

  private tableSuffix(t: Table): string {
    const clustered = t.options.clusterByGroup && !t.columns.some((c) => c.def.autoincrement);
    return this.dialect.ddl.tableSuffix + (clustered ? this.dialect.ddl.clusteredSuffix : "");
  }

  /** A column's definition as ADD COLUMN and MODIFY COLUMN spell it (its type keyed as the table keys it). */
  columnDefinition(t: Table, col: AnyColumn): string {
    return this.columnDdl(t, col, keyedColumns(t).has(col), false);
  }

  private columnDdl(t: Table, col: AnyColumn, keyed: boolean, inlinePk: boolean): string {
    const auto = col.def.autoincrement;
    let s = `${this.q(col.name)} ${this.typeName(t, col, keyed)}`;
    if (auto && inlinePk) return `${s} PRIMARY KEY`;
    if (!col.nullable) s += " NOT NULL";
    const d = col.def.serverDefault;
    if (d !== undefined)
      s += ` DEFAULT ${d instanceof Expr ? `(${this.inline(d)})` : this.c.literal(checkValue(col.type, d, { table: t.name, column: col.name }), col.type)}`;
    const values = baseType(col.type).values;
    if (values) s += ` CHECK (${this.q(col.name)} IN (${values.map((v) => this.c.literal(v, col.type)).join(", ")}))`;
    return s;
  }

  /** The dialect's spelling of a column's type; a type the engine cannot hold exactly is refused, naming the column. */
  typeName(t: Table, col: AnyColumn, keyed: boolean): string {
    // A type with no Arbor spelling (a reflected one Arbor could not map) is refused, not written as text.
    if (baseType(col.type).kind === "unknown")
      throw new NotSupportedError(`${t.name}.${col.name}: type ${col.type.custom?.name ?? "unknown"} has no DDL spelling in Arbor`, {
        table: t.name,
        column: col.name,
      });
    try {
      return this.dialect.typeName(baseType(col.type), { keyed, autoincrement: col.def.autoincrement });
    } catch (e) {
      if (e instanceof NotSupportedError) throw new NotSupportedError(`${t.name}.${col.name}: ${e.message}`, { table: t.name, column: col.name, cause: e });
      throw e;
    }
  }

  foreignKeyClause(fk: ForeignKey): string {
    // The options object is the caller's: checked again where its actions are written as SQL.
    checkReferenceOptions(fk.options, { table: fk.table.name });
    const target = fk.target;
    let s = `CONSTRAINT ${this.q(fkName(fk))} FOREIGN KEY (${fk.columns.map((c) => this.q(c.name)).join(", ")}) REFERENCES ${this.tableName(target)} (${fk
      .refColumns()
      .map((c) => this.q(c.name))
      .join(", ")})`;
    if (fk.onDelete) s += ` ON DELETE ${fk.onDelete}`;
    if (fk.onUpdate) s += ` ON UPDATE ${fk.onUpdate}`;
    return s;
  }

  addForeignKey(fk: ForeignKey): string {
    return `ALTER TABLE ${this.tableName(fk.table)} ADD ${this.foreignKeyClause(fk)}`;
  }

  dropForeignKey(fk: ForeignKey): string {
    return `ALTER TABLE ${this.tableName(fk.table)} DROP ${this.dialect.ddl.dropForeignKey} ${this.q(fkName(fk))}`;
  }

  /** All three engines spell `CREATE INDEX IF NOT EXISTS` (MariaDB since 10.1.4). */
  createIndex(t: Table, idx: IndexDef, ifNotExists = false): string {
    checkIdentifier(indexName(t, idx), "Index name", { table: t.name });
    return `CREATE ${idx.unique ? "UNIQUE " : ""}INDEX ${ifNotExists ? "IF NOT EXISTS " : ""}${this.q(indexName(t, idx))} ON ${this.tableName(t)} (${idx.columns.map((c) => this.q(c.name)).join(", ")})`;
  }

  dropTable(t: Table, ifExists = true): string {
    return `DROP TABLE ${ifExists ? "IF EXISTS " : ""}${this.tableName(t)}`;
  }

  private inline(e: Expr<unknown>): string {
    return this.dialect.createCompiler().compileInline(e.node);
  }
}
