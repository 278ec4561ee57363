// Operations as SQL for one dialect. Identifiers are quoted by the dialect; types, defaults and
// constraint options go through the schema's DDL compiler, which checks them. SQLite changes what
// its ALTER TABLE cannot by rebuilding the table (batch.ts).
import type { Dialect } from "../dialects/dialect.js";
import { constraintName, DdlCompiler } from "../schema/ddl.js";
import { pgConstraintName } from "../schema/reflect/postgres.js";
import { checkValue, types } from "../sql/types.js";
import type { Table } from "../schema/table.js";
import { applyOperation, columnIn, findForeignKey, findUnique, tableIn } from "./apply.js";
import { rebuildTable } from "./batch.js";
import { metadataOf } from "./build.js";
import { keyedNames, Spelling } from "./diff.js";
import { narrowingCheck } from "./narrowing.js";
import type { Operation } from "./operations.js";
import { sqlTypeOf, type DefaultSpec, type SchemaSpec, type TableSpec, type TypeSpec } from "./spec.js";

/** Whether SQLite's own ALTER TABLE does `op` (otherwise the table is rebuilt). */
function sqliteNative(op: Operation): boolean {
  switch (op.kind) {
    case "createTable":
    case "dropTable":
    case "createIndex":
    case "dropIndex":
    case "renameColumn":
    case "execute":
      return true;
    case "addColumn": {
      // ADD COLUMN takes NULL or a constant default, no key; a column under a foreign key needs one.
      const c = op.column;
      return !c.autoincrement && (c.nullable || (c.default !== undefined && "value" in c.default)) && !(c.default !== undefined && "sql" in c.default);
    }
    default:
      return false;
  }
}

function tableOfSpec(spec: SchemaSpec, name: string): Table {
  return metadataOf(spec).get(name);
}

/** The table SQLite rebuilds for `op`, if it does. */
export function rebuiltTable(op: Operation, before: SchemaSpec, dialect: Dialect): string | undefined {
  if (dialect.name !== "sqlite" || sqliteNative(op) || op.kind === "execute" || op.kind === "createTable") return undefined;
  return op.table;
}

/**
 * The statements that carry out `op` on a database whose schema is `before`. `primaryKeyName`:
 * for a dropPrimaryKey on PostgreSQL, the key's name as the catalog has it (without it, the name
 * PostgreSQL gives a key it names itself).
 */
export function renderOperation(op: Operation, before: SchemaSpec, dialect: Dialect, primaryKeyName?: string): string[] {
  const after = applyOperation(before, op);
  const rebuilt = rebuiltTable(op, before, dialect);
  if (rebuilt !== undefined) return rebuildTable(tableIn(before, rebuilt), after, dialect);
  const ddl = new DdlCompiler(dialect);
  const c = dialect.createCompiler();
  const q = (n: string): string => c.quote(n);
  const cols = (ns: readonly string[]): string => ns.map(q).join(", ");
  const mysql = dialect.name === "mysql";
  switch (op.kind) {
    case "execute":
      return [op.sql];
    case "createTable": {
      const t = tableOfSpec(after, op.table.name);
      return [ddl.createTable(t), ...t.indexes.map((i) => ddl.createIndex(t, i))];
    }
    case "dropTable":
      return [ddl.dropTable(tableOfSpec(before, op.table), false)];
    case "addColumn": {
      const t = tableOfSpec(after, op.table);
      const add = `ALTER TABLE ${ddl.tableName(t)} ADD COLUMN ${ddl.columnDefinition(t, t.column(op.column.name))}`;
      // InnoDB wants an AUTO_INCREMENT column under a key from the start: it gets one of its own
      // until the table's key over it is added.
      return [mysql && op.column.autoincrement ? `${add}, ADD UNIQUE KEY ${q(autoKey(op.table, op.column.name))} (${q(op.column.name)})` : add];
    }
    case "dropColumn":
      return [`ALTER TABLE ${q(op.table)} DROP COLUMN ${q(op.column)}`];
    case "renameColumn": {
      const rename = `ALTER TABLE ${q(op.table)} RENAME COLUMN ${q(op.from)} TO ${q(op.to)}`;
      // PostgreSQL's name for an enum's check follows the column, as createAll would name it.
      if (dialect.name !== "postgres" || columnIn(tableIn(before, op.table), op.from).type.kind !== "enum") return [rename];
      const [from, to] = [op.from, op.to].map((n) => q(pgConstraintName(op.table, n, "check")));
      return [rename, `ALTER TABLE ${q(op.table)} RENAME CONSTRAINT ${from} TO ${to}`];
    }
    case "alterColumn": {
      const old = columnIn(tableIn(before, op.table), op.column);
      const t = tableOfSpec(after, op.table);
      const col = t.column(op.column);
      // MariaDB's MODIFY COLUMN replaces the column's own CHECK, an enum's values included; done in
      // place it would not check the rows against it, so an enum's table is copied.
      // A narrower type would cut or round stored values: checked first (narrowing.ts).
      const check =
        op.type === undefined
          ? undefined
          : narrowingCheck(dialect, tableOfSpec(before, op.table), op.column, sqlTypeOf(op.type), new Spelling(dialect).stored(op.type, false));
      if (mysql)
        return [
          ...(check === undefined ? [] : [check]),
          `ALTER TABLE ${q(op.table)} MODIFY COLUMN ${ddl.columnDefinition(t, col)}${op.type?.kind === "enum" ? ", ALGORITHM=COPY" : ""}`,
        ];
      const head = `ALTER TABLE ${q(op.table)} ALTER COLUMN ${q(op.column)}`;
      const out: string[] = [];
      // PostgreSQL: an enum is text under a column CHECK named by PostgreSQL; its values change with the check.
      const enumCheck = q(pgConstraintName(op.table, op.column, "check"));
      const enumChanges = op.type !== undefined && (op.type.kind === "enum" || old.type.kind === "enum");
      if (enumChanges && old.type.kind === "enum") out.push(`ALTER TABLE ${q(op.table)} DROP CONSTRAINT ${enumCheck}`);
      const newDefault = columnIn(tableIn(after, op.table), op.column).default;
      // PostgreSQL casts an old default to the new type, and may refuse: it goes first, comes back last.
      const resetDefault = op.default !== undefined || (op.type !== undefined && old.default !== undefined);
      if (resetDefault && old.default !== undefined) out.push(`${head} DROP DEFAULT`);
      // The stored type alone: an identity column keeps its identity through ALTER … TYPE.
      const type = new Spelling(dialect).stored(op.type ?? old.type, false);
      if (op.type !== undefined && type !== new Spelling(dialect).stored(old.type, false)) {
        if (check !== undefined) out.push(check);
        out.push(`${head} TYPE ${type} USING CAST(${q(op.column)} AS ${type})`);
      }
      if (op.nullable !== undefined) out.push(`${head} ${op.nullable ? "DROP" : "SET"} NOT NULL`);
      if (resetDefault && newDefault !== undefined)
        out.push(`${head} SET DEFAULT ${defaultSql(newDefault, op.type ?? old.type, dialect, { table: op.table, column: op.column })}`);
      if (enumChanges && op.type?.kind === "enum")
        out.push(
          `ALTER TABLE ${q(op.table)} ADD CONSTRAINT ${enumCheck} CHECK (${q(op.column)} IN (${op.type.values.map((v) => c.literal(v, col.type)).join(", ")}))`,
        );
      if (op.autoincrement === false) out.push(`${head} DROP IDENTITY IF EXISTS`, `${head} DROP DEFAULT`);
      if (op.autoincrement === true) {
        // The identity's sequence starts past the rows already there.
        const seq = `pg_get_serial_sequence(${c.literal(q(op.table), types.text)}, ${c.literal(op.column, types.text)})`;
        out.push(`${head} ADD GENERATED BY DEFAULT AS IDENTITY`, `SELECT setval(${seq}, COALESCE(MAX(${q(op.column)}), 0) + 1, false) FROM ${q(op.table)}`);
      }
      return out;
    }
    case "dropPrimaryKey": {
      if (!mysql) return [`ALTER TABLE ${q(op.table)} DROP CONSTRAINT ${q(primaryKeyName ?? pgConstraintName(op.table, undefined, "pkey"))}`];
      // InnoDB refuses to drop the key a foreign key of the table uses as its index.
      const pk = tableIn(before, op.table).primaryKey;
      return aroundServedKeys(ddl, tableOfSpec(before, op.table), pk, `ALTER TABLE ${q(op.table)} DROP PRIMARY KEY`);
    }
    case "addPrimaryKey":
      return [
        ...rekey(op.table, op.columns, before, after, dialect),
        `ALTER TABLE ${q(op.table)} ADD PRIMARY KEY (${cols(op.columns)})`,
        ...dropAutoKey(op.table, op.columns, after, dialect),
      ];
    case "createIndex": {
      const t = tableOfSpec(after, op.table);
      const idx = t.indexes.find((i) => i.name === op.index.name)!;
      return [...rekey(op.table, op.index.columns, before, after, dialect), ddl.createIndex(t, idx)];
    }
    case "dropIndex": {
      const drop = mysql ? `DROP INDEX ${q(op.name)} ON ${q(op.table)}` : `DROP INDEX ${q(op.name)}`;
      const columns = tableIn(before, op.table).indexes.find((i) => i.name === op.name)?.columns ?? [];
      return mysql ? aroundServedKeys(ddl, tableOfSpec(before, op.table), columns, drop) : [drop];
    }
    case "addUnique": {
      const spec = findUnique(tableIn(after, op.table), op.unique.columns)!;
      return [
        ...rekey(op.table, op.unique.columns, before, after, dialect),
        `ALTER TABLE ${q(op.table)} ADD CONSTRAINT ${q(spec.name ?? uniqueName(op.table, op.unique.columns))} UNIQUE (${cols(op.unique.columns)})`,
        ...dropAutoKey(op.table, op.unique.columns, after, dialect),
      ];
    }
    case "dropUnique": {
      const u = findUnique(tableIn(before, op.table), op.columns)!;
      const name = u.name ?? uniqueName(op.table, op.columns);
      if (!mysql) return [`ALTER TABLE ${q(op.table)} DROP CONSTRAINT ${q(name)}`];
      return aroundServedKeys(ddl, tableOfSpec(before, op.table), op.columns, `ALTER TABLE ${q(op.table)} DROP INDEX ${q(name)}`);
    }
    case "addForeignKey": {
      const t = tableOfSpec(after, op.table);
      const fk = t.foreignKeys.find((f) => f.target.name === op.foreignKey.refTable && sameNames(f.columns, op.foreignKey.columns))!;
      return [...rekey(op.table, op.foreignKey.columns, before, after, dialect), ddl.addForeignKey(fk)];
    }
    case "dropForeignKey": {
      const spec = findForeignKey(tableIn(before, op.table), op.columns, op.refTable);
      const t = tableOfSpec(before, op.table);
      const fk = t.foreignKeys.find((f) => f.target.name === spec.refTable && sameNames(f.columns, spec.columns))!;
      const out = [ddl.dropForeignKey(fk)];
      // InnoDB made an index named after the foreign key when none served it; it outlives the key.
      if (mysql && spec.name !== undefined) out.push(`DROP INDEX IF EXISTS ${q(spec.name)} ON ${q(op.table)}`);
      return out;
    }
    case "addCheck": {
      const t = tableOfSpec(after, op.table);
      const chk = t.checks.find((x) => x.name === op.check.name)!;
      return [`ALTER TABLE ${q(op.table)} ADD CONSTRAINT ${q(chk.name)} CHECK (${c.compileInline(chk.condition.node)})`];
    }
    case "dropCheck":
      return [`ALTER TABLE ${q(op.table)} DROP CONSTRAINT ${q(op.name)}`];
  }
}

const sameNames = (nodes: readonly { readonly name: string }[], names: readonly string[]): boolean =>
  nodes.length === names.length && nodes.every((n, i) => n.name === names[i]);

/**
 * MariaDB: InnoDB refuses to drop an index a foreign key of the same table relies on (one whose
 * leading columns are the key's), so those keys are dropped first and added again after; InnoDB
 * then gives each the index named after it that `createAll` of the final schema has.
 */
function aroundServedKeys(ddl: DdlCompiler, t: Table, columns: readonly string[], drop: string): string[] {
  const served = t.foreignKeys.filter((fk) => fk.columns.length <= columns.length && fk.columns.every((c, i) => c.name === columns[i]));
  return [...served.map((fk) => ddl.dropForeignKey(fk)), drop, ...served.map((fk) => ddl.addForeignKey(fk))];
}

/** The key a new AUTO_INCREMENT column gets on MariaDB until the table's own key over it exists. */
function autoKey(table: string, column: string): string {
  return constraintName("_arbor_auto", table, [column]);
}

/** Drops that key once a key led by the column is in place. */
function dropAutoKey(table: string, columns: readonly string[], after: SchemaSpec, dialect: Dialect): string[] {
  if (dialect.name !== "mysql" || !columns.length || !columnIn(tableIn(after, table), columns[0]).autoincrement) return [];
  const q = (n: string): string => dialect.createCompiler().quote(n);
  return [`DROP INDEX IF EXISTS ${q(autoKey(table, columns[0]))} ON ${q(table)}`];
}

function uniqueName(table: string, columns: readonly string[]): string {
  return constraintName("uq", table, columns);
}

/** A server default as DDL writes it: a literal checked against the column's type, or the SQL text. */
function defaultSql(d: DefaultSpec, type: TypeSpec, dialect: Dialect, site: { table: string; column: string }): string {
  if ("sql" in d) return `(${d.sql})`;
  const t = sqlTypeOf(type);
  return dialect.createCompiler().literal(checkValue(t, d.value, site), t);
}

/**
 * MariaDB spells a column under a key with a bounded type (TEXT cannot be indexed whole): a column
 * that a new key covers is changed to that spelling first.
 */
function rekey(table: string, columns: readonly string[], before: SchemaSpec, after: SchemaSpec, dialect: Dialect): string[] {
  if (dialect.name !== "mysql") return [];
  const sp = new Spelling(dialect);
  const b: TableSpec = tableIn(before, table);
  const keyed = keyedNames(b);
  const t = tableOfSpec(after, table);
  const ddl = new DdlCompiler(dialect);
  const out: string[] = [];
  for (const name of columns) {
    const col = columnIn(b, name);
    if (sp.type(col.type, keyed.has(name)) !== sp.type(col.type, true))
      out.push(`ALTER TABLE ${dialect.createCompiler().quote(table)} MODIFY COLUMN ${ddl.columnDefinition(t, t.column(name))}`);
  }
  return out;
}
