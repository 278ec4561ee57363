// Relationship declarations and their resolution against foreign keys: which side holds the key,
// which columns copy into which, and the cascades that follow.
import type { OrderBy, Expr } from "../sql/expression.js";
import type { AnyColumn, ForeignKey, Table } from "../schema/table.js";
import { MappingError } from "./errors.js";
import type { Mapper } from "./mapper.js";
import type { RelKeys } from "./options.js";

export type RelationshipKind = "oneToMany" | "manyToOne" | "oneToOne" | "manyToMany";
export type Direction = "oneToMany" | "manyToOne" | "manyToMany";
export type Cascade = "save-update" | "merge" | "delete" | "delete-orphan" | "refresh-expire" | "expunge";
export type LoaderStrategyName = "lazy" | "raise" | "joined" | "selectin" | "nested";

type AnyTable = Table<string, Record<string, AnyColumn>>;
export type AnyClass = abstract new (...args: never[]) => object;

export interface RelationshipOptions {
  /** The relationship on the other class that mirrors this one (kept in sync in memory). */
  backPopulates?: string;
  /** The foreign-key columns to use when several link the two tables. */
  foreignKey?: readonly AnyColumn[];
  /** Order of a collection when loaded. */
  orderBy?: () => readonly (Expr<unknown> | OrderBy)[];
  /** e.g. "save-update, merge, delete, delete-orphan" or "all, delete-orphan". */
  cascade?: string;
  /**
   * Trust the database's ON DELETE action: deleting the parent neither loads its unloaded
   * children nor deletes them (delete cascade) or clears their foreign key (no delete cascade).
   */
  passiveDeletes?: boolean;
  /**
   * Write this relationship's foreign key with a separate UPDATE after both rows are inserted
   * (and clear it with an UPDATE before they are deleted): how a cycle of rows referencing each
   * other is broken. The foreign-key columns must be nullable.
   */
  postUpdate?: boolean;
  /** Default loader strategy. Grouping relationships default to "nested". */
  lazy?: LoaderStrategyName;
  /** The association table of a many-to-many relationship. */
  secondary?: AnyTable;
  /** For self-referential nested loading: how many levels to nest by default. */
  depth?: number;
}

/** Options as declared for a target whose instances are `I`: `backPopulates` names one of its relationships. */
export type TypedRelationshipOptions<I> = Omit<RelationshipOptions, "backPopulates"> & { backPopulates?: RelKeys<I> };

export interface RelationshipSpec {
  readonly kind: RelationshipKind;
  readonly target: () => AnyClass;
  readonly options: RelationshipOptions;
}

// Typed by the target class: `backPopulates` must name one of its relationships (a typo fails to compile).
export const oneToMany = <C extends AnyClass>(target: () => C, options: TypedRelationshipOptions<InstanceType<C>> = {}): RelationshipSpec => ({
  kind: "oneToMany",
  target,
  options,
});
export const manyToOne = <C extends AnyClass>(target: () => C, options: TypedRelationshipOptions<InstanceType<C>> = {}): RelationshipSpec => ({
  kind: "manyToOne",
  target,
  options,
});
export const oneToOne = <C extends AnyClass>(target: () => C, options: TypedRelationshipOptions<InstanceType<C>> = {}): RelationshipSpec => ({
  kind: "oneToOne",
  target,
  options,
});
export const manyToMany = <C extends AnyClass>(
  target: () => C,
  options: TypedRelationshipOptions<InstanceType<C>> & { secondary: AnyTable },
): RelationshipSpec => ({
  kind: "manyToMany",
  target,
  options,
});

function parseCascade(spec: string | undefined, grouping: boolean): Set<Cascade> {
  const out = new Set<Cascade>();
  const text = spec ?? (grouping ? "save-update, merge, delete, delete-orphan" : "save-update, merge");
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (part === "all") ["save-update", "merge", "refresh-expire", "expunge", "delete"].forEach((c) => out.add(c as Cascade));
    else if (["save-update", "merge", "delete", "delete-orphan", "refresh-expire", "expunge"].includes(part)) out.add(part as Cascade);
    else throw new MappingError(`Unknown cascade ${JSON.stringify(part)}`);
  }
  return out;
}

/** A resolved relationship: the direction and the column pairs that copy parent keys into children. */
export class Relationship {
  /** This relationship's bit in an instance's loaded set (set by the mapper). */
  bit = 0;
  private resolved = false;
  private _direction!: Direction;
  private _target!: Mapper;
  /** Pairs [parent column key, child column key] (child holds the foreign key). */
  private _pairs!: (readonly [string, string])[];
  private _fk?: ForeignKey;
  /** Many-to-many: [this mapper's column key, secondary column key] and [target key, secondary key]. */
  private _secondaryPairs?: { readonly local: (readonly [string, string])[]; readonly remote: (readonly [string, string])[] };
  private _cascade!: Set<Cascade>;

  constructor(
    readonly key: string,
    readonly owner: Mapper,
    readonly spec: RelationshipSpec,
    private readonly lookup: (cls: AnyClass) => Mapper,
  ) {}

  get kind(): RelationshipKind {
    return this.spec.kind;
  }
  get options(): RelationshipOptions {
    return this.spec.options;
  }
  get isCollection(): boolean {
    return this.spec.kind === "oneToMany" || this.spec.kind === "manyToMany";
  }
  get direction(): Direction {
    this.resolve();
    return this._direction;
  }
  get target(): Mapper {
    this.resolve();
    return this._target;
  }
  get pairs(): readonly (readonly [string, string])[] {
    this.resolve();
    return this._pairs;
  }
  get foreignKey(): ForeignKey | undefined {
    this.resolve();
    return this._fk;
  }
  get secondaryPairs() {
    this.resolve();
    return this._secondaryPairs!;
  }
  get cascade(): ReadonlySet<Cascade> {
    this.resolve();
    return this._cascade;
  }
  get grouping(): boolean {
    return this.foreignKey?.grouping === true;
  }
  /** The relationship on the target that mirrors this one. */
  get back(): Relationship | undefined {
    const b = this.options.backPopulates;
    if (!b) return undefined;
    const found = this.target.relationships.get(b);
    if (!found)
      throw new MappingError(`${this.owner.name}.${this.key}: backPopulates names ${JSON.stringify(b)}, which is not a relationship of ${this.target.name}`);
    return found;
  }
  get defaultStrategy(): LoaderStrategyName {
    return this.options.lazy ?? (this.grouping && this.direction === "oneToMany" ? "nested" : "lazy");
  }

  private resolve(): void {
    if (this.resolved) return;
    const target = this.lookup(this.spec.target());
    const where = `${this.owner.name}.${this.key}`;
    if (this.spec.kind === "manyToMany") {
      const sec = this.options.secondary;
      if (!sec) throw new MappingError(`${where}: a many-to-many relationship needs a secondary table`);
      const toLocal = sec.foreignKeys.filter((fk) => fk.target === this.owner.table);
      const toRemote = sec.foreignKeys.filter((fk) => fk.target === target.table && !toLocal.includes(fk));
      const local = toLocal.length === 1 ? toLocal[0] : undefined;
      const remote = toRemote.length === 1 ? toRemote[0] : target.table === this.owner.table ? toLocal[1] : undefined;
      if (!local || !remote) throw new MappingError(`${where}: ${sec.name} needs exactly one foreign key to each side`);
      const pairsOf = (fk: ForeignKey) => fk.refColumns().map((rc, i) => [rc.key, fk.columns[i].key] as const);
      this._secondaryPairs = { local: pairsOf(local), remote: pairsOf(remote) };
      this._direction = "manyToMany";
      this._pairs = [];
      this._target = target;
      this._cascade = parseCascade(this.options.cascade, false);
      this.resolved = true;
      return;
    }
    // Which table holds the foreign key: the target for one-to-many, this table for many-to-one;
    // one-to-one looks for it here first.
    const fkOn = (child: Mapper, parent: Mapper) =>
      child.table.foreignKeys.filter((fk) => fk.target === parent.table && (!this.options.foreignKey || sameColumns(fk, this.options.foreignKey)));
    let direction: Direction;
    let candidates: ForeignKey[];
    if (this.spec.kind === "oneToMany") {
      direction = "oneToMany";
      candidates = fkOn(target, this.owner);
    } else if (this.spec.kind === "manyToOne") {
      direction = "manyToOne";
      candidates = fkOn(this.owner, target);
    } else {
      candidates = fkOn(this.owner, target);
      direction = "manyToOne";
      if (candidates.length === 0) {
        candidates = fkOn(target, this.owner);
        direction = "oneToMany";
      }
    }
    if (candidates.length !== 1)
      throw new MappingError(
        `${where}: ${candidates.length === 0 ? "no foreign key links" : "several foreign keys link"} ${this.owner.table.name} and ${target.table.name}; name one with { foreignKey: [...] }`,
      );
    const fk = candidates[0];
    this._fk = fk;
    this._pairs = fk.refColumns().map((rc, i) => [rc.key, fk.columns[i].key] as const);
    this._direction = direction;
    this._target = target;
    this._cascade = parseCascade(this.options.cascade, fk.grouping && direction === "oneToMany");
    this.resolved = true;
  }
}

function sameColumns(fk: ForeignKey, cols: readonly AnyColumn[]): boolean {
  return fk.columns.length === cols.length && cols.every((c) => fk.columns.includes(c.node));
}
