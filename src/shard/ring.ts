// Consistent hash ring: a dictionary of named nodes that maps any key to one
// of them, moving only ~1/N of the keys when a node is added or removed.
//
// Three placement modes:
//  - "md5"    the classic recipe: point i of node `name` is md5(`${name}:${i}`)
//             read as a 128-bit integer, the key hash is md5(key), and a key
//             belongs to the first point strictly greater than its hash
//             (Python's bisect_right), wrapping to the first point.
//  - "ketama" libketama / npm `hashring` compatible (see `ketamaDigests`).
//  - "fast"   murmur3 (32-bit) of the UTF-8 bytes for points and keys, same
//             lookup rule as "md5"; for users who need no compatibility.
//
// The continuum is rebuilt lazily (on the first lookup after set/delete) into
// sorted typed arrays searched by binary search; per-node point hashes are
// cached, so a rebuild after set/delete only re-sorts.

import { ketamaDigests, md5Latin1, murmur3, wordBE, wordLE } from "./hash.js";

export { ketamaDigests };

export type HashMode = "md5" | "ketama" | "fast";
export type RingKey = string | number | bigint;

export interface HashRingOptions {
  /** Placement algorithm; default "md5". */
  mode?: HashMode;
  /** Points per node of weight 1; default 100 (md5, fast) or 160 (ketama, a multiple of 4). */
  replicas?: number;
}

export interface RingNodeOptions {
  /**
   * Relative weight, a finite number > 0; default 1. md5/fast: the node gets
   * round(replicas * weight) points. ketama: libketama's share of
   * replicas * nodeCount by weight (see ketamaDigests), which can be 0.
   */
  weight?: number;
}

export const DEFAULT_REPLICAS: Readonly<Record<HashMode, number>> = Object.freeze({
  md5: 100,
  ketama: 160,
  fast: 100,
});

export type RingErrorCode = "DUPLICATE_NODE" | "UNKNOWN_NODE" | "EMPTY_RING" | "INVALID_OPTION" | "INVALID_KEY";

/** Base class of every error thrown by HashRing. */
export class RingError extends Error {
  override name = "RingError";
  constructor(
    readonly code: RingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `set(name, …)` with a name that is already on the ring. */
export class DuplicateNodeError extends RingError {
  override name = "DuplicateNodeError";
  constructor(readonly nodeName: string) {
    super("DUPLICATE_NODE", `HashRing: node ${JSON.stringify(nodeName)} is already on the ring (delete it first to replace it)`);
  }
}

/** `delete(name)` / `pointsFor(name)` with a name that is not on the ring. */
export class UnknownNodeError extends RingError {
  override name = "UnknownNodeError";
  constructor(readonly nodeName: string) {
    super("UNKNOWN_NODE", `HashRing: no node named ${JSON.stringify(nodeName)} on the ring`);
  }
}

/** A lookup on a ring that has no nodes (or, in ketama mode, no points). */
export class EmptyRingError extends RingError {
  override name = "EmptyRingError";
  constructor(detail = "it has no nodes; add one with set()") {
    super("EMPTY_RING", `HashRing: cannot look up a key on an empty ring: ${detail}`);
  }
}

/** An invalid mode, replicas, weight or node name. */
export class RingOptionError extends RingError {
  override name = "RingOptionError";
  constructor(message: string) {
    super("INVALID_OPTION", `HashRing: ${message}`);
  }
}

/** A lookup with a key that is not a string, number or bigint (an object would hash as "[object Object]"). */
export class InvalidKeyError extends RingError {
  override name = "InvalidKeyError";
  constructor(key: unknown) {
    super("INVALID_KEY", `HashRing: a key must be a string, number or bigint, got ${key === null ? "null" : typeof key}`);
  }
}

interface Entry<N> {
  readonly name: string;
  readonly node: N;
  readonly weight: number;
  /** Cached point hashes in generation order (md5: 4 big-endian words per point). */
  cache: Uint32Array;
  /** Number of points in `cache`. */
  cached: number;
}

const MODES: readonly HashMode[] = ["md5", "ketama", "fast"];
const TWO32 = 2 ** 32;
// Sorting packs (hash, generation index) into one exact double: hash * 2^21 + g.
const PACK = 2 ** 21;

export class HashRing<N> implements Iterable<[string, N]> {
  readonly mode: HashMode;
  /** Points per node of weight 1. */
  readonly replicas: number;

  #entries = new Map<string, Entry<N>>();
  #dirty = false;
  // The continuum: sorted point hashes (md5: 4 words per point) and, per
  // point, the index of its node in #slotNames/#slotNodes.
  #hashes = new Uint32Array(0);
  #owner = new Uint32Array(0);
  #count = 0;
  #slotNames: string[] = [];
  #slotNodes: N[] = [];
  #slotPoints: number[] = [];

  constructor(options: HashRingOptions = {}) {
    const mode = options.mode ?? "md5";
    if (!MODES.includes(mode)) throw new RingOptionError(`unknown mode ${JSON.stringify(mode)} (expected "md5", "ketama" or "fast")`);
    const replicas = options.replicas ?? DEFAULT_REPLICAS[mode];
    if (!Number.isSafeInteger(replicas) || replicas < 1) {
      throw new RingOptionError(`replicas must be a positive integer, got ${String(replicas)}`);
    }
    // libketama turns each md5 digest into 4 points; keep whole digests.
    if (mode === "ketama" && replicas % 4 !== 0) {
      throw new RingOptionError(`ketama replicas must be a multiple of 4 (4 points per md5 digest), got ${replicas}`);
    }
    this.mode = mode;
    this.replicas = replicas;
  }

  /** Number of nodes. */
  get size(): number {
    return this.#entries.size;
  }

  /** Total number of points on the continuum. */
  get points(): number {
    this.#ensure();
    return this.#count;
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Adds a node; throws DuplicateNodeError if `name` is already present. */
  set(name: string, node: N, options: RingNodeOptions = {}): this {
    if (typeof name !== "string" || name === "") throw new RingOptionError("a node name must be a non-empty string");
    if (this.#entries.has(name)) throw new DuplicateNodeError(name);
    const weight = options.weight ?? 1;
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight <= 0) {
      throw new RingOptionError(`weight of node ${JSON.stringify(name)} must be a finite number > 0, got ${String(weight)}`);
    }
    if (this.mode !== "ketama" && Math.round(this.replicas * weight) < 1) {
      throw new RingOptionError(`weight ${weight} of node ${JSON.stringify(name)} gives it no points with ${this.replicas} replicas`);
    }
    const entry: Entry<N> = { name, node, weight, cache: new Uint32Array(0), cached: 0 };
    if (this.mode === "ketama") {
      // libketama shares points by weight among all nodes: refuse a node set in which one gets none.
      const entries = [...this.#entries.values(), entry];
      const counts = this.#pointCounts(entries);
      const empty = entries.findIndex((_, i) => counts[i] < 1);
      if (empty >= 0)
        throw new RingOptionError(
          `weight ${entries[empty].weight} of node ${JSON.stringify(entries[empty].name)} gives it no points with ${this.replicas} replicas among ${entries.length} nodes`,
        );
    }
    this.#entries.set(name, entry);
    this.#dirty = true;
    return this;
  }

  /** Removes a node; throws UnknownNodeError if `name` is not present. */
  delete(name: string): this {
    if (!this.#entries.delete(name)) throw new UnknownNodeError(name);
    this.#dirty = true;
    return this;
  }

  /** Removes every node. */
  clear(): void {
    this.#entries.clear();
    this.#dirty = true;
  }

  /** The node `key` maps to; throws EmptyRingError on an empty ring. */
  get(key: RingKey): N {
    const slot = this.#locate(key); // first: it may rebuild #slotNodes
    return this.#slotNodes[slot];
  }

  /** The name of the node `key` maps to; throws EmptyRingError on an empty ring. */
  getName(key: RingKey): string {
    const slot = this.#locate(key);
    return this.#slotNames[slot];
  }

  /** Number of points `name` has on the continuum (in ketama mode it depends on all weights). */
  pointsFor(name: string): number {
    if (!this.#entries.has(name)) throw new UnknownNodeError(name);
    this.#ensure();
    return this.#slotPoints[this.#slotNames.indexOf(name)];
  }

  /**
   * Fraction of the hash space owned by each node (sums to 1): the expected
   * share of uniformly hashed keys. Nodes without points get 0.
   */
  shares(): Map<string, number> {
    this.#ensure();
    const out = new Map<string, number>();
    for (const name of this.#slotNames) out.set(name, 0);
    const n = this.#count;
    const h = this.#hashes;
    const w = this.mode === "md5" ? 4 : 1;
    for (let i = 0; i < n; i++) {
      const p = i === 0 ? n - 1 : i - 1;
      // Arc from the previous point to this one, as a fraction of the ring
      // (md5: top 64 bits only, ample for a fraction).
      let arc = h[i * w] - h[p * w];
      if (w === 4) arc = (arc + (h[i * w + 1] - h[p * w + 1]) / TWO32) / TWO32;
      else arc /= TWO32;
      if (i === 0) arc += 1; // the first point's arc wraps past 2^32 (or 2^128)
      const name = this.#slotNames[this.#owner[i]];
      out.set(name, out.get(name)! + arc);
    }
    return out;
  }

  *names(): IterableIterator<string> {
    yield* this.#entries.keys();
  }

  *nodes(): IterableIterator<N> {
    for (const e of this.#entries.values()) yield e.node;
  }

  *entries(): IterableIterator<[string, N]> {
    for (const e of this.#entries.values()) yield [e.name, e.node];
  }

  [Symbol.iterator](): IterableIterator<[string, N]> {
    return this.entries();
  }

  // -------------------------------------------------------------------------

  #locate(key: RingKey): number {
    if (typeof key !== "string" && typeof key !== "number" && typeof key !== "bigint") throw new InvalidKeyError(key);
    if (this.#dirty) this.#build();
    const n = this.#count;
    if (n === 0) {
      throw new EmptyRingError(this.#entries.size === 0 ? undefined : "its nodes' weights give them no points");
    }
    const k = typeof key === "string" ? key : String(key);
    const h = this.#hashes;
    let lo = 0;
    let hi = n;
    if (this.mode === "ketama") {
      // libketama: the first point >= the key hash (little-endian first word
      // of md5(key)); past the last point, wrap to the first.
      const x = wordLE(md5Latin1(k), 0);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (h[mid] < x) lo = mid + 1;
        else hi = mid;
      }
    } else if (this.mode === "fast") {
      // Same rule as md5 (bisect_right): the first point > the key hash.
      const x = murmur3(k);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (h[mid] <= x) lo = mid + 1;
        else hi = mid;
      }
    } else {
      // md5: compare the full 128-bit hashes word by word (most significant
      // first). The first word nearly always decides; the others only break
      // ties, so placements equal the recipe's exact big-integer bisect_right.
      const d = md5Latin1(k);
      const x0 = wordBE(d, 0);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const a = h[mid << 2];
        if (a === x0 ? md5TailLE(h, mid << 2, d) : a < x0)
          lo = mid + 1; // point <= key
        else hi = mid;
      }
    }
    return this.#owner[lo === n ? 0 : lo];
  }

  #ensure(): void {
    if (this.#dirty) this.#build();
  }

  /** Points each entry gets, in entry order. */
  #pointCounts(entries: Entry<N>[]): number[] {
    if (this.mode !== "ketama") return entries.map((e) => Math.round(this.replicas * e.weight));
    let total = 0;
    for (const e of entries) total += e.weight;
    return entries.map((e) => 4 * ketamaDigests(e.weight, total, entries.length, this.replicas));
  }

  /** Makes sure `e.cache` holds (at least) the first `count` points of `e`. */
  #fill(e: Entry<N>, count: number): void {
    if (e.cached >= count) return;
    const w = this.mode === "md5" ? 4 : 1;
    const cache = new Uint32Array(count * w);
    cache.set(e.cache.subarray(0, e.cached * w));
    if (this.mode === "md5") {
      for (let i = e.cached; i < count; i++) {
        const d = md5Latin1(`${e.name}:${i}`);
        for (let j = 0; j < 4; j++) cache[i * 4 + j] = wordBE(d, j);
      }
    } else if (this.mode === "fast") {
      for (let i = e.cached; i < count; i++) cache[i] = murmur3(`${e.name}:${i}`);
    } else {
      // libketama: digest k of `${name}-${k}` gives 4 points, its 4
      // little-endian words in order (counts are multiples of 4).
      for (let k = e.cached >> 2; k < count >> 2; k++) {
        const d = md5Latin1(`${e.name}-${k}`);
        for (let j = 0; j < 4; j++) cache[k * 4 + j] = wordLE(d, j);
      }
    }
    e.cache = cache;
    e.cached = count;
  }

  #build(): void {
    const entries = [...this.#entries.values()];
    const counts = this.#pointCounts(entries);
    const w = this.mode === "md5" ? 4 : 1;
    let total = 0;
    for (let s = 0; s < entries.length; s++) {
      this.#fill(entries[s], counts[s]);
      total += counts[s];
    }
    // Concatenate in generation order (node insertion order, then point
    // index); g below is the position in this order.
    const raw = new Uint32Array(total * w);
    const rawOwner = new Uint32Array(total);
    let g = 0;
    for (let s = 0; s < entries.length; s++) {
      raw.set(entries[s].cache.subarray(0, counts[s] * w), g * w);
      rawOwner.fill(s, g, g + counts[s]);
      g += counts[s];
    }
    const order = sortOrder(raw, w, total);
    const hashes = new Uint32Array(total * w);
    const owner = new Uint32Array(total);
    for (let i = 0; i < total; i++) {
      const src = order[i];
      for (let j = 0; j < w; j++) hashes[i * w + j] = raw[src * w + j];
      owner[i] = rawOwner[src];
    }
    this.#hashes = hashes;
    this.#owner = owner;
    this.#count = total;
    this.#slotNames = entries.map((e) => e.name);
    this.#slotNodes = entries.map((e) => e.node);
    this.#slotPoints = counts;
    this.#dirty = false;
  }
}

/** Whether words 1..3 of the md5 point at `h[p..p+3]` are <= those of digest `d` (first words equal). */
function md5TailLE(h: Uint32Array, p: number, d: string): boolean {
  for (let j = 1; j < 4; j++) {
    const a = h[p + j];
    const x = wordBE(d, j);
    if (a !== x) return a < x;
  }
  return true;
}

/**
 * Generation indexes sorted by point hash; equal hashes keep generation order
 * (a stable sort, as npm `hashring`'s Array#sort; libketama's qsort leaves
 * such ties unspecified, and md5 ties are practically impossible).
 */
function sortOrder(raw: Uint32Array, w: number, total: number): Uint32Array {
  const order = new Uint32Array(total);
  if (w === 1 && total <= PACK) {
    // One exact double per point, hash-major: a native numeric sort.
    const packed = new Float64Array(total);
    for (let i = 0; i < total; i++) packed[i] = raw[i] * PACK + i;
    packed.sort();
    for (let i = 0; i < total; i++) order[i] = packed[i] % PACK;
    return order;
  }
  for (let i = 0; i < total; i++) order[i] = i;
  return order.sort((a, b) => {
    for (let j = 0; j < w; j++) {
      const d = raw[a * w + j] - raw[b * w + j];
      if (d !== 0) return d;
    }
    return a - b;
  });
}
