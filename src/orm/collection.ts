// The array behind a to-many relationship. Its mutating methods keep the other side of a
// bidirectional relationship in sync; the flush compares it with what was loaded.
import { cascadeOnAttach } from "./attach.js";
import { syncBackOnAdd, syncBackOnRemove } from "./attributes.js";
import type { Relationship } from "./relationships.js";

const OWNER: unique symbol = Symbol("arbor.owner");
const REL: unique symbol = Symbol("arbor.relationship");
const SNAPSHOT: unique symbol = Symbol("arbor.snapshot");

export class Collection<T extends object> extends Array<T> {
  /** Array methods that build new arrays (map, filter…) return plain arrays. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /**
   * @internal A collection of `items` (copied, at their exact length) whose membership as last
   * loaded or flushed is `snapshot`, an array nobody changes afterwards.
   */
  static of_<T extends object>(owner: object, rel: Relationship, items: readonly T[], snapshot: readonly object[]): Collection<T> {
    const n = items.length;
    const c = n === 0 ? new Collection<T>() : new Collection<T>(n);
    for (let i = 0; i < n; i++) c[i] = items[i];
    const link = c as unknown as { [OWNER]: object; [REL]: Relationship; [SNAPSHOT]: readonly object[] };
    link[OWNER] = owner;
    link[REL] = rel;
    link[SNAPSHOT] = snapshot;
    return c;
  }

  /** @internal The membership as last loaded or flushed, kept with the collection (no per-object record). */
  static snapshotOf(value: unknown): readonly object[] | undefined {
    return value instanceof Collection ? (value as Collection<object>)[SNAPSHOT] : undefined;
  }

  /** @internal A plain array of a collection's members (spreading an Array subclass goes through its iterator). */
  static copy(items: readonly object[]): object[] {
    const out: object[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = items[i];
    return out;
  }

  /** @internal */
  static setSnapshot(value: Collection<object>, members: readonly object[]): void {
    (value as unknown as { [SNAPSHOT]: readonly object[] })[SNAPSHOT] = members;
  }

  // Symbol keys: the owner, relationship and snapshot stay out of iteration, JSON and printing.
  declare readonly [OWNER]: object;
  declare readonly [REL]: Relationship;
  declare readonly [SNAPSHOT]: readonly object[];
  private get owner(): object {
    return this[OWNER];
  }
  private get rel(): Relationship {
    return this[REL];
  }

  override push(...items: T[]): number {
    for (let k = 0; k < items.length; k++) {
      const i = items[k];
      cascadeOnAttach(this.owner, this.rel, i);
      // An indexed store, not Array.prototype.push.call: on an Array subclass the call takes V8's
      // slow generic path (docs/performance.md).
      this[this.length] = i;
      syncBackOnAdd(this.owner, this.rel, i);
    }
    return this.length;
  }
  override unshift(...items: T[]): number {
    for (const i of items) cascadeOnAttach(this.owner, this.rel, i);
    Array.prototype.unshift.apply(this, items);
    for (const i of items) syncBackOnAdd(this.owner, this.rel, i);
    return this.length;
  }
  override pop(): T | undefined {
    const i = Array.prototype.pop.call(this) as T | undefined;
    if (i) syncBackOnRemove(this.owner, this.rel, i);
    return i;
  }
  override shift(): T | undefined {
    const i = Array.prototype.shift.call(this) as T | undefined;
    if (i) syncBackOnRemove(this.owner, this.rel, i);
    return i;
  }
  override splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    if (deleteCount !== undefined) for (const i of items) cascadeOnAttach(this.owner, this.rel, i);
    const args: unknown[] = deleteCount === undefined ? [start] : [start, deleteCount, ...items];
    const removed = Array.prototype.splice.apply(this, args as [number, number, ...T[]]) as T[];
    for (const r of removed) syncBackOnRemove(this.owner, this.rel, r);
    if (deleteCount !== undefined) for (const i of items) syncBackOnAdd(this.owner, this.rel, i);
    return removed;
  }
  /** Removes `item` if present; true when it was. */
  remove(item: T): boolean {
    const at = this.indexOf(item);
    if (at < 0) return false;
    Array.prototype.splice.call(this, at, 1);
    syncBackOnRemove(this.owner, this.rel, item);
    return true;
  }
}
