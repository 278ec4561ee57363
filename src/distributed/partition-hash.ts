// The partition each engine's own hash partitioning puts a root key in, computed in JavaScript so
// Arbor can send a group's statements straight to the backend that holds it.
//
//   MariaDB  PARTITION BY HASH (k) with n partitions: partition = |k| mod n (integers).
//   PostgreSQL PARTITION BY HASH (k), MODULUS n: remainder = hash_combine64(0, hashint8extended(k,
//     HASH_PARTITION_SEED)) mod n, with the hash being lookup3's hash_uint32_extended (src/common/
//     hashfn.c) of the key folded to 32 bits (int2, int4 and int8 hash alike for equal values).
// Only integer keys are supported: other types hash through collations and charsets.
import { ArgumentError } from "../errors.js";

const U32 = 0xffffffff;
const M64 = (1n << 64n) - 1n;
/** PostgreSQL's seed for hash partitioning (partition.h). */
const HASH_PARTITION_SEED = 0x7a5b22367996dcfdn;
const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** lookup3's hash_bytes_uint32_extended (PostgreSQL's hash of a 4-byte value with a 64-bit seed). */
function hashUint32Extended(k: number, seed: bigint): bigint {
  let a = (0x9e3779b9 + 4 + 3923095) >>> 0;
  let b = a;
  let c = a;
  if (seed !== 0n) {
    a = (a + Number(seed >> 32n)) >>> 0;
    b = (b + Number(seed & 0xffffffffn)) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 4)) >>> 0;
    b = (b + a) >>> 0;
  }
  a = (a + k) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 24)) >>> 0;
  return (BigInt(b) << 32n) | BigInt(c);
}

/** hash_combine64 (hashfn.h). */
function hashCombine64(a: bigint, b: bigint): bigint {
  return (a ^ ((b + 0x49a0f4dd15e5a8e3n + ((a << 54n) & M64) + (a >> 7n)) & M64)) & M64;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** The key as a 64-bit integer, or an error naming it: only integer root keys can be placed. */
export function integerKey(key: unknown): bigint {
  let k: bigint;
  if (typeof key === "bigint") k = key;
  else if (typeof key === "number" && Number.isSafeInteger(key)) k = BigInt(key);
  else if (typeof key === "string" && /^-?\d+$/.test(key)) k = BigInt(key);
  else throw new ArgumentError(`A distributed root key must be an integer; got ${typeof key === "string" ? JSON.stringify(key) : String(key)}`);
  if (k < INT64_MIN || k > INT64_MAX) throw new ArgumentError(`Root key ${k} is outside the 64-bit integer range`);
  return k;
}

/** PostgreSQL's hashint8extended: the 64-bit value folded to 32 bits so it hashes like int4 when it fits. */
function hashInt8Extended(k: bigint, seed: bigint): bigint {
  const lo = Number(k & 0xffffffffn);
  const hi = Number((k >> 32n) & 0xffffffffn);
  const folded = (k >= 0n ? lo ^ hi : lo ^ (~hi & U32)) >>> 0;
  return hashUint32Extended(folded, seed);
}

/** The remainder PostgreSQL's `PARTITION BY HASH (k)` gives `key` for `modulus` partitions. */
export function postgresHashRemainder(key: unknown, modulus: number): number {
  const h = hashCombine64(0n, hashInt8Extended(integerKey(key), HASH_PARTITION_SEED));
  return Number(h % BigInt(modulus));
}

/** The partition MariaDB's `PARTITION BY HASH (k)` with `count` partitions puts `key` in. */
export function mariadbHashPartition(key: unknown, count: number): number {
  const k = integerKey(key);
  return Number((k < 0n ? -k : k) % BigInt(count));
}
