// `npm run docs`: the API reference from the doc comments of Arbor's public entry point, as static
// HTML in docs/api/ (not committed). TypeDoc runs on the TypeScript of this folder's own install.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const run = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!existsSync(join(here, "node_modules/typedoc"))) run("npm", ["ci", "--no-audit", "--no-fund"], here);
run(process.execPath, [join(here, "node_modules/typedoc/bin/typedoc"), "--options", join(here, "typedoc.json")], root);
