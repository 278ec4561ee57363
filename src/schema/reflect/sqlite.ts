// Reads a SQLite schema through sqlite_master and the pragma table functions.
import { sql } from "../../sql/sql-tag.js";
import { storedTimestamp, types, type SqlType } from "../../sql/types.js";
import { rows, type CatalogExecutor } from "./catalog.js";
import { sqliteChecks } from "./sqlite-checks.js";
import { action, adoptEnumCheck, rawTable, stripParens, unknownType, type RawTable, type Warn } from "./model.js";

/** SQLite keeps the declared type as written; it is mapped by the words in it, as SQLite's affinity rules do. */
export function sqliteType(declared: string, where: string, warn: Warn): SqlType {
  const t = declared.trim().toUpperCase();
  const args = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(t);
  const base = t.replace(/\(.*$/, "").trim();
  if (base === "BOOLEAN" || base === "BOOL") return types.boolean;
  if (base === "BIGINT") return types.bigint;
  if (base === "SMALLINT") return types.smallint;
  if (base.includes("INT")) return types.integer;
  if (base === "UUID") return types.uuid;
  if (base === "JSON" || base === "JSONB") return types.json();
  if (base.includes("CHAR") || base.includes("CLOB") || base.includes("TEXT"))
    return args && !base.includes("TEXT") ? types.varchar(Number(args[1])) : types.text;
  if (base === "BLOB") return types.bytes;
  if (base.includes("REAL") || base.includes("FLOA") || base.includes("DOUB")) return types.double;
  if (base === "NUMERIC" || base === "DECIMAL") {
    if (args) return types.numeric(Number(args[1]), args[2] === undefined ? 0 : Number(args[2]));
    warn(`${where}: ${declared} without a precision read as numeric(); Arbor stores it as TEXT on SQLite`);
    return types.numeric();
  }
  if (base === "DATE") return types.date;
  // SQLite keeps the text as written; a declared precision says how many digits it holds.
  if (base === "DATETIME" || base === "TIMESTAMP") return args && Number(args[1]) <= 6 ? storedTimestamp("timestamp", Number(args[1])) : types.timestamp;
  return unknownType(declared || "(no type)", where, warn);
}

export async function readSqlite(ex: CatalogExecutor, warn: Warn): Promise<RawTable[]> {
  const tables = await rows(ex, sql`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`);
  const out: RawTable[] = [];
  for (const tr of tables) {
    const name = String(tr.name);
    const t = rawTable(name);
    const cols = await rows(ex, sql`SELECT name, type, "notnull" AS not_null, dflt_value, pk FROM pragma_table_info(${name}) ORDER BY cid`);
    const pk = cols.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk));
    t.primaryKey = pk.map((c) => String(c.name));
    for (const c of cols) {
      const colName = String(c.name);
      const type = sqliteType(String(c.type ?? ""), `${name}.${colName}`, warn);
      // A rowid alias declared without NOT NULL is how Arbor (and most schemas) ask for generated keys.
      const rowid = pk.length === 1 && pk[0] === c && String(c.type).toUpperCase() === "INTEGER" && Number(c.not_null) === 0;
      t.columns.push({
        name: colName,
        type,
        nullable: Number(c.not_null) === 0 && !rowid && Number(c.pk) === 0,
        default: c.dflt_value === null || c.dflt_value === undefined ? undefined : stripParens(String(c.dflt_value)),
        autoincrement: rowid,
      });
    }
    for (const ix of await rows(ex, sql`SELECT name, "unique" AS uniq, origin, partial FROM pragma_index_list(${name}) ORDER BY name`)) {
      const ixName = String(ix.name);
      if (ix.origin === "pk") continue;
      if (Number(ix.partial) === 1) {
        warn(`${name}: partial index ${ixName} left out`);
        continue;
      }
      const keys = await rows(ex, sql`SELECT name, cid FROM pragma_index_xinfo(${ixName}) WHERE key = 1 ORDER BY seqno`);
      if (keys.some((k) => Number(k.cid) < 0)) {
        warn(`${name}: expression index ${ixName} left out`);
        continue;
      }
      const columns = keys.map((k) => String(k.name));
      // A UNIQUE constraint's index is named by SQLite (sqlite_autoindex_…): its own name is not kept.
      if (ix.origin === "u") t.uniques.push({ columns });
      else t.indexes.push({ name: ixName, columns, unique: Number(ix.uniq) === 1 });
    }
    const fks = await rows(
      ex,
      sql`SELECT id, seq, "table" AS ref, "from" AS col, "to" AS refcol, on_update, on_delete FROM pragma_foreign_key_list(${name}) ORDER BY id, seq`,
    );
    const byId = new Map<number, typeof fks>();
    for (const r of fks) byId.set(Number(r.id), [...(byId.get(Number(r.id)) ?? []), r]);
    for (const parts of [...byId.values()].reverse()) {
      const ref = String(parts[0].ref);
      let refColumns = parts.map((p) => (p.refcol === null ? "" : String(p.refcol)));
      if (refColumns.some((c) => c === "")) {
        // REFERENCES t without columns: the referenced table's primary key.
        const refPk = await rows(ex, sql`SELECT name FROM pragma_table_info(${ref}) WHERE pk > 0 ORDER BY pk`);
        refColumns = refPk.map((p) => String(p.name));
      }
      t.foreignKeys.push({
        columns: parts.map((p) => String(p.col)),
        refTable: ref,
        refColumns,
        onDelete: action(String(parts[0].on_delete), "NO ACTION"),
        onUpdate: action(String(parts[0].on_update), "NO ACTION"),
      });
    }
    // SQLite keeps CHECK constraints only inside the CREATE TABLE text, and keeps no name it did not
    // see written there: a check without one, or a column's own check other than an enum's, is left out.
    for (const chk of sqliteChecks(String(tr.sql ?? ""))) {
      const condition = stripParens(chk.condition);
      if (chk.column !== undefined && chk.name === undefined && adoptEnumCheck(t, chk.column, condition)) continue;
      if (chk.name !== undefined && chk.column === undefined) t.checks.push({ name: chk.name, condition });
      else warn(`${name}: CHECK constraint ${chk.column === undefined ? "without a name" : `on column ${chk.column}`} not read on SQLite; left out`);
    }
    out.push(t);
  }
  return out;
}
