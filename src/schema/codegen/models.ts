// Model classes for generated table definitions, with relationships inferred from foreign keys as
// SQLAlchemy's automap does: a foreign key gives a many-to-one on the referencing class and a
// one-to-many back on the referenced one (paired by backPopulates); a table that is nothing but two
// foreign keys (an association table) gives a many-to-many between the two classes it links.
import type { MetaData } from "../metadata.js";
import type { AnyColumn, ForeignKey, Table } from "../table.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
import type { Imports } from "./index.js";
import { camelCase, member, NameScope, pascalCase, plural } from "./names.js";

interface Relationship {
  readonly name: string;
  /** The TypeScript type of the attribute. */
  readonly type: string;
  /** The builder call. */
  readonly call: string;
}

/** Two single-target foreign keys covering every column, and nothing else: a many-to-many link. */
function associationOf(t: AnyTable): readonly [ForeignKey, ForeignKey] | undefined {
  if (t.foreignKeys.length !== 2) return undefined;
  const fkColumns = new Set(t.foreignKeys.flatMap((fk) => fk.columns));
  if (t.columns.length !== fkColumns.size || !t.columns.every((c) => fkColumns.has(c.node))) return undefined;
  const [a, b] = t.foreignKeys;
  return a.target === b.target ? undefined : [a, b];
}

/**
 * The attribute name of a many-to-one: the key column without its "id" suffix (`artist_id` →
 * `artist`), else the column's own name in camel case when that is not a column key (`ReportsTo` →
 * `reportsTo`), else the target's name.
 */
function manyToOneName(fk: ForeignKey, t: AnyTable): string {
  if (fk.columns.length === 1) {
    const key = fk.columns[0].key;
    const stem = /^(.+?)_?(id|Id|ID)$/.exec(key)?.[1];
    if (stem) return camelCase(stem);
    const own = camelCase(key);
    if (!t.columns.some((c) => c.node.key === own)) return own;
  }
  return camelCase(fk.target.name);
}

export function modelSource(md: MetaData, vars: ReadonlyMap<AnyTable, string>, imports: Imports, scope: NameScope): string[] {
  const use = (n: string) => imports.use(n);
  const associations = new Map(md.tables.flatMap((t) => (associationOf(t) ? [[t, associationOf(t)!] as const] : [])));
  const classes = new Map<AnyTable, string>();
  for (const t of md.tables) if (t.primaryKey.length && !associations.has(t)) classes.set(t, scope.claim(pascalCase(t.name)));
  // Per class: the attribute names taken (its column keys first) and its relationships.
  const attrs = new Map([...classes.keys()].map((t) => [t, new NameScope(t.columns.map((c) => c.node.key))]));
  const rels = new Map([...classes.keys()].map((t) => [t, [] as Relationship[]]));

  for (const [t, cls] of classes) {
    for (const fk of t.foreignKeys) {
      const parent = fk.target;
      const parentCls = classes.get(parent);
      if (parentCls === undefined) continue;
      const one = attrs.get(t)!.claim(manyToOneName(fk, t));
      const several = t.foreignKeys.filter((f) => f.target === parent).length > 1 || parent === t;
      const many = attrs.get(parent)!.claim(plural(camelCase(t.name)) + (several ? `By${one.charAt(0).toUpperCase()}${one.slice(1)}` : ""));
      const key = `foreignKey: [${fk.columns.map((c) => member(`${vars.get(t)!}.c`, c.key)).join(", ")}]`;
      rels
        .get(t)!
        .push({ name: one, type: `${parentCls} | null`, call: `${use("manyToOne")}(() => ${parentCls}, { backPopulates: ${JSON.stringify(many)}, ${key} })` });
      rels.get(parent)!.push({ name: many, type: `${cls}[]`, call: `${use("oneToMany")}(() => ${cls}, { backPopulates: ${JSON.stringify(one)}, ${key} })` });
    }
  }
  for (const [assoc, [a, b]] of associations) {
    const left = classes.get(a.target);
    const right = classes.get(b.target);
    if (left === undefined || right === undefined) continue;
    const toRight = attrs.get(a.target)!.claim(plural(camelCase(b.target.name)));
    const toLeft = attrs.get(b.target)!.claim(plural(camelCase(a.target.name)));
    const secondary = vars.get(assoc)!;
    rels.get(a.target)!.push({
      name: toRight,
      type: `${right}[]`,
      call: `${use("manyToMany")}(() => ${right}, { secondary: ${secondary}, backPopulates: ${JSON.stringify(toLeft)} })`,
    });
    rels.get(b.target)!.push({
      name: toLeft,
      type: `${left}[]`,
      call: `${use("manyToMany")}(() => ${left}, { secondary: ${secondary}, backPopulates: ${JSON.stringify(toRight)} })`,
    });
  }

  const out: string[] = [];
  for (const [t, cls] of classes) {
    const declares = rels.get(t)!.map((r) => `  declare ${r.name}: ${r.type};`);
    out.push(`export class ${cls} extends ${use("Model")}(${vars.get(t)!}) {${declares.length ? `\n${declares.join("\n")}\n` : ""}}`);
  }
  for (const [t, cls] of classes) {
    const rs = rels.get(t)!;
    if (rs.length === 0) out.push(`${use("map")}(${cls});`);
    else out.push(`${use("map")}(${cls}, {\n  relationships: {\n${rs.map((r) => `    ${r.name}: ${r.call},`).join("\n")}\n  },\n});`);
  }
  return out;
}
