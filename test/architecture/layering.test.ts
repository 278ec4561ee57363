// The layering rule of docs/architecture.md, checked over the import graph of src/. The layers, their
// paths and the type-only contracts are read from the document itself, so the two cannot drift apart.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DOC = join(ROOT, "docs/architecture.md");

export interface Layer {
  readonly name: string;
  readonly rank: number;
  readonly paths: readonly string[];
}

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

/** The layer table: rows of `| name | `path`, `path` | text |` under the "Arbor is layered" paragraph. */
export function parseLayers(doc: string): Layer[] {
  const start = doc.indexOf("| layer | paths |");
  assert.ok(start >= 0, "docs/architecture.md has no layer table");
  const layers: Layer[] = [];
  for (const line of doc.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split("|").map((c) => c.trim());
    const paths = [...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    assert.ok(paths.length > 0, `layer row without paths: ${line}`);
    layers.push({ name: cells[1], rank: layers.length, paths });
  }
  return layers;
}

/** The files a lower layer may still name by type: the bullet list after "contracts of a lower Core layer". */
export function parseContracts(doc: string): string[] {
  const start = doc.indexOf("contracts of a lower Core layer");
  assert.ok(start >= 0, "docs/architecture.md lists no type-only contracts");
  const out: string[] = [];
  const lines = doc.slice(start).split("\n");
  let i = lines.findIndex((l) => l.startsWith("- "));
  for (; i >= 0 && i < lines.length && lines[i].startsWith("- "); i++) {
    const m = /^- `([^`]+)`/.exec(lines[i]);
    assert.ok(m, `contract line without a path: ${lines[i]}`);
    out.push(m[1]);
  }
  return out;
}

export function layerOf(layers: readonly Layer[], file: string): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of layers)
    for (const p of layer.paths) {
      const hit = p.endsWith("/") ? file.startsWith(p) : file === p;
      if (hit && (!best || p.length > best.length)) best = { layer, length: p.length };
    }
  return best?.layer;
}

/**
 * Every static import and re-export and every literal dynamic import of one file. Under
 * verbatimModuleSyntax only `import type` / `export type` disappear from the output; `import { type X }`
 * still loads the module, so it counts as a runtime import.
 */
export function importsOf(file: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith(".")) return; // packages and node: builtins are outside the layering
    const target = join(dirname(file), spec).replace(/\.js$/, ".ts");
    edges.push({ from: file, to: target, typeOnly });
  };
  // Statements start a line; the body up to `from` may span lines but holds no quote.
  for (const m of source.matchAll(/^(import|export)(\s+type)?\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm)) add(m[3], m[2] !== undefined);
  for (const m of source.matchAll(/^import\s*["']([^"']+)["']/gm)) add(m[1], false);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) add(m[1], false);
  return edges;
}

/** The imports that break the rule, each as a sentence naming both files and layers. */
export function violations(layers: readonly Layer[], contracts: readonly string[], edges: readonly ImportEdge[]): string[] {
  const core = new Set(["errors", "SQL", "schema", "dialects", "engine"]);
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(layers, e.from);
    const to = layerOf(layers, e.to);
    if (!from) out.push(`${e.from} is in no layer of docs/architecture.md`);
    if (!to) out.push(`${e.to} (imported by ${e.from}) is in no layer of docs/architecture.md`);
    if (!from || !to || to.rank <= from.rank) continue;
    const contract = e.typeOnly && contracts.includes(e.to) && core.has(from.name) && core.has(to.name);
    if (!contract) out.push(`${e.from} (${from.name}) ${e.typeOnly ? "type-imports" : "imports"} ${e.to} (${to.name}), a lower layer`);
  }
  return out;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith(".ts")) out.push(relative(ROOT, p));
  }
  return out;
}

describe("layering (docs/architecture.md)", () => {
  const doc = readFileSync(DOC, "utf8");
  const layers = parseLayers(doc);
  const contracts = parseContracts(doc);
  const files = sourceFiles(join(ROOT, "src"));
  const edges = files.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), "utf8")));

  test("the document names the layers and the contracts", () => {
    assert.deepEqual(
      layers.map((l) => l.name),
      ["errors", "SQL", "schema", "dialects", "engine", "migrate", "ORM", "shard", "distributed", "cli", "API", "testing"],
    );
    assert.ok(contracts.length > 0);
  });

  test("every file under src/ belongs to a layer and every listed path exists", () => {
    assert.deepEqual(
      files.filter((f) => !layerOf(layers, f)),
      [],
    );
    const missing = [...layers.flatMap((l) => l.paths), ...contracts].filter((p) => !files.some((f) => (p.endsWith("/") ? f.startsWith(p) : f === p)));
    assert.deepEqual(missing, []);
  });

  test("the import graph was read (every relative import line found)", () => {
    // A cross-check of the statement parser: every relative module specifier in the text is one edge.
    let expected = 0;
    for (const f of files) expected += [...readFileSync(join(ROOT, f), "utf8").matchAll(/\bfrom\s*["']\.|^import\s*["']\.|\bimport\(\s*["']\./gm)].length;
    assert.equal(edges.length, expected);
    assert.ok(
      edges.every((e) => files.includes(e.to)),
      `unresolved: ${edges
        .filter((e) => !files.includes(e.to))
        .map((e) => `${e.from} → ${e.to}`)
        .join(", ")}`,
    );
  });

  test("a layer imports only from its own layer and the layers above it", () => {
    assert.deepEqual(violations(layers, contracts, edges), []);
  });

  test("every listed type-only contract is still needed", () => {
    const used = new Set(
      edges
        .filter((e) => {
          const from = layerOf(layers, e.from);
          const to = layerOf(layers, e.to);
          return e.typeOnly && from && to && to.rank > from.rank;
        })
        .map((e) => e.to),
    );
    assert.deepEqual(
      contracts.filter((c) => !used.has(c)),
      [],
    );
  });

  test("the checker refuses downward imports, and type-only ones outside the contracts", () => {
    const fake = (from: string, to: string, typeOnly: boolean): ImportEdge => ({ from, to, typeOnly });
    assert.deepEqual(violations(layers, contracts, [fake("src/sql/select.ts", "src/orm/query.ts", true)]), [
      "src/sql/select.ts (SQL) type-imports src/orm/query.ts (ORM), a lower layer",
    ]);
    assert.equal(violations(layers, contracts, [fake("src/sql/compiler.ts", "src/dialects/dialect.ts", false)]).length, 1);
    assert.equal(violations(layers, contracts, [fake("src/sql/compiler.ts", "src/dialects/dialect.ts", true)]).length, 0);
    assert.equal(violations(layers, contracts, [fake("src/orm/session.ts", "src/shard/ring.ts", true)]).length, 1);
    assert.equal(violations(layers, contracts, [fake("src/engine/url.ts", "src/dialects/postgres/dialect.ts", false)]).length, 0);
    assert.equal(layerOf(layers, "src/engine/driver.ts")?.name, "dialects");
    assert.equal(layerOf(layers, "src/engine/pool.ts")?.name, "engine");
    const parsed = importsOf(
      "src/a/b.ts",
      'import type { X } from "../c.js";\nimport {\n  type Y,\n} from "./d.js";\nexport * from "../../e.js";\nconst m = await import("./f.js");\n',
    );
    assert.deepEqual(parsed, [
      { from: "src/a/b.ts", to: "src/c.ts", typeOnly: true },
      { from: "src/a/b.ts", to: "src/a/d.ts", typeOnly: false },
      { from: "src/a/b.ts", to: "e.ts", typeOnly: false },
      { from: "src/a/b.ts", to: "src/a/f.ts", typeOnly: false },
    ]);
  });
});
