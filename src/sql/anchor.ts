// V8 forgets the hidden class of objects that have all died by a full GC and deoptimizes every
// function optimized for it. Objects made per call (statement builders, expressions, shape-key
// walks, plans, results) would send the query path back to the interpreter after each major GC:
// primary-key lookups measured twice as slow. Keeping the first instance of each such class for
// good keeps its class alive; the cost is one Set lookup per construction.
const anchored = new Set<unknown>();
const kept: object[] = [];

/** Keeps `obj` alive for good if it is the first of its class to be anchored. */
export function anchor(obj: object): void {
  const cls = obj.constructor;
  if (anchored.has(cls)) return;
  anchored.add(cls);
  kept.push(obj);
}
