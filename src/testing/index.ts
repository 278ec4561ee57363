// arbor-sql/testing: the dialect and driver compliance suite. A driver adapter (or a dialect) runs
// it against its own engine with node:test:
//
//   import { runDialectCompliance } from "arbor-sql/testing";
//   runDialectCompliance({ name: "my-driver", connect: () => createEngine({ driver: myDriver() }) });
//
// It registers the tests (schema round trip, every type's round trip, every node kind, transactions
// and isolation, streaming, errors, timeouts and cancellation) under one describe block; run the
// file with `node --test`. Areas a driver lacks are skipped with the reason it gives.
import { after, before, describe } from "node:test";
import { makeSuite, type ComplianceOptions } from "./context.js";
import { errorTests } from "./errors.js";
import { nodeKindTests } from "./node-kinds.js";
import { schemaTests } from "./schema.js";
import { streamingTests } from "./streaming.js";
import { transactionTests } from "./transactions.js";
import { valueTests } from "./values.js";

export type { ComplianceArea, ComplianceOptions, EngineSource } from "./context.js";
export { nodeKindCases, runCase, type Case } from "./node-kinds.js";

/** Registers the compliance suite's tests for one engine, in a `describe` named after it. */
export function runDialectCompliance(options: ComplianceOptions): void {
  const suite = makeSuite(options);
  describe(`dialect compliance [${options.name}]`, () => {
    before(() => suite.open());
    after(() => suite.close());
    schemaTests(suite);
    valueTests(suite);
    nodeKindTests(suite);
    transactionTests(suite);
    streamingTests(suite);
    errorTests(suite);
  });
}
