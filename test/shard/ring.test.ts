import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import fc from "fast-check";
import {
  DuplicateNodeError,
  EmptyRingError,
  HashRing,
  ketamaDigests,
  RingError,
  RingOptionError,
  UnknownNodeError,
  type HashMode,
} from "../../src/shard/ring.js";
import { ketamaHash, md5BigInt, murmur3, murmur3Bytes } from "../../src/shard/hash.js";
import { mulberry32 } from "../support/random.js";

// npm `hashring` (CommonJS, untyped) is the ketama reference implementation.
type HashringCtor = new (
  servers: string[] | Record<string, number>,
) => {
  get(key: string): string;
  ring: { value: number; server: string }[];
  points(): Record<string, number[]>;
};
const Hashring = createRequire(import.meta.url)("hashring") as HashringCtor;

const MODES: HashMode[] = ["md5", "ketama", "fast"];

function randomKeys(count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => `key:${i}:${Math.floor(rnd() * 1e9).toString(36)}`);
}

/** The first `count` keys `${prefix}${i}` satisfying `pred` (to aim at rare regions of the ring). */
function findKeys(prefix: string, count: number, pred: (key: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count && i < 5_000_000; i++) if (pred(prefix + i)) out.push(prefix + i);
  assert.equal(out.length, count, `found ${count} keys for ${prefix}`);
  return out;
}

function ringOf(mode: HashMode, nodes: number, replicas?: number): HashRing<string> {
  const ring = new HashRing<string>({ mode, replicas });
  for (let i = 0; i < nodes; i++) ring.set(`node${i}`, `node${i}`);
  return ring;
}

function counts(ring: HashRing<string>, keys: string[]): Map<string, number> {
  const out = new Map<string, number>([...ring.names()].map((n) => [n, 0]));
  for (const k of keys) out.set(ring.getName(k), out.get(ring.getName(k))! + 1);
  return out;
}

function stats(values: number[]): { mean: number; std: number; peak: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, peak: Math.max(...values) };
}

/** The recipe itself, with exact 128-bit integers: sorted points, bisect_right, wrap to 0. */
class NaiveMd5Ring {
  points: { hash: bigint; node: string }[] = [];
  add(name: string, replicas: number): void {
    for (let i = 0; i < replicas; i++) this.points.push({ hash: md5BigInt(`${name}:${i}`), node: name });
    this.points.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }
  remove(name: string): void {
    this.points = this.points.filter((p) => p.node !== name);
  }
  get(key: string): string {
    const h = md5BigInt(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid].hash <= h) lo = mid + 1;
      else hi = mid;
    }
    return this.points[lo === this.points.length ? 0 : lo].node;
  }
}

describe("HashRing dictionary API", () => {
  it("sets, gets, iterates and deletes like a dictionary", () => {
    for (const mode of MODES) {
      const nodes = { a: { id: 1 }, b: { id: 2 }, c: { id: 3 } };
      const ring = new HashRing<{ id: number }>({ mode });
      assert.equal(ring.set("a", nodes.a).set("b", nodes.b), ring);
      // The first lookup after set() must see the rebuilt continuum.
      assert.ok([nodes.a, nodes.b].includes(ring.get("first")));
      ring.set("c", nodes.c);
      assert.equal(ring.size, 3);
      assert.equal(ring.has("b"), true);
      assert.equal(ring.has("zz"), false);
      assert.deepEqual([...ring.names()], ["a", "b", "c"]);
      assert.deepEqual([...ring.nodes()], [nodes.a, nodes.b, nodes.c]);
      assert.deepEqual(
        [...ring],
        [
          ["a", nodes.a],
          ["b", nodes.b],
          ["c", nodes.c],
        ],
      );
      assert.deepEqual([...ring.entries()], [...ring]);
      const seen = new Set<string>();
      for (const k of randomKeys(300, 1)) {
        const name = ring.getName(k);
        assert.equal(ring.get(k), nodes[name as keyof typeof nodes], `${mode}: get/getName disagree`);
        seen.add(name);
      }
      assert.equal(seen.size, 3, `${mode}: every node gets keys`);
      assert.equal(ring.get(42), ring.get("42"));
      assert.equal(ring.get(12345678901234567890n), ring.get("12345678901234567890"));
      assert.equal(ring.delete("b"), ring);
      assert.equal(ring.has("b"), false);
      for (const k of randomKeys(300, 1)) assert.notEqual(ring.getName(k), "b");
      ring.clear();
      assert.equal(ring.size, 0);
      assert.throws(() => ring.get("x"), EmptyRingError);
    }
  });

  it("throws typed errors that name the node", () => {
    const ring = new HashRing<number>();
    assert.throws(
      () => ring.get("k"),
      (e: unknown) => e instanceof EmptyRingError && e instanceof RingError && e.code === "EMPTY_RING",
    );
    ring.set("db1", 1);
    assert.throws(
      () => ring.set("db1", 2),
      (e: unknown) => e instanceof DuplicateNodeError && e.code === "DUPLICATE_NODE" && e.nodeName === "db1" && e.message.includes('"db1"'),
    );
    assert.equal(ring.get("k"), 1, "a failed set leaves the node in place");
    assert.throws(
      () => ring.delete("db9"),
      (e: unknown) => e instanceof UnknownNodeError && e.code === "UNKNOWN_NODE" && e.nodeName === "db9" && e.message.includes('"db9"'),
    );
    assert.throws(() => ring.pointsFor("db9"), UnknownNodeError);
    ring.delete("db1");
    assert.throws(() => ring.getName("k"), EmptyRingError);
  });

  it("validates modes, replicas, weights and names", () => {
    assert.throws(() => new HashRing({ mode: "sha1" as HashMode }), RingOptionError);
    for (const replicas of [0, -4, 1.5, NaN]) assert.throws(() => new HashRing({ replicas }), RingOptionError);
    assert.throws(() => new HashRing({ mode: "ketama", replicas: 150 }), /multiple of 4/);
    const ring = new HashRing<number>();
    for (const weight of [0, -1, NaN, Infinity, 0.001]) assert.throws(() => ring.set("n", 1, { weight }), RingOptionError);
    assert.throws(() => ring.set("", 1), RingOptionError);
    assert.equal(ring.size, 0);
  });

  it("counts points per node from replicas and weight", () => {
    const md5 = new HashRing<number>().set("a", 1).set("b", 2, { weight: 2 }).set("c", 3, { weight: 0.5 });
    assert.deepEqual([md5.pointsFor("a"), md5.pointsFor("b"), md5.pointsFor("c"), md5.points], [100, 200, 50, 350]);
    const ketama = ringOf("ketama", 10);
    assert.equal(ketama.pointsFor("node3"), 160);
    ketama.delete("node9").set("node9", "node9", { weight: 2 }); // pct 2/11 of 40 * 10 digests
    assert.deepEqual([ketama.pointsFor("node0"), ketama.pointsFor("node9")], [4 * 36, 4 * 72]);
    assert.equal(ringOf("fast", 3, 7).points, 21);
  });
});

describe("HashRing balance", () => {
  it("meets the recipe's distribution check (10 nodes x 100 replicas, 1,000 keys)", () => {
    const ring = ringOf("md5", 10, 100);
    const rnd = mulberry32(20261126);
    const keys = Array.from({ length: 1000 }, () => String(1 + Math.floor(rnd() * 1_000_000)));
    const hits = [...counts(ring, keys).values()];
    assert.equal(hits.filter((h) => h > 0).length, 10, "all nodes used");
    assert.ok(stats(hits).std <= 20, `population std dev ${stats(hits).std.toFixed(2)} > 20`);
  });

  it("has peak/mean load and spread consistent with CV ~ 1/sqrt(points)", () => {
    // A node's share of the ring is a sum of P exponential arcs: CV = 1/sqrt(P).
    // Expected max of N normals: ~1.54 sd (N = 10), ~2.51 sd (N = 100).
    for (const mode of MODES) {
      for (const n of [10, 100]) {
        for (const p of [100, 160, 1000]) {
          const shares = [...ringOf(mode, n, p).shares().values()];
          const { mean, std, peak } = stats(shares);
          assert.ok(Math.abs(mean * n - 1) < 1e-9, "shares sum to 1");
          const cv = (std / mean) * Math.sqrt(p); // ~1
          const z = (peak / mean - 1) * Math.sqrt(p); // ~1.54 or ~2.51
          const label = `${mode} n=${n} p=${p}: cv*sqrt(p)=${cv.toFixed(2)} peak z=${z.toFixed(2)}`;
          assert.ok(n === 10 ? cv > 0.5 && cv < 1.6 : cv > 0.75 && cv < 1.3, label);
          assert.ok(n === 10 ? z > 0.3 && z < 4 : z > 1.3 && z < 4.5, label);
        }
      }
    }
  });

  it("shares() predicts the fraction of keys each node receives", () => {
    const keys = randomKeys(100_000, 7);
    for (const mode of MODES) {
      const ring = ringOf(mode, 10, 160);
      const hit = counts(ring, keys);
      for (const [name, share] of ring.shares()) {
        const sigma = Math.sqrt(keys.length * share * (1 - share));
        assert.ok(Math.abs(hit.get(name)! - keys.length * share) < 5 * sigma, `${mode} ${name}`);
      }
    }
  });

  it("gives a node of weight 2 about twice the keys", () => {
    const keys = randomKeys(100_000, 3);
    for (const mode of MODES) {
      const ring = ringOf(mode, 9).set("heavy", "heavy", { weight: 2 });
      const hit = counts(ring, keys);
      const light = [...hit].filter(([n]) => n !== "heavy").map(([, c]) => c);
      const ratio = hit.get("heavy")! / stats(light).mean;
      assert.ok(ratio > 1.6 && ratio < 2.4, `${mode}: heavy/light = ${ratio.toFixed(2)}`);
      for (const c of light) assert.ok(c / stats(light).mean > 0.6 && c / stats(light).mean < 1.4, mode);
    }
  });
});

describe("HashRing movement", () => {
  it("moves ~K/N keys, all to the new node, when a node is added; only its keys when removed", () => {
    const keys = randomKeys(10_000, 11);
    for (const mode of MODES) {
      const ring = ringOf(mode, 10);
      const before = keys.map((k) => ring.getName(k));
      ring.set("node10", "node10");
      const after = keys.map((k) => ring.getName(k));
      let moved = 0;
      for (let i = 0; i < keys.length; i++) {
        if (after[i] === before[i]) continue;
        moved++;
        assert.equal(after[i], "node10", `${mode}: ${keys[i]} moved between old nodes`);
      }
      // Ideal K/(N+1) = 909; the new node's share varies with CV 1/sqrt(100).
      assert.ok(moved > 0.6 * 909 && moved < 1.4 * 909, `${mode}: moved ${moved}`);
      const share = ring.shares().get("node10")!;
      assert.ok(Math.abs(moved - keys.length * share) < 5 * Math.sqrt(keys.length * share), `${mode}: moved vs share`);

      ring.delete("node3");
      const removed = keys.map((k) => ring.getName(k));
      for (let i = 0; i < keys.length; i++) {
        if (after[i] === "node3") assert.notEqual(removed[i], "node3");
        else assert.equal(removed[i], after[i], `${mode}: ${keys[i]} was not on node3 but moved`);
      }
      ring.delete("node10").set("node3", "node3");
      // Same nodes again: same placement, whatever the insertion history.
      assert.deepEqual(
        keys.map((k) => ring.getName(k)),
        before,
        mode,
      );
    }
  });
});

describe("md5 mode", () => {
  it("places 5,000 keys exactly like the 128-bit BigInt recipe", () => {
    const ring = ringOf("md5", 10, 100);
    const naive = new NaiveMd5Ring();
    for (let i = 0; i < 10; i++) naive.add(`node${i}`, 100);
    // Random keys, numbers, non-ASCII text, and keys that hash exactly onto a
    // point (`${name}:${i}`): bisect_right must send those to the *next* point.
    const rnd = mulberry32(5);
    const keys: string[] = randomKeys(3000, 99);
    for (let i = 0; i < 1000; i++) keys.push(String(Math.floor(rnd() * 1e6)), `ключ-${i}-😀`);
    for (let i = 0; i < 1000; i++) keys.push(`node${i % 10}:${Math.floor(i / 10)}`);
    assert.equal(keys.length, 6000);
    const last = naive.points[naive.points.length - 1].hash;
    keys.push(...findKeys("wrap", 3, (k) => md5BigInt(k) >= last)); // past the last point
    for (const k of keys) assert.equal(ring.getName(k), naive.get(k), k);
    assert.equal(ring.getName(keys[keys.length - 1]), naive.points[0].node, "wraps to the first point");
    assert.ok(
      keys.some((k) => /^node\d:/.test(k) && !k.startsWith(`${ring.getName(k)}:`)),
      "point-exact keys go to the next point",
    );

    ring.delete("node4").set("extra", "extra", { weight: 1.5 });
    naive.remove("node4");
    naive.add("extra", 150);
    for (const k of keys.slice(0, 2000)) assert.equal(ring.getName(k), naive.get(k), k);
  });
  it("orders and searches points that share their top 32 bits by the remaining bits", () => {
    const [a, b] = ["m5178", "m39310"]; // md5(`${name}:0`) agree on the first 32 bits (birthday search)
    assert.equal(md5BigInt(`${a}:0`) >> 96n, md5BigInt(`${b}:0`) >> 96n);
    assert.notEqual(md5BigInt(`${a}:0`), md5BigInt(`${b}:0`));
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const ring = new HashRing<string>({ replicas: 1 });
      const naive = new NaiveMd5Ring();
      for (const n of order) {
        ring.set(n, n);
        naive.add(n, 1);
      }
      // A key exactly on one point goes to the other (next, or wrapped to the first).
      assert.deepEqual([ring.getName(`${a}:0`), ring.getName(`${b}:0`)], [b, a]);
      for (const k of [`${a}:0`, `${b}:0`, ...randomKeys(50, 2)]) assert.equal(ring.getName(k), naive.get(k), k);
    }
  });
});

describe("ketama mode", () => {
  const servers = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}:11211`);
  const keysFor = (names: string[]): string[] => [
    ...randomKeys(10_000, 42),
    ...names.flatMap((n) => [0, 7, 39].map((k) => `${n}-${k}`)), // keys whose hash equals a point
  ];

  function assertSameAsHashring(weights: number[]): void {
    const ring = new HashRing<string>({ mode: "ketama" });
    servers.forEach((s, i) => ring.set(s, s, { weight: weights[i] }));
    const ref = new Hashring(Object.fromEntries(servers.map((s, i) => [s, weights[i]])));
    const refPoints = ref.points();
    for (const s of servers) assert.equal(ring.pointsFor(s), refPoints[s].length, s);
    const maxPoint = ref.ring[ref.ring.length - 1].value;
    const keys = [...keysFor(servers), ...findKeys("wrap", 3, (k) => ketamaHash(k) > maxPoint)];
    for (const k of keys) assert.equal(ring.getName(k), ref.get(k), k);
    // The comparison covers the ">=" rule and the wrap-around.
    for (const s of servers) assert.equal(ring.getName(`${s}-0`), s, "a key on a point belongs to that point");
    assert.equal(ring.getName(keys[keys.length - 1]), ref.ring[0].server, "wraps to the first point");
  }

  it("matches npm hashring for 10 equal servers on every key", () => assertSameAsHashring(Array(10).fill(1)));
  it("matches npm hashring for 10 unequal servers on every key", () => assertSameAsHashring([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));

  it("breaks ties between equal points by insertion order, like hashring's stable sort", () => {
    const [a, b] = ["tie14331", "tie17616"]; // found by a birthday search
    const tie = ketamaHash(`${a}-0`);
    assert.equal(ketamaHash(`${b}-0`), tie);
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const ring = new HashRing<string>({ mode: "ketama" });
      for (const s of order) ring.set(s, s);
      const ref = new Hashring(order);
      const i = ref.ring.findIndex((p) => p.value === tie);
      assert.ok(i > 0 && ref.ring[i + 1].value === tie);
      const prev = ref.ring[i - 1].value;
      const keys = [`${a}-0`, ...findKeys("near-tie", 3, (k) => ketamaHash(k) > prev && ketamaHash(k) <= tie)];
      for (const k of keys) assert.deepEqual([ring.getName(k), ref.get(k)], [order[0], order[0]], k);
    }
  });

  it("follows libketama's float arithmetic where hashring's double Math.floor differs (hashring issue #43)", () => {
    // The C expression floorf(pct * 40.0 * (float)n) compiled with gcc gives 39
    // digests (156 points) only for n = 61 and 122 equal servers (n <= 200).
    const short = [];
    for (let n = 1; n <= 200; n++) if (ketamaDigests(1, n, n) !== 40) short.push(n);
    assert.deepEqual(short, [61, 122]);
    assert.equal(ketamaDigests(1, 7, 7), 40);
    assert.equal(Math.floor((1 / 7) * 40 * 7), 39, "the double arithmetic hashring uses");

    const seven = servers.slice(0, 7);
    const ring = new HashRing<string>({ mode: "ketama" });
    for (const s of seven) ring.set(s, s);
    const ref = new Hashring(seven);
    assert.equal(ref.ring.length, 7 * 156, "hashring builds 156 points per server for 7 servers");
    assert.equal(ring.points, 7 * 160, "Arbor builds libketama's 160");
    const keys = randomKeys(10_000, 8);
    const differ = keys.filter((k) => ring.getName(k) !== ref.get(k)).length;
    // The 4 extra points per server take ~4/160 of the ring, so ~2.5% of keys differ.
    assert.ok(differ > 0.01 * keys.length && differ < 0.05 * keys.length, `differ ${differ}`);
    // With hashring's 39 digests the rings are identical again.
    const same = new HashRing<string>({ mode: "ketama", replicas: 156 });
    for (const s of seven) same.set(s, s);
    for (const k of keys) assert.equal(same.getName(k), ref.get(k), k);

    // Equal point counts (hence identical rings) for other server counts.
    for (const n of [1, 2, 3, 5, 8, 10, 13, 16, 20, 32]) {
      const ids = Array.from({ length: n }, (_, i) => `s${i}.example:11211`);
      const r = new HashRing<string>({ mode: "ketama" });
      for (const s of ids) r.set(s, s);
      assert.equal(r.points, new Hashring(ids).ring.length, `n=${n}`);
    }
  });
});

describe("fast mode", () => {
  it("murmur3 matches reference vectors and hashes the UTF-8 bytes", () => {
    assert.equal(murmur3(""), 0);
    assert.equal(murmur3("", 1), 0x514e28b7);
    assert.equal(murmur3("hello"), 0x248bfa47);
    assert.equal(murmur3("The quick brown fox jumps over the lazy dog"), 0x2e4ff723);
    for (const s of ["é".repeat(300), "😀".repeat(2000) + "\ud800x"]) assert.equal(murmur3(s, 9), murmur3Bytes(Buffer.from(s), 9));
    const anyUtf16 = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((a) => String.fromCharCode(...a));
    fc.assert(
      fc.property(fc.oneof(anyUtf16, fc.string({ unit: "binary", maxLength: 200 })), fc.nat(), (s, seed) => {
        assert.equal(murmur3(s, seed), murmur3Bytes(Buffer.from(s, "utf8"), seed));
      }),
    );
  });

  it("breaks ties between equal points by insertion order", () => {
    const [a, b] = ["tie83701", "tie112485"]; // murmur3 of their `:0` points collide
    assert.equal(murmur3(`${a}:0`), murmur3(`${b}:0`));
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const ring = new HashRing<string>({ mode: "fast", replicas: 1 });
      for (const s of order) ring.set(s, s);
      for (const k of randomKeys(50, 4)) assert.equal(ring.getName(k), order[0]);
    }
  });

  it("agrees with a linear scan of the points (first point > key hash)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.string()),
        fc.integer({ min: 1, max: 20 }),
        (names, keys, replicas) => {
          const ring = new HashRing<string>({ mode: "fast", replicas });
          const points: { h: number; name: string }[] = [];
          for (const n of names) {
            ring.set(n, n);
            for (let i = 0; i < replicas; i++) points.push({ h: murmur3(`${n}:${i}`), name: n });
          }
          points.sort((a, b) => a.h - b.h); // stable: ties keep insertion order
          for (const k of [...keys, ...names.map((n) => `${n}:0`)]) {
            const x = murmur3(k);
            assert.equal(ring.getName(k), (points.find((p) => p.h > x) ?? points[0]).name);
          }
        },
      ),
    );
  });
});

it("md5 reference helper is the recipe's int(hexdigest, 16)", () => {
  assert.equal(md5BigInt("a"), BigInt("0x" + createHash("md5").update("a").digest("hex")));
  assert.equal(md5BigInt("a"), 0x0cc175b9c0f1b6a831c399e269772661n);
});
