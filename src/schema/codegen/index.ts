// A MetaData written out as a TypeScript module of Arbor table definitions (and, optionally, Model
// classes with relationships inferred from the foreign keys): what `arbor reflect` prints. The module
// declares the same tables, so createAll of it issues the same DDL as createAll of the MetaData.
import type { Dialect } from "../../dialects/dialect.js";
import { ArgumentError } from "../../errors.js";
import { Expr } from "../../sql/expression.js";
import type { SqlType } from "../../sql/types.js";
import type { MetaData } from "../metadata.js";
import type { AnyColumn, Table } from "../table.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
import { modelSource } from "./models.js";
import { camelCase, member, NameScope, propertyKey } from "./names.js";

export interface CodegenOptions {
  /** Spells server defaults and checks that are expressions (reflected ones are the engine's own text). */
  readonly dialect: Dialect;
  /** Also write a Model class per table with relationships inferred from foreign keys. */
  readonly models?: boolean;
  /** The module the definitions import from (default "arbor-sql"). */
  readonly importFrom?: string;
  /** Told about what the module cannot reproduce (client-side default functions, custom types). */
  readonly onWarning?: (message: string) => void;
}

/** The names the generated module imports, in the order they are first used. */
export class Imports {
  private readonly names = new Set<string>();
  /** Records `name` (`"type X"` for a type) and returns the name to write. */
  use(name: string): string {
    this.names.add(name);
    return name.replace(/^type /, "");
  }
  line(from: string): string {
    const bare = (n: string) => n.replace(/^type /, "").toLowerCase();
    return `import { ${[...this.names].sort((a, b) => (bare(a) < bare(b) ? -1 : 1)).join(", ")} } from ${JSON.stringify(from)};`;
  }
}

/** Text for a template literal: backslashes, backticks and `${` escaped. */
function templateText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}

function literal(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return JSON.stringify(value);
  return "";
}

class Writer {
  readonly imports = new Imports();
  /** Each table's variable name. */
  readonly vars = new Map<AnyTable, string>();
  private readonly compiler;
  private readonly warn: (m: string) => void;

  constructor(
    private readonly md: MetaData,
    private readonly options: CodegenOptions,
    scope: NameScope,
  ) {
    this.compiler = options.dialect.createCompiler();
    this.warn = options.onWarning ?? (() => {});
    for (const t of md.tables) this.vars.set(t, scope.claim(camelCase(t.name)));
  }

  private expr(e: Expr<unknown>, type: string): string {
    return `${this.imports.use("sql")}${type}\`${templateText(this.compiler.compileInline(e.node))}\``;
  }

  private typeCall(t: AnyTable, c: AnyColumn, type: SqlType): string {
    const use = (n: string) => this.imports.use(n);
    switch (type.kind) {
      case "numeric":
        return `${use("numeric")}(${type.precision === undefined ? "" : type.scale === undefined ? type.precision : `${type.precision}, ${type.scale}`})`;
      case "varchar":
        return `${use("varchar")}(${type.length ?? ""})`;
      case "enum":
        return `${use("enumOf")}(${JSON.stringify(type.values)})`;
      case "bytes":
      case "integer":
      case "smallint":
      case "bigint":
      case "real":
      case "double":
      case "text":
      case "boolean":
      case "timestamp":
      case "timestamptz": {
        const options = [type.precision !== undefined && `precision: ${type.precision}`, type.mode && `mode: "string"`].filter(Boolean);
        return `${use(type.kind)}(${options.length ? `{ ${options.join(", ")} }` : ""})`;
      }
      case "date":
      case "uuid":
      case "json":
        return `${use(type.kind)}()`;
      case "unknown":
        return `${use("custom")}(${use("types")}.unknown)`;
      case "custom": {
        const spec = type.custom!;
        if (spec.base.kind === "unknown") {
          // A type reflection could not map: values pass through as the driver gives them.
          return `${use("custom")}(${use("customType")}<unknown, unknown>({ name: ${JSON.stringify(spec.name)}, base: ${use("types")}.unknown, toDb: (v) => v, fromDb: (v) => v }))`;
        }
        this.warn(`${t.name}.${c.name}: the custom type ${spec.name} is written as its stored type ${spec.base.kind}; put the custom type back by hand`);
        return this.typeCall(t, c, spec.base);
      }
      default:
        throw new ArgumentError(`${t.name}.${c.name}: a column of type ${type.kind} cannot be written as a table definition`, {
          table: t.name,
          column: c.name,
        });
    }
  }

  private column(t: AnyTable, c: AnyColumn): string {
    const d = c.def;
    let s = this.typeCall(t, c, c.type);
    if (c.name !== c.node.key) s += `.named(${JSON.stringify(c.name)})`;
    if (d.primaryKey) s += ".primaryKey()";
    else if (!d.nullable) s += ".notNull()";
    if (d.autoincrement) s += ".autoincrement()";
    if (d.unique) s += ".unique()";
    if (d.index) s += ".index()";
    if (d.default !== undefined) {
      const v = literal(d.default);
      if (v) s += `.default(${v})`;
      else this.warn(`${t.name}.${c.name}: a client-side default that is not a constant is left out; add it by hand`);
    }
    const sd = d.serverDefault;
    if (sd !== undefined) s += `.serverDefault(${sd instanceof Expr ? this.expr(sd, "") : literal(sd)})`;
    if (d.references) {
      const target = d.references.target();
      s += `.references((): ${this.imports.use("type AnyColumn")} => ${this.columnRef(target.node.source, target.node.key)}${this.referenceOptions(d.references.options)})`;
    }
    return s;
  }

  private tableOf(source: unknown): AnyTable {
    const t = this.md.tables.find((x) => x.node === source);
    if (!t) throw new ArgumentError("A foreign key references a table outside the MetaData");
    return t;
  }

  private columnRef(source: unknown, key: string): string {
    return member(`${this.vars.get(this.tableOf(source))!}.c`, key);
  }

  private referenceOptions(o: { name?: string; onDelete?: string; onUpdate?: string; grouping?: boolean }): string {
    const parts: string[] = [];
    if (o.name !== undefined) parts.push(`name: ${JSON.stringify(o.name)}`);
    if (o.onDelete !== undefined) parts.push(`onDelete: ${JSON.stringify(o.onDelete)}`);
    if (o.onUpdate !== undefined) parts.push(`onUpdate: ${JSON.stringify(o.onUpdate)}`);
    if (o.grouping) parts.push("grouping: true");
    return parts.length ? `, { ${parts.join(", ")} }` : "";
  }

  private extras(t: AnyTable): string[] {
    const use = (n: string) => this.imports.use(n);
    const cols = (cs: readonly { readonly key: string }[]) => `[${cs.map((c) => member("c", c.key)).join(", ")}]`;
    const out: string[] = [];
    if (t.primaryKey.length && !t.primaryKey.every((c) => c.def.primaryKey))
      out.push(`${use("primaryKey")}(${t.primaryKey.map((c) => member("c", c.node.key)).join(", ")})`);
    for (const u of t.uniques) out.push(`${use("unique")}(${cols(u.columns.map((c) => c.node))}${u.name === undefined ? "" : `, ${JSON.stringify(u.name)}`})`);
    // The table lists a column's own index() and references() first, in column order.
    const columnIndexes = t.columns.filter((c) => c.def.index).length;
    for (const i of t.indexes.slice(columnIndexes)) {
      const opts = [...(i.name === undefined ? [] : [`name: ${JSON.stringify(i.name)}`]), ...(i.unique ? ["unique: true"] : [])];
      out.push(`${use("index")}(${cols(i.columns.map((c) => c.node))}${opts.length ? `, { ${opts.join(", ")} }` : ""})`);
    }
    for (const ch of t.checks) out.push(`${use("check")}(${JSON.stringify(ch.name)}, ${this.expr(ch.condition, "<boolean>")})`);
    const columnRefs = t.columns.filter((c) => c.def.references).length;
    for (const fk of t.foreignKeys.slice(columnRefs)) {
      const targets = fk.refColumns().map((n) => this.columnRef(n.source, n.key));
      // Annotated: a table that references itself would otherwise infer its own type circularly.
      out.push(`${use("foreignKey")}(${cols(fk.columns)}, (): ${use("type AnyColumn")}[] => [${targets.join(", ")}]${this.referenceOptions(fk.options)})`);
    }
    return out;
  }

  table(t: AnyTable): string {
    const lines = [`export const ${this.vars.get(t)!} = metadata.table(`, `  ${JSON.stringify(t.name)},`, "  {"];
    for (const c of t.columns) lines.push(`    ${propertyKey(c.node.key)}: ${this.column(t, c)},`);
    lines.push("  },");
    const extras = this.extras(t);
    const opts = [
      ...(t.options.schema === undefined ? [] : [`schema: ${JSON.stringify(t.options.schema)}`]),
      ...(t.options.clusterByGroup ? ["clusterByGroup: true"] : []),
    ];
    if (extras.length) lines.push("  (c) => [", ...extras.map((e) => `    ${e},`), "  ],");
    else if (opts.length) lines.push("  undefined,");
    if (opts.length) lines.push(`  { ${opts.join(", ")} },`);
    lines.push(");");
    return lines.join("\n");
  }
}

/** Every name the module may import or declare besides the tables. */
const IMPORTABLE = (
  "metadata MetaData AnyColumn sql types custom customType Model map oneToMany manyToOne manyToMany primaryKey unique index check foreignKey " +
  "integer smallint bigint real double numeric text varchar boolean date timestamp timestamptz uuid json bytes enumOf"
).split(" ");

/**
 * The TypeScript source of a module that declares `md`'s tables (exported as `metadata` and one
 * constant per table) and, with `models`, a Model class per table that has a primary key.
 */
export function generateSchemaSource(md: MetaData, options: CodegenOptions): string {
  // Names the module declares or imports cannot be table constants.
  const scope = new NameScope(IMPORTABLE);
  const w = new Writer(md, options, scope);
  w.imports.use("MetaData");
  const body = [`export const metadata = new MetaData();`, ...md.tables.map((t) => w.table(t))];
  if (options.models) body.push(...modelSource(md, w.vars, w.imports, scope));
  const header = `// Generated by arbor reflect from a ${options.dialect.name} database.`;
  return `${header}\n${w.imports.line(options.importFrom ?? "arbor-sql")}\n\n${body.join("\n\n")}\n`;
}
