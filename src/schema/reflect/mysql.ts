// Reads the connection's current database (DATABASE()) from MariaDB's information_schema.
import { sql } from "../../sql/sql-tag.js";
import { storedTimestamp, types, type SqlType } from "../../sql/types.js";
import { rows, type CatalogExecutor } from "./catalog.js";
import { conditionSubject } from "./condition.js";
import { action, adoptEnumCheck, rawTable, stripParens, unknownType, type RawTable, type Warn } from "./model.js";

function mysqlType(r: Record<string, unknown>, where: string, warn: Warn): SqlType {
  const num = (k: string): number | undefined => (r[k] === null || r[k] === undefined ? undefined : Number(r[k]));
  const full = String(r.column_type).toLowerCase();
  switch (String(r.data_type).toLowerCase()) {
    case "int":
      return types.integer;
    case "smallint":
      return types.smallint;
    case "bigint":
      return types.bigint;
    case "tinyint":
      if (full.startsWith("tinyint(1)")) return types.boolean;
      return unknownType(full, where, warn);
    case "double":
      return types.double;
    case "float":
      warn(`${where}: float read as Arbor's real, which MariaDB stores as DOUBLE`);
      return types.real;
    case "decimal":
      return types.numeric(num("numeric_precision"), num("numeric_scale"));
    case "varchar":
      return types.varchar(num("character_maximum_length"));
    case "char":
      if (num("character_maximum_length") === 36) return types.uuid;
      return unknownType(full, where, warn);
    case "longtext":
      return types.text;
    case "text":
      // Arbor's varchar() without a length, outside any key.
      return types.varchar();
    case "mediumtext":
    case "tinytext":
      warn(`${where}: ${full} read as Arbor's text, which MariaDB stores as LONGTEXT`);
      return types.text;
    case "date":
      return types.date;
    case "datetime":
    case "timestamp":
      // Past 3 digits a Date would round: read as ISO text. DATETIME alone keeps 0.
      return storedTimestamp(String(r.data_type).toLowerCase() === "timestamp" ? "timestamptz" : "timestamp", num("datetime_precision") ?? 0);
    case "longblob":
    case "varbinary":
      return types.bytes;
    case "blob":
    case "mediumblob":
    case "tinyblob":
      warn(`${where}: ${full} read as Arbor's bytes, which MariaDB stores as LONGBLOB`);
      return types.bytes;
    default:
      return unknownType(full, where, warn);
  }
}

/** Rows of an information_schema query grouped by table name. */
function byTable(list: Record<string, unknown>[]): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (const r of list) out.set(String(r.tbl), [...(out.get(String(r.tbl)) ?? []), r]);
  return out;
}

export async function readMysql(ex: CatalogExecutor, warn: Warn): Promise<RawTable[]> {
  const tables = new Map<string, RawTable>();
  for (const r of await rows(
    ex,
    sql`SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
  ))
    tables.set(String(r.name), rawTable(String(r.name)));
  // MariaDB's JSON is LONGTEXT with a CHECK (json_valid(column)) named after the column.
  const checks = await rows(
    ex,
    sql`SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause, LEVEL AS level FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME`,
  );
  const jsonCheck = (tbl: string, col: string): Record<string, unknown> | undefined =>
    // Named after the column, and keeping that name when the column is renamed: found by its clause.
    checks.find((c) => c.tbl === tbl && c.level === "Column" && String(c.clause) === `json_valid(\`${col.replace(/`/g, "``")}\`)`);
  const jsonChecks = new Set<Record<string, unknown>>();
  for (const r of await rows(
    ex,
    sql`SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, CHARACTER_MAXIMUM_LENGTH AS character_maximum_length,
               NUMERIC_PRECISION AS numeric_precision, NUMERIC_SCALE AS numeric_scale, DATETIME_PRECISION AS datetime_precision,
               IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default, EXTRA AS extra
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  )) {
    const t = tables.get(String(r.tbl));
    if (!t) continue;
    const name = String(r.name);
    const jc = String(r.data_type).toLowerCase() === "longtext" ? jsonCheck(t.name, name) : undefined;
    if (jc) jsonChecks.add(jc);
    const def = r.column_default === null ? undefined : String(r.column_default);
    t.columns.push({
      name,
      type: jc ? types.json() : mysqlType(r, `${t.name}.${name}`, warn),
      nullable: r.is_nullable === "YES",
      // MariaDB reports "no default" on a nullable column as the text NULL.
      default: def === undefined || def === "NULL" ? undefined : stripParens(def),
      autoincrement: /auto_increment/i.test(String(r.extra)),
    });
  }
  for (const c of checks) {
    const t = tables.get(String(c.tbl));
    if (!t || jsonChecks.has(c)) continue;
    const condition = stripParens(String(c.clause));
    // A column's own CHECK is named after the column (and keeps that name when the column is
    // renamed); an enum column's is its values.
    const subject = conditionSubject(condition);
    const column = t.columns.find((x) => x.name.toLowerCase() === subject)?.name;
    if (c.level === "Column" && column !== undefined && adoptEnumCheck(t, column, condition)) continue;
    t.checks.push({ name: String(c.name), condition });
  }
  const keyCols = byTable(
    await rows(
      ex,
      sql`SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_SCHEMA AS refschema,
                 k.REFERENCED_TABLE_NAME AS reftbl, k.REFERENCED_COLUMN_NAME AS refcol, tc.CONSTRAINT_TYPE AS kind,
                 rc.DELETE_RULE AS ondelete, rc.UPDATE_RULE AS onupdate
          FROM information_schema.KEY_COLUMN_USAGE k
          JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND tc.TABLE_NAME = k.TABLE_NAME AND tc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.TABLE_NAME = k.TABLE_NAME AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          WHERE k.TABLE_SCHEMA = DATABASE() ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    ),
  );
  const db = (await rows(ex, sql`SELECT DATABASE() AS db`))[0].db;
  const fkNames = new Map<string, Set<string>>();
  for (const [tbl, list] of keyCols) {
    const t = tables.get(tbl);
    if (!t) continue;
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const r of list) groups.set(String(r.name), [...(groups.get(String(r.name)) ?? []), r]);
    for (const [name, parts] of groups) {
      const kind = String(parts[0].kind);
      const cols = parts.map((p) => String(p.col));
      if (kind === "PRIMARY KEY") t.primaryKey = cols;
      else if (kind === "UNIQUE") t.uniques.push({ name, columns: cols });
      else if (kind === "FOREIGN KEY") {
        fkNames.set(tbl, (fkNames.get(tbl) ?? new Set()).add(name));
        if (parts[0].refschema !== null && parts[0].refschema !== db) {
          warn(`${tbl}: foreign key ${name} references ${String(parts[0].refschema)}.${String(parts[0].reftbl)}, outside the current database; left out`);
          continue;
        }
        t.foreignKeys.push({
          name,
          columns: cols,
          refTable: String(parts[0].reftbl),
          refColumns: parts.map((p) => String(p.refcol)),
          // InnoDB reads an omitted action as RESTRICT.
          onDelete: action(String(parts[0].ondelete), "RESTRICT"),
          onUpdate: action(String(parts[0].onupdate), "RESTRICT"),
        });
      }
    }
  }
  const stats = byTable(
    await rows(
      ex,
      sql`SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS col FROM information_schema.STATISTICS
          WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    ),
  );
  for (const [tbl, list] of stats) {
    const t = tables.get(tbl);
    if (!t) continue;
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const r of list) groups.set(String(r.name), [...(groups.get(String(r.name)) ?? []), r]);
    for (const [name, parts] of groups) {
      if (name === "PRIMARY") continue;
      const unique = Number(parts[0].non_unique) === 0;
      // Unique indexes are the unique constraints read above; an index named after a foreign key is the one InnoDB made for it.
      if (unique || fkNames.get(tbl)?.has(name)) continue;
      if (parts.some((p) => p.col === null)) {
        warn(`${tbl}: expression index ${name} left out`);
        continue;
      }
      t.indexes.push({ name, columns: parts.map((p) => String(p.col)), unique: false });
    }
  }
  return [...tables.values()];
}
