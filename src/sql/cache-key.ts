// Statement shape keys, as SQLAlchemy caches compiles: one walk over a statement yields a string that
// names everything deciding its SQL text and result columns, and its bound values in walk order.
// Statements with equal keys compile to the same SQL, so one compile serves them all (shaped-query.ts).
//
// The key is a prefix code over UTF-16 code units: every node writes its kind's tag, then each field
// its kind declares (nodes/fields.ts), in declaration order, as its role says: children by their own
// keys, lists after their length, optional fields after a presence flag, names numbered or
// length-prefixed, types by structure, sources numbered per statement. The writers are composed from
// the declarations once, at load, so no field can be left out of the key; a field that decides no
// SQL is declared `value` or `meta`. Every part is self-delimiting, so two different statements
// cannot write the same key. Units go to a number array and become one flat string at
// the end: string concatenation per field cost more than compiling saved, and a rope is slow to hash.
import type { Role } from "./nodes/fields.js";
import { type BindNode, type ColumnNode, type Node, type NodeKind, nodeFields, type SourceNode } from "./nodes/index.js";
import type { NestedSpec, SqlType } from "./types.js";

export interface StatementShape {
  /** Everything that decides the compiled SQL, the parameter slots and the result columns' keys and types. */
  readonly key: string;
  /**
   * The statement's bound values: its bind nodes' in walk order (a bind node used twice counts
   * once), then the values of its INSERT cells (nodes/insert.ts), if any.
   */
  readonly values: readonly unknown[];
  /** The bind nodes the values came from: `values[i] === binds[i].value`; the values past them are cells. */
  readonly binds: readonly BindNode[];
  /** Where each list of INSERT cells starts among the values past the binds'; absent when there are none. */
  readonly cells?: ReadonlyMap<readonly unknown[], number>;
}

/** The shape of a statement, or null when something in it cannot be keyed safely. */
export function shapeKey(node: Node): StatementShape | null {
  const w = new Walk(writers);
  w.node(node);
  if (!w.ok) return null;
  const cells = w.cells;
  if (cells === undefined) return { key: unitsToString(w.units), values: w.values, binds: w.binds };
  return { key: unitsToString(w.units), values: w.values.concat(cells.values), binds: w.binds, cells: cells.starts };
}

/** Writes a field's value; `owner` is the node holding it. */
type FieldWriter = (w: Walk, value: unknown, owner: Node) => void;
export type Writer = (w: Walk, node: Node) => void;

function unitsToString(units: readonly number[]): string {
  // fromCharCode takes its units as arguments: a large INSERT is converted in slices.
  if (units.length <= SLICE) return String.fromCharCode(...units);
  let s = "";
  for (let i = 0; i < units.length; i += SLICE) s += String.fromCharCode(...units.slice(i, i + SLICE));
  return s;
}
const SLICE = 8192;

// Names are numbered on first sight, up to a bound so that names made per call (labels holding
// data, generated SQL text) cannot grow the table without end; later names are written out.
const nameIds = new Map<string, number>();
const NAME_LIMIT = 10_000;

/** Values a key may hold as text, by typeof. */
const LITERAL_TAGS: Partial<Record<string, string>> = { number: "n", bigint: "g", string: "s", boolean: "t" };

// Past this many values a Map finds repeated bind nodes faster than a scan.
const SCAN_LIMIT = 16;

export class Walk {
  constructor(private readonly writers: Readonly<Record<NodeKind, Writer>>) {}
  readonly units: number[] = [];
  ok = true;
  readonly values: unknown[] = [];
  readonly binds: BindNode[] = [];
  /** INSERT cells' values in walk order, and where each list of them starts there. */
  cells: { readonly values: unknown[]; readonly starts: Map<readonly unknown[], number> } | undefined;
  private bindIndex: Map<BindNode, number> | undefined;
  /** Sources met so far: a source is described once, then referred to by position. */
  private readonly sources: SourceNode[] = [];
  /** Bind nodes whose value a dialect may write into the SQL text (MariaDB's aggregate LIMIT). */
  private literals: Node[] | undefined;

  node(n: Node): void {
    // A hand-built node of no known kind cannot be keyed (nor compiled).
    const writers = this.writers;
    if (!Object.hasOwn(writers, n.kind)) this.ok = false;
    else writers[n.kind](this, n);
  }

  tag(t: number): void {
    this.units.push(t);
  }

  /** A `name` field: absent, false, true, or a string. */
  scalar(v: unknown): void {
    if (v === undefined) this.units.push(0);
    else if (typeof v === "boolean") this.units.push(v ? 2 : 1);
    else if (typeof v === "string") this.units.push(3), this.name(v);
    else this.ok = false;
  }

  /** A name: its number once it has one, else its length and characters. */
  name(s: string): void {
    let id = nameIds.get(s);
    if (id === undefined && nameIds.size < NAME_LIMIT) nameIds.set(s, (id = nameIds.size));
    if (id !== undefined) {
      this.units.push(1);
      this.count(id);
      return;
    }
    this.units.push(0);
    this.count(s.length);
    for (let i = 0; i < s.length; i++) this.units.push(s.charCodeAt(i));
  }

  /** A non-negative integer, 15 bits per unit; a set high bit means more units follow. */
  count(n: number): void {
    while (n >= 0x8000) {
      this.units.push(0x8000 | (n % 0x8000));
      n = Math.floor(n / 0x8000);
    }
    this.units.push(n);
  }

  type(t: SqlType): void {
    if (t.nested !== undefined) {
      // Reached away from its nested select (a raw fragment typed with it, say): written out.
      this.count(0);
      this.name(nestedStructure(t.nested));
      return;
    }
    const id = typeId(t);
    this.count(id);
    if (id === 0) this.name(typeStructure(t));
  }

  /**
   * A `type` field. Of a nested node (or a label over one) only what its select does not say: the
   * nested select is walked anyway, item keys and types included.
   */
  typeOf(owner: Node, t: SqlType): void {
    if (t.nested === undefined || !(owner.kind === "nested" || (owner.kind === "label" && owner.expr.kind === "nested"))) return this.type(t);
    const spec = t.nested;
    this.count(0);
    this.name(spec.one ? "\u0001one" : "\u0001many");
    this.count(spec.reserve?.length ?? 0);
    for (const k of spec.reserve ?? []) this.name(k);
  }

  /** A column written where the compiler prints it by name (INSERT lists, SET, excluded). */
  column(c: ColumnNode): void {
    this.name(c.name);
    this.type(c.type);
    this.source(c.source);
  }

  /**
   * Sources are numbered per statement: FROM inference and correlation compare them by identity,
   * so two distinct aliases of one name must differ from one alias used twice, while a source
   * object rebuilt per call still keys the same.
   */
  source(s: SourceNode): void {
    const i = this.sources.indexOf(s);
    if (i >= 0) {
      this.tag(SEEN_SOURCE);
      this.count(i);
      return;
    }
    this.sources.push(s);
    fieldWriters[s.kind](this, s);
  }

  literal(n: Node | undefined): void {
    if (n?.kind === "bind") (this.literals ??= []).push(n);
  }

  bind(n: BindNode): void {
    if (this.literals?.includes(n)) {
      const v = n.value;
      const tag = v === null ? "0" : LITERAL_TAGS[typeof v];
      if (tag === undefined) this.ok = false;
      this.tag(LITERAL_BIND);
      this.name(tag ?? "?");
      this.type(n.type);
      this.name(String(v));
      return;
    }
    const binds = this.binds;
    const i = this.bindIndex !== undefined ? (this.bindIndex.get(n) ?? -1) : binds.indexOf(n);
    if (i >= 0) {
      this.tag(SEEN_BIND);
      this.count(i);
      return;
    }
    fieldWriters.bind(this, n);
    binds.push(n);
    this.values.push(n.value);
    if (this.bindIndex !== undefined) this.bindIndex.set(n, binds.length - 1);
    else if (binds.length > SCAN_LIMIT) this.bindIndex = new Map(binds.map((b, j) => [b, j]));
  }

  /** A `values` field: its length decides the SQL; the values are the shape's, after its binds'. */
  cellList(list: readonly unknown[]): void {
    this.count(list.length);
    const values: unknown[] = [];
    const cells = (this.cells ??= { values, starts: new Map<readonly unknown[], number>() });
    if (!cells.starts.has(list)) cells.starts.set(list, cells.values.length);
    for (let i = 0; i < list.length; i++) cells.values.push(list[i]);
  }
}

// Tags: the first few say how a node seen before is written; each kind's tag is its number after them.
const SEEN_SOURCE = 0;
const SEEN_BIND = 1;
const LITERAL_BIND = 2;
const FIRST_KIND = 3;

/** How a value of `role` is written, or undefined when the role enters no key. */
function roleWriter(role: Role): FieldWriter | undefined {
  if (typeof role === "string") {
    switch (role) {
      case "child":
        return (w, v) => w.node(v as Node);
      case "name":
        return (w, v) => w.scalar(v);
      case "type":
        return (w, v, owner) => w.typeOf(owner, v as SqlType);
      case "ref":
        return (w, v) => w.count(objectId(v as object));
      case "source":
        return (w, v) => w.source(v as SourceNode);
      case "column":
        return (w, v) => w.column(v as ColumnNode);
      case "lazy":
        return (w, v) => w.node((v as () => Node)());
      case "childOrChildren":
        return (w, v) => {
          if (!Array.isArray(v)) return (w.tag(0), w.node(v as Node));
          w.tag(1);
          w.count(v.length);
          for (const c of v as readonly Node[]) w.node(c);
        };
      case "values":
        return (w, v) => w.cellList(v as readonly unknown[]);
      case "value":
      case "meta":
        return undefined;
    }
  }
  if ("optional" in role) {
    const inner = roleWriter(role.optional) ?? noop;
    return (w, v, owner) => (v === undefined ? w.tag(0) : (w.tag(1), inner(w, v, owner)));
  }
  if ("list" in role) {
    const inner = roleWriter(role.list) ?? noop;
    return (w, v, owner) => {
      const items = v as readonly unknown[];
      w.count(items.length);
      for (let i = 0; i < items.length; i++) inner(w, items[i], owner);
    };
  }
  const parts: [string | number, FieldWriter][] = [];
  const add = (k: string | number, r: Role) => {
    const f = roleWriter(r);
    if (f !== undefined) parts.push([k, f]);
  };
  if ("tuple" in role) role.tuple.forEach((r, i) => add(i, r));
  else for (const [k, r] of Object.entries(role.record)) add(k, r);
  return partsWriter(parts);
}

const noop: FieldWriter = () => {};

function partsWriter(parts: readonly [string | number, FieldWriter][]): FieldWriter {
  return (w, v, owner) => {
    const o = v as Record<string | number, unknown>;
    for (let i = 0; i < parts.length; i++) parts[i][1](w, o[parts[i][0]], owner);
  };
}

/**
 * Each kind's own writer: its tag and its declared fields. A bind's value is not written (it is one
 * of the shape's values); the bind itself is recorded, so that sharing one bind node is keyed.
 * Closures composed from the declarations: generated code with the fields written out counted no
 * fewer instructions per key (docs/performance.md).
 */
function deriveFieldWriters(): Readonly<Record<NodeKind, Writer>> {
  const kinds = Object.keys(nodeFields) as NodeKind[];
  const declared = (k: NodeKind) => nodeFields[k] as Readonly<Record<string, Role>>;
  const out = {} as Record<NodeKind, Writer>;
  kinds.forEach((kind, i) => {
    const write = partsWriter(
      Object.entries(declared(kind)).flatMap(([k, r]): [string, FieldWriter][] => {
        const f = roleWriter(r);
        return f ? [[k, f]] : [];
      }),
    );
    const tag = FIRST_KIND + i;
    out[kind] = (w, n) => {
      w.tag(tag);
      write(w, n, n);
    };
  });
  return Object.freeze(out);
}

const SOURCE_KINDS: readonly NodeKind[] = ["table", "alias", "derived", "cte"];

/** What a node is keyed as: its fields, after what decides how a dialect prints some of them. */
function deriveWriters(fieldWriters: Readonly<Record<NodeKind, Writer>>): Readonly<Record<NodeKind, Writer>> {
  return Object.freeze({
    ...fieldWriters,
    ...Object.fromEntries(SOURCE_KINDS.map((k) => [k, (w: Walk, n: Node) => w.source(n as SourceNode)])),
    bind: (w: Walk, n: Node) => w.bind(n as BindNode),
    // MariaDB writes LIMIT/OFFSET inside an aggregate as literals: their values are part of the SQL.
    func: (w: Walk, n: Node) => {
      if (n.kind !== "func") return;
      w.literal(n.limit);
      w.literal(n.offset);
      fieldWriters.func(w, n);
    },
    // MariaDB moves the nested LIMIT/OFFSET into JSON_ARRAYAGG, which takes only literals.
    nested: (w: Walk, n: Node) => {
      if (n.kind !== "nested") return;
      w.literal(n.query.limit);
      w.literal(n.query.offset);
      fieldWriters.nested(w, n);
    },
  });
}

const fieldWriters = deriveFieldWriters();
const writers = deriveWriters(fieldWriters);

// Identity numbers for tables and custom type specs: equal names in two MetaData never collide.
const ids = new WeakMap<object, number>();
let nextId = 0;
function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

// Types are keyed by structure (types.numeric(10, 2) is a new object per call) and numbered, up to
// a bound (enum value lists could make it grow); past it a type is written out. Nested types are
// not numbered: they are built per statement (see Walk.type and Walk.nestedType).
const typeIds = new WeakMap<SqlType, number>();
const typeNumbers = new Map<string, number>();
const TYPE_LIMIT = 10_000;

/** A type's number (from 1), or 0 when it has none and must be written out. */
function typeId(t: SqlType): number {
  let id = typeIds.get(t);
  if (id !== undefined) return id;
  const structure = typeStructure(t);
  id = typeNumbers.get(structure);
  if (id === undefined) {
    if (typeNumbers.size >= TYPE_LIMIT) return 0;
    typeNumbers.set(structure, (id = typeNumbers.size + 1));
  }
  typeIds.set(t, id);
  return id;
}

/** A nested type in full: one or many, each item's key and type, the reserved keys. */
function nestedStructure(spec: NestedSpec): string {
  const items = spec.items.map((i) => [i.key, i.type.nested ? nestedStructure(i.type.nested) : typeId(i.type) || typeStructure(i.type)]);
  return (spec.one ? "one" : "many") + JSON.stringify(spec.reserve ? [items, spec.reserve] : items);
}

function typeStructure(t: SqlType): string {
  if (t.custom) return `custom ${objectId(t.custom)}`;
  const values = t.values ? JSON.stringify(t.values) : "";
  return `${t.kind} ${t.precision ?? ""} ${t.scale ?? ""} ${t.length ?? ""} ${t.mode ?? ""} ${values}`;
}
