// `arbor reflect --url … [--models]`: a live schema written out as TypeScript table definitions
// (and Model classes) on stdout; what reflection or the writer leaves out is reported on stderr.
import { parseArgs } from "node:util";
import { createEngine } from "../engine/engine.js";
import { generateSchemaSource } from "../schema/codegen/index.js";
import { reflect } from "../schema/reflect/index.js";
import { UsageError } from "./config.js";
import type { CliIO } from "./main.js";

export const REFLECT_USAGE = `Usage: arbor reflect --url <url> [options] > schema.ts

Reads the tables of a live database (PostgreSQL: the URL's ?schema= or the first schema of the
search_path; MariaDB: the URL's database; SQLite: the file) and prints an Arbor module declaring
them: "metadata" (a MetaData) and one constant per table, with primary keys, unique constraints,
indexes, foreign keys with their actions, checks and server defaults as the engine keeps them.
createAll of the module issues the same DDL. What cannot be reproduced is reported on stderr.

Options:
  --url <url>          Database URL (postgres://…, mariadb://…, mysql://…, sqlite:///file.db)
  --models             Also write a Model class per table with a primary key, with relationships
                       inferred from foreign keys (many-to-one, one-to-many, and many-to-many
                       through tables that are only two foreign keys)
  --import-from <mod>  The module the output imports from (default arbor-sql)
  -h, --help           Show this help

Exit codes: 0 done, 1 failed, 2 bad usage.
`;

export async function runReflect(args: readonly string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        url: { type: "string" },
        models: { type: "boolean", default: false },
        "import-from": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    io.out(REFLECT_USAGE);
    return 0;
  }
  if (values.url === undefined) throw new UsageError("missing --url");
  const warn = (m: string) => io.err(`warning: ${m}\n`);
  const engine = createEngine(values.url, { poolSize: 1 });
  try {
    const md = await reflect(engine, { onWarning: warn });
    io.out(generateSchemaSource(md, { dialect: engine.dialect, models: values.models, importFrom: values["import-from"], onWarning: warn }));
    return 0;
  } finally {
    await engine.dispose();
  }
}
