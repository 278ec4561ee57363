// Reads the connection's current schema (search_path's first schema) from PostgreSQL's catalog.
import { sql } from "../../sql/sql-tag.js";
import { storedTimestamp, types, type SqlType } from "../../sql/types.js";
import type { ReferentialAction } from "../column.js";
import { rows, type CatalogExecutor } from "./catalog.js";
import { action, adoptEnumCheck, rawTable, stripParens, unknownType, type RawTable, type Warn } from "./model.js";

const PG_ACTIONS: Record<string, ReferentialAction> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

function pgType(r: Record<string, unknown>, where: string, warn: Warn): SqlType {
  const num = (k: string): number | undefined => (r[k] === null || r[k] === undefined ? undefined : Number(r[k]));
  switch (String(r.data_type)) {
    case "integer":
      return types.integer;
    case "smallint":
      return types.smallint;
    case "bigint":
      return types.bigint;
    case "real":
      return types.real;
    case "double precision":
      return types.double;
    case "numeric":
      return types.numeric(num("numeric_precision"), num("numeric_precision") === undefined ? undefined : num("numeric_scale"));
    case "character varying":
      return types.varchar(num("character_maximum_length"));
    case "text":
      return types.text;
    case "boolean":
      return types.boolean;
    case "date":
      return types.date;
    case "timestamp without time zone":
    case "timestamp with time zone":
      // Past 3 digits (6 by default) a Date would round: read as ISO text.
      return storedTimestamp(String(r.data_type).includes("with time") ? "timestamptz" : "timestamp", num("datetime_precision") ?? 6);
    case "uuid":
      return types.uuid;
    case "jsonb":
      return types.json();
    case "json":
      warn(`${where}: json read as Arbor's json, which PostgreSQL stores as jsonb`);
      return types.json();
    case "bytea":
      return types.bytes;
    default:
      return unknownType(String(r.udt_name), where, warn);
  }
}

/**
 * The name PostgreSQL gives a constraint it names itself (makeObjectName): table, column and label
 * joined by underscores, the longer of table and column shortened until the name fits 63 bytes.
 */
export function pgConstraintName(table: string, column: string | undefined, label: string): string {
  let a = [...table];
  let b = [...(column ?? "")];
  const bytes = (cs: string[]): number => Buffer.byteLength(cs.join(""));
  const room = 63 - (column === undefined ? 0 : 1) - label.length - 1;
  while (bytes(a) + bytes(b) > room) {
    if (bytes(a) > bytes(b)) a = a.slice(0, -1);
    else b = b.slice(0, -1);
  }
  return [a.join(""), ...(column === undefined ? [] : [b.join("")]), label].join("_");
}

/** Column names of a constraint or index, read as JSON text (a name may hold any character). */
const parseNames = (json: unknown): string[] => JSON.parse(String(json)) as string[];

export async function readPostgres(ex: CatalogExecutor, warn: Warn): Promise<RawTable[]> {
  const tables = new Map<string, RawTable>();
  for (const r of await rows(
    ex,
    sql`SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  ))
    tables.set(String(r.name), rawTable(String(r.name)));
  for (const r of await rows(
    ex,
    sql`SELECT table_name, column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale,
               datetime_precision, is_nullable, column_default, is_identity
        FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  )) {
    const t = tables.get(String(r.table_name));
    if (!t) continue;
    const name = String(r.column_name);
    const def = r.column_default === null ? undefined : String(r.column_default);
    const serial = def !== undefined && /^nextval\(/i.test(def);
    t.columns.push({
      name,
      type: pgType(r, `${t.name}.${name}`, warn),
      nullable: r.is_nullable === "YES",
      default: serial || def === undefined ? undefined : stripParens(def),
      autoincrement: r.is_identity === "YES" || serial,
    });
  }
  for (const r of await rows(
    ex,
    sql`SELECT con.conname AS name, con.contype AS kind, c.relname AS tbl, n.nspname AS schema, rn.nspname AS refschema, rc.relname AS reftbl,
               con.confdeltype AS ondelete, con.confupdtype AS onupdate, pg_catalog.pg_get_constraintdef(con.oid) AS def,
               array_to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o))::text AS cols,
               array_to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o))::text AS refcols
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c')
        ORDER BY c.relname, con.conname`,
  )) {
    const t = tables.get(String(r.tbl));
    if (!t) continue;
    const cols = parseNames(r.cols);
    const name = String(r.name);
    if (r.kind === "p") t.primaryKey = cols;
    else if (r.kind === "u") t.uniques.push({ name, columns: cols });
    else if (r.kind === "c") {
      // pg_get_constraintdef: "CHECK ((x > 0))", perhaps followed by NOT VALID.
      const m = /^CHECK\s*([\s\S]*?)(\s+NOT VALID)?$/.exec(String(r.def));
      // A column's own CHECK gets PostgreSQL's name for it; an enum column's is its values.
      const column = cols.length === 1 ? cols[0] : undefined;
      if (m && column !== undefined && name === pgConstraintName(t.name, column, "check") && adoptEnumCheck(t, column, stripParens(m[1]))) continue;
      if (m) t.checks.push({ name, condition: stripParens(m[1]) });
    } else {
      if (r.refschema !== r.schema) {
        warn(`${t.name}: foreign key ${name} references ${String(r.refschema)}.${String(r.reftbl)}, outside the current schema; left out`);
        continue;
      }
      t.foreignKeys.push({
        name,
        columns: cols,
        refTable: String(r.reftbl),
        refColumns: parseNames(r.refcols),
        onDelete: action(PG_ACTIONS[String(r.ondelete)], "NO ACTION"),
        onUpdate: action(PG_ACTIONS[String(r.onupdate)], "NO ACTION"),
      });
    }
  }
  for (const r of await rows(
    ex,
    sql`SELECT ic.relname AS name, c.relname AS tbl, i.indisunique AS uniq, i.indexprs IS NOT NULL AS expr, i.indpred IS NOT NULL AS partial,
               array_to_json(ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o))::text AS cols
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema()
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
        ORDER BY c.relname, ic.relname`,
  )) {
    const t = tables.get(String(r.tbl));
    if (!t) continue;
    const name = String(r.name);
    if (r.expr === true || r.partial === true) {
      warn(`${t.name}: ${r.expr === true ? "expression" : "partial"} index ${name} left out`);
      continue;
    }
    t.indexes.push({ name, columns: parseNames(r.cols), unique: r.uniq === true });
  }
  return [...tables.values()];
}
