// Autogenerate's comparison: the operations that turn one schema into another, in an order every
// engine accepts. Columns, keys and defaults are compared as the dialect would write them, so a
// difference the engine cannot hold (two types it spells alike) is no difference.
import type { Dialect } from "../dialects/dialect.js";
import type { ReferentialAction } from "../schema/column.js";
import { canonicalCondition, compareConditions } from "../schema/reflect/condition.js";
import { stripParens } from "../schema/reflect/model.js";
import { baseType, checkValue } from "../sql/types.js";
import type { AlterColumn, Operation } from "./operations.js";
import { sqlTypeOf, type ColumnSpec, type DefaultSpec, type ForeignKeySpec, type SchemaSpec, type TableSpec, type TypeSpec } from "./spec.js";

export interface SchemaDiff {
  readonly operations: readonly Operation[];
  /** Notes for the reader of a generated migration (a dropped and an added column that may be a rename). */
  readonly hints: readonly string[];
}

/** How the dialect spells what is compared. */
export class Spelling {
  private readonly compiler;
  constructor(readonly dialect: Dialect) {
    this.compiler = dialect.createCompiler();
  }
  /** The stored type; an enum's values too (its CHECK), which are part of what the column holds. */
  type(type: TypeSpec, keyed: boolean): string {
    const spelled = this.stored(type, keyed);
    return type.kind === "enum" ? `${spelled} in ${JSON.stringify(type.values)}` : spelled;
  }
  stored(type: TypeSpec, keyed: boolean): string {
    return this.dialect.typeName(baseType(sqlTypeOf(type)), { keyed, autoincrement: false }).toLowerCase();
  }
  default(d: DefaultSpec | undefined, type: TypeSpec, where: { table: string; column: string }): string | null {
    if (d === undefined) return null;
    const t = sqlTypeOf(type);
    let text = normalizeDefault("sql" in d ? d.sql : this.compiler.literal(checkValue(t, d.value, where), t));
    // An expression (not a literal) in one spelling: MariaDB re-spells CURRENT_TIMESTAMP, for one.
    if (!/^('|-?\d|true$|false$|null$)/i.test(text)) text = canonicalCondition(text) ?? text;
    // A number default comes back in the column's scale (MariaDB: 0 → 0.00): compared as a number.
    const numeric = ["integer", "smallint", "bigint", "real", "double", "numeric"].includes(type.kind);
    const n = /^'?(-?\d+(\.\d+)?)'?$/.exec(text);
    return numeric && n ? String(Number(n[1])) : text;
  }
  action(a: ReferentialAction | undefined): ReferentialAction {
    const mysql = this.dialect.name === "mysql";
    const v = a ?? (mysql ? "RESTRICT" : "NO ACTION");
    return mysql && v === "NO ACTION" ? "RESTRICT" : v;
  }
  foreignKey(fk: ForeignKeySpec): string {
    return JSON.stringify([
      this.dialect.name === "sqlite" ? null : (fk.name ?? null),
      fk.columns,
      fk.refTable,
      fk.refColumns,
      this.action(fk.onDelete),
      this.action(fk.onUpdate),
    ]);
  }
}

/**
 * A default's text as engines give it back: PostgreSQL adds casts to literals ('x'::character
 * varying, '-1'::integer), and spellings of booleans differ in case.
 */
export function normalizeDefault(text: string): string {
  let s = stripParens(text);
  for (let prev = ""; prev !== s; ) {
    prev = s;
    s = stripParens(s.replace(/::[a-z_ ]+(\(\d+(,\s*\d+)?\))?(\[\])?$/i, ""));
  }
  if (/^(true|false|null)$/i.test(s)) return s.toLowerCase();
  const quotedNumber = /^'(-?\d+(\.\d+)?)'$/.exec(s);
  return quotedNumber ? quotedNumber[1] : s;
}

/** Columns under a key, index or foreign key (MariaDB spells their types bounded). */
export function keyedNames(t: TableSpec): Set<string> {
  const s = new Set<string>(t.primaryKey);
  for (const u of t.uniques) u.columns.forEach((c) => s.add(c));
  for (const i of t.indexes) i.columns.forEach((c) => s.add(c));
  for (const f of t.foreignKeys) f.columns.forEach((c) => s.add(c));
  return s;
}

const key = (cols: readonly string[]): string => JSON.stringify(cols);

/** Unique constraints and unique indexes by their columns (MariaDB keeps no difference between them). */
function uniqueKeys(t: TableSpec): Map<string, Operation> {
  const m = new Map<string, Operation>();
  for (const u of t.uniques) m.set(key(u.columns), { kind: "addUnique", table: t.name, unique: u });
  for (const i of t.indexes) if (i.unique) m.set(key(i.columns), { kind: "createIndex", table: t.name, index: i });
  return m;
}

/** Tables parents first; a foreign key back into the current path closes a cycle and is returned apart. */
function order(tables: readonly TableSpec[]): { order: TableSpec[]; cyclic: Set<ForeignKeySpec> } {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const state = new Map<string, "visiting" | "done">();
  const out: TableSpec[] = [];
  const cyclic = new Set<ForeignKeySpec>();
  const visit = (t: TableSpec): void => {
    state.set(t.name, "visiting");
    for (const fk of t.foreignKeys) {
      const target = byName.get(fk.refTable);
      if (!target || target === t) continue;
      const s = state.get(target.name);
      if (s === "visiting") cyclic.add(fk);
      else if (s === undefined) visit(target);
    }
    state.set(t.name, "done");
    out.push(t);
  };
  for (const t of tables) if (!state.has(t.name)) visit(t);
  return { order: out, cyclic };
}

/** The operations that turn `from` (usually the live database) into `to` (the application's schema). */
export function diffSchemas(from: SchemaSpec, to: SchemaSpec, dialect: Dialect): SchemaDiff {
  const sp = new Spelling(dialect);
  const sqlite = dialect.name === "sqlite";
  const fromBy = new Map(from.tables.map((t) => [t.name, t]));
  const toBy = new Map(to.tables.map((t) => [t.name, t]));
  const added = to.tables.filter((t) => !fromBy.has(t.name));
  const removed = from.tables.filter((t) => !toBy.has(t.name));
  const kept = to.tables.filter((t) => fromBy.has(t.name)).map((t) => [fromBy.get(t.name)!, t] as const);

  const dropFks: Operation[] = [];
  const dropKeys: Operation[] = [];
  const creates: Operation[] = [];
  const columnChanges: Operation[] = [];
  const dropColumns: Operation[] = [];
  const addKeys: Operation[] = [];
  const addFks: Operation[] = [];
  const drops: Operation[] = [];
  const autoOff: Operation[] = [];
  const autoOn: Operation[] = [];
  const addPrimaryKeys: Operation[] = [];
  const hints: string[] = [];
  // Tables whose primary key changes.
  const rekeyed = new Set<string>();

  // Columns whose stored type changes: a foreign key over them is dropped and added again (MariaDB
  // refuses to change a column under a foreign key).
  const retyped = new Set<string>();
  // Both sides are spelled as keyed when the wanted column is: a key added or dropped re-spells it.
  const colSig = (t: TableSpec, c: ColumnSpec, keyed: Set<string>): string =>
    JSON.stringify([
      sp.type(c.type, keyed.has(c.name)),
      c.nullable,
      sp.default(c.default, c.type, { table: t.name, column: c.name }),
      c.autoincrement === true,
    ]);

  for (const [a, b] of kept) {
    // A primary key is dropped before any column change (its columns may become nullable) and added
    // after (its columns may be new); foreign keys to it go and come back around it.
    if (key(a.primaryKey) !== key(b.primaryKey)) {
      rekeyed.add(b.name);
      if (a.primaryKey.length) dropKeys.push({ kind: "dropPrimaryKey", table: a.name });
      if (b.primaryKey.length) addPrimaryKeys.push({ kind: "addPrimaryKey", table: b.name, columns: b.primaryKey });
      // MariaDB keeps an AUTO_INCREMENT column under a key at all times: it stops generating while the key changes.
      if (dialect.name === "mysql")
        for (const c of a.columns) {
          if (!c.autoincrement) continue;
          const kept = b.columns.find((x) => x.name === c.name);
          // One switched off is switched off anyway (below); one that goes stops generating first.
          if (kept && !kept.autoincrement) continue;
          autoOff.push({ kind: "alterColumn", table: a.name, column: c.name, autoincrement: false });
          if (kept) autoOn.push({ kind: "alterColumn", table: b.name, column: c.name, autoincrement: true });
        }
    }
    const kb = keyedNames(b);
    const newCols = b.columns.filter((c) => !a.columns.some((x) => x.name === c.name));
    const goneCols = a.columns.filter((c) => !b.columns.some((x) => x.name === c.name));
    for (const c of newCols) columnChanges.push({ kind: "addColumn", table: b.name, column: c });
    for (const c of b.columns) {
      const old = a.columns.find((x) => x.name === c.name);
      if (!old || colSig(a, old, kb) === colSig(b, c, kb)) continue;
      // Generated values stop before the key changes and start once it is in place (MariaDB wants an
      // AUTO_INCREMENT column under a key; SQLite's is the whole primary key).
      if ((old.autoincrement === true) !== (c.autoincrement === true))
        (c.autoincrement ? autoOn : autoOff).push({ kind: "alterColumn", table: b.name, column: c.name, autoincrement: c.autoincrement === true });
      const typeChanged = sp.type(old.type, kb.has(c.name)) !== sp.type(c.type, kb.has(c.name));
      const da = sp.default(old.default, old.type, { table: a.name, column: c.name });
      const db = sp.default(c.default, c.type, { table: b.name, column: c.name });
      const alter: AlterColumn = {
        kind: "alterColumn",
        table: b.name,
        column: c.name,
        ...(typeChanged ? { type: c.type } : {}),
        ...(old.nullable !== c.nullable ? { nullable: c.nullable } : {}),
        ...(da !== db || (typeChanged && c.default !== undefined) ? { default: c.default ?? null } : {}),
      };
      // An enum's values are its CHECK: the stored type stays.
      if (typeChanged && sp.stored(old.type, kb.has(c.name)) !== sp.stored(c.type, kb.has(c.name))) retyped.add(`${b.name}.${c.name}`);
      if (alter.type !== undefined || alter.nullable !== undefined || alter.default !== undefined) columnChanges.push(alter);
    }
    for (const c of goneCols) dropColumns.push({ kind: "dropColumn", table: b.name, column: c.name });
    for (const g of goneCols)
      for (const n of newCols)
        if (sp.type(g.type, false) === sp.type(n.type, false))
          hints.push(
            `${b.name}.${g.name} is dropped and ${b.name}.${n.name} added with the same type: if this is a rename, replace both with op.renameColumn(${JSON.stringify(b.name)}, ${JSON.stringify(g.name)}, ${JSON.stringify(n.name)}) to keep the data`,
          );

    const ua = uniqueKeys(a);
    const ub = uniqueKeys(b);
    for (const [k, op] of ua)
      if (!ub.has(k))
        dropKeys.push(
          op.kind === "createIndex" ? { kind: "dropIndex", table: a.name, name: op.index.name } : { kind: "dropUnique", table: a.name, columns: JSON.parse(k) },
        );
    for (const [k, op] of ub) if (!ua.has(k)) addKeys.push(op);
    const ia = a.indexes.filter((i) => !i.unique);
    const ib = b.indexes.filter((i) => !i.unique);
    for (const i of ia)
      if (!ib.some((x) => x.name === i.name && key(x.columns) === key(i.columns))) dropKeys.push({ kind: "dropIndex", table: a.name, name: i.name });
    for (const i of ib)
      if (!ia.some((x) => x.name === i.name && key(x.columns) === key(i.columns))) addKeys.push({ kind: "createIndex", table: b.name, index: i });
    checkChanges(a, b, dropKeys, addKeys, hints);
  }

  // Foreign keys of kept tables, after every column change is known.
  for (const [a, b] of kept) {
    const touched = (fk: ForeignKeySpec, t: string): boolean =>
      fk.columns.some((c) => retyped.has(`${t}.${c}`)) || fk.refColumns.some((c) => retyped.has(`${fk.refTable}.${c}`)) || rekeyed.has(fk.refTable);
    const fa = new Map(a.foreignKeys.map((f) => [sp.foreignKey(f), f]));
    const fb = new Map(b.foreignKeys.map((f) => [sp.foreignKey(f), f]));
    for (const [k, f] of fa)
      if (!fb.has(k) || (!sqlite && touched(f, a.name))) dropFks.push({ kind: "dropForeignKey", table: a.name, columns: f.columns, refTable: f.refTable });
    for (const [k, f] of fb) if (!fa.has(k) || (!sqlite && touched(f, b.name))) addFks.push({ kind: "addForeignKey", table: b.name, foreignKey: f });
  }

  // New tables, parents first. A foreign key to a table that already exists (or closes a cycle) is
  // added once every table and column is in place; SQLite takes them all inline, as it checks
  // foreign keys only when rows are written.
  const { order: createOrder, cyclic } = order(added);
  const addedNames = new Set(added.map((t) => t.name));
  for (const t of createOrder) {
    const later = sqlite ? [] : t.foreignKeys.filter((f) => cyclic.has(f) || !addedNames.has(f.refTable));
    creates.push({ kind: "createTable", table: { ...t, foreignKeys: t.foreignKeys.filter((f) => !later.includes(f)) } });
    for (const f of later) addFks.push({ kind: "addForeignKey", table: t.name, foreignKey: f });
  }

  // Dropped tables, children first; a foreign key closing a cycle among them is dropped before.
  const { order: dropOrder, cyclic: dropCyclic } = order(removed);
  if (!sqlite) for (const f of dropCyclic) dropFks.push(dropFkOf(removed, f));
  for (const t of [...dropOrder].reverse()) drops.push({ kind: "dropTable", table: t.name });

  return {
    operations: [
      ...dropFks,
      ...autoOff,
      ...dropKeys,
      ...creates,
      ...columnChanges,
      ...dropColumns,
      ...addPrimaryKeys,
      ...addKeys,
      ...autoOn,
      ...addFks,
      ...drops,
    ],
    hints,
  };
}

/**
 * Checks by name, then by condition as the engine spells it against the MetaData's compiled for
 * it: a changed condition is dropped and added again; one Arbor cannot read is left as it is, with
 * a note in the migration.
 */
function checkChanges(a: TableSpec, b: TableSpec, dropKeys: Operation[], addKeys: Operation[], hints: string[]): void {
  for (const c of a.checks) if (!b.checks.some((x) => x.name === c.name)) dropKeys.push({ kind: "dropCheck", table: a.name, name: c.name });
  for (const c of b.checks) {
    const old = a.checks.find((x) => x.name === c.name);
    const same = old === undefined ? "different" : compareConditions(old.condition, c.condition);
    if (old !== undefined && same === "different") dropKeys.push({ kind: "dropCheck", table: a.name, name: c.name });
    if (same === "different") addKeys.push({ kind: "addCheck", table: b.name, check: c });
    if (same === "undecided")
      hints.push(
        `check ${c.name} on ${b.name}: the database spells its condition ${JSON.stringify(old!.condition)} and the schema ${JSON.stringify(c.condition)}; Arbor cannot tell whether they say the same, so the check is left as it is (if it changed, add op.dropCheck and op.addCheck)`,
      );
  }
}

function dropFkOf(tables: readonly TableSpec[], f: ForeignKeySpec): Operation {
  const owner = tables.find((t) => t.foreignKeys.includes(f))!;
  return { kind: "dropForeignKey", table: owner.name, columns: f.columns, refTable: f.refTable };
}
