// Planning a rebalance: which database each shard name means, which groups to rebalance, and the
// moves: every root key held by a shard other than the one the new ring names.
import { resolve as resolvePath } from "node:path";
import { sqliteFile } from "../dialects/sqlite/driver.js";
import type { Engine } from "../engine/engine.js";
import { ArborError, ArgumentError } from "../errors.js";
import type { TableGroup } from "../schema/groups.js";
import { select } from "../sql/select.js";
import { rootKeyColumns, type Row } from "./checksum.js";
import { RebalanceScanError, type Move } from "./rebalance-types.js";
import type { ShardSet } from "./shards.js";

/** What identifies an engine's database: a SQLite file's absolute path (any URL spelling), else the URL; undefined in memory. */
function databaseOf(e: Engine): string | undefined {
  if (e.url.protocol !== "sqlite:") return e.url.href;
  const file = sqliteFile(e.url);
  return file === null ? undefined : `sqlite:${resolvePath(file)}`;
}

/**
 * The engine of every shard named in `from` or `to`. A name in both must mean the same database
 * (the same engine, or engines with the same URL).
 */
export function shardEngines(from: ShardSet, to: ShardSet): Map<string, Engine> {
  const out = new Map<string, Engine>();
  for (const name of from.names) out.set(name, from.engine(name));
  for (const name of to.names) {
    const e = to.engine(name);
    const known = out.get(name);
    if (known === undefined) out.set(name, e);
    else if (known !== e && known.url.href !== e.url.href)
      throw new ArgumentError(
        `Shard ${JSON.stringify(name)} names different databases before and after the rebalance; a shard keeps its name only while it keeps its database`,
      );
  }
  // Two names for one database would let a "move" delete the only copy of a group.
  const byEngine = new Map<Engine, string>();
  const byUrl = new Map<string, string>();
  for (const [name, e] of out) {
    const sameEngine = byEngine.get(e);
    if (sameEngine !== undefined)
      throw new ArgumentError(`Shards ${JSON.stringify(sameEngine)} and ${JSON.stringify(name)} share one engine; every shard needs its own database`);
    byEngine.set(e, name);
    const where = databaseOf(e);
    if (where === undefined) continue; // each in-memory engine is a database of its own
    const sameUrl = byUrl.get(where);
    if (sameUrl !== undefined)
      throw new ArgumentError(`Shards ${JSON.stringify(sameUrl)} and ${JSON.stringify(name)} have the same URL; every shard needs its own database`);
    byUrl.set(where, name);
  }
  return out;
}

/** Resolves the `group` option: a TableGroup, a root table's name, or every group. */
export function groupsToRebalance(from: ShardSet, group?: TableGroup | string): TableGroup[] {
  const all = from.metadata.groups();
  if (group === undefined) return all;
  if (typeof group !== "string") return [group];
  const g = all.find((x) => x.name === group);
  if (!g) {
    const names = all.map((x) => x.name);
    throw new ArgumentError(
      `No table group with root table ${JSON.stringify(group)}${names.length ? ` (groups: ${names.join(", ")})` : " (the schema has no table groups)"}`,
      { table: group },
    );
  }
  return [g];
}

export async function scanGroup(to: ShardSet, group: TableGroup, engines: Map<string, Engine>): Promise<{ moves: Move[]; scanned: number }> {
  const root = group.root;
  const cols = rootKeyColumns(group, root);
  const moves: Move[] = [];
  let scanned = 0;
  // Every shard either set knows: a group belongs on to.shardFor(key); anywhere else it moves
  // (this also finds stale copies an interrupted run left on a shard that only `to` names).
  for (const [name, engine] of engines) {
    try {
      for await (const row of engine.stream(
        select(...cols)
          .from(root)
          .orderBy(...cols),
      )) {
        scanned++;
        const key = cols.map((c) => (row as Row)[c.key]);
        const dest = to.shardFor(key);
        if (dest !== name) moves.push({ group: group.name, rootKey: key, from: name, to: dest });
      }
    } catch (err) {
      if (!(err instanceof ArborError) || err instanceof ArgumentError) throw err;
      throw new RebalanceScanError(name, group, err);
    }
  }
  return { moves, scanned };
}

/**
 * The groups of `group` that are on another shard than `to` places them: the root keys of the
 * group's root table are streamed from every shard of `from` (and of `to`, to find copies an
 * interrupted run left), and a group moves when `to.shardFor(key)` is not the shard holding it.
 */
export async function planRebalance(from: ShardSet, to: ShardSet, group: TableGroup): Promise<Move[]> {
  return (await scanGroup(to, group, shardEngines(from, to))).moves;
}

/** Planned moves counted per "from → to" pair, in first-seen order. */
export function countMoves(moves: readonly Move[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of moves) {
    const k = `${m.from} → ${m.to}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}
