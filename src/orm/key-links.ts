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

/**
 * The links of one flush. A row's links to its parents hang on its state (`linksOf` is this
 * object, `links` the list), not in a Map keyed by thousands of rows; `release` clears them.
 */
export class KeyLinks {
  /** The rows with links, in the order first linked. */
  private readonly children: InstanceState[] = [];
  private readonly nullify = new Map<InstanceState, Set<string>>();

  /**
   * `child` takes its key from `parent` through `rel`. Both sides of a bidirectional pair report
   * the same link: it is kept once (same parent, key and column pairs).
   */
  depend(child: InstanceState, parent: InstanceState, rel: Relationship): void {
    const pairs = rel.pairs;
    const fk = rel.foreignKey;
    if (child.linksOf !== this) {
      // A list of one, at its size: most objects have one parent.
      child.linksOf = this;
      child.links = [{ parent, pairs, fk }];
      this.children.push(child);
    } else {
      const list = child.links as Dependency[];
      let known = false;
      for (let i = 0; i < list.length; i++) {
        const d = list[i];
        if (d.parent === parent && d.fk === fk && samePairs(d.pairs, pairs)) known = true;
      }
      if (!known) list.push({ parent, pairs, fk });
    }
    if (this.nullify.size === 0) return;
    const cleared = this.nullify.get(child);
    if (cleared !== undefined) for (const k of cleared) if (pairs.some(([, ck]) => ck === k)) cleared.delete(k);
  }

  /** A child left its parent without a delete cascade: clear its key unless it joined another parent. */
  nullFk(child: InstanceState, rel: Relationship): void {
    for (const [, ck] of rel.pairs) this.nullifyKey(child, ck);
  }

  /** The parents `s` takes key values from. */
  parentsOf(s: InstanceState): readonly Dependency[] {
    return s.linksOf === this ? (s.links as Dependency[]) : NONE;
  }

  /** The keys `s` clears, if any. */
  clearedOf(s: InstanceState): ReadonlySet<string> | undefined {
    return this.nullify.get(s);
  }

  /** Every row that takes a key from a parent or clears one. */
  linked(): InstanceState[] {
    return [...this.children, ...this.nullify.keys()];
  }

  /** The flush is over: the rows let go of its links. */
  release(): void {
    const children = this.children;
    for (let i = 0; i < children.length; i++) {
      const s = children[i];
      if (s.linksOf !== this) continue;
      s.linksOf = null;
      s.links = null;
    }
  }

  private nullifyKey(s: InstanceState, key: string): void {
    if (this.parentsOf(s).some((d) => d.pairs.some(([, ck]) => ck === key))) return;
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
