// Hash ring benchmark: `node bench/.out/ring.mjs`
//
// 1. Lookup throughput of Arbor's HashRing (md5, ketama, fast) against npm
//    `hashring` (v3, ketama-compatible), on 200k DISTINCT keys: hashring keeps
//    an LRU of 5,000 key -> server results, so repeating a small key set would
//    time its cache rather than its hashing. A hot-key run (1,000 keys, each
//    looked up 200 times) is printed separately for context; Arbor caches
//    nothing.
// 2. Ring build time (100 nodes).
// 3. Balance: peak/mean load and spread for 10/100 nodes x 100/160/1000 points.
// 4. Movement: keys moved when adding / removing one node.
import { createRequire } from "node:module";
import os from "node:os";
import { HashRing, type HashMode } from "../src/shard/ring.js";
import { mulberry32 } from "./support.js";

type Hashring = { get(key: string): string; ring: unknown[] };
const Hashring = createRequire(import.meta.url)("hashring") as new (servers: string[]) => Hashring;

const MODES: HashMode[] = ["md5", "ketama", "fast"];
const REPS = 11;
const WARMUP = 2;

const rnd = mulberry32(2026);
const KEYS = Array.from({ length: 200_000 }, (_, i) => `user:${i}:${Math.floor(rnd() * 2 ** 32).toString(36)}`);
const HOT = Array.from({ length: 200_000 }, (_, i) => KEYS[i % 1000]);
const servers = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}:11211`);

function arbor(mode: HashMode, names: string[], replicas?: number): HashRing<string> {
  const ring = new HashRing<string>({ mode, replicas });
  for (const n of names) ring.set(n, n);
  return ring;
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]): string => "| " + r.map((v, c) => (c === 0 ? v.padEnd(width[c]) : v.padStart(width[c]))).join(" | ") + " |";
  return [line(head), "|" + width.map((w, c) => (c === 0 ? "-" : "") + "-".repeat(w + 1) + (c === 0 ? "|" : ":|")).join(""), ...cells.slice(1).map(line)].join(
    "\n",
  );
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (x: number, d = 2): string => x.toFixed(d);
let sink = 0;

/** Lookups/s of each contender over `keys`; repetitions interleave contenders to share drift. */
function throughput(contenders: [string, (k: string) => string][], keys: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
  for (let rep = -WARMUP; rep < REPS; rep++) {
    for (const [name, get] of contenders) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < keys.length; i++) sink += get(keys[i]).length;
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (rep >= 0) out.get(name)!.push(keys.length / s);
    }
  }
  return out;
}

console.log(`# Hash ring benchmark — Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${new Date().toISOString()}`);

// --- identical placements -----------------------------------------------------
const ten = servers(10);
const rings = Object.fromEntries(MODES.map((m) => [m, arbor(m, ten)])) as Record<HashMode, HashRing<string>>;
const check = new Hashring(ten);
const mismatches = KEYS.filter((k) => rings.ketama.getName(k) !== check.get(k)).length;
console.log(`\nketama vs hashring placements on ${KEYS.length} keys, 10 servers: ${mismatches} mismatches`);
if (mismatches !== 0) process.exitCode = 1;

// --- lookups ------------------------------------------------------------------
for (const [label, keys] of [
  ["distinct keys (200,000 distinct; hashring's 5,000-entry LRU always misses)", KEYS],
  ["hot keys (1,000 distinct keys x 200; hashring answers from its LRU, Arbor rehashes)", HOT],
] as const) {
  const ref = new Hashring(ten);
  const res = throughput(
    [
      ["hashring 3.2 get()", (k) => ref.get(k)],
      ["Arbor ketama", (k) => rings.ketama.get(k)],
      ["Arbor md5", (k) => rings.md5.get(k)],
      ["Arbor fast", (k) => rings.fast.get(k)],
    ],
    keys,
  );
  const base = median(res.get("hashring 3.2 get()")!);
  console.log(`\n## Lookups, 10 nodes, ${label}; median of ${REPS} passes after ${WARMUP} warm-up\n`);
  console.log(
    table(
      ["ring", "median lookups/s", "min", "max", "vs hashring"],
      [...res].map(([n, xs]) => [
        n,
        Math.round(median(xs)).toLocaleString("en"),
        Math.round(Math.min(...xs)).toLocaleString("en"),
        Math.round(Math.max(...xs)).toLocaleString("en"),
        fmt(median(xs) / base) + "x",
      ]),
    ),
  );
}

// --- build --------------------------------------------------------------------
{
  const hundred = servers(100);
  const build: [string, () => void][] = [
    ["hashring 3.2 (160 points)", () => void new Hashring(hundred).get("x")],
    ...MODES.map((m): [string, () => void] => [`Arbor ${m} (${m === "ketama" ? 160 : 100} points)`, () => void arbor(m, hundred).get("x")]),
  ];
  const rows = build.map(([n, f]) => {
    const ms: number[] = [];
    for (let r = -1; r < 5; r++) {
      const t0 = performance.now();
      f();
      if (r >= 0) ms.push(performance.now() - t0);
    }
    return [n, fmt(median(ms), 1)];
  });
  console.log(`\n## Build: 100 nodes, set() all then first get(), median of 5\n`);
  console.log(table(["ring", "ms"], rows));
}

// --- balance and movement -------------------------------------------------------
const balance: (string | number)[][] = [];
const movement: (string | number)[][] = [];
for (const mode of MODES) {
  for (const n of [10, 100]) {
    for (const p of [100, 160, 1000]) {
      const ring = arbor(mode, servers(n), p);
      const shares = [...ring.shares().values()];
      const hits = new Map<string, number>(servers(n).map((s) => [s, 0]));
      const before = KEYS.map((k) => ring.getName(k));
      for (const name of before) hits.set(name, hits.get(name)! + 1);
      const h = [...hits.values()];
      const mean = KEYS.length / n;
      const std = Math.sqrt(h.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      const cv = Math.sqrt(shares.reduce((a, b) => a + (b - 1 / n) ** 2, 0) / n) * n;
      balance.push([
        `${mode} ${n}x${p}`,
        fmt(Math.max(...shares) * n, 3),
        fmt(Math.min(...shares) * n, 3),
        fmt(cv, 3),
        fmt(1 / Math.sqrt(p), 3),
        fmt(Math.max(...h) / mean, 3),
        fmt(std, 0),
      ]);

      const added = `10.9.9.9:11211`;
      ring.set(added, added);
      let moved = 0;
      let strays = 0;
      const after = KEYS.map((k) => ring.getName(k));
      for (let i = 0; i < KEYS.length; i++) if (after[i] !== before[i]) after[i] === added ? moved++ : strays++;
      ring.delete(added);
      const victim = servers(n)[0];
      const victimShare = ring.shares().get(victim)!;
      ring.delete(victim);
      let removedMoved = 0;
      let removedStrays = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (ring.getName(KEYS[i]) !== before[i]) before[i] === victim ? removedMoved++ : removedStrays++;
      }
      movement.push([
        `${mode} ${n}x${p}`,
        fmt((100 * moved) / KEYS.length) + "%",
        fmt(100 / (n + 1)) + "%",
        strays,
        fmt((100 * removedMoved) / KEYS.length) + "%",
        fmt(100 * victimShare) + "%",
        removedStrays,
      ]);
    }
  }
}
console.log(`\n## Balance: node shares of the ring (exact) and of ${KEYS.length.toLocaleString("en")} keys\n`);
console.log(table(["mode nodes x points", "peak/mean", "min/mean", "CV", "1/sqrt(P)", "keys peak/mean", "keys std dev"], balance));
console.log(`\n## Movement over ${KEYS.length.toLocaleString("en")} keys: add one node / remove one node\n`);
console.log(table(["mode nodes x points", "add: moved", "ideal 1/(N+1)", "moved elsewhere", "remove: moved", "its share", "others moved"], movement));
if (sink === 42) console.log("");
