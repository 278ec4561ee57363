// The unit of work's ordering, kept apart from persistence (as SQLAlchemy's unitofwork.py is
// apart from persistence.py). Saves and deletes are each sorted topologically as actions: one
// action per mapper (all its rows at once), broken into one action per row for mappers whose
// foreign keys form a cycle (between tables, or within one table). A cycle that runs through the
// rows themselves is cut at a nullable foreign key, written by a post-update instead; when every
// key in it is NOT NULL the flush is refused with CircularDependencyError.
import type { ForeignKey } from "../schema/table.js";
import { CircularDependencyError } from "./errors.js";
import type { Mapper } from "./mapper.js";
import type { InstanceState } from "./state.js";

/** `child` must be written after `parent` (saves), or before it (deletes), because of `fk`. */
export interface RowLink {
  readonly parent: InstanceState;
  readonly fk: ForeignKey;
}

export interface Batch {
  readonly mapper: Mapper;
  /** In the order they were given. */
  readonly states: InstanceState[];
}

export interface Ordered {
  readonly batches: Batch[];
  /** Links cut to break a cycle of rows: the child's key is written by a post-update. */
  readonly cut: { readonly child: InstanceState; readonly parent: InstanceState; readonly fk: ForeignKey }[];
}

interface Node {
  readonly mapper: Mapper;
  readonly states: InstanceState[];
  /** One row of a mapper that is ordered row by row. */
  readonly row: boolean;
  readonly out: Set<Node>;
  readonly ins: Set<Node>;
  /** Incoming edges that are row links, for cutting a cycle. */
  readonly links: Map<Node, ForeignKey>;
  indegree: number;
}

/** `table(columns) → target`, for messages. */
export function describeKey(fk: ForeignKey): string {
  return `${fk.table.name}(${fk.columns.map((c) => c.name).join(", ")}) → ${fk.target.name}`;
}

/** Whether a foreign key may hold NULL (every column nullable). */
export function nullableKey(fk: ForeignKey): boolean {
  return fk.columns.every((n) => fk.table.columns.find((c) => c.node === n)?.nullable !== false);
}

/**
 * Orders rows to save (`deletes` false: parents first) or delete (children first). `links(s)`
 * gives the rows of the same flush that `s` references and must follow when saved; `skip` holds
 * post-update keys, which order nothing.
 */
export function orderRows(
  states: readonly InstanceState[],
  links: (s: InstanceState) => readonly RowLink[],
  skip: ReadonlySet<ForeignKey>,
  deletes: boolean,
): Ordered {
  const mappers = mappersOf(states);
  const rank = new Map(dependencyOrder(mappers, skip, deletes).map((m, i) => [m, i] as const));
  const byTable = new Map(mappers.map((m) => [m.table, m] as const));
  // Mapper-level edges (referenced → referencing), and which mappers go row by row.
  const refs = new Map<Mapper, Mapper[]>(mappers.map((m) => [m, []]));
  const rowWise = new Set<Mapper>();
  for (const m of mappers)
    for (const fk of m.table.foreignKeys) {
      const p = byTable.get(fk.target);
      if (!p || skip.has(fk)) continue;
      if (p === m) rowWise.add(m);
      else refs.get(m)!.push(p);
    }
  const component = components(mappers, (m) => refs.get(m)!);
  for (const m of mappers) if (mappers.some((o) => o !== m && component.get(o) === component.get(m))) rowWise.add(m);

  const node = (mapper: Mapper, nodeStates: InstanceState[], row: boolean): Node => ({
    mapper,
    states: nodeStates,
    row,
    out: new Set(),
    ins: new Set(),
    links: new Map(),
    indegree: 0,
  });
  const nodesOf = new Map<Mapper, Node[]>();
  const rowNode = new Map<InstanceState, Node>();
  const ownOf = new Map<Mapper, InstanceState[]>(mappers.map((m) => [m, []]));
  for (let i = 0; i < states.length; i++) ownOf.get(states[i].mapper)!.push(states[i]);
  for (const m of mappers) {
    const own = ownOf.get(m)!;
    if (!rowWise.has(m)) nodesOf.set(m, [node(m, own, false)]);
    else {
      const list = own.map((s) => node(m, [s], true));
      own.forEach((s, i) => rowNode.set(s, list[i]));
      nodesOf.set(m, list);
    }
  }
  const edge = (before: Node, after: Node, fk?: ForeignKey): void => {
    if (before === after || before.out.has(after)) return;
    before.out.add(after);
    after.ins.add(before);
    after.indegree++;
    if (fk) after.links.set(before, fk);
  };
  // Between mappers in different components: every action of one before every action of the other
  // (through a barrier node, so two row-wise mappers cost n + m edges, not n × m).
  for (const child of mappers)
    for (const parent of refs.get(child)!) {
      if (component.get(parent) === component.get(child)) continue;
      const [first, then] = deletes ? [child, parent] : [parent, child];
      const barrier = node(first, [], false);
      for (const n of nodesOf.get(first)!) edge(n, barrier);
      for (const n of nodesOf.get(then)!) edge(barrier, n);
      nodesOf.get(first)!.push(barrier);
    }
  // Inside a component: row by row, along the links the rows actually have.
  if (rowNode.size > 0)
    for (const s of states) {
      const n = rowNode.get(s);
      if (!n) continue;
      for (const { parent, fk } of links(s)) {
        const p = rowNode.get(parent);
        if (!p || skip.has(fk) || component.get(p.mapper) !== component.get(n.mapper)) continue;
        if (deletes) edge(n, p, fk);
        else edge(p, n, fk);
      }
    }
  return sortNodes([...nodesOf.values()].flat(), rank, states, deletes);
}

/** Topological sort; ready row actions of one mapper go out together as one batch. */
function sortNodes(nodes: Node[], rank: ReadonlyMap<Mapper, number>, states: readonly InstanceState[], deletes: boolean): Ordered {
  // Positions in the given order, for row actions only: a mapper's action holds its rows in that order already.
  let positions: Map<InstanceState, number> | undefined;
  const index = (): ReadonlyMap<InstanceState, number> => (positions ??= new Map(states.map((s, i) => [s, i] as const)));
  const batches: Batch[] = [];
  const cut: { child: InstanceState; parent: InstanceState; fk: ForeignKey }[] = [];
  breakCycles(nodes, index, deletes, cut);
  const ready = new Set(nodes.filter((n) => n.indegree === 0));
  const left = new Set(nodes);
  const release = (n: Node): void => {
    ready.delete(n);
    left.delete(n);
    for (const o of n.out) if (--o.indegree === 0) ready.add(o);
  };
  while (left.size > 0) {
    let best: Node | undefined;
    for (const n of ready) {
      if (n.states.length === 0) {
        best = n;
        break;
      }
      if (!best || rank.get(n.mapper)! < rank.get(best.mapper)!) best = n;
    }
    const pick = best!;
    if (pick.states.length === 0) {
      release(pick);
      continue;
    }
    const group = pick.row ? [...ready].filter((n) => n.row && n.mapper === pick.mapper) : [pick];
    let batchStates = pick.states;
    if (group.length > 1) {
      const at = index();
      batchStates = group.flatMap((n) => n.states).sort((a, b) => at.get(a)! - at.get(b)!);
    }
    batches.push({ mapper: pick.mapper, states: batchStates });
    for (const n of group) release(n);
  }
  return { batches, cut };
}

/**
 * Cuts cycles through rows before sorting (so the rows around them still go out in batches):
 * on each cycle, the first nullable link met from its earliest row; when it has none, raises
 * naming the tables on it.
 */
function breakCycles(nodes: readonly Node[], index: () => ReadonlyMap<InstanceState, number>, deletes: boolean, cut: Ordered["cut"]): void {
  for (;;) {
    const comp = components(nodes, (n) => n.out);
    const sizes = new Map<number, number>();
    for (const c of comp.values()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
    const cyclic = nodes.filter((n) => sizes.get(comp.get(n)!)! > 1);
    if (cyclic.length === 0) return;
    const at = index();
    const first = cyclic.filter((n) => n.row).sort((a, b) => at.get(a.states[0])! - at.get(b.states[0])!)[0] ?? cyclic[0];
    const members = new Set(cyclic.filter((n) => comp.get(n) === comp.get(first)));
    breakCycle(first, members, deletes, cut);
  }
}

/** Cuts one link on a cycle through `start` within `left` (a strongly connected set), or raises. */
function breakCycle(start: Node, left: ReadonlySet<Node>, deletes: boolean, cut: Ordered["cut"]): void {
  // In a strongly connected set every node has a predecessor inside it: walking backwards must
  // come back to a node already seen, and that loop is a cycle (of rows: actions of whole
  // mappers are never on one).
  const path: Node[] = [];
  const seen = new Map<Node, number>();
  let cur = start;
  while (!seen.has(cur)) {
    seen.set(cur, path.length);
    path.push(cur);
    cur = [...cur.ins].find((p) => left.has(p))!;
  }
  const cycle = path.slice(seen.get(cur)!);
  // cycle[i] waits on cycle[i + 1].
  for (let i = 0; i < cycle.length; i++) {
    const after = cycle[i];
    const before = cycle[(i + 1) % cycle.length];
    const fk = after.links.get(before);
    if (!fk || !nullableKey(fk)) continue;
    before.out.delete(after);
    after.ins.delete(before);
    after.links.delete(before);
    after.indegree--;
    // The referencing row: when saving, the one waiting (inserted without the key, then updated);
    // when deleting, the one that had to go first (its key is cleared before the deletes).
    const [child, parent] = deletes ? [before.states[0], after.states[0]] : [after.states[0], before.states[0]];
    cut.push({ child, parent, fk });
    return;
  }
  const tables = [...new Set(cycle.map((n) => n.mapper.table.name))];
  const keys = [...new Set(cycle.map((n, i) => n.links.get(cycle[(i + 1) % cycle.length])).filter((k): k is ForeignKey => k !== undefined))];
  throw new CircularDependencyError(
    `Rows of ${tables.join(" and ")} reference each other through NOT NULL foreign keys (${keys.map(describeKey).join(", ")}): ` +
      `no order can ${deletes ? "delete" : "insert"} them; mark one relationship postUpdate: true and make its key nullable`,
    { table: tables[0] },
  );
}

function mappersOf(states: readonly InstanceState[]): Mapper[] {
  const out: Mapper[] = [];
  const seen = new Set<Mapper>();
  for (const s of states)
    if (!seen.has(s.mapper)) {
      seen.add(s.mapper);
      out.push(s.mapper);
    }
  return out;
}

/**
 * Mappers with every referenced one first (or, for deletes, every referencing one first), depth
 * first in the given order; cycles are cut where met. Ties between independent mappers.
 */
function dependencyOrder(mappers: readonly Mapper[], skip: ReadonlySet<ForeignKey>, deletes: boolean): Mapper[] {
  const byTable = new Map(mappers.map((m) => [m.table, m] as const));
  const before = new Map<Mapper, Mapper[]>(mappers.map((m) => [m, []]));
  for (const m of mappers)
    for (const fk of m.table.foreignKeys) {
      const target = byTable.get(fk.target);
      if (!target || target === m || skip.has(fk)) continue;
      if (deletes) before.get(target)!.push(m);
      else before.get(m)!.push(target);
    }
  const order: Mapper[] = [];
  const seen = new Set<Mapper>();
  const visit = (m: Mapper): void => {
    seen.add(m);
    for (const o of before.get(m)!) if (!seen.has(o)) visit(o);
    order.push(m);
  };
  for (const m of mappers) if (!seen.has(m)) visit(m);
  return order;
}

/** Strongly connected components (Tarjan): item → component number. */
function components<T>(mappers: readonly T[], edges: (m: T) => Iterable<T>): Map<T, number> {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const out = new Map<T, number>();
  let counter = 0;
  let comp = 0;
  const visit = (m: T): void => {
    index.set(m, counter);
    low.set(m, counter++);
    stack.push(m);
    onStack.add(m);
    for (const p of edges(m)) {
      if (!index.has(p)) {
        visit(p);
        low.set(m, Math.min(low.get(m)!, low.get(p)!));
      } else if (onStack.has(p)) low.set(m, Math.min(low.get(m)!, index.get(p)!));
    }
    if (low.get(m) === index.get(m)) {
      let x: T;
      do {
        x = stack.pop()!;
        onStack.delete(x);
        out.set(x, comp);
      } while (x !== m);
      comp++;
    }
  };
  for (const m of mappers) if (!index.has(m)) visit(m);
  return out;
}
