// An engine's plans: one per statement object (a statement run again costs no compile), one
// compile per statement shape (a statement rebuilt per call with other values compiles once; see
// sql/cache-key.ts), and the names statements are kept prepared under on connections. Owned by the
// engine, bounded, with counters: nothing here is shared between engines or kept for the process.
import type { Dialect } from "../dialects/dialect.js";
import { ArgumentError } from "../errors.js";
import { type StatementShape, shapeKey } from "../sql/cache-key.js";
import type { CompiledQuery } from "../sql/compiled.js";
import type { StatementNode } from "../sql/nodes/index.js";
import { rowCount } from "../sql/insert-rows.js";
import { ShapedQuery } from "../sql/shaped-query.js";
import { type Namer, Plan, SharedPlan } from "./plan.js";

export interface CacheOptions {
  /** Statement shapes kept compiled, least recently used dropped first (default 1000). */
  readonly shapes?: number;
  /** SQL texts given a prepared-statement name (default 2000); PostgreSQL connections also keep at most this many prepared. */
  readonly prepared?: number;
}

export interface CacheStats {
  /** Statement objects run again (plan reused) and run for the first time. */
  readonly statements: { readonly hits: number; readonly misses: number };
  /** Shapes: kept now, the bound, found, compiled, and dropped to stay within the bound. */
  readonly shapes: { readonly size: number; readonly limit: number; readonly hits: number; readonly misses: number; readonly evictions: number };
  /** Prepared-statement names: held now, the bound, dropped. */
  readonly prepared: { readonly size: number; readonly limit: number; readonly evictions: number };
  /** Statements too large to key by shape or keep prepared (see MAX_SHAPED_PARAMS), compiled on their own. */
  readonly unshaped: number;
}

/**
 * Statements with more parameters than this are compiled on their own: walking every value to key
 * the shape costs as much as compiling, and keeping a statement of thousands of placeholders
 * prepared on every connection (and its text in the name map) holds memory for a one-off.
 */
export const MAX_SHAPED_PARAMS = 1000;

export class PlanCache implements Namer {
  private readonly plans = new WeakMap<StatementNode, Plan>();
  /** Statements planned ahead of their first run (`planAhead`), which counts as their miss. */
  private readonly ahead = new WeakSet<StatementNode>();
  /** How many of them have not run yet, as far as known (one that never runs stays counted): 0 spares the lookup. */
  private planned = 0;
  /** Compiled shapes by key, in recency order (a hit moves its entry to the end). */
  private readonly shapes = new Map<string, SharedPlan>();
  /** Prepared-statement names by SQL text, in recency order. Names are never reused for another text. */
  private readonly names = new Map<string, string>();
  private nextName = 1;
  private readonly warned = new Set<string>();
  readonly shapeLimit: number;
  readonly preparedLimit: number;
  private counts = { statementHits: 0, statementMisses: 0, shapeHits: 0, shapeMisses: 0, shapeEvictions: 0, nameEvictions: 0, unshaped: 0 };

  constructor(
    private readonly dialect: Dialect,
    options: CacheOptions = {},
  ) {
    this.shapeLimit = bound(options.shapes, 1000, "cache.shapes");
    this.preparedLimit = bound(options.prepared, 2000, "cache.prepared");
  }

  /** The plan of a statement, compiling it on first use. */
  planFor(node: StatementNode): Plan {
    let plan = this.plans.get(node);
    if (plan === undefined) {
      this.counts.statementMisses++;
      this.plans.set(node, (plan = this.makePlan(node, undefined)));
    } else if (this.planned > 0 && this.ahead.delete(node)) {
      this.planned--;
      this.counts.statementMisses++;
    } else this.counts.statementHits++;
    return plan;
  }

  /**
   * Plans a statement about to run, with the shape key its caller has walked already (a router
   * choosing the engine by it), so that the run finds its plan instead of walking it again. That
   * run still counts as the statement's first.
   */
  planAhead(node: StatementNode, shape: StatementShape | null): void {
    if (this.plans.has(node)) return;
    this.plans.set(node, this.makePlan(node, shape));
    this.ahead.add(node);
    this.planned++;
  }

  nameFor(sql: string, params: number): string | null {
    // Without parameters drivers use the simple protocol, where raw SQL may hold several statements.
    if (params === 0 || params > MAX_SHAPED_PARAMS || this.preparedLimit === 0) return null;
    const names = this.names;
    const known = names.get(sql);
    if (known !== undefined) {
      names.delete(sql);
      names.set(sql, known);
      return known;
    }
    if (names.size >= this.preparedLimit) {
      names.delete(names.keys().next().value!);
      this.counts.nameEvictions++;
    }
    const name = `arbor_${this.nextName++}`;
    names.set(sql, name);
    return name;
  }

  get stats(): CacheStats {
    const c = this.counts;
    return {
      statements: { hits: c.statementHits, misses: c.statementMisses },
      shapes: { size: this.shapes.size, limit: this.shapeLimit, hits: c.shapeHits, misses: c.shapeMisses, evictions: c.shapeEvictions },
      prepared: { size: this.names.size, limit: this.preparedLimit, evictions: c.nameEvictions },
      unshaped: c.unshaped,
    };
  }

  private makePlan(node: StatementNode, given: StatementShape | null | undefined): Plan {
    const dialect = this.dialect;
    const large = given === undefined && tooLarge(node);
    const shape = given !== undefined ? given : large ? null : shapeKey(node);
    if (shape === null) {
      const compiled = dialect.createCompiler().compile(node);
      this.warn(compiled);
      // (A large INSERT counts even when its dialect sends it in fewer parameters: PostgreSQL's arrays.)
      if (large || compiled.params.length > MAX_SHAPED_PARAMS) this.counts.unshaped++;
      return new Plan(new SharedPlan(dialect, this, compiled, undefined), node, compiled);
    }
    const shapes = this.shapes;
    const known = shapes.get(shape.key);
    if (known !== undefined) {
      this.counts.shapeHits++;
      shapes.delete(shape.key);
      shapes.set(shape.key, known);
      return new Plan(known, node, undefined, shape.values);
    }
    this.counts.shapeMisses++;
    const shaped = ShapedQuery.compile(dialect, node, shape);
    this.warn(shaped.compiled);
    const shared = new SharedPlan(dialect, this, shaped.compiled, shaped);
    if (shaped.compiled.params.length > MAX_SHAPED_PARAMS) {
      // Keyed before its size was known (an IN list, say): run it, keep nothing for its shape.
      this.counts.unshaped++;
      return new Plan(shared, node, shaped.compiled);
    }
    if (this.shapeLimit === 0) return new Plan(shared, node, shaped.compiled);
    if (shapes.size >= this.shapeLimit) {
      shapes.delete(shapes.keys().next().value!);
      this.counts.shapeEvictions++;
    }
    shapes.set(shape.key, shared);
    return new Plan(shared, node, shaped.compiled);
  }

  private warn(compiled: CompiledQuery): void {
    for (const w of compiled.warnings) {
      if (this.warned.has(w)) continue;
      this.warned.add(w);
      process.emitWarning(w, { code: "ARBOR_NESTING" });
    }
  }
}

/** A multi-row INSERT's parameter count is known without walking its values. */
function tooLarge(node: StatementNode): boolean {
  return node.kind === "insert" && rowCount(node) * node.columns.length > MAX_SHAPED_PARAMS;
}

function bound(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`${what} must be a non-negative integer, got ${String(v)}`);
  return v;
}
