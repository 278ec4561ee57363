// What each operation does to a schema, in memory: the runner tracks the schema a migration leaves
// so that SQLite's table rebuilds and the DDL of later operations see the table as it then is.
import { ArgumentError, UnknownColumnError, UnknownTableError } from "../errors.js";
import type { Operation } from "./operations.js";
import type { ColumnSpec, SchemaSpec, TableSpec } from "./spec.js";

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function tableIn(spec: SchemaSpec, name: string): TableSpec {
  const t = spec.tables.find((x) => x.name === name);
  if (!t) throw new UnknownTableError(`The schema has no table ${name}`, { table: name });
  return t;
}

export function columnIn(t: TableSpec, name: string): ColumnSpec {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new UnknownColumnError(`Table ${t.name} has no column ${name}`, { table: t.name, column: name });
  return c;
}

function replace(spec: SchemaSpec, name: string, fn: (t: TableSpec) => TableSpec): SchemaSpec {
  const t = tableIn(spec, name);
  return { tables: spec.tables.map((x) => (x === t ? fn(t) : x)) };
}

/** The schema after `op`; an operation naming something the schema lacks is refused. */
export function applyOperation(spec: SchemaSpec, op: Operation): SchemaSpec {
  switch (op.kind) {
    case "createTable":
      if (spec.tables.some((t) => t.name === op.table.name)) throw new ArgumentError(`Table ${op.table.name} exists already`, { table: op.table.name });
      return { tables: [...spec.tables, op.table] };
    case "dropTable":
      tableIn(spec, op.table);
      return { tables: spec.tables.filter((t) => t.name !== op.table) };
    case "addColumn":
      return replace(spec, op.table, (t) => {
        if (t.columns.some((c) => c.name === op.column.name))
          throw new ArgumentError(`Table ${t.name} has a column ${op.column.name} already`, { table: t.name, column: op.column.name });
        return { ...t, columns: [...t.columns, op.column] };
      });
    case "dropColumn":
      return replace(spec, op.table, (t) => {
        columnIn(t, op.column);
        const uses = (cols: readonly string[]): boolean => cols.includes(op.column);
        return {
          ...t,
          columns: t.columns.filter((c) => c.name !== op.column),
          uniques: t.uniques.filter((u) => !uses(u.columns)),
          indexes: t.indexes.filter((i) => !uses(i.columns)),
          foreignKeys: t.foreignKeys.filter((f) => !uses(f.columns)),
        };
      });
    case "alterColumn":
      return replace(spec, op.table, (t) => {
        const c = columnIn(t, op.column);
        const next: ColumnSpec = {
          name: c.name,
          type: op.type ?? c.type,
          nullable: op.nullable ?? c.nullable,
          ...(op.default === null ? {} : op.default !== undefined ? { default: op.default } : c.default !== undefined ? { default: c.default } : {}),
          ...((op.autoincrement ?? c.autoincrement) ? { autoincrement: true } : {}),
        };
        return { ...t, columns: t.columns.map((x) => (x === c ? next : x)) };
      });
    case "renameColumn": {
      const rename = (cols: readonly string[]): string[] => cols.map((n) => (n === op.from ? op.to : n));
      const renamed = replace(spec, op.table, (t) => {
        const c = columnIn(t, op.from);
        if (t.columns.some((x) => x.name === op.to)) throw new ArgumentError(`Table ${t.name} has a column ${op.to} already`, { table: t.name, column: op.to });
        return {
          ...t,
          columns: t.columns.map((x) => (x === c ? { ...x, name: op.to } : x)),
          primaryKey: rename(t.primaryKey),
          uniques: t.uniques.map((u) => ({ ...u, columns: rename(u.columns) })),
          indexes: t.indexes.map((i) => ({ ...i, columns: rename(i.columns) })),
          foreignKeys: t.foreignKeys.map((f) => ({ ...f, columns: rename(f.columns) })),
        };
      });
      // Foreign keys of other tables follow the column they reference.
      return {
        tables: renamed.tables.map((t) => ({
          ...t,
          foreignKeys: t.foreignKeys.map((f) => (f.refTable === op.table ? { ...f, refColumns: rename(f.refColumns) } : f)),
        })),
      };
    }
    case "createIndex":
      return replace(spec, op.table, (t) => ({ ...t, indexes: [...t.indexes, op.index] }));
    case "dropIndex":
      return replace(spec, op.table, (t) => {
        if (!t.indexes.some((i) => i.name === op.name)) throw new ArgumentError(`Table ${t.name} has no index ${op.name}`, { table: t.name });
        return { ...t, indexes: t.indexes.filter((i) => i.name !== op.name) };
      });
    case "addUnique":
      return replace(spec, op.table, (t) => ({ ...t, uniques: [...t.uniques, op.unique] }));
    case "dropUnique":
      return replace(spec, op.table, (t) => {
        if (!t.uniques.some((u) => same(u.columns, op.columns)))
          throw new ArgumentError(`Table ${t.name} has no unique constraint on (${op.columns.join(", ")})`, { table: t.name });
        return { ...t, uniques: t.uniques.filter((u) => !same(u.columns, op.columns)) };
      });
    case "addForeignKey":
      tableIn(spec, op.foreignKey.refTable);
      return replace(spec, op.table, (t) => ({ ...t, foreignKeys: [...t.foreignKeys, op.foreignKey] }));
    case "dropForeignKey":
      return replace(spec, op.table, (t) => {
        const fk = findForeignKey(t, op.columns, op.refTable);
        return { ...t, foreignKeys: t.foreignKeys.filter((f) => f !== fk) };
      });
    case "addCheck":
      return replace(spec, op.table, (t) => ({ ...t, checks: [...t.checks, op.check] }));
    case "dropCheck":
      return replace(spec, op.table, (t) => {
        if (!t.checks.some((c) => c.name === op.name)) throw new ArgumentError(`Table ${t.name} has no check constraint ${op.name}`, { table: t.name });
        return { ...t, checks: t.checks.filter((c) => c.name !== op.name) };
      });
    case "dropPrimaryKey":
      return replace(spec, op.table, (t) => {
        if (!t.primaryKey.length) throw new ArgumentError(`Table ${t.name} has no primary key`, { table: t.name });
        return { ...t, primaryKey: [] };
      });
    case "addPrimaryKey":
      return replace(spec, op.table, (t) => {
        if (t.primaryKey.length) throw new ArgumentError(`Table ${t.name} has a primary key already`, { table: t.name });
        for (const c of op.columns) columnIn(t, c);
        // A key's columns hold no NULL: every engine makes them NOT NULL.
        return { ...t, primaryKey: [...op.columns], columns: t.columns.map((c) => (op.columns.includes(c.name) ? { ...c, nullable: false } : c)) };
      });
    case "execute":
      return spec;
  }
}

export function findForeignKey(t: TableSpec, columns: readonly string[], refTable: string): TableSpec["foreignKeys"][number] {
  const fk = t.foreignKeys.find((f) => f.refTable === refTable && same(f.columns, columns));
  if (!fk) throw new ArgumentError(`Table ${t.name} has no foreign key (${columns.join(", ")}) to ${refTable}`, { table: t.name });
  return fk;
}

export function findUnique(t: TableSpec, columns: readonly string[]): TableSpec["uniques"][number] | undefined {
  return t.uniques.find((u) => same(u.columns, columns));
}
