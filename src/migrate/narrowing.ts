// A migration that narrows a column's type (a shorter varchar, fewer decimal places, fewer digits
// of a second) would change values already stored: PostgreSQL's ALTER … TYPE … USING CAST cuts a
// text and rounds decimals and timestamps, and MariaDB's MODIFY rounds decimals and cuts
// timestamps with only a note. Before such an ALTER, a statement looks for a stored value the new
// type would change and fails the migration, naming the column, if there is one.
import type { Dialect } from "../dialects/dialect.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { cast, exists } from "../sql/functions.js";
import { select } from "../sql/select.js";
import { baseType, timestampPrecision, types, type SqlType } from "../sql/types.js";

/** Whether some value of type `from` is changed by a cast to `to` without an error. */
function narrows(from: SqlType, to: SqlType): boolean {
  const [a, b] = [baseType(from), baseType(to)];
  if (b.kind === "varchar" && b.length !== undefined) return a.kind === "text" || (a.kind === "varchar" && (a.length === undefined || a.length > b.length));
  if (b.kind === "numeric" && b.precision !== undefined) {
    const scale = b.scale ?? 0;
    return a.kind === "real" || a.kind === "double" || (a.kind === "numeric" && (a.scale === undefined || a.scale > scale));
  }
  if ((b.kind === "timestamp" || b.kind === "timestamptz") && (a.kind === "timestamp" || a.kind === "timestamptz"))
    return timestampPrecision(a) > timestampPrecision(b);
  return false;
}

/**
 * The statement to run before changing column `columnName` of `table` (as it is now) to type `to`, or undefined when no
 * stored value can change. It fails when a value would: PostgreSQL raises in a DO block, MariaDB
 * (which has no RAISE outside stored programs) overflows a BIGINT whose text carries the message.
 */
export function narrowingCheck(
  dialect: Dialect,
  table: Table<string, Record<string, AnyColumn>>,
  columnName: string,
  to: SqlType,
  spelled: string,
): string | undefined {
  const column = table.column(columnName);
  if (!narrows(column.node.type, to)) return undefined;
  const c = dialect.createCompiler();
  const changed = c.compileInline(
    exists(
      select(column)
        .from(table)
        .where(column.ne(cast(column, to))),
    ).node,
  );
  const message = `arbor: ${table.name}.${column.name} holds values that ${spelled} would change (cut or rounded): change them first, or alter the column in an execute() step`;
  const text = c.literal(message, types.text);
  if (dialect.name === "postgres") {
    const body = `BEGIN IF ${changed} THEN RAISE EXCEPTION USING MESSAGE = ${text}; END IF; END`;
    let tag = "$arbor$";
    for (let i = 1; body.includes(tag); i++) tag = `$arbor${i}$`;
    return `DO ${tag} ${body} ${tag}`;
  }
  return `SELECT CASE WHEN ${changed} THEN 9223372036854775807 + LENGTH(${text}) END`;
}
