// The compliance suite on PGlite (embedded PostgreSQL in WebAssembly) through the pglite() adapter,
// which knows only the public Driver contract.
import { PGlite } from "@electric-sql/pglite";
import { after } from "node:test";
import { createEngine, pglite } from "../../src/index.js";
import { runDialectCompliance } from "../../src/testing/index.js";

// One database: starting PGlite compiles PostgreSQL's WebAssembly, which takes seconds.
let db: PGlite | undefined;
after(async () => {
  if (db !== undefined && !db.closed) await db.close();
});

runDialectCompliance({
  name: "pglite",
  connect: async () => createEngine({ driver: pglite((db = await PGlite.create())), url: "pglite://memory" }),
  // Checked last: the database under test, closed, is one that no longer answers.
  unreachable: async () => {
    await db!.close();
    return createEngine({ driver: pglite(db!) });
  },
  skip: { cancel: "PGlite runs a statement to its end inside its WebAssembly instance: it has no cancel" },
});
