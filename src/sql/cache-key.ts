// Statement shape keys, as SQLAlchemy caches compiles: one walk over a statement yields a string that
// names everything deciding its SQL text and result columns, and its bound values in walk order.
// Statements with equal keys compile to the same SQL, so one compile serves them all (shaped-query.ts).
//
// The key is a prefix code over UTF-16 code units: every node writes a tag, then its own fields
// (counts, flags, length-prefixed names, type ids) in a fixed order, then its children as the table
// in traverse.ts lists them. The counts make the child list readable back, so two different
// statements cannot write the same key. Units go to a number array and become one flat string at
// the end: string concatenation per field cost more than compiling saved, and a rope is slow to hash.
import { anchor } from "./anchor.js";
import type { BindNode, ColumnNode, CteNode, Node, NodeKind, NodeOf, SelectItem, SourceNode, StatementNode } from "./nodes/index.js";
import { eachChild } from "./traverse.js";
import type { NestedSpec, SqlType } from "./types.js";

export interface StatementShape {
  /** Everything that decides the compiled SQL, the parameter slots and the result columns' keys and types. */
  readonly key: string;
  /** The statement's bound values, in walk order; a bind node used twice counts once. */
  readonly values: readonly unknown[];
  /** The bind nodes the values came from: `values[i] === binds[i].value`. */
  readonly binds: readonly BindNode[];
}

/** The shape of a statement, or null when something in it cannot be keyed safely. */
export function shapeKey(node: StatementNode): StatementShape | null {
  const w = new Walk();
  anchor(w);
  const outer = walking;
  walking = w;
  try {
    w.node(node);
  } finally {
    walking = outer;
  }
  return w.ok ? { key: unitsToString(w.units), values: w.values, binds: w.binds } : null;
}

// The walk in progress, so that eachChild gets one module-level callback rather than a closure
// per walk (tsx names every closure it creates with a defineProperty call).
let walking: Walk | undefined;
const visitChild = (n: Node): void => walking!.node(n);

type Writers = { [K in NodeKind]: (w: Walk, node: NodeOf<K>) => void };

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

class Walk {
  readonly units: number[] = [];
  ok = true;
  readonly values: unknown[] = [];
  readonly binds: BindNode[] = [];
  private bindIndex: Map<BindNode, number> | undefined;
  /** Sources met so far: a source is described once, then referred to by position. */
  private readonly sources: SourceNode[] = [];
  /** Bind nodes whose value a dialect may write into the SQL text (MariaDB's aggregate LIMIT). */
  private literals: Node[] | undefined;

  node(n: Node): void {
    // A hand-built node of no known kind cannot be keyed (nor compiled).
    if (!Object.hasOwn(writers, n.kind)) this.ok = false;
    else (writers[n.kind] as (w: Walk, n: Node) => void)(this, n);
  }

  children(n: Node): void {
    eachChild(n, visitChild);
  }

  tag(c: string): void {
    this.units.push(c.charCodeAt(0));
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

  flag(x: unknown): void {
    this.units.push(x === undefined || x === false ? 0 : 1);
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
   * The type of a nested node (or a label over one): the nested select is walked anyway, item keys
   * and types included, so only what it does not say is written.
   */
  nestedType(t: SqlType): void {
    const spec = t.nested!;
    this.count(0);
    this.name(spec.one ? "\u0001one" : "\u0001many");
    this.count(spec.reserve?.length ?? 0);
    for (const k of spec.reserve ?? []) this.name(k);
  }

  items(items: readonly SelectItem[]): void {
    this.count(items.length);
    for (const i of items) this.name(i.key);
  }

  /** A column written where the compiler prints it by name (INSERT lists, SET, excluded). */
  column(c: ColumnNode): void {
    this.name(c.name);
    this.type(c.type);
    this.source(c.source);
  }

  ctes(ctes: readonly CteNode[]): void {
    this.count(ctes.length);
    for (const c of ctes) this.source(c);
  }

  /**
   * Sources are numbered per statement: FROM inference and correlation compare them by identity,
   * so two distinct aliases of one name must differ from one alias used twice, while a source
   * object rebuilt per call still keys the same.
   */
  source(s: SourceNode): void {
    const i = this.sources.indexOf(s);
    if (i >= 0) {
      this.tag("@");
      this.count(i);
      return;
    }
    this.sources.push(s);
    switch (s.kind) {
      case "table":
        this.tag("T");
        this.count(objectId(s));
        return;
      case "alias":
        this.tag("A");
        this.count(objectId(s.table));
        this.name(s.name);
        return;
      case "derived":
        this.tag("D");
        this.name(s.name);
        this.flag(s.lateral);
        this.node(s.query);
        return;
      case "cte":
        this.tag("C");
        this.name(s.name);
        this.flag(s.recursive);
        this.count(s.columnNames.length);
        for (const n of s.columnNames) this.name(n);
        this.node(s.query());
        return;
    }
  }

  literal(n: Node | undefined): void {
    if (n?.kind === "bind") (this.literals ??= []).push(n);
  }

  bind(n: BindNode): void {
    if (this.literals?.includes(n)) {
      const v = n.value;
      const tag = v === null ? "0" : LITERAL_TAGS[typeof v];
      if (tag === undefined) this.ok = false;
      this.tag("l");
      this.tag(tag ?? "?");
      this.type(n.type);
      this.name(String(v));
      return;
    }
    const binds = this.binds;
    const i = this.bindIndex !== undefined ? (this.bindIndex.get(n) ?? -1) : binds.indexOf(n);
    if (i >= 0) {
      this.tag("r");
      this.count(i);
      return;
    }
    this.tag("b");
    this.type(n.type);
    binds.push(n);
    this.values.push(n.value);
    if (this.bindIndex !== undefined) this.bindIndex.set(n, binds.length - 1);
    else if (binds.length > SCAN_LIMIT) this.bindIndex = new Map(binds.map((b, j) => [b, j]));
  }
}

const writers: Writers = {
  column: (w, n) => {
    w.tag("c");
    w.column(n);
  },
  bind: (w, n) => w.bind(n),
  param: (w, n) => {
    w.tag("p");
    w.name(n.name);
    w.type(n.type);
  },
  binary: (w, n) => {
    w.tag("B");
    w.name(n.op);
    w.type(n.type);
    w.children(n);
  },
  unary: (w, n) => {
    w.tag("U");
    w.name(n.op);
    w.type(n.type);
    w.children(n);
  },
  logical: (w, n) => {
    w.tag("G");
    w.tag(n.op === "AND" ? "a" : "o");
    w.count(n.items.length);
    w.type(n.type);
    w.children(n);
  },
  func: (w, n) => {
    w.tag("F");
    w.name(n.name);
    w.flag(n.distinct);
    w.count(n.args.length);
    w.count(n.orderBy.length);
    w.flag(n.filter);
    w.flag(n.limit);
    w.flag(n.offset);
    w.type(n.type);
    w.literal(n.limit);
    w.literal(n.offset);
    w.children(n);
  },
  cast: (w, n) => {
    w.tag("V");
    w.type(n.type);
    w.children(n);
  },
  case: (w, n) => {
    w.tag("K");
    w.count(n.whens.length);
    w.flag(n.otherwise);
    w.type(n.type);
    w.children(n);
  },
  label: (w, n) => {
    w.tag("L");
    w.name(n.name);
    if (n.expr.kind === "nested") w.nestedType(n.type);
    else w.type(n.type);
    w.children(n);
  },
  in: (w, n) => {
    w.tag("i");
    w.flag(n.negate);
    if (Array.isArray(n.values)) w.count(n.values.length);
    else w.tag("q");
    w.type(n.type);
    w.children(n);
  },
  between: (w, n) => {
    w.tag("w");
    w.flag(n.negate);
    w.type(n.type);
    w.children(n);
  },
  scalar: (w, n) => {
    w.tag("s");
    w.type(n.type);
    w.children(n);
  },
  exists: (w, n) => {
    w.tag("e");
    w.flag(n.negate);
    w.type(n.type);
    w.children(n);
  },
  window: (w, n) => {
    w.tag("W");
    w.count(n.partitionBy.length);
    w.count(n.orderBy.length);
    w.flag(n.frame);
    if (n.frame !== undefined) w.name(n.frame);
    w.type(n.type);
    w.children(n);
  },
  tuple: (w, n) => {
    w.tag("u");
    w.count(n.items.length);
    w.type(n.type);
    w.children(n);
  },
  excluded: (w, n) => {
    w.tag("X");
    w.column(n.column);
    w.type(n.type);
  },
  raw: (w, n) => {
    w.tag("R");
    w.count(n.strings.length);
    for (const s of n.strings) w.name(s);
    w.count(n.values.length);
    w.type(n.type);
    w.children(n);
  },
  star: (w, n) => {
    w.tag("*");
    w.type(n.type);
  },
  nested: (w, n) => {
    w.tag("N");
    w.flag(n.one);
    w.nestedType(n.type);
    // MariaDB moves the nested LIMIT/OFFSET into JSON_ARRAYAGG, which takes only literals.
    w.literal(n.query.limit);
    w.literal(n.query.offset);
    w.children(n);
  },
  identifier: (w, n) => {
    w.tag("I");
    w.count(n.parts.length);
    for (const p of n.parts) w.name(p);
  },
  order: (w, n) => {
    w.tag("O");
    w.tag(n.direction === "DESC" ? "d" : "a");
    w.tag(n.nulls === "FIRST" ? "f" : n.nulls === "LAST" ? "l" : "-");
    w.children(n);
  },
  table: (w, n) => w.source(n),
  alias: (w, n) => w.source(n),
  derived: (w, n) => w.source(n),
  cte: (w, n) => w.source(n),
  join: (w, n) => {
    w.tag("J");
    w.name(n.type);
    w.flag(n.on);
    w.children(n);
  },
  select: (w, n) => {
    w.tag("S");
    w.ctes(n.with);
    w.items(n.items);
    w.count(n.from.length);
    w.flag(n.where);
    w.count(n.groupBy.length);
    w.flag(n.having);
    w.count(n.orderBy.length);
    w.flag(n.limit);
    w.flag(n.offset);
    w.flag(n.distinct);
    w.flag(n.correlate);
    w.flag(n.forUpdate);
    w.children(n);
  },
  compound: (w, n) => {
    w.tag("M");
    w.ctes(n.with);
    w.name(n.op);
    w.count(n.queries.length);
    w.count(n.orderBy.length);
    w.flag(n.limit);
    w.flag(n.offset);
    w.children(n);
  },
  insert: (w, n) => {
    w.tag("Y");
    w.ctes(n.with);
    w.source(n.table);
    w.count(n.columns.length);
    for (const c of n.columns) w.column(c);
    w.count(n.rows.length);
    for (const r of n.rows) w.count(r.length);
    w.flag(n.query);
    const oc = n.onConflict;
    w.flag(oc);
    if (oc !== undefined) {
      w.count(oc.target.length);
      for (const c of oc.target) w.column(c);
      w.count(oc.set.length);
      for (const [c] of oc.set) w.column(c);
      w.flag(oc.where);
    }
    w.items(n.returning);
    w.children(n);
  },
  update: (w, n) => {
    w.tag("Z");
    w.ctes(n.with);
    w.source(n.table);
    w.count(n.set.length);
    for (const [c] of n.set) w.column(c);
    w.flag(n.where);
    w.items(n.returning);
    w.count(n.from.length);
    w.children(n);
  },
  delete: (w, n) => {
    w.tag("Q");
    w.ctes(n.with);
    w.source(n.table);
    w.flag(n.where);
    w.items(n.returning);
    w.children(n);
  },
};

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
  return `${t.kind} ${t.precision ?? ""} ${t.scale ?? ""} ${t.length ?? ""} ${values}`;
}
