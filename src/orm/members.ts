// Membership tests over collections: comparing two memberships item by item with includes() is
// quadratic (a collection of 4,000 assigned or flushed compared 16 million pairs), so past a few
// items the test goes through a Set. Both compare by identity (SameValueZero).

/** Whether an object is among `items`: a scan for a few, a Set past that. */
export function memberOf(items: readonly object[]): (o: object) => boolean {
  if (items.length <= SCAN_LIMIT) return (o) => items.includes(o);
  const set = new Set(items);
  return (o) => set.has(o);
}

const SCAN_LIMIT = 16;
