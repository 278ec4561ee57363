// A schema as plain data: what autogenerate compares, what operations carry and what a migration
// file spells. Types are Arbor's (not an engine's spelling) so a migration reads the same on every
// engine; server defaults are a checked literal value or SQL text for the engine they were made on.
import type { Dialect } from "../dialects/dialect.js";
import { NotSupportedError } from "../errors.js";
import { Expr } from "../sql/expression.js";
import { baseType, storedTimestamp, types, type SqlType } from "../sql/types.js";
import type { ReferentialAction } from "../schema/column.js";
import { constraintName, fkName, indexName } from "../schema/ddl.js";
import type { MetaData } from "../schema/metadata.js";
import { stripParens } from "../schema/reflect/model.js";
import type { AnyColumn, Table } from "../schema/table.js";

export type TypeSpec =
  | {
      readonly kind: "integer" | "smallint" | "bigint" | "real" | "double" | "text" | "boolean" | "date" | "uuid" | "json" | "bytes";
    }
  | { readonly kind: "numeric"; readonly precision?: number; readonly scale?: number }
  | { readonly kind: "varchar"; readonly length?: number }
  /** `precision`: digits of a second, absent for 3; past 3 the column is read as ISO text. */
  | { readonly kind: "timestamp" | "timestamptz"; readonly precision?: number }
  | { readonly kind: "enum"; readonly values: readonly string[] };

/** A server default: a value written as a literal of the column's type, or SQL text used as is. */
export type DefaultSpec = { readonly value: string | number | boolean | bigint } | { readonly sql: string };

export interface ColumnSpec {
  readonly name: string;
  readonly type: TypeSpec;
  readonly nullable: boolean;
  readonly default?: DefaultSpec;
  readonly autoincrement?: boolean;
}

export interface UniqueSpec {
  /** Absent where the engine keeps no name (SQLite). */
  readonly name?: string;
  readonly columns: readonly string[];
}

export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface ForeignKeySpec {
  /** Absent where the engine keeps no name (SQLite). */
  readonly name?: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
}

export interface CheckSpec {
  readonly name: string;
  readonly condition: string;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey: readonly string[];
  readonly uniques: readonly UniqueSpec[];
  readonly indexes: readonly IndexSpec[];
  readonly foreignKeys: readonly ForeignKeySpec[];
  readonly checks: readonly CheckSpec[];
}

export interface SchemaSpec {
  readonly tables: readonly TableSpec[];
}

/** The SqlType a TypeSpec names, checked as the column builders check it. */
export function sqlTypeOf(t: TypeSpec): SqlType {
  switch (t.kind) {
    case "numeric":
      return types.numeric(t.precision, t.scale);
    case "varchar":
      return types.varchar(t.length);
    case "enum":
      return types.enum(t.values);
    case "json":
      return types.json();
    case "timestamp":
    case "timestamptz":
      return storedTimestamp(t.kind, t.precision);
    case "integer":
    case "smallint":
    case "bigint":
    case "real":
    case "double":
    case "text":
    case "boolean":
    case "date":
    case "uuid":
    case "bytes":
      return types[t.kind];
    default:
      // A migration file is the caller's: a kind outside the union is refused, not guessed.
      throw new NotSupportedError(`Unknown column type ${JSON.stringify((t as { kind: unknown }).kind)} in a migration`);
  }
}

/** The TypeSpec of a column's stored type; a type with no Arbor spelling is refused, naming the column. */
export function typeSpecOf(type: SqlType, where: string): TypeSpec {
  const b = baseType(type);
  switch (b.kind) {
    case "numeric":
      return { kind: "numeric", ...(b.precision !== undefined ? { precision: b.precision } : {}), ...(b.scale !== undefined ? { scale: b.scale } : {}) };
    case "varchar":
      return { kind: "varchar", ...(b.length !== undefined ? { length: b.length } : {}) };
    case "timestamp":
    case "timestamptz":
      return { kind: b.kind, ...(b.precision !== undefined ? { precision: b.precision } : {}) };
    case "enum":
      return { kind: "enum", values: [...(b.values ?? [])] };
    case "custom":
    case "nested":
    case "unknown":
      throw new NotSupportedError(`${where}: type ${type.custom?.name ?? b.kind} has no DDL spelling in Arbor, so no migration can create it`);
    default:
      return { kind: b.kind };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Describes a MetaData (the application's, or one `reflect` read) as plain data for `dialect`:
 * generated constraint and index names filled in, the index createAll adds under a grouping key
 * included, expression defaults and checks compiled for the dialect.
 */
export function specOf(md: MetaData, dialect: Dialect): SchemaSpec {
  // A compiler accumulates what it writes: one per inline expression.
  const inline = (e: Expr<unknown>): string => stripParens(dialect.createCompiler().compileInline(e.node));
  const names = (cols: readonly AnyColumn[]): string[] => cols.map((c) => c.name);
  const defaultOf = (c: AnyColumn): DefaultSpec | undefined => {
    const d = c.def.serverDefault;
    if (d === undefined) return undefined;
    if (d instanceof Expr) return { sql: inline(d) };
    return { value: d };
  };
  const tableSpec = (t: Table): TableSpec => {
    const pk = new Set(t.primaryKey);
    const uniques: UniqueSpec[] = t.uniques.map((u) => ({ name: u.name ?? constraintName("uq", t.name, names(u.columns)), columns: names(u.columns) }));
    for (const c of t.columns) if (c.def.unique) uniques.push({ name: constraintName("uq", t.name, [c.name]), columns: [c.name] });
    const indexes: IndexSpec[] = t.indexes.map((i) => ({ name: indexName(t, i), columns: names(i.columns), unique: i.unique }));
    const gk = t.groupingKey;
    if (gk && !t.hasIndexOn(gk.columns, true)) {
      const cols = gk.columns.map((n) => t.columns.find((c) => c.node === n)!);
      indexes.push({ name: indexName(t, { kind: "index", columns: cols, unique: false }), columns: names(cols), unique: false });
    }
    return {
      name: t.name,
      columns: t.columns.map((c) => {
        const d = defaultOf(c);
        return {
          name: c.name,
          type: typeSpecOf(c.type, `${t.name}.${c.name}`),
          nullable: c.nullable && !pk.has(c),
          ...(d !== undefined ? { default: d } : {}),
          ...(c.def.autoincrement ? { autoincrement: true } : {}),
        };
      }),
      primaryKey: names(t.primaryKey),
      uniques,
      indexes: indexes.sort((a, b) => cmp(a.name, b.name)),
      foreignKeys: t.foreignKeys.map((fk) => ({
        ...(dialect.name === "sqlite" && fk.name === undefined ? {} : { name: fkName(fk) }),
        columns: fk.columns.map((c) => c.name),
        refTable: fk.target.name,
        refColumns: fk.refColumns().map((c) => c.name),
        ...(fk.onDelete ? { onDelete: fk.onDelete } : {}),
        ...(fk.onUpdate ? { onUpdate: fk.onUpdate } : {}),
      })),
      checks: t.checks.map((c) => ({ name: c.name, condition: inline(c.condition) })),
    };
  };
  return { tables: md.tables.map(tableSpec).sort((a, b) => cmp(a.name, b.name)) };
}

export function findTable(spec: SchemaSpec, name: string): TableSpec | undefined {
  return spec.tables.find((t) => t.name === name);
}
