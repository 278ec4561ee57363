// Table groups: a grouping foreign key makes a table a member of its parent's group. A group is
// a tree with one root; every member carries the root's key, which decides placement (shards)
// and lets nested selects correlate on it.
import { ArgumentError } from "../errors.js";
import type { ColumnNode } from "../sql/nodes/index.js";
import type { AnyColumn, ForeignKey, Table } from "./table.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

export class TableGroup {
  /** Members in tree order (parents before children), the root first. */
  readonly members: readonly AnyTable[];
  private readonly parents: ReadonlyMap<AnyTable, ForeignKey>;
  private readonly rootKeys: ReadonlyMap<AnyTable, readonly ColumnNode[]>;

  constructor(
    readonly root: AnyTable,
    members: AnyTable[],
    parents: Map<AnyTable, ForeignKey>,
    rootKeys: Map<AnyTable, readonly ColumnNode[]>,
  ) {
    this.members = members;
    this.parents = parents;
    this.rootKeys = rootKeys;
  }

  get name(): string {
    return this.root.name;
  }
  has(t: AnyTable): boolean {
    return this.members.includes(t);
  }
  /** The grouping foreign key from `t` to its parent (undefined for the root). */
  parentKey(t: AnyTable): ForeignKey | undefined {
    return this.parents.get(t);
  }
  parentOf(t: AnyTable): AnyTable | undefined {
    return this.parents.get(t)?.target as AnyTable | undefined;
  }
  childrenOf(t: AnyTable): AnyTable[] {
    return this.members.filter((m) => this.parentOf(m) === t);
  }
  depthOf(t: AnyTable): number {
    let d = 0;
    for (let p = this.parentOf(t); p; p = this.parentOf(p)) d++;
    return d;
  }
  /** The columns of `t` that hold the root's key, in the order of the root's primary key. */
  rootKeyOf(t: AnyTable): readonly ColumnNode[] {
    const k = this.rootKeys.get(t);
    if (!k) throw new ArgumentError(`${t.name} is not a member of group ${this.name}`, { table: t.name });
    return k;
  }
  /** An indented outline of the tree, for diagnostics. */
  describe(): string {
    return this.members.map((m) => `${"  ".repeat(this.depthOf(m))}${m.name}`).join("\n");
  }
}

/**
 * Computes and validates the groups of `tables`: one grouping parent per table, no cycles, and
 * every member carrying the root key through its grouping key.
 */
export function computeGroups(tables: readonly AnyTable[]): TableGroup[] {
  const parents = new Map<AnyTable, ForeignKey>();
  for (const t of tables) {
    const grouping = t.foreignKeys.filter((fk) => fk.grouping);
    if (grouping.length > 1)
      throw new ArgumentError(`Table ${t.name} has ${grouping.length} grouping foreign keys; a table has at most one grouping parent`, { table: t.name });
    if (grouping.length === 1) {
      const target = grouping[0].target as AnyTable;
      if (target === t) throw new ArgumentError(`Table ${t.name} cannot be its own grouping parent`, { table: t.name });
      parents.set(t, grouping[0]);
    }
  }
  const rootOf = (t: AnyTable): AnyTable => {
    const seen = new Set<AnyTable>([t]);
    let cur = t;
    for (let fk = parents.get(cur); fk; fk = parents.get(cur)) {
      cur = fk.target as AnyTable;
      if (seen.has(cur)) throw new ArgumentError(`Grouping keys form a cycle through ${[...seen].map((x) => x.name).join(" → ")}`, { table: t.name });
      seen.add(cur);
    }
    return cur;
  };
  const rootKeys = new Map<AnyTable, readonly ColumnNode[]>();
  const keyOf = (t: AnyTable): readonly ColumnNode[] => {
    const known = rootKeys.get(t);
    if (known) return known;
    const fk = parents.get(t);
    let key: readonly ColumnNode[];
    if (!fk) {
      if (t.primaryKey.length === 0) throw new ArgumentError(`Group root ${t.name} needs a primary key`, { table: t.name });
      key = t.primaryKey.map((c) => c.node);
    } else {
      const parent = fk.target as AnyTable;
      const parentKey = keyOf(parent);
      const refs = fk.refColumns();
      key = parentKey.map((pk) => {
        const i = refs.indexOf(pk);
        if (i < 0)
          throw new ArgumentError(
            `${t.name} must carry the root key of group ${rootOf(t).name}: its grouping key to ${parent.name} has to include ${parent.name}.${pk.name}`,
            { table: t.name, column: pk.name },
          );
        return fk.columns[i];
      });
    }
    rootKeys.set(t, key);
    return key;
  };
  const groups = new Map<AnyTable, AnyTable[]>();
  for (const t of tables) {
    const root = rootOf(t);
    if (!parents.has(t) && ![...parents.values()].some((fk) => fk.target === t)) continue;
    keyOf(t);
    const list = groups.get(root) ?? [];
    if (!list.includes(t)) list.push(t);
    groups.set(root, list);
  }
  return [...groups.entries()].map(([root, members]) => {
    const depth = (t: AnyTable): number => (parents.has(t) ? 1 + depth(parents.get(t)!.target as AnyTable) : 0);
    const ordered = [...members].sort((a, b) => depth(a) - depth(b));
    if (!ordered.includes(root)) ordered.unshift(root);
    return new TableGroup(root, ordered, parents, rootKeys);
  });
}
