// Where a SELECT on a distributed engine runs, remembered per statement shape. Whether one backend
// can answer it (shard/locality.ts) and which of its values are the pinned root keys
// (shard/route.ts) depend on its structure only, never on its values, so both are worked out once
// per shape; a statement of a known shape is routed by reading those values out of its shape key
// (which the backend's plan cache then takes as is: sql/cache-key.ts is walked once per call).
import type { MetaData } from "../schema/metadata.js";
import type { TableGroup } from "../schema/groups.js";
import type { AnyColumn, Table } from "../schema/table.js";
import type { StatementShape } from "../sql/cache-key.js";
import type { BindNode, SelectNode, TableNode } from "../sql/nodes/index.js";
import { fromList, sourcesOfFrom } from "../sql/traverse.js";
import { crossShardReason } from "../shard/locality.js";
import { pinnedRootBinds } from "../shard/route.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;
interface Groups {
  readonly metadata: MetaData;
  groupOf(t: AnyTable): TableGroup;
}

/**
 * How statements of one shape route: to the head; by the root keys in these slots of the shape's
 * values; or, when a pinned value is written into the key itself, by reading each statement anew.
 */
type Recipe = "head" | "each" | readonly number[];

export class RouteCache {
  private readonly known = new Map<string, Recipe>();

  constructor(
    private readonly groups: Groups,
    private readonly limit = 512,
  ) {}

  /**
   * The root keys (one value each: distributed root keys are one column) a SELECT is pinned to
   * when one backend can answer it, or undefined when it must run on the head. `shape` is
   * `shapeKey(n)`, null for a statement that has none.
   */
  pinnedKeys(n: SelectNode, shape: StatementShape | null): unknown[] | undefined {
    if (shape === null) return this.binds(n)?.map((b) => b.value);
    let recipe = this.known.get(shape.key);
    if (recipe === undefined) {
      recipe = this.recipe(n, shape);
      if (this.known.size >= this.limit) this.known.delete(this.known.keys().next().value!);
      this.known.set(shape.key, recipe);
    }
    if (recipe === "head") return undefined;
    if (recipe === "each") return this.binds(n)?.map((b) => b.value);
    const values = shape.values;
    return recipe.map((i) => values[i]);
  }

  private recipe(n: SelectNode, shape: StatementShape): Recipe {
    const binds = this.binds(n);
    if (binds === undefined) return "head";
    // A pinned value's place among the shape's values is the same in every statement of the shape,
    // unless the key writes it as a literal (one bind node also used as a nested LIMIT on MariaDB).
    const slots = binds.map((b) => shape.binds.indexOf(b));
    return slots.some((i) => i < 0) ? "each" : slots;
  }

  /** The binds of the root keys `n` pins, when it pins some and one backend can answer for their groups. */
  private binds(n: SelectNode): BindNode[] | undefined {
    // A backend holds only its own groups: anything reaching past the pinned group needs the head.
    if (crossShardReason(this.groups, n) !== undefined) return undefined;
    const keys = pinnedRootBinds(this.groups, tablesOf(n), n.where);
    return keys === undefined || keys.length === 0 ? undefined : keys.map((k) => k[0]);
  }
}

/** Every table a SELECT reads (the FROM list the compiler infers). */
function tablesOf(q: SelectNode): TableNode[] {
  return fromList(q, [])
    .flatMap((f) => sourcesOfFrom(f))
    .filter((s): s is TableNode => s.kind === "table");
}
