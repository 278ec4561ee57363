// The oracle's model, mapped by Arbor; sa_runner.py maps the same tables with SQLAlchemy. Every
// primary key is given by the scenario (no autoincrement), so both sides name rows alike.
// - parent → child: "all, delete-orphan" (moves, orphans, cascades; child.parent_id NOT NULL)
// - owner → pet: no delete cascade, pet.owner_id nullable (children nulled on delete)
// - folder: a self-referential tree, "all" cascade down
// - users ↔ posts: a mutual dependency, users.favorite_post_id (nullable) marked postUpdate
// - article ↔ tag: many-to-many through article_tag; tag.name unique
// - counter: an optimistic version counter
import {
  MetaData,
  Registry,
  Model,
  integer,
  text,
  foreignKey,
  primaryKey,
  oneToMany,
  manyToOne,
  manyToMany,
  type AnyColumn,
  type Dialect,
} from "../../../src/index.js";

export const md = new MetaData();
export const registry = new Registry();

export const parentT = md.table("parent", { id: integer().primaryKey(), name: text().notNull() });
export const childT = md.table("child", {
  id: integer().primaryKey(),
  parentId: integer()
    .notNull()
    .named("parent_id")
    .references(() => parentT.c.id),
  name: text().notNull(),
});
export const ownerT = md.table("owner", { id: integer().primaryKey(), name: text().notNull() });
export const petT = md.table("pet", {
  id: integer().primaryKey(),
  ownerId: integer()
    .named("owner_id")
    .references(() => ownerT.c.id),
  name: text().notNull(),
});
export const folderT = md.table("folder", { id: integer().primaryKey(), parentId: integer().named("parent_id"), name: text().notNull() }, (c) => [
  foreignKey([c.parentId], () => [c.id]),
]);
export const usersT = md.table("users", { id: integer().primaryKey(), name: text().notNull(), favoritePostId: integer().named("favorite_post_id") }, (c) => [
  foreignKey([c.favoritePostId], (): AnyColumn[] => [postsT.c.id]),
]);
export const postsT = md.table("posts", {
  id: integer().primaryKey(),
  authorId: integer()
    .notNull()
    .named("author_id")
    .references(() => usersT.c.id),
  title: text().notNull(),
});
export const articleT = md.table("article", { id: integer().primaryKey(), title: text().notNull() });
export const tagT = md.table("tag", { id: integer().primaryKey(), name: text().notNull().unique() });
export const articleTagT = md.table(
  "article_tag",
  {
    articleId: integer()
      .notNull()
      .named("article_id")
      .references(() => articleT.c.id),
    tagId: integer()
      .notNull()
      .named("tag_id")
      .references(() => tagT.c.id),
  },
  (c) => [primaryKey(c.articleId, c.tagId)],
);
export const counterT = md.table("counter", { id: integer().primaryKey(), value: integer().notNull(), version: integer().notNull() });

export class Parent extends Model(parentT) {
  declare children: Child[];
}
export class Child extends Model(childT) {
  declare parent: Parent | null;
}
export class Owner extends Model(ownerT) {
  declare pets: Pet[];
}
export class Pet extends Model(petT) {
  declare owner: Owner | null;
}
export class Folder extends Model(folderT) {
  declare parent: Folder | null;
  declare subfolders: Folder[];
}
export class User extends Model(usersT) {
  declare posts: Post[];
  declare favorite: Post | null;
}
export class Post extends Model(postsT) {
  declare author: User | null;
}
export class Article extends Model(articleT) {
  declare tags: Tag[];
}
export class Tag extends Model(tagT) {
  declare articles: Article[];
}
export class Counter extends Model(counterT) {}

registry.map(Parent, {
  relationships: { children: oneToMany(() => Child, { backPopulates: "parent", cascade: "all, delete-orphan", orderBy: () => [childT.c.id] }) },
});
registry.map(Child, { relationships: { parent: manyToOne(() => Parent, { backPopulates: "children" }) } });
registry.map(Owner, { relationships: { pets: oneToMany(() => Pet, { backPopulates: "owner", orderBy: () => [petT.c.id] }) } });
registry.map(Pet, { relationships: { owner: manyToOne(() => Owner, { backPopulates: "pets" }) } });
registry.map(Folder, {
  relationships: {
    parent: manyToOne(() => Folder, { backPopulates: "subfolders" }),
    subfolders: oneToMany(() => Folder, { backPopulates: "parent", cascade: "all", orderBy: () => [folderT.c.id] }),
  },
});
// `postUpdate` as SQLAlchemy's post_update (issue 12.5).
const favorite = { foreignKey: [usersT.c.favoritePostId], postUpdate: true };
registry.map(User, {
  relationships: {
    posts: oneToMany(() => Post, { backPopulates: "author", foreignKey: [postsT.c.authorId], orderBy: () => [postsT.c.id] }),
    favorite: manyToOne(() => Post, favorite),
  },
});
registry.map(Post, { relationships: { author: manyToOne(() => User, { backPopulates: "posts", foreignKey: [postsT.c.authorId] }) } });
registry.map(Article, { relationships: { tags: manyToMany(() => Tag, { secondary: articleTagT, backPopulates: "articles", orderBy: () => [tagT.c.id] }) } });
registry.map(Tag, {
  relationships: { articles: manyToMany(() => Article, { secondary: articleTagT, backPopulates: "tags", orderBy: () => [articleT.c.id] }) },
});
registry.map(Counter, { version: "version" });

export const CLASSES = { Parent, Child, Owner, Pet, Folder, User, Post, Article, Tag, Counter } as const;
export type ClassName = keyof typeof CLASSES;
export const TABLES = [parentT, childT, ownerT, petT, folderT, usersT, postsT, articleT, tagT, articleTagT, counterT];

/**
 * The audit log: a row per row written, in the order the engine wrote them, with the row before
 * and after. Triggers see every statement shape alike (multi-row INSERT, CASE-batched UPDATE,
 * executemany), so the two ORMs' writes compare row by row.
 */
export function auditDdl(dialect: Dialect): string[] {
  const q = (s: string) => `"${s}"`;
  if (dialect.name === "sqlite") {
    const out = [
      "CREATE TABLE oracle_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL, pk TEXT NOT NULL, old TEXT, new TEXT)",
    ];
    for (const t of TABLES) {
      const pk = (row: string) => `json_array(${t.primaryKey.map((c) => `${row}.${q(c.name)}`).join(", ")})`;
      const obj = (row: string) => `json_object(${t.columns.map((c) => `'${c.name}', ${row}.${q(c.name)}`).join(", ")})`;
      const trig = (op: string, when: string, pkRow: string, oldV: string, newV: string) =>
        `CREATE TRIGGER ${q(`oracle_audit_${t.name}_${op}`)} AFTER ${when} ON ${q(t.name)} BEGIN INSERT INTO oracle_audit (tbl, op, pk, old, new) VALUES ('${t.name}', '${op}', ${pk(pkRow)}, ${oldV}, ${newV}); END`;
      out.push(trig("I", "INSERT", "NEW", "NULL", obj("NEW")));
      out.push(trig("U", "UPDATE", "OLD", obj("OLD"), obj("NEW")));
      out.push(trig("D", "DELETE", "OLD", obj("OLD"), "NULL"));
    }
    return out;
  }
  const out = [
    "CREATE TABLE oracle_audit (seq SERIAL PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, pk TEXT NOT NULL, old TEXT, new TEXT)",
    `CREATE OR REPLACE FUNCTION oracle_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE pkcols text[] := TG_ARGV; keyrow jsonb; vals jsonb := '[]'::jsonb; c text;
BEGIN
  IF TG_OP = 'INSERT' THEN keyrow := to_jsonb(NEW); ELSE keyrow := to_jsonb(OLD); END IF;
  FOREACH c IN ARRAY pkcols LOOP vals := vals || jsonb_build_array(keyrow -> c); END LOOP;
  INSERT INTO oracle_audit (tbl, op, pk, old, new) VALUES (TG_TABLE_NAME, left(TG_OP, 1), vals::text,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD)::text END, CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW)::text END);
  RETURN NULL;
END $$`,
  ];
  for (const t of TABLES)
    out.push(
      `CREATE TRIGGER ${q(`oracle_audit_${t.name}`)} AFTER INSERT OR UPDATE OR DELETE ON ${q(t.name)} FOR EACH ROW EXECUTE FUNCTION oracle_audit_row(${t.primaryKey.map((c) => `'${c.name}'`).join(", ")})`,
    );
  return out;
}

/**
 * One statement reading every table (rows by primary key, keyed by column name) and the audit
 * log, as rows of (name, JSON array): a dump per commit costs one round trip.
 */
export function dumpSql(dialect: Dialect): string {
  const q = (s: string) => `"${s}"`;
  const parts: string[] = [];
  if (dialect.name === "sqlite") {
    for (const t of TABLES) {
      const obj = `json_object(${t.columns.map((c) => `'${c.name}', ${q(c.name)}`).join(", ")})`;
      parts.push(
        `SELECT '${t.name}' AS name, (SELECT json_group_array(${obj}) FROM (SELECT * FROM ${q(t.name)} ORDER BY ${t.primaryKey.map((c) => q(c.name)).join(", ")})) AS rows`,
      );
    }
    parts.push(
      "SELECT 'oracle_audit' AS name, (SELECT json_group_array(json_object('table', tbl, 'op', op, 'pk', pk, 'old', json(old), 'new', json(new))) FROM (SELECT * FROM oracle_audit ORDER BY seq)) AS rows",
    );
  } else {
    for (const t of TABLES)
      parts.push(
        `SELECT '${t.name}' AS name, COALESCE((SELECT json_agg(row_to_json(x) ORDER BY ${t.primaryKey.map((c) => `x.${q(c.name)}`).join(", ")}) FROM ${q(t.name)} x), '[]')::text AS rows`,
      );
    parts.push(
      "SELECT 'oracle_audit' AS name, COALESCE((SELECT json_agg(json_build_object('table', tbl, 'op', op, 'pk', pk, 'old', old::json, 'new', new::json) ORDER BY seq) FROM oracle_audit), '[]')::text AS rows",
    );
  }
  return parts.join(" UNION ALL ");
}

/** Empties every table and the audit log (children first; the users ↔ posts cycle cut first). */
export function resetSql(): string[] {
  const cut = 'UPDATE "users" SET "favorite_post_id" = NULL';
  return [cut, ...[...TABLES].reverse().map((t) => `DELETE FROM "${t.name}"`), "DELETE FROM oracle_audit"];
}
