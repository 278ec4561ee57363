// One compile serving every statement of a shape (cache-key.ts): the SQL, and for each placeholder
// which of the shape's values it takes, so serving another statement is a map over its values,
// whatever order the compiler emitted them in (CTEs first, nested rewrites, …). Values stay as
// checked: the engine encodes them for its driver when a statement runs (engine/plan.ts).
import type { Dialect } from "../dialects/dialect.js";
import type { StatementShape } from "./cache-key.js";
import { resultColumns, type CompiledQuery, type ParamSlot } from "./compiled.js";
import type { StatementNode } from "./nodes/index.js";

export class ShapedQuery {
  private constructor(
    /** The compile of the statement this entry was made from. */
    readonly compiled: CompiledQuery,
    /** Per parameter slot: the index into a shape's values it binds, or -1 (a named param or a constant). */
    readonly sources: readonly number[],
  ) {}

  /** Compiles `node`, whose shape is `shape`, recording where each parameter's value comes from. */
  static compile(dialect: Dialect, node: StatementNode, shape: StatementShape): ShapedQuery {
    const { compiled, sources } = dialect.createCompiler().compileTraced(node);
    const index = new Map<object, number>(shape.binds.map((b, i) => [b, i]));
    // A bind the walk did not count (a constant the compiler added, or a value the key holds) stays as compiled.
    const from = sources.map((source) => {
      if (source === undefined) return -1;
      if ("cells" in source) {
        const start = shape.cells?.get(source.cells);
        return start === undefined ? -1 : shape.binds.length + start + source.index;
      }
      return index.get(source) ?? -1;
    });
    return new ShapedQuery(compiled, from);
  }

  /** The compiled query of another statement of this shape: this SQL, its values, its result columns. */
  rebind(node: StatementNode, values: readonly unknown[]): CompiledQuery {
    const sources = this.sources;
    const params: ParamSlot[] = this.compiled.params.map((slot, i) => {
      const j = sources[i];
      return j >= 0 ? { value: values[j], type: slot.type } : slot;
    });
    return { sql: this.compiled.sql, params, columns: resultColumns(node), warnings: this.compiled.warnings };
  }
}
