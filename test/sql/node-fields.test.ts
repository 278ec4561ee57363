// Node field declarations (src/sql/nodes/fields.ts) are what traversal, shape keys, equality and
// replacement derive from, so they must be complete and the derivations must honour them: every
// field a built node holds is declared by its kind, nodes differing in any keyed field get different
// shape keys (and differing only in a value or meta field, the same key), and the generated code
// agrees with the closures composed where code cannot be generated.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MetaData,
  alias,
  caseWhen,
  deleteFrom,
  exists,
  excluded,
  func,
  insert,
  integer,
  nested,
  numeric,
  or,
  param,
  select,
  sql,
  text,
  tuple,
  types,
  update,
  value,
  type Statement,
} from "../../src/index.js";
import { shapeKey } from "../../src/sql/cache-key.js";
import type { Role } from "../../src/sql/nodes/fields.js";
import { type Node, type NodeKind, nodeFields } from "../../src/sql/nodes/index.js";
import { mapChildren, sameNode } from "../../src/sql/structure.js";
import { children, deriveChildren } from "../../src/sql/traverse.js";

const md = new MetaData();
const a = md.table("nf_a", { id: integer().primaryKey(), n: integer(), s: text(), p: numeric(10, 2) });
const b = md.table("nf_b", {
  id: integer().primaryKey(),
  aId: integer()
    .named("a_id")
    .references(() => a.c.id),
  v: integer(),
});
const a2 = alias(a, "a2");

/** Statements that together hold a node of every kind (checked below). */
const statements: readonly (() => Statement<unknown>)[] = [
  () =>
    select(a.c.id, a.c.n.add(1).as("x"), a.c.n.neg().as("m"), a.c.n.cast(types.text).as("c"), func.count().as("k"))
      .from(a)
      .where(
        or(
          a.c.id.eq(param("id", types.integer)),
          a.c.p.isNull(),
          a.c.n.between(1, 9),
          tuple(a.c.id, a.c.n).eq(tuple(value(2, types.integer), value(20, types.integer))),
          a.c.n.in([1, 2]),
        ),
      )
      .groupBy(a.c.id, a.c.n, a.c.p)
      .having(
        func
          .count()
          .filter(a.c.n.gt(value(0, types.integer)))
          .gt(0),
      )
      .orderBy(a.c.p.asc().nullsFirst())
      .limit(5)
      .offset(1),
  () =>
    select(
      caseWhen(a.c.n.gt(15), a.c.s).else(a.c.s.concat("?")).as("x"),
      func
        .rowNumber()
        .over({ partitionBy: [a.c.s], orderBy: [a.c.id] })
        .as("r"),
    ).from(a),
  () => select(a.c.id, nested(select(b.c.id, b.c.v).orderBy(b.c.id).limit(2)).as("bs")).from(a),
  () =>
    select(a.c.id)
      .from(a)
      .where(exists(select(b.c.id).where(b.c.aId.eq(a.c.id)))),
  () => select(a2.c.id, select(func.max(b.c.v).as("m")).from(b).scalar().as("mx")).from(a2),
  () => {
    const d = select(b.c.aId, func.count().as("n")).groupBy(b.c.aId).as("d");
    return select(a.c.id, d.c.n).from(a).join(d, d.c.aId.eq(a.c.id));
  },
  () => {
    const c = select(b.c.id).where(b.c.v.gt(1)).cte("big");
    return select(c.c.id).from(c).union(select(a.c.id).from(a));
  },
  () => sql`SELECT ${a.c.id} FROM ${sql.id("nf_a")} WHERE ${a.c.n} > ${1}`,
  () =>
    insert(a)
      .values({ id: 10, n: 1, s: "x", p: "1.00" })
      .onConflict({ target: [a.c.id], set: { n: excluded(a.c.n) }, where: a.c.n.gt(0) })
      .returning(a.c.id),
  () => insert(b).fromSelect([b.c.id, b.c.aId, b.c.v], select(a.c.id, a.c.id.as("x"), a.c.n).from(a)),
  () => update(a).set({ n: 1 }).from(b).where(a.c.id.eq(b.c.aId)).returning(a.c.id),
  () => deleteFrom(a).where(a.c.id.in(select(b.c.aId))),
];

type Fields = Readonly<Record<string, Role>>;
const declared = (kind: NodeKind): Fields => nodeFields[kind] as Fields;
const field = (n: object, k: string | number): unknown => (n as Record<string | number, unknown>)[k];
const isNode = (x: unknown): x is Node => typeof x === "object" && x !== null && typeof (x as { kind?: unknown }).kind === "string";

/** Every node a tree holds, through children and through sources, columns and CTE bodies named by reference. */
function nodesOf(root: Node, out: Node[] = []): Node[] {
  if (out.includes(root)) return out;
  out.push(root);
  if (!Object.hasOwn(nodeFields, root.kind)) return out;
  for (const [k, role] of Object.entries(declared(root.kind))) visitRole(role, field(root, k), out);
  return out;
}

function visitRole(role: Role, v: unknown, out: Node[]): void {
  if (v === undefined) return;
  if (typeof role === "string") {
    if (role === "lazy") nodesOf((v as () => Node)(), out);
    else if (role === "child" || role === "source" || role === "column" || (role === "childOrChildren" && !Array.isArray(v))) nodesOf(v as Node, out);
    else if (role === "childOrChildren") for (const c of v as Node[]) nodesOf(c, out);
    else if (role === "ref" && isNode(v)) nodesOf(v, out);
    return;
  }
  if ("optional" in role) return visitRole(role.optional, v, out);
  if ("list" in role) return void (v as unknown[]).forEach((x) => visitRole(role.list, x, out));
  if ("tuple" in role) return void role.tuple.forEach((r, i) => visitRole(r, field(v as object, i), out));
  for (const [k, r] of Object.entries(role.record)) visitRole(r, field(v as object, k), out);
}

const allNodes = (): Node[] => {
  const out: Node[] = [];
  for (const s of statements) nodesOf(s().statementNode, out);
  return out;
};

test("the statements here hold a node of every kind", () => {
  const seen = new Set(allNodes().map((n) => n.kind));
  assert.deepEqual(
    Object.keys(nodeFields).filter((k) => !seen.has(k as NodeKind)),
    [],
  );
});

test("every field a built node holds is declared by its kind, and each declaration is frozen", () => {
  for (const n of allNodes()) {
    const fields = declared(n.kind);
    assert.ok(Object.isFrozen(fields), `${n.kind}: declaration not frozen`);
    for (const k of Object.keys(n)) if (k !== "kind") assert.ok(Object.hasOwn(fields, k), `a ${n.kind} node holds "${k}", which its kind does not declare`);
  }
  assert.ok(Object.isFrozen(nodeFields));
});

// ---- keys -------------------------------------------------------------------------------------

const other = md.table("nf_other", { id: integer().primaryKey() });
const marker = (): Node => ({ kind: "raw", strings: ["/* changed */"], values: [], type: types.unknown });

/** A value for a role where there was none. */
function sample(role: Role): unknown {
  if (typeof role === "string") {
    switch (role) {
      case "child":
      case "childOrChildren":
        return marker();
      case "name":
        return "changed";
      case "type":
        return types.bigint;
      case "ref":
        return {};
      case "source":
        return other.node;
      case "column":
        return other.c.id.node;
      case "lazy":
        return () => select(other.c.id).statementNode;
      case "values":
        return [1, "two"];
      case "value":
      case "meta":
        return undefined;
    }
  }
  if ("optional" in role) return sample(role.optional);
  if ("list" in role) return [sample(role.list)];
  if ("tuple" in role) return role.tuple.map(sample);
  return Object.fromEntries(Object.entries(role.record).map(([k, r]) => [k, sample(r)]));
}

/** Values of `role` differing from `v` in one keyed place each; none for value and meta roles. */
function variants(role: Role, v: unknown): unknown[] {
  if (typeof role === "string") {
    switch (role) {
      case "child":
        return [marker()];
      case "childOrChildren":
        return Array.isArray(v) ? [[...v, marker()], marker()] : [[marker()], marker()];
      case "name":
        return [typeof v === "boolean" ? !v : v === undefined ? "changed" : `${v as string}_changed`];
      case "type":
        return [(v as { kind: string }).kind === "bigint" ? types.text : types.bigint];
      case "ref":
        return [{ ...(v as object) }];
      case "source":
        return [other.node];
      case "column":
        return [{ ...(v as object), name: `${field(v as object, "name") as string}_changed` }];
      case "lazy":
        return [() => select(other.c.id).statementNode];
      case "values":
        return [[...(v as unknown[]), 3]];
      case "value":
      case "meta":
        return [];
    }
  }
  if ("optional" in role) return v === undefined ? [sample(role.optional)] : [undefined, ...variants(role.optional, v)];
  if ("list" in role) {
    const items = v as readonly unknown[];
    const out: unknown[] = [items.length ? items.slice(0, -1) : [sample(role.list)]];
    items.slice(0, 2).forEach((x, i) => {
      for (const y of variants(role.list, x)) out.push(items.map((z, j) => (j === i ? y : z)));
    });
    return out;
  }
  if ("tuple" in role) {
    const items = v as readonly unknown[];
    return role.tuple.flatMap((r, i) => variants(r, items[i]).map((y) => items.map((z, j) => (j === i ? y : z))));
  }
  return Object.entries(role.record).flatMap(([k, r]) => variants(r, field(v as object, k)).map((y) => ({ ...(v as object), [k]: y })));
}

const keyOf = (n: Node): string => {
  const shape = shapeKey(n);
  assert.ok(shape, `a ${n.kind} node has no shape key`);
  return shape.key;
};

test("issue 20: two nodes differing in any declared key field get different shape keys", () => {
  let compared = 0;
  const kinds = new Set<NodeKind>();
  for (const n of allNodes()) {
    const key = keyOf(n);
    for (const [k, role] of Object.entries(declared(n.kind)))
      for (const v of variants(role, field(n, k))) {
        const changed = { ...n, [k]: v } as Node;
        assert.notEqual(keyOf(changed), key, `changing ${n.kind}.${k} left the shape key equal`);
        compared++;
        kinds.add(n.kind);
      }
  }
  // Every kind but star-like leaves with only a type has a keyed field; all have a type or a name.
  assert.equal(kinds.size, Object.keys(nodeFields).length);
  assert.ok(compared > 200, `${compared} variants`);
});

test("nodes differing only in a bound value or a meta field share a shape key, with their own values", () => {
  const one = select(a.c.id).where(a.c.n.eq(1)).statementNode;
  const two = select(a.c.id).where(a.c.n.eq(2)).statementNode;
  assert.equal(keyOf(one), keyOf(two));
  assert.deepEqual(shapeKey(two)?.values, [2]);
  const col = a.c.n.node;
  assert.equal(keyOf({ ...col, key: "renamed" }), keyOf(col));
});

// ---- derived code and its fallback -----------------------------------------------------------

test("the generated walks agree with the closures composed from the same declarations", () => {
  const composed = deriveChildren(false);
  const walkWith = (table: typeof children, n: Node, out: Node[]) => {
    out.push(n);
    (table[n.kind] as (n: Node, f: (c: Node) => void) => void)(n, (c) => walkWith(table, c, out));
    return out;
  };
  for (const s of statements) {
    const root = s().statementNode;
    assert.deepEqual(walkWith(composed, root, []), walkWith(children, root, []));
  }
  // The composed fallback really is another implementation.
  assert.notEqual(composed.select, children.select);
});

// ---- equality and replacement ----------------------------------------------------------------

test("sameNode compares every declared field but meta ones; mapChildren rebuilds only what changed", () => {
  for (const n of allNodes()) {
    if (n.kind === "table" || n.kind === "alias" || n.kind === "derived" || n.kind === "cte") continue;
    assert.ok(sameNode(n, { ...n } as Node), `${n.kind} equals its copy`);
    for (const [k, role] of Object.entries(declared(n.kind))) {
      if (role === "meta") assert.ok(sameNode(n, { ...n, [k]: "changed" } as Node), `${n.kind}.${k} is meta`);
      for (const v of variants(role, field(n, k))) assert.ok(!sameNode(n, { ...n, [k]: v } as Node), `${n.kind}.${k} changed, yet equal`);
    }
    assert.equal(
      mapChildren(n, (c) => c),
      n,
    );
    const replaced = mapChildren(n, () => marker());
    const before: Node[] = [];
    const after: Node[] = [];
    (children[n.kind] as (n: Node, f: (c: Node) => void) => void)(n, (c) => before.push(c));
    (children[replaced.kind] as (n: Node, f: (c: Node) => void) => void)(replaced, (c) => after.push(c));
    assert.equal(after.length, before.length, n.kind);
    assert.ok(after.every((c) => c.kind === "raw"));
    if (before.length) assert.notEqual(replaced, n);
  }
});

test("a value bound twice is one shared node in the key: sharing and not sharing differ", () => {
  const v = value(3, types.integer);
  const shared = select(a.c.id).where(a.c.n.eq(v), a.c.id.eq(v)).statementNode;
  const apart = select(a.c.id).where(a.c.n.eq(value(3, types.integer)), a.c.id.eq(value(3, types.integer))).statementNode;
  assert.notEqual(keyOf(shared), keyOf(apart));
});
