// The exported compliance suite (arbor-sql/testing) on the built-in drivers: better-sqlite3 on a
// database file with two connections, pg and mysql2 in a namespace of this file's own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { createEngine } from "../../src/index.js";
import { runDialectCompliance } from "../../src/testing/index.js";
import { dropNamespace, namespaceFor, prepareNamespace, type EngineName } from "../support/engines.js";

const selected = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",") as EngineName[];
const ns = namespaceFor(new URL(import.meta.url).pathname);
const dir = mkdtempSync(join(tmpdir(), "arbor-compliance-"));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const name of selected) await dropNamespace(name, ns);
});

if (selected.includes("sqlite"))
  runDialectCompliance({
    name: "sqlite (better-sqlite3)",
    connect: () => createEngine(`sqlite:///${join(dir, "compliance.db")}`, { poolSize: 2 }),
    unreachable: () => createEngine(`sqlite:///${join(dir, "no-such-dir", "x.db")}`),
    skip: { cancel: "better-sqlite3 runs a statement to its end on the main thread, with no interrupt" },
  });

for (const name of ["postgres", "mariadb"] as const)
  if (selected.includes(name))
    runDialectCompliance({
      name,
      connect: async () => createEngine(await prepareNamespace(name, ns), { poolSize: 3 }),
      // A port nothing listens on.
      unreachable: () => createEngine(name === "postgres" ? "postgres://root@127.0.0.1:1/test" : "mariadb://root@127.0.0.1:1/test"),
    });
