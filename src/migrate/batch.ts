// SQLite's ALTER TABLE adds and renames columns only. Anything else rebuilds the table, as
// SQLite's documentation describes and Alembic's batch mode does: create the table as it is to
// be under another name, copy the rows of the columns both have, drop the old table, rename the
// new one and create its indexes again. The runner does this inside the migration's transaction
// with foreign-key enforcement off, and checks every foreign key before it commits.
import type { Dialect } from "../dialects/dialect.js";
import { constraintName, DdlCompiler } from "../schema/ddl.js";
import { tableIn } from "./apply.js";
import { metadataOf } from "./build.js";
import type { SchemaSpec, TableSpec } from "./spec.js";

/** The statements that turn table `before` into the table of the same name in `after`. */
export function rebuildTable(before: TableSpec, after: SchemaSpec, dialect: Dialect): string[] {
  const target = tableIn(after, before.name);
  const tmp = constraintName("_arbor_rebuild", before.name, []).replace(/_$/, "");
  // The new table under its temporary name; a foreign key to itself names it too (SQLite renames
  // that reference with the table).
  const c = dialect.createCompiler();
  const q = (n: string): string => c.quote(n);
  const renamed: SchemaSpec = {
    tables: [
      ...after.tables.filter((t) => t !== target),
      {
        ...target,
        name: tmp,
        indexes: [],
        // A check naming its own table's columns names the new table (SQLite renames it with the table).
        checks: target.checks.map((k) => ({ ...k, condition: requalify(k.condition, q(target.name), q(tmp)) })),
        foreignKeys: target.foreignKeys.map((f) => (f.refTable === target.name ? { ...f, refTable: tmp } : f)),
      },
    ],
  };
  const copied = target.columns.filter((col) => before.columns.some((b) => b.name === col.name)).map((col) => q(col.name));
  const ddl = new DdlCompiler(dialect);
  const md = metadataOf(renamed);
  const final = metadataOf(after).get(target.name);
  const out = [ddl.createTable(md.get(tmp))];
  if (copied.length) out.push(`INSERT INTO ${q(tmp)} (${copied.join(", ")}) SELECT ${copied.join(", ")} FROM ${q(before.name)}`);
  out.push(`DROP TABLE ${q(before.name)}`, `ALTER TABLE ${q(tmp)} RENAME TO ${q(target.name)}`);
  for (const idx of final.indexes) out.push(ddl.createIndex(final, idx));
  return out;
}

/** `from.` as a qualifier outside string literals, spelled `to.`. */
function requalify(condition: string, from: string, to: string): string {
  return condition
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.split(`${from}.`).join(`${to}.`)))
    .join("");
}
