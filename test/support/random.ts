// A small seeded generator so property tests are reproducible: a failure names its seed.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
  /** null with probability p, else the value. */
  maybe<T>(p: number, f: () => T): T | null {
    return this.bool(p) ? null : f();
  }
}

export const TEXTS = [
  "",
  "plain",
  "ünïcødé ✓",
  "emoji 😀🎉",
  "𝄞 clef",
  "quote ' \" ` \\ back",
  "-- not a comment; DROP TABLE x",
  "line\nbreak\ttab",
  "中文字符",
  "ÅÄÖ åäö",
];
export const BIGINTS = [0n, 1n, -1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 123456789012345678n];
