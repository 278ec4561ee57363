// What a flush copies between rows' keys, as the unit of work collects it (flush.ts): each row's
// links to the parents it takes key values from, and the keys it clears because it left a parent.
import type { ForeignKey } from "../schema/table.js";
import type { Relationship } from "./relationships.js";
import type { InstanceState } from "./state.js";

/** `child[childKey] = parent[parentKey]` for each pair, once the parent has its key. */
export interface Dependency {
  readonly parent: InstanceState;
  readonly pairs: readonly (readonly [string, string])[];
  readonly fk: ForeignKey | undefined;
}

const NONE: readonly never[] = [];

export class KeyLinks {
  private readonly deps = new Map<InstanceState, Dependency[]>();
  private readonly nullify = new Map<InstanceState, Set<string>>();

  /**
   * `child` takes its key from `parent` through `rel`. Both sides of a bidirectional pair report
   * the same link: it is kept once (same parent, key and column pairs).
   */
  depend(child: InstanceState, parent: InstanceState, rel: Relationship): void {
    const pairs = rel.pairs;
    const fk = rel.foreignKey;
    const list = this.deps.get(child);
    // A list of one, at its size: most objects have one parent.
    if (list === undefined) this.deps.set(child, [{ parent, pairs, fk }]);
    else {
      let known = false;
      for (const d of list) if (d.parent === parent && d.fk === fk && samePairs(d.pairs, pairs)) known = true;
      if (!known) list.push({ parent, pairs, fk });
    }
    const cleared = this.nullify.get(child);
    if (cleared !== undefined) for (const k of cleared) if (pairs.some(([, ck]) => ck === k)) cleared.delete(k);
  }

  /** A child left its parent without a delete cascade: clear its key unless it joined another parent. */
  nullFk(child: InstanceState, rel: Relationship): void {
    for (const [, ck] of rel.pairs) this.nullifyKey(child, ck);
  }

  /** The parents `s` takes key values from. */
  parentsOf(s: InstanceState): readonly Dependency[] {
    return this.deps.get(s) ?? NONE;
  }

  /** The keys `s` clears, if any. */
  clearedOf(s: InstanceState): ReadonlySet<string> | undefined {
    return this.nullify.get(s);
  }

  /** Every row that takes a key from a parent or clears one. */
  linked(): InstanceState[] {
    return [...this.deps.keys(), ...this.nullify.keys()];
  }

  private nullifyKey(s: InstanceState, key: string): void {
    if (this.deps.get(s)?.some((d) => d.pairs.some(([, ck]) => ck === key))) return;
    const set = this.nullify.get(s) ?? new Set();
    set.add(key);
    this.nullify.set(s, set);
  }
}

function samePairs(a: readonly (readonly [string, string])[], b: readonly (readonly [string, string])[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}
