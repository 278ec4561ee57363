// One compile serving every statement of a shape (cache-key.ts): the SQL, and for each placeholder
// which of the shape's values it takes, so serving another statement is a map over its values,
// whatever order the compiler emitted them in (CTEs first, nested rewrites, …).
import type { Dialect } from "../dialects/dialect.js";
import type { StatementShape } from "./cache-key.js";
import { resultColumns, type CompiledQuery, type ParamSlot } from "./compiled.js";
import { encodeBound } from "./compiler.js";
import type { StatementNode } from "./nodes/index.js";
import { baseType, type SqlType } from "./types.js";

export class ShapedQuery {
  private constructor(
    private readonly dialect: Dialect,
    /** The compile of the statement this entry was made from. */
    readonly compiled: CompiledQuery,
    /** Per parameter slot: the index into a shape's values it binds, or -1 (a named param or a constant). */
    readonly sources: readonly number[],
    /** Per parameter slot: the stored type its value is encoded as. */
    private readonly bases: readonly (SqlType | undefined)[],
  ) {}

  /** Compiles `node`, whose shape is `shape`, recording where each parameter's value comes from. */
  static compile(dialect: Dialect, node: StatementNode, shape: StatementShape): ShapedQuery {
    const { compiled, sources } = dialect.createCompiler().compileTraced(node);
    const index = new Map(shape.binds.map((b, i) => [b, i]));
    const from: number[] = [];
    const bases: (SqlType | undefined)[] = [];
    for (const bind of sources) {
      // A bind the walk did not count (a constant the compiler added, or a value the key holds) stays as compiled.
      const i = bind === undefined ? -1 : (index.get(bind) ?? -1);
      from.push(i);
      bases.push(bind !== undefined && i >= 0 ? baseType(bind.type) : undefined);
    }
    return new ShapedQuery(dialect, compiled, from, bases);
  }

  /**
   * The values to bind for a statement of this shape, in placeholder order, encoded as its own
   * compile would encode them; named param slots are null, to be filled at execution.
   */
  encode(values: readonly unknown[]): unknown[] {
    const { sources, bases, dialect } = this;
    const params = this.compiled.params;
    const out = new Array<unknown>(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const j = sources[i];
      if (j >= 0) out[i] = encodeBound(dialect, bases[i]!, values[j]);
      else {
        const slot = params[i];
        out[i] = "value" in slot ? slot.value : null;
      }
    }
    return out;
  }

  /** The compiled query of another statement of this shape: this SQL, its values, its result columns. */
  rebind(node: StatementNode, values: readonly unknown[]): CompiledQuery {
    const encoded = this.encode(values);
    const params: ParamSlot[] = this.compiled.params.map((slot, i) => (this.sources[i] >= 0 ? { value: encoded[i] } : slot));
    return { sql: this.compiled.sql, params, columns: resultColumns(node), warnings: this.compiled.warnings };
  }
}
