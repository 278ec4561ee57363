// Regression: on a pool of one (SQLite's default), the first Session's claim turned the engine's
// async-context tracking on for the life of the process (the claim was never ended), so every
// promise cost more from then on. Closing a Session now ends its claim, and the tracking goes off
// once no claim or held connection is left. The self-deadlock refusal it exists for still works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SelfDeadlockError, Session, createEngine, select, value } from "../../src/index.js";
import { md, registry } from "../fixtures/orm-shop.js";

/** The engine's hold tracking, read through its private pool (white-box: this is what the fix changes). */
const tracking = (engine: unknown): boolean => (engine as { pool: { scope: { inUse: boolean } } }).pool.scope.inUse;

test("regression: closing the last Session turns the hold tracking off again (a pool of one kept it on for good)", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    await md.createAll(engine);
    const a = new Session(engine, { registry });
    await a.execute(select(value(1).as("one")));
    assert.equal(tracking(engine), true, "a live Session's claim keeps it on");
    const b = new Session(engine, { registry });
    await a.close();
    assert.equal(tracking(engine), true, "the other Session still claims");
    await b.close();
    assert.equal(tracking(engine), false);
    await b.close(); // closing again ends nothing twice
    assert.equal(tracking(engine), false);
  } finally {
    await engine.dispose();
  }
});

test("a Session made after the tracking went off still has its self-deadlock refused", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    await md.createAll(engine);
    await new Session(engine, { registry }).close();
    assert.equal(tracking(engine), false);
    const s = new Session(engine, { registry });
    await s.begin();
    // The session holds the only connection; its creator asking the engine directly waits for itself.
    await assert.rejects(engine.execute(select(value(1).as("one"))), SelfDeadlockError);
    await s.close();
  } finally {
    await engine.dispose();
  }
});
