// The oracle's deterministic scenarios with Arbor on PostgreSQL, against the same SQLAlchemy
// outcomes (on SQLite): PostgreSQL checks unique keys row by row and foreign keys per statement,
// so write order (cycles, renames, deletes) matters there as it does on SQLite.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createEngine, type Engine } from "../../../src/index.js";
import { dropNamespace, namespaceFor, prepareNamespace } from "../../support/engines.js";
import { compare } from "./compare.js";
import type { Outcome } from "./ops.js";
import { NEW_DIVERGENCES, PENDING } from "./pending.js";
import type { SqlAlchemy } from "./python.js";
import { createSchema, resetSchema, runArbor, startSqlAlchemy } from "./runner.js";
import { SCENARIOS } from "./scenarios.js";

const selected = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",");

describe("ORM oracle: Arbor's Session against SQLAlchemy 1.4 [postgres]", {
  skip: !selected.includes("postgres") && "ARBOR_ENGINES leaves out postgres",
}, () => {
  const ns = namespaceFor(new URL(import.meta.url).pathname);
  let sa: SqlAlchemy | undefined;
  let engine: Engine | undefined;
  let reference: Promise<Outcome[]>;

  before(async () => {
    sa = startSqlAlchemy();
    reference = sa.run(SCENARIOS);
    reference.catch(() => undefined);
    engine = createEngine(await prepareNamespace("postgres", ns));
    await createSchema(engine);
  });
  after(async () => {
    sa?.close();
    await engine?.dispose();
    await dropNamespace("postgres", ns);
  });

  SCENARIOS.forEach((sc, i) => {
    const pending = PENDING[sc.name] ?? (NEW_DIVERGENCES.some((d) => d.scenario === sc.name) ? "beyond issue 12" : undefined);
    test(`${sc.name}${pending ? ` (expected to differ: ${pending})` : ""}`, async () => {
      const expected = (await reference)[i];
      await resetSchema(engine!);
      const diffs = compare(expected, await runArbor(engine!, sc));
      if (pending) assert.notEqual(diffs.length, 0, `"${sc.name}" now agrees with SQLAlchemy on PostgreSQL: remove it from pending.ts (${pending} is fixed)`);
      else assert.deepEqual(diffs, [], `Arbor on PostgreSQL differs from SQLAlchemy in "${sc.name}":\n  ${diffs.join("\n  ")}`);
    });
  });
});
