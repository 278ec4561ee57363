// The statements of a migration's operations, in order. On SQLite every operation its ALTER TABLE
// cannot do rebuilds the table (batch.ts); a table is rebuilt once for all such operations of a
// migration, not once each: they change the tracked schema only, and the table is rebuilt from
// what it is to what they leave after the last of them. An operation the rebuild cannot stand in
// for (hand-written SQL, a rename, whose rows a copy by column name would lose) rebuilds first.
import type { Dialect } from "../dialects/dialect.js";
import { NotSupportedError } from "../errors.js";
import { applyOperation, tableIn } from "./apply.js";
import { rebuildTable } from "./batch.js";
import type { Operation } from "./operations.js";
import { rebuiltTable, renderOperation } from "./render-sql.js";
import type { SchemaSpec, TableSpec } from "./spec.js";

/** Operations on a table that a rebuild of it makes as well (the rebuild creates the table as it ends). */
function absorbed(op: Operation, table: string): boolean {
  return (op.kind === "addColumn" || op.kind === "createIndex" || op.kind === "dropIndex") && op.table === table;
}

interface Pending {
  /** The table as the database holds it. */
  readonly from: TableSpec;
  /** Columns dropped since: one added again under the same name must not get the old rows' values. */
  readonly dropped: Set<string>;
  /** The operations (1-based) it stands for. */
  readonly ops: number[];
}

export class StatementPlan {
  private readonly pending = new Map<string, Pending>();
  private index = -1;

  /** `hidden`: tables with CHECK constraints reflection could not read, which a rebuild would lose. */
  constructor(
    private readonly ops: readonly Operation[],
    private state: SchemaSpec,
    private readonly dialect: Dialect,
    private hidden: ReadonlySet<string> = new Set(),
  ) {}

  get schema(): SchemaSpec {
    return this.state;
  }

  /** After hand-written SQL, the schema as read again (nothing is pending then: the SQL ended every rebuild). */
  reset(state: SchemaSpec, hidden: ReadonlySet<string>): void {
    this.state = state;
    this.hidden = hidden;
  }

  private rebuildsLater(table: string): boolean {
    return this.ops.slice(this.index + 1).some((o) => rebuiltTable(o, this.state, this.dialect) === table);
  }

  /**
   * The statements to run for the next operation, with the rebuilds that end after it; `printed`
   * is the same with a comment before each rebuild naming the operations it stands for.
   * `primaryKeyName`: the catalog's name for the key a dropPrimaryKey drops, where it was read.
   */
  next(primaryKeyName?: string): { statements: string[]; printed: string[] } {
    const op = this.ops[++this.index];
    const statements: string[] = [];
    const printed: string[] = [];
    const flush = (table: string): void => {
      const p = this.pending.get(table);
      if (!p) return;
      this.pending.delete(table);
      const sql = rebuildTable(p.from, this.state, this.dialect);
      statements.push(...sql);
      printed.push(`-- rebuild ${table} (operation${p.ops.length > 1 ? "s" : ""} ${p.ops.join(", ")})`, ...sql);
    };
    const table = "table" in op && typeof op.table === "string" ? op.table : undefined;
    if (op.kind === "addColumn" && this.pending.get(op.table)?.dropped.has(op.column.name)) flush(op.table);
    const rebuilt = rebuiltTable(op, this.state, this.dialect);
    const defer = rebuilt !== undefined || (table !== undefined && absorbed(op, table) && (this.pending.has(table) || this.rebuildsLater(table)));
    if (defer && table !== undefined) {
      if (this.hidden.has(table))
        throw new NotSupportedError(`SQLite rebuilds ${table} for this, and Arbor cannot read its CHECK constraints to keep them`, { table });
      const entry = this.pending.get(table) ?? { from: tableIn(this.state, table), dropped: new Set<string>(), ops: [] };
      this.pending.set(table, entry);
      entry.ops.push(this.index + 1);
      if (op.kind === "dropColumn") entry.dropped.add(op.column);
      this.state = applyOperation(this.state, op);
    } else {
      if (op.kind === "execute") for (const t of [...this.pending.keys()]) flush(t);
      else if (op.kind === "dropTable") this.pending.delete(op.table);
      else if (table !== undefined) flush(table);
      const sql = renderOperation(op, this.state, this.dialect, primaryKeyName);
      statements.push(...sql);
      printed.push(...sql);
      this.state = applyOperation(this.state, op);
    }
    // A table is rebuilt after the last operation that needs it rebuilt.
    for (const t of [...this.pending.keys()]) if (!this.rebuildsLater(t) && !this.ops.slice(this.index + 1).some((o) => absorbed(o, t))) flush(t);
    return { statements, printed };
  }
}
