// Model-based test of the Session: seeded random sequences of adds, changes, deletes (cascading
// and delete-orphan), flushes, commits, rollbacks and savepoints, checked against an in-memory
// model of what the session holds (W), what the open transaction holds (F), what is committed (C)
// and the savepoint frames. After every operation each object's status and the session's
// new/deleted lists are checked; after flushes and savepoint operations the transaction's rows;
// after every commit and rollback the committed rows (read on a pooled connection) and, through
// `session.get`, every object that exists, and that gone ones are gone.
//
// ARBOR_MODEL_RUNS scales the number of sequences (default 500), ARBOR_MODEL_SEED moves the seeds.
// A failure names its seed and lists the operations that led to it.
import { test } from "node:test";
import { md } from "../fixtures/orm-shop.js";
import { forEachEngine } from "../support/engines.js";
import { RUNS, runMany } from "./model/sequence.js";

forEachEngine(import.meta.url, (ctx) => {
  test(`${RUNS} random sequences keep the database and the session in line with the model`, async (t) => {
    await ctx.engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
    await runMany(ctx, RUNS, (s) => t.diagnostic(s));
  });
});
