// A SchemaSpec made into schema Tables, so DDL for it comes from the one DDL compiler.
import { ColumnBuilder, type AnyColumnBuilder } from "../schema/column.js";
import { MetaData } from "../schema/metadata.js";
import { rawExpr } from "../schema/reflect/model.js";
import { check, foreignKey, index, primaryKey, unique, type AnyColumn, type TableExtra } from "../schema/table.js";
import { sqlTypeOf, type ColumnSpec, type SchemaSpec, type TableSpec } from "./spec.js";

export function columnBuilder(c: ColumnSpec): AnyColumnBuilder {
  let b: AnyColumnBuilder = new ColumnBuilder<unknown>(sqlTypeOf(c.type));
  if (!c.nullable) b = b.notNull();
  if (c.autoincrement) b = b.autoincrement();
  if (c.default !== undefined) b = b.serverDefault("sql" in c.default ? rawExpr(c.default.sql) : c.default.value);
  return b;
}

function addTable(md: MetaData, t: TableSpec): void {
  const builders: Record<string, AnyColumnBuilder> = {};
  for (const c of t.columns) builders[c.name] = columnBuilder(c);
  const extras = (cols: Readonly<Record<string, AnyColumn>>): TableExtra[] => {
    const pick = (ns: readonly string[]): AnyColumn[] => ns.map((n) => cols[n]);
    const out: TableExtra[] = [];
    if (t.primaryKey.length) out.push(primaryKey(...pick(t.primaryKey)));
    for (const u of t.uniques) out.push(unique(pick(u.columns), u.name));
    for (const i of t.indexes) out.push(index(pick(i.columns), { name: i.name, unique: i.unique }));
    for (const c of t.checks) out.push(check(c.name, rawExpr<boolean>(c.condition)));
    for (const fk of t.foreignKeys)
      out.push(
        foreignKey(pick(fk.columns), () => fk.refColumns.map((n) => md.get(fk.refTable).column(n)), {
          ...(fk.name !== undefined ? { name: fk.name } : {}),
          ...(fk.onDelete ? { onDelete: fk.onDelete } : {}),
          ...(fk.onUpdate ? { onUpdate: fk.onUpdate } : {}),
        }),
      );
    return out;
  };
  md.table(t.name, builders, extras);
}

/** Tables for every table of `spec` (foreign keys resolve among them), column keys the SQL names. */
export function metadataOf(spec: SchemaSpec): MetaData {
  const md = new MetaData();
  for (const t of spec.tables) addTable(md, t);
  return md;
}
