// The live schema a migration starts from: a reflection as a spec, without the version table.
import type { Executor } from "../engine/executor.js";
import { reflect } from "../schema/reflect/index.js";
import { specOf, type SchemaSpec } from "./spec.js";

/** The live schema as a spec, without the version table; tables whose CHECKs SQLite hides are listed apart. */
export async function liveSchema(
  ex: Pick<Executor, "dialect" | "execute">,
  versionTableName: string,
): Promise<{ spec: SchemaSpec; hiddenChecks: Set<string> }> {
  const hiddenChecks = new Set<string>();
  const md = await reflect(ex, {
    onWarning: (m) => {
      const hit = /^(.*): CHECK constraint .* not read on SQLite/.exec(m);
      if (hit) hiddenChecks.add(hit[1]);
    },
  });
  const spec = specOf(md, ex.dialect);
  return { spec: { tables: spec.tables.filter((t) => t.name !== versionTableName) }, hiddenChecks };
}
