// Hash functions behind the consistent hash ring (src/shard/ring.ts).
//
// Everything here is synchronous, allocation-light and dependency-free: md5
// comes from node:crypto, murmur3 is implemented here over UTF-8 bytes.

import * as crypto from "node:crypto";

type OneShotHash = (algorithm: string, data: string, outputEncoding: "latin1") => string;

// `crypto.hash` (Node >= 20.12) is a one-shot digest that skips the Hash
// object; asking for a latin1 *string* (one char per byte) is ~6x faster
// than asking for a Buffer, because no Buffer has to be allocated.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** md5 of the UTF-8 bytes of `s`, as a 16-char latin1 string (charCodeAt(i) = byte i). */
export const md5Latin1: (s: string) => string =
  typeof oneShot === "function" ? (s) => oneShot("md5", s, "latin1") : (s) => crypto.createHash("md5").update(s, "utf8").digest("binary"); // "binary" = latin1

/**
 * Big-endian 32-bit word `w` (0..3) of a latin1 digest: word 0 holds the most
 * significant bits of the digest read as one 128-bit number, i.e. of
 * `int(md5(s).hexdigest(), 16)` in the Python recipe.
 */
export function wordBE(d: string, w: number): number {
  const i = w << 2;
  return ((d.charCodeAt(i) << 24) | (d.charCodeAt(i + 1) << 16) | (d.charCodeAt(i + 2) << 8) | d.charCodeAt(i + 3)) >>> 0;
}

/**
 * Little-endian 32-bit word `w` (0..3) of a latin1 digest: libketama's
 * `(digest[3+h*4] << 24) | (digest[2+h*4] << 16) | (digest[1+h*4] << 8) | digest[h*4]`.
 */
export function wordLE(d: string, w: number): number {
  const i = w << 2;
  return ((d.charCodeAt(i + 3) << 24) | (d.charCodeAt(i + 2) << 16) | (d.charCodeAt(i + 1) << 8) | d.charCodeAt(i)) >>> 0;
}

/** libketama's key hash: the first little-endian word of md5(key). */
export function ketamaHash(s: string): number {
  return wordLE(md5Latin1(s), 0);
}

/**
 * libketama's digest count for a node: `floorf(pct * 40.0 * (float)numservers)`
 * with `float pct = (float)weight / (float)total` (40 = replicas / 4). The C
 * code multiplies in double but floorf() rounds its argument to float first;
 * Math.fround reproduces that. Plain double arithmetic (as npm `hashring`
 * does) gives 39 instead of 40 for 7, 14, 28, … equal servers (its issue #43),
 * while float arithmetic gives 39 only for 61 and 122 equal servers — we
 * follow libketama, quirks included, so placements match the C library.
 */
export function ketamaDigests(weight: number, totalWeight: number, nodeCount: number, replicas = 160): number {
  const pct = Math.fround(Math.fround(weight) / Math.fround(totalWeight));
  return Math.floor(Math.fround(pct * (replicas / 4) * nodeCount));
}

/** md5(s) as an exact 128-bit BigInt (the recipe's `int(hexdigest, 16)`); slow, for reference. */
export function md5BigInt(s: string): bigint {
  return BigInt("0x" + crypto.createHash("md5").update(s, "utf8").digest("hex"));
}

// ---------------------------------------------------------------------------
// murmur3 (x86, 32-bit) over UTF-8 bytes — the "fast" mode.

let scratch = new Uint8Array(256);

/**
 * Encodes `s` as UTF-8 into the shared scratch buffer and returns the byte
 * length. Lone surrogates become U+FFFD, exactly like Buffer/TextEncoder, so
 * the hash of a string equals the hash of `Buffer.from(s, "utf8")`.
 */
function utf8Into(s: string): number {
  const n = s.length;
  if (scratch.length < n * 3) scratch = new Uint8Array(n * 3 + 64);
  const out = scratch;
  let p = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 63);
          out[p++] = 0x80 | ((c >> 6) & 63);
          out[p++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd; // lone surrogate
      }
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 63);
      out[p++] = 0x80 | (c & 63);
    }
  }
  return p;
}

/** murmur3_x86_32 of `len` bytes of `bytes`. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0, len = bytes.length): number {
  let h = seed >>> 0;
  const blocks = len & ~3;
  let k: number;
  for (let i = 0; i < blocks; i += 4) {
    k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = len & 3;
  if (rest !== 0) {
    k = bytes[blocks];
    if (rest > 1) k ^= bytes[blocks + 1] << 8;
    if (rest > 2) k ^= bytes[blocks + 2] << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3_x86_32 of the UTF-8 bytes of `s` (no intermediate Buffer). */
export function murmur3(s: string, seed = 0): number {
  const len = utf8Into(s); // first: it may replace `scratch` with a larger buffer
  return murmur3Bytes(scratch, seed, len);
}
