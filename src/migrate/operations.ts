// Migration operations: plain data, one kind per schema change. Autogenerate produces them, a
// migration file's `up`/`down` record them through `MigrationOps`, and the runner renders them as
// SQL for its dialect (render-sql.ts) after tracking what each one does (apply.ts).
import type { CheckSpec, ColumnSpec, DefaultSpec, ForeignKeySpec, IndexSpec, TableSpec, TypeSpec, UniqueSpec } from "./spec.js";

export interface CreateTable {
  readonly kind: "createTable";
  readonly table: TableSpec;
}
export interface DropTable {
  readonly kind: "dropTable";
  readonly table: string;
}
export interface AddColumn {
  readonly kind: "addColumn";
  readonly table: string;
  readonly column: ColumnSpec;
}
export interface DropColumn {
  readonly kind: "dropColumn";
  readonly table: string;
  readonly column: string;
}
/** Only what changes: a type, nullability, a default (`null` drops it), or whether the engine generates values. */
export interface AlterColumn {
  readonly kind: "alterColumn";
  readonly table: string;
  readonly column: string;
  readonly type?: TypeSpec;
  readonly nullable?: boolean;
  readonly default?: DefaultSpec | null;
  readonly autoincrement?: boolean;
}
/**
 * The table's primary key, whatever its columns and whatever its name (PostgreSQL's is the
 * constraint the catalog names when the migration runs).
 */
export interface DropPrimaryKey {
  readonly kind: "dropPrimaryKey";
  readonly table: string;
}
export interface AddPrimaryKey {
  readonly kind: "addPrimaryKey";
  readonly table: string;
  readonly columns: readonly string[];
}
export interface RenameColumn {
  readonly kind: "renameColumn";
  readonly table: string;
  readonly from: string;
  readonly to: string;
}
export interface CreateIndex {
  readonly kind: "createIndex";
  readonly table: string;
  readonly index: IndexSpec;
}
export interface DropIndex {
  readonly kind: "dropIndex";
  readonly table: string;
  readonly name: string;
}
export interface AddUnique {
  readonly kind: "addUnique";
  readonly table: string;
  readonly unique: UniqueSpec;
}
/** Found by its columns (SQLite keeps no name for a unique constraint). */
export interface DropUnique {
  readonly kind: "dropUnique";
  readonly table: string;
  readonly columns: readonly string[];
}
export interface AddForeignKey {
  readonly kind: "addForeignKey";
  readonly table: string;
  readonly foreignKey: ForeignKeySpec;
}
/** Found by its columns and referenced table (SQLite keeps no name for a foreign key). */
export interface DropForeignKey {
  readonly kind: "dropForeignKey";
  readonly table: string;
  readonly columns: readonly string[];
  readonly refTable: string;
}
export interface AddCheck {
  readonly kind: "addCheck";
  readonly table: string;
  readonly check: CheckSpec;
}
export interface DropCheck {
  readonly kind: "dropCheck";
  readonly table: string;
  readonly name: string;
}
/** SQL written by hand into a migration, run as is. */
export interface ExecuteSql {
  readonly kind: "execute";
  readonly sql: string;
}

export type Operation =
  | CreateTable
  | DropTable
  | AddColumn
  | DropColumn
  | AlterColumn
  | RenameColumn
  | CreateIndex
  | DropIndex
  | AddUnique
  | DropUnique
  | AddForeignKey
  | DropForeignKey
  | AddCheck
  | DropCheck
  | DropPrimaryKey
  | AddPrimaryKey
  | ExecuteSql;

export type OperationKind = Operation["kind"];

/** One line naming an operation, for messages. */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case "createTable":
      return `create table ${op.table.name}`;
    case "dropTable":
      return `drop table ${op.table}`;
    case "addColumn":
      return `add column ${op.table}.${op.column.name}`;
    case "dropColumn":
      return `drop column ${op.table}.${op.column}`;
    case "alterColumn":
      return `alter column ${op.table}.${op.column}`;
    case "renameColumn":
      return `rename column ${op.table}.${op.from} to ${op.to}`;
    case "createIndex":
      return `create index ${op.index.name} on ${op.table}`;
    case "dropIndex":
      return `drop index ${op.name} on ${op.table}`;
    case "addUnique":
      return `add unique (${op.unique.columns.join(", ")}) on ${op.table}`;
    case "dropUnique":
      return `drop unique (${op.columns.join(", ")}) on ${op.table}`;
    case "addForeignKey":
      return `add foreign key (${op.foreignKey.columns.join(", ")}) on ${op.table} → ${op.foreignKey.refTable}`;
    case "dropForeignKey":
      return `drop foreign key (${op.columns.join(", ")}) on ${op.table} → ${op.refTable}`;
    case "addCheck":
      return `add check ${op.check.name} on ${op.table}`;
    case "dropCheck":
      return `drop check ${op.name} on ${op.table}`;
    case "dropPrimaryKey":
      return `drop primary key on ${op.table}`;
    case "addPrimaryKey":
      return `add primary key (${op.columns.join(", ")}) on ${op.table}`;
    case "execute":
      return `execute ${JSON.stringify(op.sql.length > 60 ? `${op.sql.slice(0, 57)}...` : op.sql)}`;
  }
}
