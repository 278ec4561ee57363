// What the session holds at one step: each object's lane and values, the identity map, the
// new/dirty/deleted sets and the transaction's savepoints.
import { sameValue } from "../flush.js";
import type { Session } from "../session.js";
import { entityOf, viewOf, type InstanceState } from "../state.js";
import type { Lane, LoadedNode, ObjectSnapshot, SessionSnapshot, TraceObject } from "./format.js";
import { renderValue } from "./values.js";

/** The objects a trace has seen, numbered in the order it saw them. */
export class ObjectRegistry {
  private readonly ids = new Map<object, number>();
  readonly objects: TraceObject[] = [];
  private readonly names = new Map<number, string>();

  /** The object's id, numbering it if new. */
  id(obj: object): number {
    let id = this.ids.get(obj);
    if (id === undefined) {
      const s = viewOf(entityOf(obj)!);
      id = this.objects.length + 1;
      this.ids.set(obj, id);
      this.objects.push({ id, class: s.mapper.name, table: s.mapper.table.name });
    }
    return id;
  }

  has(obj: object): boolean {
    return this.ids.has(obj);
  }

  name(obj: object, name: string): number {
    const id = this.id(obj);
    this.names.set(id, name);
    return id;
  }

  known(): object[] {
    return [...this.ids.keys()];
  }

  list(): TraceObject[] {
    return this.objects.map((o) => (this.names.has(o.id) ? { ...o, name: this.names.get(o.id)! } : o));
  }
}

function laneOf(s: InstanceState): Lane {
  return s.status;
}

/** The identity key as people read it: `customer(1)`, `@shard` for a sharded session's token. */
function keyText(s: InstanceState): string | undefined {
  if (s.ident === undefined) return undefined;
  const token = s.session?.identityToken ?? s.token;
  return `${s.mapper.table.name}(${String(s.ident).replaceAll("\u0000", ", ")})${token ? `@${token}` : ""}`;
}

function objectSnapshot(session: Session, s: InstanceState, reg: ObjectRegistry): ObjectSnapshot {
  const idOf = (o: object) => (entityOf(o) ? reg.id(o) : undefined);
  const expired = s.expired ?? new Set<string>();
  const values: Record<string, ReturnType<typeof renderValue>> = {};
  const dirty: Record<string, ReturnType<typeof renderValue>> = {};
  const dict = s.dict;
  for (const k of s.mapper.columnKeys) {
    if (expired.has(k) || !(k in dict)) continue;
    values[k] = renderValue(dict[k], idOf);
    const committed = s.committed;
    if (committed !== null && committed !== dict && s.status !== "pending" && !sameValue(committed[k], dict[k]))
      dirty[k] = k in committed ? renderValue(committed[k], idOf) : { $: "undefined", text: "expired" };
  }
  const related: Record<string, number[]> = {};
  for (const rel of s.mapper.relationships.values()) {
    if (!s.isLoaded(rel.key)) continue;
    const v = dict[rel.key];
    const list = rel.isCollection ? [...((v as object[] | undefined) ?? [])] : v ? [v as object] : [];
    related[rel.key] = list.filter((o) => entityOf(o) !== undefined).map((o) => reg.id(o));
  }
  return {
    id: reg.id(s.obj),
    lane: laneOf(s),
    markedDeleted: session.objects.deleted.has(s),
    ...(s.ident !== undefined ? { identityKey: keyText(s) } : {}),
    values,
    dirty,
    expired: [...expired].sort(),
    related,
  };
}

/** The session now; `savepoints` as the trace followed them in the SQL sent. */
export function snapshotSession(session: Session, reg: ObjectRegistry, savepoints: readonly string[]): SessionSnapshot {
  const identityMap: [string, number][] = [];
  for (const m of session.identityMap.maps())
    for (const o of m.values()) {
      const s = viewOf(o);
      identityMap.push([keyText(s) ?? "?", reg.id(o)]);
    }
  for (const s of session.objects.pending) reg.id(s.obj);
  for (const s of session.objects.deleted) reg.id(s.obj);
  // Numbering related objects while snapshotting can find more: go until none is new.
  let objects: ObjectSnapshot[] = [];
  for (let n = -1; n !== reg.objects.length; ) {
    n = reg.objects.length;
    objects = reg.known().map((o) => objectSnapshot(session, viewOf(entityOf(o)!), reg));
  }
  return {
    objects,
    identityMap,
    new: [...session.objects.pending].map((s) => reg.id(s.obj)),
    dirty: session.dirty.map((o) => reg.id(o)),
    deleted: [...session.objects.deleted].map((s) => reg.id(s.obj)),
    transaction: { open: session.inTransaction, savepoints: [...savepoints] },
  };
}

/**
 * The objects that entered the identity map, as a forest along loaded one-to-many relationships:
 * a loaded object under the loaded object whose collection holds it.
 */
export function loadedTree(entered: readonly object[], reg: ObjectRegistry): LoadedNode[] {
  const set = new Set(entered);
  const placed = new Set<object>();
  const childrenOf = (o: object): [string, object[]][] => {
    const s = viewOf(entityOf(o)!);
    const out: [string, object[]][] = [];
    for (const rel of s.mapper.relationships.values()) {
      if (!rel.isCollection || !s.isLoaded(rel.key)) continue;
      const kids = [...((s.dict[rel.key] as object[] | undefined) ?? [])].filter((k) => set.has(k));
      if (kids.length) out.push([rel.key, kids]);
    }
    return out;
  };
  const isChild = new Set<object>();
  for (const o of entered) for (const [, kids] of childrenOf(o)) for (const k of kids) if (k !== o) isChild.add(k);
  const node = (o: object): LoadedNode => {
    placed.add(o);
    const children: Record<string, LoadedNode[]> = {};
    for (const [key, kids] of childrenOf(o)) {
      const fresh = kids.filter((k) => !placed.has(k));
      if (fresh.length) children[key] = fresh.map(node);
    }
    return { id: reg.id(o), children };
  };
  const roots = entered.filter((o) => !isChild.has(o)).map(node);
  // Objects only reachable through a cycle of collections become roots of their own.
  for (const o of entered) if (!placed.has(o)) roots.push(node(o));
  return roots;
}
