// Mapping classes to tables. `Model(table)` gives a base class whose instances have typed column
// attributes; `map(Class, { relationships })` registers it with its relationships and options.
import type { FromNode } from "../sql/nodes/index.js";
import type { AnyColumn, RowOf, Table } from "../schema/table.js";
import { defineColumnAccessors, defineRelationshipAccessor } from "./attributes.js";
import { MappingError, UnmappedClassError } from "./errors.js";
import { Relationship, type AnyClass, type RelationshipSpec } from "./relationships.js";
import { entityJSON } from "./serialize.js";
import { MAPPER, initEntity, initNew, stateOf, type Entity, type Ident } from "./state.js";
import type { Session } from "./session.js";
import type { ComposedCache } from "./query.js";
import type { QueryShapes } from "./query-shapes.js";
import type { Select } from "../sql/select.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
type ColumnsOfTable<T> = T extends Table<string, infer C> ? C : never;

export interface MapOptions {
  relationships?: Record<string, RelationshipSpec>;
  /** A column incremented on every UPDATE; a stale version raises StaleDataError. */
  version?: string;
}

const mappers = new WeakMap<AnyClass, Mapper>();

export class Mapper {
  readonly name: string;
  readonly columnKeys: readonly string[];
  readonly pkKeys: readonly string[];
  /** Columns the database fills in on INSERT (identity, server defaults): fetched with RETURNING. */
  readonly generatedKeys: readonly string[];
  readonly relationships = new Map<string, Relationship>();
  /** The same relationships as an array, for loops run per object (no iterator each time). */
  readonly relationshipList: Relationship[] = [];
  readonly versionKey?: string;
  /** Columns expired by default: all but the primary key (an identity does not go stale). */
  readonly expirableKeys: readonly string[];
  /** The same as a set, shared by every object expired as a whole. */
  readonly expirableSet: ReadonlySet<string>;
  private readonly keyPrefix: string;
  /** The primary-key column when there is exactly one. */
  private readonly singlePk: string | undefined;
  private readonly Loaded: LoadedConstructor;
  /** @internal `Session.get`'s statement by primary key and what it composed (query.ts), made on first use. */
  byKey: { readonly stmt: Select<Record<string, unknown>>; readonly cache: ComposedCache } | undefined = undefined;
  /** @internal What queries of this mapper composed, per statement shape (query-shapes.ts), made on first use. */
  queryShapes: QueryShapes | undefined = undefined;

  constructor(
    readonly cls: AnyClass,
    readonly table: AnyTable,
    readonly registry: Registry,
    options: MapOptions,
  ) {
    this.name = cls.name || table.name;
    this.keyPrefix = `${table.schema ?? ""}.${table.name}`;
    this.columnKeys = table.columns.map((c) => c.key);
    this.pkKeys = table.primaryKey.map((c) => c.key);
    if (this.pkKeys.length === 0) throw new MappingError(`Cannot map ${this.name}: table ${table.name} has no primary key`, { table: table.name });
    this.singlePk = this.pkKeys.length === 1 ? this.pkKeys[0] : undefined;
    this.expirableKeys = this.columnKeys.filter((k) => !this.pkKeys.includes(k));
    this.expirableSet = new Set(this.expirableKeys);
    this.Loaded = loadedConstructor(cls.prototype);
    // On the prototype: instances carry no mapper field of their own.
    Object.defineProperty(cls.prototype, MAPPER, { value: this, configurable: true, writable: false, enumerable: false });
    this.generatedKeys = table.columns.filter((c) => c.def.autoincrement || c.def.serverDefault !== undefined).map((c) => c.key);
    if (options.version !== undefined) {
      table.column(options.version);
      this.versionKey = options.version;
    }
    for (const [key, spec] of Object.entries(options.relationships ?? {})) {
      if (this.columnKeys.includes(key)) throw new MappingError(`${this.name}.${key} is a column and cannot also be a relationship`);
      const rel = new Relationship(key, this, spec, (c) => registry.mapperOf(c));
      if (this.relationships.size >= 31) throw new MappingError(`${this.name} has more than 31 relationships`);
      rel.bit = 1 << this.relationships.size;
      this.bits.set(key, rel.bit);
      this.relationships.set(key, rel);
      this.relationshipList.push(rel);
      defineRelationshipAccessor(cls.prototype, rel);
    }
    for (const k of this.columnKeys) this.addModBit(k);
    for (const k of this.relationships.keys()) this.addModBit(k);
  }

  private readonly bits = new Map<string, number>();
  /** Per column, then per relationship: its bit in an instance's modified keys (InstanceState.mods), while bits last. */
  private readonly modBits = new Map<string, number>();
  /** The keys with a modified bit, in bit order. */
  readonly modKeys: string[] = [];

  /** The bit standing for a key in an instance's modified keys (0 past the bits: those go in a Set). */
  modBit(key: string): number {
    return this.modBits.get(key) ?? 0;
  }

  private addModBit(key: string): void {
    if (this.modKeys.length >= 30) return;
    this.modBits.set(key, 1 << this.modKeys.length);
    this.modKeys.push(key);
  }

  /** The bit standing for a relationship in an instance's loaded set (0 for unknown keys). */
  relationshipBit(key: string): number {
    return this.bits.get(key) ?? 0;
  }

  /**
   * The identity of a row within its table (the session supplies the identity token), or undefined
   * while a primary-key value is missing: a single numeric key is its own identity; other keys
   * become strings, which never equal a number.
   */
  identOf(dict: Record<string, unknown>): Ident | undefined {
    const single = this.singlePk;
    if (single !== undefined) {
      const v = dict[single];
      if (typeof v === "number") return v;
      return v === undefined || v === null ? undefined : identPart(v);
    }
    return this.identAt(dict, this.pkKeys);
  }

  /** The identity of a row whose primary-key values sit under `keys` (in primary-key order): joined rows label them with a prefix. */
  identAt(row: Record<string, unknown>, keys: readonly string[]): Ident | undefined {
    if (keys.length === 1) {
      const v = row[keys[0]];
      if (typeof v === "number") return v;
      return v === undefined || v === null ? undefined : identPart(v);
    }
    let key = "";
    for (const k of keys) {
      const v = row[k];
      if (v === undefined || v === null) return undefined;
      key += key === "" ? identPart(v) : "\u0000" + identPart(v);
    }
    return key;
  }

  /** The identity key as a string: table, primary key and identity token (for display and inspection). */
  keyString(ident: Ident, token: string): string {
    const key = `${this.keyPrefix}\u0000${ident}`;
    return token ? `${key}\u0000@${token}` : key;
  }

  /** The identity key string of a row, or undefined while a primary-key value is missing. */
  identityKey(dict: Record<string, unknown>, token = ""): string | undefined {
    const id = this.identOf(dict);
    return id === undefined ? undefined : this.keyString(id, token);
  }

  describeKey(dict: Record<string, unknown>): string {
    return `(${this.pkKeys.map((k) => `${k}=${typeof dict[k] === "bigint" ? `${dict[k]}n` : JSON.stringify(dict[k])}`).join(", ")})`;
  }

  /** A persistent instance around loaded values (which it owns from now on), without running the constructor. */
  load(dict: Record<string, unknown>, session: Session, ident: Ident | undefined): Entity {
    return new this.Loaded(dict, session, ident);
  }

  /** A transient instance without running the constructor. */
  blank(): Entity {
    const o = Object.create(this.cls.prototype) as Entity;
    initNew(o);
    return o;
  }

  get allRelationships(): Relationship[] {
    return [...this.relationships.values()];
  }
}

function identPart(v: unknown): string {
  return typeof v === "bigint" ? `${v}n` : typeof v === "string" ? `s${v}` : String(v);
}

type LoadedConstructor = new (dict: Record<string, unknown>, session: Session, ident: Ident | undefined) => Entity;

/**
 * A constructor for loaded instances of one class: a plain function whose prototype is the
 * class's, so loaded objects get the class's prototype, a hidden class of their own with every
 * state field in-object, and no user constructor run. One per mapper, so each class gets its own.
 */
function loadedConstructor(proto: object): LoadedConstructor {
  const Loaded = function (this: Entity, dict: Record<string, unknown>, session: Session, ident: Ident | undefined) {
    initEntity(this, dict, "persistent", session, ident);
  };
  Loaded.prototype = proto;
  return Loaded as unknown as LoadedConstructor;
}

export class Registry {
  private readonly own = new Set<Mapper>();

  map<C extends AnyClass & { readonly table: AnyTable }>(cls: C, options: MapOptions = {}): Mapper {
    if (mappers.has(cls)) throw new MappingError(`${cls.name} is already mapped`);
    const m = new Mapper(cls, cls.table, this, options);
    mappers.set(cls, m);
    this.own.add(m);
    return m;
  }

  /** The mapper of a class; classes made with Model() and never mapped get one without relationships. */
  mapperOf(cls: AnyClass): Mapper {
    let m = mappers.get(cls);
    if (!m) {
      const table = (cls as { table?: AnyTable }).table;
      if (!table || !(cls.prototype instanceof ModelBase)) throw new UnmappedClassError(`${cls.name || "This class"} is not mapped`);
      m = this.map(cls as AnyClass & { table: AnyTable });
    }
    return m;
  }

  get mappers(): Mapper[] {
    return [...this.own];
  }
}

/** The registry used when none is given. */
export const registry = new Registry();

export function map<C extends AnyClass & { readonly table: AnyTable }>(cls: C, options: MapOptions = {}): Mapper {
  return registry.map(cls, options);
}

/** The mapper of an instance, or UnmappedClassError. */
export function mapperOfInstance(obj: object): Mapper {
  const s = stateOf(obj);
  if (s) return s.mapper;
  throw new UnmappedClassError(`${obj?.constructor?.name ?? typeof obj} is not a mapped class`);
}

abstract class ModelBase {}

export type ModelInstance<T extends AnyTable> = RowOf<ColumnsOfTable<T>>;

export interface ModelClass<T extends AnyTable> {
  new (init?: Partial<ModelInstance<T>>): ModelInstance<T>;
  readonly table: T;
  readonly c: T["c"];
  readonly fromNode: FromNode;
}

/**
 * A base class for entities of `table`: `class Customer extends Model(customer) { declare orders: Order[] }`.
 * Relationship attributes are declared with `declare` and configured with `map()`.
 */
export function Model<T extends AnyTable>(table: T): ModelClass<T> {
  class Mapped extends ModelBase {
    static readonly table = table;
    static readonly c = table.c;
    static get fromNode(): FromNode {
      return table.node;
    }
    constructor(init?: Record<string, unknown>) {
      super();
      registry.mapperOf(new.target as unknown as AnyClass);
      initNew(this as unknown as Entity);
      if (init) for (const k of Object.keys(init)) (this as unknown as Record<string, unknown>)[k] = init[k];
    }
    /** Loaded columns and relationships for JSON.stringify (see orm/serialize.ts): expired ones raise, back-references are left out, bigint becomes a string. */
    toJSON(): Record<string, unknown> {
      return entityJSON(this as unknown as Entity);
    }
    [Symbol.for("nodejs.util.inspect.custom")](): string {
      const s = stateOf(this)!;
      const cols = s.mapper.columnKeys.map((k) => `${k}: ${s.expired?.has(k) ? "<expired>" : fmt(s.dict[k])}`);
      return `${s.mapper.name} { ${cols.join(", ")} } <${s.status}>`;
    }
  }
  // An accessor named like what every object has (`constructor`, `toString`, `__proto__`, `toJSON`, …)
  // would be shadowed by a subclass's own `constructor`, or break what the object is used for.
  for (const c of table.columns)
    if (c.key in Mapped.prototype)
      throw new MappingError(
        `Column key ${JSON.stringify(c.key)} of ${table.name} names a property every mapped object has; give the column another key (its database name stays ${JSON.stringify(c.name)})`,
        { table: table.name, column: c.name },
      );
  defineColumnAccessors(
    Mapped.prototype,
    table.columns.map((c) => c.key),
  );
  Object.defineProperty(Mapped, "name", { value: `Model(${table.name})` });
  return Mapped as unknown as ModelClass<T>;
}

function fmt(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}
