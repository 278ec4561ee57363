// The ORM oracle: every scenario of scenarios.ts runs through SQLAlchemy 1.4 (sa_runner.py, one
// process for all of them) and through Arbor, and the two must agree on the session state after
// every op, the rows after every commit and at the end, and the order of writes per table —
// except for the deliberate differences of differences.ts and the open issue items of pending.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createEngine } from "../../../src/index.js";
import { compare } from "./compare.js";
import type { Outcome } from "./ops.js";
import { NEW_DIVERGENCES, PENDING } from "./pending.js";
import type { SqlAlchemy } from "./python.js";
import { createSchema, runArbor, startSqlAlchemy } from "./runner.js";
import { SCENARIOS } from "./scenarios.js";

describe("ORM oracle: Arbor's Session against SQLAlchemy 1.4 [sqlite]", () => {
  let sa: SqlAlchemy | undefined;
  let reference: Promise<Outcome[]>;

  before(() => {
    sa = startSqlAlchemy();
    reference = sa.run(SCENARIOS);
    // A rejection is reported by each test that awaits it.
    reference.catch(() => undefined);
  });
  after(() => sa?.close());

  test("every PENDING entry names a scenario and an issue item", () => {
    const names = new Set(SCENARIOS.map((s) => s.name));
    for (const [name, item] of Object.entries(PENDING)) {
      assert.ok(names.has(name), `PENDING names no scenario: ${name}`);
      assert.match(item, /^12\.\d$/, `PENDING entry ${name} names no issue item`);
    }
    for (const d of NEW_DIVERGENCES)
      assert.ok(names.has(d.scenario) && !(d.scenario in PENDING), `NEW_DIVERGENCES names no scenario (or one also PENDING): ${d.scenario}`);
    assert.equal(names.size, SCENARIOS.length, "scenario names are unique");
  });

  SCENARIOS.forEach((sc, i) => {
    const pending = PENDING[sc.name] ?? (NEW_DIVERGENCES.some((d) => d.scenario === sc.name) ? "beyond issue 12" : undefined);
    test(`${sc.name}${pending ? ` (expected to differ: ${pending})` : ""}`, async () => {
      const expected = (await reference)[i];
      assert.equal(expected.name, sc.name);
      const engine = createEngine("sqlite::memory:");
      let actual: Outcome;
      try {
        await createSchema(engine);
        actual = await runArbor(engine, sc);
      } finally {
        await engine.dispose();
      }
      const diffs = compare(expected, actual);
      if (pending) assert.notEqual(diffs.length, 0, `"${sc.name}" now agrees with SQLAlchemy: remove it from pending.ts (${pending} is fixed)`);
      else assert.deepEqual(diffs, [], `Arbor differs from SQLAlchemy in "${sc.name}":\n  ${diffs.join("\n  ")}`);
    });
  });
});
