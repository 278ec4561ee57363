// Membership of collections compared with includes() per item was quadratic: assigning a
// 4,000-member collection or flushing it compared 16 million pairs (bench/instructions.ts
// orm-reassign: 1,036.1 M instructions per load, assign and flush before, 392.4 M after).
import assert from "node:assert/strict";
import { test } from "node:test";
import { memberOf } from "../../src/orm/members.js";

test("memberOf answers as includes() does, for short and long lists", () => {
  for (const n of [0, 1, 16, 17, 1_000]) {
    const items = Array.from({ length: n }, (_, i) => ({ i }));
    const others = Array.from({ length: 50 }, (_, i) => ({ i }));
    const has = memberOf(items);
    for (const o of items) assert.equal(has(o), true, `member of ${n}`);
    for (const o of others) assert.equal(has(o), items.includes(o), `non-member of ${n}`);
  }
});

test("a long list is looked up, not scanned per question (the quadratic comparison this replaced)", () => {
  class NoScan<T> extends Array<T> {
    override includes(): boolean {
      throw new Error("scanned");
    }
  }
  const items = NoScan.from({ length: 100 }, (_, i) => ({ i }));
  const has = memberOf(items);
  assert.equal(has(items[42]), true);
  assert.equal(has({ i: 42 }), false);
});
