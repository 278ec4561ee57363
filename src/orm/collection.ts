// The array behind a to-many relationship. Its mutating methods keep the other side of a
// bidirectional relationship in sync; the flush compares it with what was loaded.
import { cascadeOnAttach } from "./attach.js";
import { syncBackOnAdd, syncBackOnRemove } from "./attributes.js";
import type { Relationship } from "./relationships.js";

const OWNER: unique symbol = Symbol("arbor.owner");
const REL: unique symbol = Symbol("arbor.relationship");
const SNAPSHOT: unique symbol = Symbol("arbor.snapshot");
const INDEX: unique symbol = Symbol("arbor.index");

/** Where each member of `items[0, length)` first stands. */
interface MemberIndex {
  readonly at: Map<object, number>;
  length: number;
}

/** Collections this short are scanned: building an index would cost more. */
const SCAN_LIMIT = 16;

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

  /**
   * @internal Whether `item` is a member of `c`, in constant time (amortised) past a few members:
   * the back-reference of each of n objects set to one owner asks this of the owner's collection n
   * times. The index follows appends by any means (it reads the members past its length), the
   * Collection methods that remove or put members in place of others drop it, and a member it
   * places where it no longer is (after a sort, or an assignment to its index) rebuilds it. What
   * it cannot see is a new member assigned to an index it already covers, which bypasses every
   * method and the back-reference's sync alike.
   */
  static has_(c: readonly object[], item: object): boolean {
    const n = c.length;
    if (n <= SCAN_LIMIT || !(c instanceof Collection)) return c.includes(item);
    const link = c as unknown as { [INDEX]?: MemberIndex };
    let ix = link[INDEX];
    if (ix === undefined || ix.length > n) ix = link[INDEX] = { at: new Map(), length: 0 };
    for (let i = ix.length; i < n; i++) if (!ix.at.has(c[i])) ix.at.set(c[i], i);
    ix.length = n;
    const i = ix.at.get(item);
    if (i === undefined) return false;
    if (c[i] === item) return true;
    link[INDEX] = undefined;
    return Collection.has_(c, item);
  }

  /** @internal Drops the member index after a change made around the Collection's methods. */
  static changed_(c: readonly object[]): void {
    if (c instanceof Collection) (c as unknown as { [INDEX]?: MemberIndex })[INDEX] = undefined;
  }

  /** @internal */
  static setSnapshot(value: Collection<object>, members: readonly object[]): void {
    (value as unknown as { [SNAPSHOT]: readonly object[] })[SNAPSHOT] = members;
  }

  // Symbol keys: the owner, relationship, snapshot and index stay out of iteration, JSON and printing.
  declare readonly [OWNER]: object;
  declare readonly [REL]: Relationship;
  declare readonly [SNAPSHOT]: readonly object[];
  declare readonly [INDEX]?: MemberIndex;
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
    Collection.changed_(this);
    Array.prototype.unshift.apply(this, items);
    for (const i of items) syncBackOnAdd(this.owner, this.rel, i);
    return this.length;
  }
  override pop(): T | undefined {
    Collection.changed_(this);
    const i = Array.prototype.pop.call(this) as T | undefined;
    if (i) syncBackOnRemove(this.owner, this.rel, i);
    return i;
  }
  override shift(): T | undefined {
    Collection.changed_(this);
    const i = Array.prototype.shift.call(this) as T | undefined;
    if (i) syncBackOnRemove(this.owner, this.rel, i);
    return i;
  }
  override splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    if (deleteCount !== undefined) for (const i of items) cascadeOnAttach(this.owner, this.rel, i);
    Collection.changed_(this);
    const args: unknown[] = deleteCount === undefined ? [start] : [start, deleteCount, ...items];
    const removed = Array.prototype.splice.apply(this, args as [number, number, ...T[]]) as T[];
    for (const r of removed) syncBackOnRemove(this.owner, this.rel, r);
    if (deleteCount !== undefined) for (const i of items) syncBackOnAdd(this.owner, this.rel, i);
    return removed;
  }
  override fill(value: T, start?: number, end?: number): this {
    Collection.changed_(this);
    return super.fill(value, start, end);
  }
  /** Removes `item` if present; true when it was. */
  remove(item: T): boolean {
    const at = this.indexOf(item);
    if (at < 0) return false;
    Collection.changed_(this);
    Array.prototype.splice.call(this, at, 1);
    syncBackOnRemove(this.owner, this.rel, item);
    return true;
  }
}
