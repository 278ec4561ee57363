// Named shards and placement: a group's root key goes through the hash ring to a shard, and every
// member of the group lives on its root's shard.
import type { Engine } from "../engine/engine.js";
import { LocalityCache } from "./locality.js";
import { ArborError, ArgumentError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import type { MetaData } from "../schema/metadata.js";
import type { AnyColumn, Table } from "../schema/table.js";
import { HashRing, type HashRingOptions } from "./ring.js";

type AnyTable = Table<string, Record<string, AnyColumn>>;

export interface ShardSetOptions {
  /** Tables and their groups: placement follows group roots. */
  readonly metadata: MetaData;
  /** Ring settings (md5 with 100 points per shard by default); or a prepared ring of shard names. */
  readonly ring?: HashRingOptions | HashRing<string>;
  /**
   * While a rebalance runs: the ring it moves groups away from. A group whose shard differs between
   * the rings is fenced (docs/sharding.md): writes lock its root row on the previous shard, reads
   * see it exactly once.
   */
  readonly previous?: HashRing<string>;
  /** How long a read waits for a batch being moved to land, and a write for its root row's lock (milliseconds, default 5000). */
  readonly moveWait?: number;
}

/** The text a root key hashes as: values joined, bigints and Dates in a stable form. */
export function rootKeyText(values: readonly unknown[]): string {
  return values.map((v) => (v instanceof Date ? v.toISOString() : typeof v === "bigint" ? v.toString() : String(v))).join("\u001f");
}

export class ShardSet {
  readonly ring: HashRing<string>;
  readonly metadata: MetaData;
  readonly previous?: HashRing<string>;
  readonly moveWait: number;
  private readonly engines: Map<string, Engine>;
  /** Which statements each shard can answer for its own groups, by shape (see locality.ts). */
  readonly locality: LocalityCache = new LocalityCache(this);
  /** Root keys (text) of moving groups seen gone from their previous shard: they are on the new one. */
  private readonly moved = new Set<string>();

  constructor(engines: Readonly<Record<string, Engine>>, options: ShardSetOptions) {
    this.engines = new Map(Object.entries(engines));
    if (this.engines.size === 0) throw new ArgumentError("A shard set needs at least one shard");
    this.metadata = options.metadata;
    if (options.ring instanceof HashRing) this.ring = options.ring;
    else {
      this.ring = new HashRing<string>(options.ring ?? {});
      for (const name of this.engines.keys()) this.ring.set(name, name);
    }
    this.previous = options.previous;
    this.moveWait = options.moveWait ?? 5000;
    for (const [ring, which] of [
      [this.ring, "ring"],
      [this.previous, "previous ring"],
    ] as const)
      for (const name of ring?.names() ?? [])
        if (!this.engines.has(name)) throw new ArgumentError(`The ${which} names shard ${JSON.stringify(name)}, which has no engine`);
    // An engine the ring never names would hold groups no lookup finds (or be fanned out to for nothing).
    for (const name of this.engines.keys())
      if (!this.ring.has(name) && !this.previous?.has(name))
        throw new ArgumentError(`Shard ${JSON.stringify(name)} has an engine but is not on the ring (ring: ${[...this.ring.names()].join(", ")})`);
  }

  get names(): string[] {
    return [...this.engines.keys()];
  }

  engine(name: string): Engine {
    const e = this.engines.get(name);
    if (!e) throw new ArgumentError(`No shard named ${JSON.stringify(name)}`);
    return e;
  }

  /** The group a table belongs to, or an error: only group members can be sharded. */
  groupOf(table: AnyTable): TableGroup {
    const g = this.metadata.groupOf(table);
    if (!g) throw new ArgumentError(`${table.name} belongs to no table group, so it has no root key to place it by`, { table: table.name });
    return g;
  }

  /** Property keys of `table`'s columns holding its group's root key. */
  rootKeyColumns(table: AnyTable): string[] {
    return this.groupOf(table)
      .rootKeyOf(table)
      .map((c) => c.key);
  }

  /** The root key of a row of `table`, or undefined while part of it is missing. */
  rootKeyOf(table: AnyTable, row: Readonly<Record<string, unknown>>): unknown[] | undefined {
    const values = this.rootKeyColumns(table).map((k) => row[k]);
    return values.some((v) => v === undefined || v === null) ? undefined : values;
  }

  /** The shard holding the group with this root key. */
  shardFor(rootKey: readonly unknown[]): string {
    return this.ring.getName(rootKeyText(rootKey));
  }

  /**
   * While a rebalance runs (`previous` set): the shards of a group the rebalance may be moving, the
   * one it leaves first; undefined when the group stays where it is.
   */
  moving(rootKey: readonly unknown[]): { from: string; to: string } | undefined {
    if (!this.previous) return undefined;
    const text = rootKeyText(rootKey);
    const from = this.previous.getName(text);
    const to = this.ring.getName(text);
    return from === to ? undefined : { from, to };
  }

  /** Whether a moving group was seen gone from its previous shard (so it is on its new one). */
  knownMoved(rootKey: readonly unknown[]): boolean {
    return this.moved.has(rootKeyText(rootKey));
  }

  /** @internal Records that a moving group left its previous shard. */
  markMoved(rootKey: readonly unknown[]): void {
    this.moved.add(rootKeyText(rootKey));
  }

  /**
   * The shard holding an existing group now as far as this process knows: its previous shard
   * while it may still be there, else the ring's. Writes check it under the root row's lock.
   */
  placeFor(rootKey: readonly unknown[]): string {
    const m = this.moving(rootKey);
    return m && !this.knownMoved(rootKey) ? m.from : this.shardFor(rootKey);
  }

  /** Closes every shard's engine. */
  async dispose(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.dispose()));
  }
}

/** Tags an error with the shard it came from: `shard` set and the shard named first in the message. */
export function onShard(err: unknown, shard: string): unknown {
  if (!(err instanceof Error)) return err;
  if (err instanceof ArborError) {
    if (err.shard !== undefined) return err;
    err.shard = shard;
  } else if ((err as { shard?: unknown }).shard !== undefined) return err;
  else Object.defineProperty(err, "shard", { value: shard, enumerable: true });
  err.message = `shard ${JSON.stringify(shard)}: ${err.message}`;
  return err;
}

/** Runs `fn` for one shard; an error it throws names the shard. */
export async function atShard<T>(shard: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw onShard(err, shard);
  }
}
