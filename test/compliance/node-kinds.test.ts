// The node-kind cases of the compliance suite (src/testing/node-kinds.ts) cover every kind: `cases`
// is a Record over NodeKind, so a new kind without a case fails tsc, and here each case's statement
// is walked to prove it holds a node of its kind. The suite runs them on every engine
// (test/compliance/drivers.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { nodes } from "../../src/index.js";
import { children } from "../../src/sql/traverse.js";
import { nodeKindCases, type Case } from "../../src/testing/index.js";

/** Every node kind reachable from a statement (CTE bodies included). */
function kindsOf(node: nodes.Node, out = new Set<nodes.NodeKind>()): Set<nodes.NodeKind> {
  out.add(node.kind);
  if (node.kind === "cte") kindsOf(node.query(), out);
  const walk = children[node.kind] as (n: nodes.Node, f: (c: nodes.Node) => void) => void;
  walk(node, (c) => kindsOf(c, out));
  return out;
}

test("every node kind has a compliance case whose statement holds that kind", () => {
  for (const [kind, cases] of Object.entries(nodeKindCases("x_").cases) as [nodes.NodeKind, readonly Case[]][]) {
    assert.ok(cases.length > 0, kind);
    for (const c of cases) assert.ok(kindsOf(c.stmt().statementNode).has(kind), `the ${kind} case${c.what ? ` (${c.what})` : ""} holds no ${kind} node`);
  }
});
