// Regression: on a pool of one (SQLite's default), the first Session's claim turned the engine's
// async-context tracking on for the life of the process (the claim was never ended), so every
// promise cost more from then on. Closing a Session now ends its claim, and the tracking goes off
// once no claim or held connection is left. The self-deadlock refusal it exists for still works.
//
// Regression: two Sessions made in one go on a pool of one and then used side by side were refused
// (SelfDeadlockError) when the second wanted the connection while the first held its transaction,
// though the first would commit on its own: the second's claim was chained to the first's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SelfDeadlockError, Session, createEngine, select, value } from "../../src/index.js";
import { Customer, md, registry } from "../fixtures/orm-shop.js";

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("regression: two Sessions made together and used side by side wait for each other, not refused as a self-deadlock", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    await md.createAll(engine);
    const a = new Session(engine, { registry });
    const b = new Session(engine, { registry });
    const order: string[] = [];
    await Promise.all([
      (async () => {
        a.add(new Customer({ name: "a" }));
        await a.flush(); // a's transaction holds the only connection…
        await sleep(30);
        await a.commit(); // …until here, on its own
        order.push("a");
        await a.close();
      })(),
      (async () => {
        await sleep(5);
        b.add(new Customer({ name: "b" }));
        await b.flush(); // waits for a's commit
        await b.commit();
        order.push("b");
        await b.close();
      })(),
    ]);
    assert.deepEqual(order, ["a", "b"]);
  } finally {
    await engine.dispose();
  }
});

test("a Session opened while its creator's earlier Session holds the only connection is still refused at once", async () => {
  const engine = createEngine("sqlite::memory:");
  try {
    await md.createAll(engine);
    const a = new Session(engine, { registry });
    a.add(new Customer({ name: "a" }));
    await a.flush(); // holds the connection until a commits, which this caller would do only later
    const b = new Session(engine, { registry });
    b.add(new Customer({ name: "b" }));
    await assert.rejects(b.flush(), SelfDeadlockError);
    await b.close();
    await a.close();
  } finally {
    await engine.dispose();
  }
});
