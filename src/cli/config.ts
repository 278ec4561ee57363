// Shard-set descriptions for the CLI: `{ "ring": { "mode": "md5", "replicas": 100 }, "shards": { "a":
// "postgres://…", "b": { "url": "sqlite:/tmp/b.db", "weight": 2 } } }`, given inline or as a file.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createEngine, type Engine, type EngineOptions } from "../engine/engine.js";
import type { MetaData } from "../schema/metadata.js";
import { HashRing, type HashMode } from "../shard/ring.js";
import { ShardSet } from "../shard/shards.js";

/** A mistake in how the CLI was called: reported with a hint at --help, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface ShardSpec {
  readonly url: string;
  readonly weight?: number;
  /** Milliseconds to connect before ConnectTimeoutError (the engine's default otherwise). */
  readonly connectTimeout?: number;
  /** Milliseconds any one statement may run on this shard (a server-side limit; not on SQLite). */
  readonly statementTimeout?: number;
}

const SPEC_KEYS = ["url", "weight", "connectTimeout", "statementTimeout"];

export interface ShardConfig {
  readonly ring: { readonly mode?: HashMode; readonly replicas?: number };
  readonly shards: Readonly<Record<string, ShardSpec>>;
}

const MODES: readonly string[] = ["md5", "ketama", "fast"];

/** Parses and checks a shard-set description; `label` (e.g. "--from") prefixes every message. */
export function parseShardConfig(text: string, label: string): ShardConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${label}: not valid JSON (${(err as Error).message})`);
  }
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  if (!isObject(raw)) throw new UsageError(`${label}: expected an object { "ring": {…}, "shards": { name: url } }`);
  for (const k of Object.keys(raw))
    if (k !== "ring" && k !== "shards") throw new UsageError(`${label}: unknown key ${JSON.stringify(k)} (expected "ring" and "shards")`);
  const ringRaw = raw.ring ?? {};
  if (!isObject(ringRaw)) throw new UsageError(`${label}: "ring" must be an object like { "mode": "md5", "replicas": 100 }`);
  for (const k of Object.keys(ringRaw))
    if (k !== "mode" && k !== "replicas") throw new UsageError(`${label}: unknown ring setting ${JSON.stringify(k)} (expected "mode" and "replicas")`);
  if (ringRaw.mode !== undefined && !MODES.includes(ringRaw.mode as string))
    throw new UsageError(`${label}: ring mode must be "md5", "ketama" or "fast", got ${JSON.stringify(ringRaw.mode)}`);
  if (ringRaw.replicas !== undefined && (!Number.isSafeInteger(ringRaw.replicas) || (ringRaw.replicas as number) < 1))
    throw new UsageError(`${label}: ring replicas must be a positive integer, got ${JSON.stringify(ringRaw.replicas)}`);
  if (!isObject(raw.shards) || Object.keys(raw.shards).length === 0)
    throw new UsageError(`${label}: "shards" must be a non-empty object of shard name → engine URL`);
  const shards: Record<string, ShardSpec> = {};
  for (const [name, spec] of Object.entries(raw.shards)) {
    if (typeof spec === "string") shards[name] = { url: spec };
    else if (isObject(spec) && typeof spec.url === "string") {
      for (const k of Object.keys(spec))
        if (!SPEC_KEYS.includes(k))
          throw new UsageError(`${label}: shard ${JSON.stringify(name)} has unknown setting ${JSON.stringify(k)} (expected ${SPEC_KEYS.join(", ")})`);
      if (spec.weight !== undefined && (typeof spec.weight !== "number" || !Number.isFinite(spec.weight) || spec.weight <= 0))
        throw new UsageError(`${label}: shard ${JSON.stringify(name)} has weight ${JSON.stringify(spec.weight)}; a weight is a number > 0`);
      for (const k of ["connectTimeout", "statementTimeout"] as const)
        if (spec[k] !== undefined && (!Number.isSafeInteger(spec[k]) || (spec[k] as number) < 1))
          throw new UsageError(`${label}: shard ${JSON.stringify(name)} has ${k} ${JSON.stringify(spec[k])}; it is a number of milliseconds > 0`);
      shards[name] = {
        url: spec.url,
        weight: spec.weight as number | undefined,
        connectTimeout: spec.connectTimeout as number | undefined,
        statementTimeout: spec.statementTimeout as number | undefined,
      };
    } else throw new UsageError(`${label}: shard ${JSON.stringify(name)} must be an engine URL or { "url": …, "weight": … }`);
  }
  return { ring: { mode: ringRaw.mode as HashMode | undefined, replicas: ringRaw.replicas as number | undefined }, shards };
}

/** `arg` is the JSON itself (starting with "{") or the path of a file holding it. */
export async function readShardConfig(arg: string, label: string): Promise<ShardConfig> {
  if (arg.trimStart().startsWith("{")) return parseShardConfig(arg, label);
  let text: string;
  try {
    text = await readFile(arg, "utf8");
  } catch (err) {
    throw new UsageError(
      `${label}: ${JSON.stringify(arg)} is neither JSON nor a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseShardConfig(text, `${label} (${arg})`);
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

function ringOf(config: ShardConfig): HashRing<string> {
  const ring = new HashRing<string>({ mode: config.ring.mode, replicas: config.ring.replicas });
  for (const [name, spec] of Object.entries(config.shards)) ring.set(name, name, { weight: spec.weight });
  return ring;
}

export interface OpenShardSets {
  readonly from: ShardSet;
  readonly to: ShardSet;
  /** Closes every engine (each shard has one, shared by both sets). */
  dispose(): Promise<void>;
}

/**
 * The shard sets before and after, sharing one engine per shard name. A name in both must have the
 * same URL: a shard keeps its name only while it keeps its database.
 */
export function openShardSets(metadata: MetaData, from: ShardConfig, to: ShardConfig): OpenShardSets {
  const urls = new Map<string, string>();
  const specs = new Map<string, ShardSpec>();
  for (const [label, config] of [
    ["--from", from],
    ["--to", to],
  ] as const) {
    for (const [name, spec] of Object.entries(config.shards)) {
      const known = urls.get(name);
      if (known !== undefined && known !== spec.url)
        throw new UsageError(
          `${label}: shard ${JSON.stringify(name)} has URL ${redactUrl(spec.url)} but ${redactUrl(known)} in --from; a shard keeps its name only while it keeps its database`,
        );
      urls.set(name, spec.url);
      const had = specs.get(name);
      specs.set(name, {
        ...spec,
        connectTimeout: spec.connectTimeout ?? had?.connectTimeout,
        statementTimeout: spec.statementTimeout ?? had?.statementTimeout,
      });
    }
  }
  const engines = new Map<string, Engine>();
  try {
    for (const [name, url] of urls) {
      try {
        engines.set(name, createEngine(url, engineOptions(url, specs.get(name)!)));
      } catch (err) {
        throw new UsageError(`shard ${JSON.stringify(name)}: ${(err as Error).message}`);
      }
    }
    const pick = (config: ShardConfig): Record<string, Engine> => Object.fromEntries(Object.keys(config.shards).map((n) => [n, engines.get(n)!]));
    return {
      from: new ShardSet(pick(from), { metadata, ring: ringOf(from) }),
      to: new ShardSet(pick(to), { metadata, ring: ringOf(to) }),
      dispose: async () => {
        await Promise.all([...engines.values()].map((e) => e.dispose().catch(() => undefined)));
      },
    };
  } catch (err) {
    for (const e of engines.values()) void e.dispose().catch(() => undefined);
    throw err;
  }
}

/** Engine options for a shard's timeouts: the statement limit is set on every connection the engine opens. */
export function engineOptions(url: string, spec: ShardSpec): EngineOptions {
  const onConnect: string[] = [];
  const ms = spec.statementTimeout;
  if (ms !== undefined) {
    if (url.startsWith("postgres")) onConnect.push(`SET statement_timeout = ${ms}`);
    else if (url.startsWith("mariadb") || url.startsWith("mysql")) onConnect.push(`SET SESSION max_statement_time = ${ms / 1000}`);
    else throw new UsageError(`statementTimeout: SQLite has no statement time limit (its lock waits end after 5 s): remove it from ${redactUrl(url)}`);
  }
  return { ...(spec.connectTimeout !== undefined ? { connectTimeout: spec.connectTimeout } : {}), ...(onConnect.length ? { onConnect } : {}) };
}

/** Imports a schema module and finds its MetaData: the export `metadata`, the default export, or `md`. */
export async function loadSchema(path: string): Promise<MetaData> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--schema: cannot import ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  const isMetaData = (x: unknown): x is MetaData =>
    typeof x === "object" && x !== null && typeof (x as MetaData).groups === "function" && typeof (x as MetaData).createAll === "function";
  for (const name of ["metadata", "default", "md"]) if (isMetaData(mod[name])) return mod[name];
  throw new UsageError(`--schema: ${JSON.stringify(path)} exports no MetaData (export it as "metadata" or as the default export)`);
}
