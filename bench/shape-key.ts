// Shape keys and traversal: the per-call cost of a statement built per call before its cached compile
// is found (cache-key.ts), and of a full walk over its tree (traverse.ts).
//
//   node bench/build.mjs && node bench/.out/shape-key.mjs [--quick] [--against <checkout>]
//
// --against: also time another checkout's built dist/ (e.g. a worktree of the previous commit after
// `npm run build` there) in the same
// process, interleaved pass by pass, and report the paired ratio (this one over that one): the
// figure least moved by other load on the machine.
//
// Statements: (1) a select by primary key, (2) a join with GROUP BY, HAVING, ORDER BY, a CASE and an
// IN list, (3) a nested select, (4) a 100-row INSERT. Each figure is the median over repetitions of
// one pass (N key computations, or N full walks, of statements built beforehand), in µs per
// statement; the passes of both measures are interleaved, with no forced GC (a pass pays for the
// collections its garbage causes).
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as here from "../src/sql/cache-key.js";
import type { Node, StatementNode } from "../src/sql/nodes/index.js";
import * as hereWalk from "../src/sql/traverse.js";

interface Impl {
  readonly name: string;
  readonly shapeKey: (n: StatementNode) => unknown;
  readonly eachChild: (n: Node, f: (c: Node) => void) => void;
}
const impls: Impl[] = [{ name: "this", shapeKey: here.shapeKey, eachChild: hereWalk.eachChild }];
const at = process.argv.indexOf("--against");
if (at > 0) {
  const src = (f: string) => pathToFileURL(path.resolve(process.argv[at + 1], "dist/sql", f)).href;
  const key = (await import(src("cache-key.js"))) as typeof here;
  const walk = (await import(src("traverse.js"))) as typeof hereWalk;
  impls.push({ name: "against", shapeKey: key.shapeKey, eachChild: walk.eachChild });
}

const { MetaData, caseWhen, func, insert, integer, nested, select, text } = await import("../src/index.js");

const QUICK = process.argv.includes("--quick");
const REPS = QUICK ? 7 : 21;
const N = 2_000;

const md = new MetaData();
const users = md.table("users", { id: integer().primaryKey(), name: text(), age: integer() });
const posts = md.table("posts", {
  id: integer().primaryKey(),
  userId: integer()
    .named("user_id")
    .references(() => users.c.id),
  title: text(),
  score: integer(),
});

const builders: Record<string, (i: number) => StatementNode> = {
  "select by primary key": (i) => select(users.c.id, users.c.name).where(users.c.id.eq(i)).statementNode,
  "join, group by, having, case, in": (i) =>
    select(users.c.name, func.count(posts.c.id).as("n"), caseWhen(users.c.age.gt(i), "old").else("young").as("band"))
      .from(users)
      .join(posts, posts.c.userId.eq(users.c.id))
      .where(posts.c.score.in([i, i + 1, i + 2]))
      .groupBy(users.c.name, users.c.age)
      .having(func.count(posts.c.id).gt(1))
      .orderBy(users.c.name).statementNode,
  "nested select": (i) =>
    select(users.c.id, nested(select(posts.c.id, posts.c.title).where(posts.c.score.gt(i)).orderBy(posts.c.id)).as("posts")).where(users.c.age.lt(i))
      .statementNode,
  "insert of 100 rows": (i) => insert(users).values(Array.from({ length: 100 }, (_, j) => ({ id: i * 1000 + j, name: `n${j}`, age: j }))).statementNode,
};

let sink = 0;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const us = (ms: number) => (ms * 1000) / N;

console.log(`node ${process.version}, ${REPS} repetitions of ${N.toLocaleString("en")} statements per pass (µs per statement, median)\n`);
const pair = impls.length > 1;
console.log(`| statement | shape key | full walk |${pair ? " shape key, against | full walk, against | key ratio (paired) | walk ratio (paired) |" : ""}`);
console.log(`|---|---:|---:|${pair ? "---:|---:|---:|---:|" : ""}`);
for (const [name, build] of Object.entries(builders)) {
  const stmts = Array.from({ length: N }, (_, i) => build(i));
  const key = impls.map((): number[] => []);
  const trav = impls.map((): number[] => []);
  for (let r = 0; r < REPS + 3; r++) {
    for (let j = 0; j < impls.length; j++) {
      // Rotate which implementation goes first.
      const im = impls[(j + r) % impls.length];
      const slot = (j + r) % impls.length;
      const walk = (n: Node): void => {
        sink++;
        im.eachChild(n, walk);
      };
      let t = performance.now();
      for (const s of stmts) if (im.shapeKey(s) === null) throw new Error(`${name}: no key`);
      const k = performance.now() - t;
      t = performance.now();
      for (const s of stmts) walk(s);
      const w = performance.now() - t;
      if (r >= 3) key[slot].push(us(k)), trav[slot].push(us(w));
    }
  }
  const cells = [median(key[0]), median(trav[0])].map((x) => x.toFixed(2));
  if (pair) {
    cells.push(median(key[1]).toFixed(2), median(trav[1]).toFixed(2));
    cells.push(`${median(key[0].map((x, i) => x / key[1][i])).toFixed(2)}x`, `${median(trav[0].map((x, i) => x / trav[1][i])).toFixed(2)}x`);
  }
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
if (sink < 0) console.log(sink);
