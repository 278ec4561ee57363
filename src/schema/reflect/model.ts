// The engine-neutral shape a catalog is read into, and how it becomes a MetaData. Each engine's
// reader (sqlite.ts, postgres.ts, mysql.ts) fills these; nothing here runs SQL.
import { ArgumentError } from "../../errors.js";
import { SqlFragment } from "../../sql/sql-tag.js";
import { customType, types, type SqlType } from "../../sql/types.js";
import { ColumnBuilder, type AnyColumnBuilder, type ReferentialAction } from "../column.js";
import { MetaData } from "../metadata.js";
import { enumValuesOf } from "./condition.js";
import { check, foreignKey, index, primaryKey, unique, type AnyColumn, type TableExtra } from "../table.js";

/** Options of `reflect`. */
export interface ReflectOptions {
  /** Called with each thing reflection leaves out or reads approximately (expression indexes, unknown types, …). */
  readonly onWarning?: (message: string) => void;
}

export type Warn = (message: string) => void;

export interface RawColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** The server default as the engine spells the expression. */
  readonly default?: string;
  readonly autoincrement: boolean;
}

export interface RawForeignKey {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
}

export interface RawTable {
  readonly name: string;
  readonly columns: RawColumn[];
  primaryKey: string[];
  readonly uniques: { readonly name?: string; readonly columns: readonly string[] }[];
  readonly indexes: { readonly name: string; readonly columns: readonly string[]; readonly unique: boolean }[];
  readonly foreignKeys: RawForeignKey[];
  readonly checks: { readonly name: string; readonly condition: string }[];
}

export function rawTable(name: string): RawTable {
  return { name, columns: [], primaryKey: [], uniques: [], indexes: [], foreignKeys: [], checks: [] };
}

/** A type reflection cannot map: values pass through as the driver gives them. */
export function unknownType(native: string, where: string, warn: Warn): SqlType {
  warn(`${where}: column type ${native} has no Arbor type; reflected as the custom type "${native}" over unknown values`);
  return customType<unknown, unknown>({ name: native, base: types.unknown, toDb: (v) => v, fromDb: (v) => v });
}

/**
 * Arbor writes an enum column as text with a column CHECK (column IN ('a', …)): such a check, on a
 * text column, reads back as the enum type. True when `condition` was that check.
 */
export function adoptEnumCheck(t: RawTable, column: string, condition: string): boolean {
  const i = t.columns.findIndex((c) => c.name === column);
  const c = t.columns[i];
  if (!c || (c.type.kind !== "text" && c.type.kind !== "varchar")) return false;
  const values = enumValuesOf(condition, column);
  if (!values) return false;
  try {
    t.columns[i] = { ...c, type: types.enum(values) };
    return true;
  } catch (e) {
    // Values no enum can hold (too long, listed twice): the check stays a check.
    if (e instanceof ArgumentError) return false;
    throw e;
  }
}

/** Text the engine wrote for an expression, used as is in DDL (it came from the catalog, not from a user). */
export function rawExpr<T = unknown>(text: string): SqlFragment<T> {
  return new SqlFragment<T>({ kind: "raw", strings: [text], values: [], type: types.unknown });
}

/** `((x))` → `x`: engines add parentheses of their own around defaults and checks. */
export function stripParens(text: string): string {
  let s = text.trim();
  while (s.startsWith("(") && s.endsWith(")") && balanced(s.slice(1, -1))) s = s.slice(1, -1).trim();
  return s;
}

function balanced(s: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

const ACTIONS: Record<string, ReferentialAction> = {
  CASCADE: "CASCADE",
  "SET NULL": "SET NULL",
  "SET DEFAULT": "SET DEFAULT",
  RESTRICT: "RESTRICT",
  "NO ACTION": "NO ACTION",
};

/** A referential action as the catalog spells it; the engine's default (`engineDefault`) reads as none. */
export function action(rule: string | null | undefined, engineDefault: ReferentialAction): ReferentialAction | undefined {
  const a = rule ? ACTIONS[rule.toUpperCase()] : undefined;
  return a === engineDefault ? undefined : a;
}

/** Builds the MetaData: column keys are the SQL names. */
export function toMetaData(tables: readonly RawTable[], warn: Warn): MetaData {
  const md = new MetaData();
  const names = new Set(tables.map((t) => t.name));
  for (const t of [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const builders: Record<string, AnyColumnBuilder> = {};
    for (const c of t.columns) {
      let b: AnyColumnBuilder = new ColumnBuilder<unknown>(c.type);
      if (!c.nullable || t.primaryKey.includes(c.name)) b = b.notNull();
      if (c.autoincrement) b = b.autoincrement();
      if (c.default !== undefined) b = b.serverDefault(rawExpr(c.default));
      builders[c.name] = b;
    }
    const extras = (cols: Readonly<Record<string, AnyColumn>>): TableExtra[] => {
      const pick = (ns: readonly string[]): AnyColumn[] => ns.map((n) => cols[n]);
      const out: TableExtra[] = [];
      if (t.primaryKey.length) out.push(primaryKey(...pick(t.primaryKey)));
      for (const u of t.uniques) out.push(unique(pick(u.columns), u.name));
      for (const i of t.indexes) out.push(index(pick(i.columns), { name: i.name, unique: i.unique }));
      for (const c of t.checks) out.push(check(c.name, rawExpr<boolean>(c.condition)));
      for (const fk of t.foreignKeys) {
        if (!names.has(fk.refTable)) {
          warn(`${t.name}: foreign key ${fk.name ?? fk.columns.join(", ")} references ${fk.refTable}, outside the reflected schema; left out`);
          continue;
        }
        const target = fk.refTable;
        out.push(
          foreignKey(pick(fk.columns), () => fk.refColumns.map((n) => md.get(target).column(n)), {
            ...(fk.name !== undefined ? { name: fk.name } : {}),
            ...(fk.onDelete ? { onDelete: fk.onDelete } : {}),
            ...(fk.onUpdate ? { onUpdate: fk.onUpdate } : {}),
          }),
        );
      }
      return out;
    };
    md.table(t.name, builders, extras);
  }
  return md;
}
