// Runs generated statements on every engine over the same random tables and compares each result
// with the oracle. Statements run in batches over one dataset per batch, several at a time on
// pooled connections; a failing statement is shrunk by fast-check (replaying its run) and printed.
import fc from "fast-check";
import { createEngine, deleteFrom, insert, NotSupportedError, type Engine } from "../../src/index.js";
import { dropNamespace, prepareNamespace, type EngineName, TEST_PREFIX } from "../support/engines.js";
import { build } from "./build.js";
import { diffRows } from "./compare.js";
import { datasetArb, stmtArb } from "./gen.js";
import { md, t, tRow, u, uRow, type Dataset, type Stmt } from "./model.js";
import { expected, outTypes } from "./oracle.js";

export interface FuzzOptions {
  readonly count: number;
  readonly seed: number;
  /** Statements per dataset. */
  readonly batch?: number;
  /** Statements in flight at once. */
  readonly parallel?: number;
  /** Failures to shrink and print before stopping. */
  readonly maxFailures?: number;
  readonly log?: (line: string) => void;
  /** false: print failing statements as generated (faster when surveying many failures). */
  readonly shrink?: boolean;
  /** Runs statement `only` of the seed alone, on the dataset of its batch (a failure's replay). */
  readonly only?: number;
}

export interface FuzzReport {
  readonly statements: number;
  readonly failures: readonly string[];
  readonly refusals: Readonly<Record<string, number>>;
  readonly ms: number;
}

interface Ctx {
  readonly name: EngineName;
  readonly engine: Engine;
  readonly ns: string;
}

const ENGINES = (process.env.ARBOR_ENGINES ?? "sqlite,postgres,mariadb").split(",") as EngineName[];

async function open(): Promise<Ctx[]> {
  const ns = `${TEST_PREFIX}fuzz`.toLowerCase();
  const opened = await Promise.allSettled(
    ENGINES.map(async (name) => {
      const url = await prepareNamespace(name, ns);
      const ctx = { name, engine: createEngine(url), ns };
      try {
        await md.createAll(ctx.engine);
      } catch (err) {
        await close([ctx]);
        throw err;
      }
      return ctx;
    }),
  );
  const ok = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed) {
    await close(ok);
    throw failed.reason;
  }
  return ok;
}

async function close(ctxs: readonly Ctx[]): Promise<void> {
  await Promise.all(
    ctxs.map(async (c) => {
      await c.engine.dispose();
      await dropNamespace(c.name, c.ns);
    }),
  );
}

async function load(ctxs: readonly Ctx[], data: Dataset): Promise<void> {
  await Promise.all(
    ctxs.map(async ({ engine }) => {
      await engine.execute(deleteFrom(u));
      await engine.execute(deleteFrom(t));
      if (data.t.length) await engine.execute(insert(t).values(data.t.map(tRow)));
      if (data.u.length) await engine.execute(insert(u).values(data.u.map(uRow)));
    }),
  );
}

type Outcome = { readonly rows: readonly Record<string, unknown>[] } | { readonly error: unknown };

/** What is wrong with one statement on the loaded dataset, or undefined. */
async function check(ctxs: readonly Ctx[], s: Stmt, data: Dataset, refusals: Record<string, number>): Promise<string | undefined> {
  let built;
  let want;
  try {
    built = build(s);
  } catch (err) {
    return `building the statement failed: ${String(err)}`;
  }
  try {
    want = expected(s, data);
  } catch (err) {
    return `the oracle failed: ${String(err)}`;
  }
  const types = outTypes(s);
  const ordered = s.k === "select" && s.total;
  const outcomes = await Promise.all(
    ctxs.map(async (c): Promise<Outcome> => {
      try {
        return { rows: (await c.engine.execute(built.stmt, built.params)).rows as Record<string, unknown>[] };
      } catch (error) {
        return { error };
      }
    }),
  );
  const problems: string[] = [];
  outcomes.forEach((o, n) => {
    const name = ctxs[n].name;
    if ("error" in o) {
      // Refusing is allowed; a refusal is a typed NotSupportedError raised before the database runs anything.
      if (o.error instanceof NotSupportedError) refusals[name] = (refusals[name] ?? 0) + 1;
      else problems.push(`[${name}] raised ${o.error instanceof Error ? `${o.error.constructor.name}: ${o.error.message}` : String(o.error)}`);
      return;
    }
    const d = diffRows(types, ordered, want, o.rows);
    if (d) problems.push(`[${name}] differs from the oracle:\n  ${d}`);
  });
  if (problems.length) problems.push(`engines compared with each other: ${agreement(ctxs, outcomes, types, ordered)}`);
  return problems.length ? problems.join("\n") : undefined;
}

/** Which engines returned the same rows (or the same error class), e.g. "sqlite = postgres ≠ mariadb". */
function agreement(ctxs: readonly Ctx[], outcomes: readonly Outcome[], types: Record<string, string>, ordered: boolean): string {
  const groups: { names: string[]; outcome: Outcome }[] = [];
  outcomes.forEach((o, n) => {
    const same = groups.find((g) =>
      "error" in g.outcome || "error" in o
        ? "error" in g.outcome && "error" in o && String(g.outcome.error) === String(o.error)
        : diffRows(types, ordered, g.outcome.rows, o.rows) === undefined,
    );
    if (same) same.names.push(ctxs[n].name);
    else groups.push({ names: [ctxs[n].name], outcome: o });
  });
  return groups.map((g) => g.names.join(" = ")).join(" ≠ ");
}

function describeCase(ctxs: readonly Ctx[], s: Stmt, data: Dataset, problem: string): string {
  const lines: string[] = [];
  try {
    const b = build(s);
    lines.push(`Arbor:\n  ${b.code}`, `params: ${JSON.stringify(b.params)}`);
    for (const c of ctxs) {
      try {
        lines.push(`SQL [${c.name}]: ${c.engine.dialect.createCompiler().compile(b.stmt.statementNode).sql}`);
      } catch (err) {
        lines.push(`SQL [${c.name}]: (compile raised ${String(err)})`);
      }
    }
  } catch (err) {
    lines.push(`(building raised ${String(err)})`, `statement tree: ${JSON.stringify(s)}`);
  }
  lines.push(`data fz_t: ${JSON.stringify(data.t)}`, `data fz_u: ${JSON.stringify(data.u)}`, problem);
  return lines.join("\n");
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const batch = opts.batch ?? 250;
  const parallel = opts.parallel ?? Number(process.env.FUZZ_PARALLEL ?? 8);
  const maxFailures = opts.maxFailures ?? 3;
  const arb = stmtArb();
  // A sample's first values do not depend on its length, so statement `only` is the one a full run makes.
  const count = opts.only === undefined ? opts.count : opts.only + 1;
  const stmts = fc.sample(arb, { seed: opts.seed, numRuns: count });
  const datasets = fc.sample(datasetArb(), { seed: opts.seed ^ 0x5eed, numRuns: Math.ceil(count / batch) });
  const ctxs = await open();
  const refusals: Record<string, number> = {};
  const failures: string[] = [];
  let run = 0;
  try {
    const first = opts.only === undefined ? 0 : Math.floor(opts.only / batch);
    for (let b = first; b * batch < stmts.length && failures.length < maxFailures; b++) {
      const data = datasets[b];
      await load(ctxs, data);
      const end = opts.only === undefined ? Math.min(stmts.length, (b + 1) * batch) : opts.only + 1;
      for (let i = opts.only ?? b * batch; i < end && failures.length < maxFailures; i += parallel) {
        const idx = Array.from({ length: Math.min(parallel, end - i) }, (_, n) => i + n);
        const results = await Promise.all(idx.map((n) => check(ctxs, stmts[n], data, refusals)));
        run += idx.length;
        for (let n = 0; n < idx.length && failures.length < maxFailures; n++) {
          if (results[n] === undefined) continue;
          log(`statement ${idx[n]} of seed ${opts.seed} fails; shrinking…`);
          failures.push(
            opts.shrink === false || opts.only !== undefined
              ? `FUZZ_SEED=${opts.seed} statement ${idx[n]}\n${describeCase(ctxs, stmts[idx[n]], data, results[n]!)}`
              : await shrink(ctxs, arb, opts.seed, idx[n], opts.count, data, stmts[idx[n]], results[n]!),
          );
        }
      }
    }
  } finally {
    await close(ctxs);
  }
  return { statements: run, failures, refusals, ms: performance.now() - started };
}

/** Replays run `index` of the seed in fast-check and shrinks it against the loaded dataset. */
async function shrink(
  ctxs: readonly Ctx[],
  arb: fc.Arbitrary<Stmt>,
  seed: number,
  index: number,
  count: number,
  data: Dataset,
  original: Stmt,
  problem: string,
): Promise<string> {
  const scratch: Record<string, number> = {};
  const details = await fc.check(
    fc.asyncProperty(arb, async (s) => (await check(ctxs, s, data, scratch)) === undefined),
    { seed, path: String(index), numRuns: count, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
  );
  const header = `FUZZ_SEED=${seed} statement ${index}`;
  if (!details.failed || !details.counterexample) return `${header} (not shrunk: the replay passed)\n${describeCase(ctxs, original, data, problem)}`;
  const small = details.counterexample[0];
  const smallProblem = (await check(ctxs, small, data, scratch)) ?? "(the shrunk case passed on its own run)";
  return `${header}, shrunk in ${details.numShrinks} steps\n${describeCase(ctxs, small, data, smallProblem)}`;
}
