// Entity queries of one shape share their composition. A query rebuilt per call (`where(id.eq(x))`
// with another x) builds no load plan and no nested sub-select, and its composed statement is not
// walked for its shape: only its own, smaller statement is. Keyed by that statement's shape
// (sql/cache-key.ts), the loader options and how it runs: statements of one shape compose to
// statements of one shape, with their values at the same places (a composed statement is its base
// with the composition's items, joins and orders, built the same way for every base), so the
// composed shape is the first one's with this call's values put where that one's were.
import type { Executor } from "../engine/executor.js";
import { shapeKey, type StatementShape } from "../sql/cache-key.js";
import type { BindNode } from "../sql/nodes/index.js";
import { select, type Select } from "../sql/select.js";
import type { Composed, Composition } from "./eager.js";
import type { AnyTable, Row } from "./loader-strategy.js";
import type { LoaderOption } from "./options.js";

/** One shape's composition and where the composed statement's values come from. */
interface Entry {
  readonly composition: Composition;
  /** The composed statement's shape key. */
  readonly key: string;
  /**
   * Per value of the composed shape: the index of the base's value it is, LIMIT for the limit
   * `first()` and `one()` set (a bind made per statement), or OWN for the composition's own.
   */
  readonly sources: readonly number[];
  /** The first composed statement's values and bind nodes, for the composition's own places. */
  readonly values: readonly unknown[];
  readonly binds: readonly BindNode[];
}

const OWN = -1;
const LIMIT = -2;

/** Compositions per mapper, least recently used dropped past `limit` (bases with IN lists of any length make new shapes). */
export class QueryShapes {
  private readonly entries = new Map<string, Entry>();
  /** The statement every query of the mapper starts from: its table's columns. */
  readonly base: Select<Row>;
  constructor(
    table: AnyTable,
    private readonly limit = 200,
  ) {
    this.base = select(table) as unknown as Select<Row>;
  }

  /**
   * The composed statement for `base` and its shape, from the entry of `base`'s shape, made on
   * first use (`compose`, then one walk of the composed statement). Undefined when `base` cannot
   * be keyed: the caller composes it as it is.
   */
  composed(
    base: Select<Row>,
    signature: string,
    compose: () => Composition,
    apply: (c: Composition) => Composed,
  ): { composed: Composed; shape: StatementShape | null } | undefined {
    const own = shapeKey(base.node);
    if (own === null) return undefined;
    const key = `${signature}\u0000${own.key}`;
    const entries = this.entries;
    const entry = entries.get(key);
    if (entry === undefined) {
      const composition = compose();
      const composed = apply(composition);
      const shape = shapeKey(composed.stmt.node);
      if (shape !== null) this.add(key, composition, shape, own, composed);
      return { composed, shape };
    }
    // Most recently used last.
    entries.delete(key);
    entries.set(key, entry);
    const composed = apply(entry.composition);
    const limit = composed.stmt.node.limit;
    const sources = entry.sources;
    const n = sources.length;
    const values = new Array<unknown>(n);
    const binds = new Array<BindNode>(n);
    for (let i = 0; i < n; i++) {
      const j = sources[i];
      if (j >= 0) {
        values[i] = own.values[j];
        binds[i] = own.binds[j];
      } else if (j === LIMIT && limit?.kind === "bind") {
        values[i] = limit.value;
        binds[i] = limit;
      } else {
        values[i] = entry.values[i];
        binds[i] = entry.binds[i];
      }
    }
    return { composed, shape: { key: entry.key, values, binds } };
  }

  private add(key: string, composition: Composition, shape: StatementShape, own: StatementShape, composed: Composed): void {
    const index = new Map<BindNode, number>();
    for (let i = 0; i < own.binds.length; i++) index.set(own.binds[i], i);
    const limit = composed.stmt.node.limit;
    const sources = shape.binds.map((b) => index.get(b) ?? (b === limit ? LIMIT : OWN));
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { composition, key: shape.key, sources, values: shape.values, binds: shape.binds });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What decides a query's composition besides its statement: how it runs, eager loading, joins, the loader options. */
export function compositionSignature(how: string, eager: boolean, joined: boolean, loaders: readonly LoaderOption[]): string {
  let s = `${how}${eager ? 1 : 0}${joined ? 1 : 0}`;
  for (let i = 0; i < loaders.length; i++) {
    const o = loaders[i];
    s += `\u0001${o.strategy}`;
    for (let j = 0; j < o.path.length; j++) s += `\u0002${o.path[j]}`;
  }
  return s;
}

/** Plans the composed statement on `exec` with the shape worked out for it, so running it walks nothing. */
export function planComposed(exec: Executor, composed: Composed, shape: StatementShape | null | undefined): void {
  if (shape) exec.planAhead(composed.stmt.statementNode, shape);
}
