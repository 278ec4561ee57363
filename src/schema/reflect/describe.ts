// A MetaData as a plain, ordered description of what the engine would hold: column types as the
// dialect spells them, keys, indexes, foreign keys and checks. Two schemas that describe equal are
// the same schema to the engine, so a reflection can be compared with the MetaData it came from.
import type { Dialect } from "../../dialects/dialect.js";
import { Expr } from "../../sql/expression.js";
import { baseType, checkValue } from "../../sql/types.js";
import type { ReferentialAction } from "../column.js";
import { fkName, indexName, keyedColumns } from "../ddl.js";
import type { MetaData } from "../metadata.js";
import type { AnyColumn, Table } from "../table.js";
import { stripParens } from "./model.js";

/** A column as `describeSchema` sees it: its type as the dialect spells it in DDL. */
export interface ColumnDescription {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly default: string | null;
  readonly autoincrement: boolean;
}

/** A table as `describeSchema` sees it: names sorted, key and index names the engine keeps. */
export interface TableDescription {
  readonly name: string;
  readonly columns: readonly ColumnDescription[];
  readonly primaryKey: readonly string[];
  /** Unique constraints and unique indexes alike (MariaDB keeps no difference), by columns. */
  readonly uniques: readonly (readonly string[])[];
  readonly indexes: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly foreignKeys: readonly {
    readonly name: string | null;
    readonly columns: readonly string[];
    readonly refTable: string;
    readonly refColumns: readonly string[];
    readonly onDelete: ReferentialAction;
    readonly onUpdate: ReferentialAction;
  }[];
  readonly checks: readonly { readonly name: string; readonly condition: string }[];
}

/** What `describeSchema` returns: the tables by name. */
export interface SchemaDescription {
  readonly tables: readonly TableDescription[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const key = (cols: readonly string[]): string => JSON.stringify(cols);

/**
 * Describes `md` as `dialect` would create it. SQLite keeps no names for foreign keys and unique
 * constraints, and MariaDB reads an omitted referential action as RESTRICT: both are normalised.
 */
export function describeSchema(md: MetaData, dialect: Dialect): SchemaDescription {
  // One compiler for literals; compileInline appends to a compiler's text, so it gets a fresh one each time.
  const compiler = dialect.createCompiler();
  const defaultAction: ReferentialAction = dialect.name === "mysql" ? "RESTRICT" : "NO ACTION";
  const act = (a: ReferentialAction | undefined): ReferentialAction => {
    const v = a ?? defaultAction;
    return dialect.name === "mysql" && v === "NO ACTION" ? "RESTRICT" : v;
  };
  const names = (cols: readonly AnyColumn[]): string[] => cols.map((c) => c.name);
  const defaultText = (t: Table, c: AnyColumn): string | null => {
    const d = c.def.serverDefault;
    if (d === undefined) return null;
    if (d instanceof Expr) return stripParens(dialect.createCompiler().compileInline(d.node));
    return compiler.literal(checkValue(c.type, d, { table: t.name, column: c.name }), c.type);
  };
  const tables = md.tables.map((t): TableDescription => {
    const keyed = keyedColumns(t);
    const pk = new Set(t.primaryKey);
    const uniques = [...t.uniques.map((u) => names(u.columns)), ...t.indexes.filter((i) => i.unique).map((i) => names(i.columns))];
    for (const c of t.columns) if (c.def.unique) uniques.push([c.name]);
    const indexes = t.indexes.filter((i) => !i.unique).map((i) => ({ name: indexName(t, i), columns: names(i.columns) }));
    // createAll backs a grouping key with an index when none is declared.
    const gk = t.groupingKey;
    if (gk && !t.hasIndexOn(gk.columns, true)) {
      const cols = gk.columns.map((n) => t.columns.find((c) => c.node === n)!);
      indexes.push({ name: indexName(t, { kind: "index", columns: cols, unique: false }), columns: names(cols) });
    }
    return {
      name: t.name,
      columns: t.columns.map((c) => ({
        name: c.name,
        type: dialect.typeName(baseType(c.type), { keyed: keyed.has(c), autoincrement: false }).toLowerCase(),
        nullable: c.nullable && !pk.has(c),
        default: defaultText(t, c),
        autoincrement: c.def.autoincrement,
      })),
      primaryKey: names(t.primaryKey),
      uniques: uniques.sort((a, b) => cmp(key(a), key(b))),
      indexes: indexes.sort((a, b) => cmp(a.name, b.name)),
      foreignKeys: t.foreignKeys
        .map((fk) => ({
          name: dialect.name === "sqlite" ? null : fkName(fk),
          columns: fk.columns.map((c) => c.name),
          refTable: fk.target.name,
          refColumns: fk.refColumns().map((c) => c.name),
          onDelete: act(fk.onDelete),
          onUpdate: act(fk.onUpdate),
        }))
        .sort((a, b) => cmp(key([a.refTable, ...a.columns]), key([b.refTable, ...b.columns]))),
      checks: t.checks
        .map((c) => ({ name: c.name, condition: stripParens(dialect.createCompiler().compileInline(c.condition.node)) }))
        .sort((a, b) => cmp(a.name, b.name)),
    };
  });
  return { tables: tables.sort((a, b) => cmp(a.name, b.name)) };
}
