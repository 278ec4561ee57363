// What a migration file's `up` and `down` are given: each call records one operation (plain data),
// so the runner can render them for its engine, print them (--sql) or run them.
import type { Operation } from "./operations.js";
import type { CheckSpec, ColumnSpec, DefaultSpec, ForeignKeySpec, IndexSpec, TableSpec, TypeSpec, UniqueSpec } from "./spec.js";

export class MigrationOps {
  readonly operations: Operation[] = [];

  private push(op: Operation): this {
    this.operations.push(op);
    return this;
  }
  createTable(table: TableSpec): this {
    return this.push({ kind: "createTable", table });
  }
  dropTable(table: string): this {
    return this.push({ kind: "dropTable", table });
  }
  addColumn(table: string, column: ColumnSpec): this {
    return this.push({ kind: "addColumn", table, column });
  }
  dropColumn(table: string, column: string): this {
    return this.push({ kind: "dropColumn", table, column });
  }
  /** Changes only what `changes` names; `default: null` drops the default. */
  alterColumn(table: string, column: string, changes: { type?: TypeSpec; nullable?: boolean; default?: DefaultSpec | null; autoincrement?: boolean }): this {
    return this.push({ kind: "alterColumn", table, column, ...changes });
  }
  renameColumn(table: string, from: string, to: string): this {
    return this.push({ kind: "renameColumn", table, from, to });
  }
  createIndex(table: string, index: IndexSpec): this {
    return this.push({ kind: "createIndex", table, index });
  }
  dropIndex(table: string, name: string): this {
    return this.push({ kind: "dropIndex", table, name });
  }
  addUnique(table: string, unique: UniqueSpec): this {
    return this.push({ kind: "addUnique", table, unique });
  }
  dropUnique(table: string, columns: readonly string[]): this {
    return this.push({ kind: "dropUnique", table, columns });
  }
  addForeignKey(table: string, foreignKey: ForeignKeySpec): this {
    return this.push({ kind: "addForeignKey", table, foreignKey });
  }
  dropForeignKey(table: string, columns: readonly string[], refTable: string): this {
    return this.push({ kind: "dropForeignKey", table, columns, refTable });
  }
  addCheck(table: string, check: CheckSpec): this {
    return this.push({ kind: "addCheck", table, check });
  }
  dropCheck(table: string, name: string): this {
    return this.push({ kind: "dropCheck", table, name });
  }
  dropPrimaryKey(table: string): this {
    return this.push({ kind: "dropPrimaryKey", table });
  }
  addPrimaryKey(table: string, columns: readonly string[]): this {
    return this.push({ kind: "addPrimaryKey", table, columns });
  }
  /** SQL run as written (data changes, anything the operations do not cover). */
  execute(sql: string): this {
    return this.push({ kind: "execute", sql });
  }
}

/** The operations an `up` or `down` function records. */
export async function record(fn: (op: MigrationOps) => void | Promise<void>): Promise<Operation[]> {
  const ops = new MigrationOps();
  await fn(ops);
  return ops.operations;
}
