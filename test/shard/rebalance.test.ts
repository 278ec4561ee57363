// Rebalancing table groups between real databases: three PostgreSQL databases, a SQLite file and
// MariaDB as shards of one ring. Groups move whole between engines; after every rebalance each
// group is on exactly its new shard with its original rows (checksums from the generated data).
// Interrupted rebalances (injected faults at every step, and a real SIGKILL) resume on rerun.
import { TEST_PREFIX } from "../support/prefix.js";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArgumentError, createEngine, insert, update, type Engine } from "../../src/index.js";
import {
  checksumRows,
  planRebalance,
  rebalance,
  RebalanceChecksumError,
  RebalanceError,
  RebalanceLockedError,
  REBALANCE_STEPS,
  readGroup,
  shardEngines,
  type Move,
  type RebalanceProgress,
  type RebalanceStep,
} from "../../src/shard/rebalance.js";
import type { AnyTable } from "../../src/shard/checksum.js";
import { readState } from "../../src/shard/fence.js";
import { rootKeyText, type ShardSet } from "../../src/shard/shards.js";
import { Gen } from "../support/random.js";
import {
  customer,
  dropShards,
  generate,
  group,
  item,
  loadThroughRouting,
  order,
  placementProblems,
  prepareShards,
  shardSet,
  snapshot,
  totalCounts,
  truthOf,
  type ChildSpec,
  type Placement,
} from "./rebalance-fixture.js";

const NS = `${TEST_PREFIX}rebalance`;
const asAny = (t: unknown) => t as AnyTable;
const GROUPS = 200;

describe("checksums", () => {
  const rowsOf = (c: Record<string, unknown>, o: Record<string, unknown>[], i: Record<string, unknown>[]) =>
    new Map([
      [customer, [c]],
      [order, o],
      [item, i],
    ] as [typeof customer, Record<string, unknown>[]][]) as unknown as Parameters<typeof checksumRows>[1];
  const base = { region: "eu", id: 1, name: "Ann", vip: true, since: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)), balance: "2.30" };
  const ord = { region: "eu", customerId: 1, id: 10, placed: null, day: "2024-02-29", note: { b: [1, "x"], a: { d: null, c: true } }, weight: 1.5 };
  const it1 = { region: "eu", customerId: 1, orderId: 10, line: 1, sku: "x", qty: 2, price: "10.00", serial: 2n ** 62n, blob: new Uint8Array([0, 255]) };
  const it2 = { ...it1, line: 2, serial: -5n, blob: new Uint8Array([]) };

  test("agree whatever engine-level form the values take, and whatever order rows come in", () => {
    const a = checksumRows(group, rowsOf(base, [ord], [it1, it2]));
    const b = checksumRows(
      group,
      rowsOf(
        { ...base, balance: "2.3", since: new Date(base.since.getTime()) },
        [{ ...ord, note: { a: { c: true, d: null }, b: [1, "x"] } }],
        [
          { ...it2, serial: -5 },
          { ...it1, price: "10", blob: Buffer.from([0, 255]) },
        ],
      ),
    );
    assert.equal(a.checksum, b.checksum);
    assert.deepEqual(a.counts, { customer: 1, cust_order: 1, item: 2 });
    assert.equal(a.rows, 4);
  });

  test("differ when any value, row or null/empty distinction differs", () => {
    const a = checksumRows(group, rowsOf(base, [ord], [it1, it2])).checksum;
    const variants = [
      rowsOf({ ...base, balance: "2.31" }, [ord], [it1, it2]),
      rowsOf(base, [{ ...ord, note: { ...ord.note, b: [1, "y"] } }], [it1, it2]),
      rowsOf(base, [ord], [it1]),
      rowsOf(base, [ord], [it1, { ...it2, blob: null }]),
      rowsOf(base, [ord], [it1, { ...it2, sku: "x " }]),
      rowsOf({ ...base, name: "null" }, [ord], [it1, it2]),
      rowsOf({ ...base, name: null }, [ord], [it1, it2]),
      rowsOf(base, [{ ...ord, placed: new Date(0) }], [it1, it2]),
    ];
    const sums = variants.map((v) => checksumRows(group, v).checksum);
    for (const s of sums) assert.notEqual(s, a);
    assert.equal(new Set(sums).size, sums.length);
  });
});

describe("shard sets", () => {
  test("a shard name means one database: shared engines, reused URLs and renamed databases are refused", async () => {
    const mem = createEngine("sqlite::memory:");
    const file = (n: string) => createEngine(`sqlite:${join(tmpdir(), `arbor-rebalance-${process.pid}-${n}.db`)}`);
    const [x, x2, y] = [file("x"), file("x"), file("y")];
    try {
      const refuse = async (from: Record<string, Engine>, to: Record<string, Engine>, message: RegExp) =>
        assert.rejects(
          () => rebalance(shardSet(from, Object.keys(from)), shardSet(to, Object.keys(to)), { dryRun: true }),
          (e: unknown) => e instanceof ArgumentError && message.test(e.message),
        );
      await refuse({ a: x }, { a: x, b: x }, /^Shards "a" and "b" share one engine; every shard needs its own database$/);
      await refuse({ a: x }, { a: x, b: x2 }, /^Shards "a" and "b" have the same URL; every shard needs its own database$/);
      await refuse({ a: x, b: y }, { a: y }, /^Shard "a" names different databases before and after the rebalance/);
      await assert.rejects(
        () => rebalance(shardSet({ a: x }, ["a"]), shardSet({ a: x }, ["a"]), { group: "nope" }),
        /^ArgumentError: No table group with root table "nope" \(groups: customer\)$/,
      );
      // Separate in-memory databases may share the URL sqlite::memory:.
      assert.doesNotThrow(() => shardEngines(shardSet({ a: mem }, ["a"]), shardSet({ a: mem, b: createEngine("sqlite::memory:") }, ["a", "b"])));
    } finally {
      await Promise.all([mem, x, x2, y].map((e) => e.dispose()));
    }
  });
});

describe("rebalance across PostgreSQL, SQLite and MariaDB shards", () => {
  let urls: Record<string, string> = {};
  let engines: Record<string, Engine> = {};
  const data = generate(20260401, GROUPS);
  const truth = truthOf(data);
  /** The shard set the data is placed by now. */
  let current: ShardSet;

  const set = (...names: string[]) => shardSet(engines, names);

  async function assertPlaced(shards: ShardSet): Promise<Placement> {
    const placement = await snapshot(engines);
    assert.deepEqual(placementProblems(placement, truth, shards), []);
    const want = truthCounts();
    assert.deepEqual(totalCounts(placement), want);
    return placement;
  }
  function truthCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { sum } of truth.values()) for (const [t, n] of Object.entries(sum.counts)) out[t] = (out[t] ?? 0) + n;
    return out;
  }
  /** Asserts a rebalance from `current` to `next` did what it planned; `current` becomes `next`. */
  async function rebalanceTo(next: ShardSet): Promise<{ moves: Move[] }> {
    const moves = await planRebalance(current, next, group);
    for (const m of moves) assert.equal(next.shardFor(m.rootKey), m.to);
    const report = await rebalance(current, next);
    assert.deepEqual(report.plan, moves);
    assert.equal(report.moved, moves.length);
    assert.equal(report.skipped, 0);
    assert.equal(report.scanned, GROUPS);
    for (const c of report.checksums) assert.equal(c.checksum, truth.get(rootKeyText(c.rootKey))!.sum.checksum, `checksum of ${c.rootKey}`);
    await assertPlaced(next);
    const again = await rebalance(current, next);
    assert.equal(again.plan.length, 0, "a rerun finds nothing to move");
    current = next;
    return { moves };
  }

  before(async () => {
    urls = await prepareShards(NS, { a: "postgres", b: "postgres", c: "postgres", s: "sqlite", m: "mariadb" });
    engines = Object.fromEntries(Object.entries(urls).map(([n, u]) => [n, createEngine(u)]));
  });
  after(async () => {
    await Promise.all(Object.values(engines).map((e) => e.dispose()));
    await dropShards(NS, urls);
  });

  test("loading through routing puts every group on its shard, rows intact on every engine", async () => {
    current = set("a", "s", "m");
    await loadThroughRouting(current, data);
    const placement = await assertPlaced(current);
    const perShard = new Map<string, number>();
    for (const at of placement.values()) for (const name of at.keys()) perShard.set(name, (perShard.get(name) ?? 0) + 1);
    for (const name of ["a", "s", "m"]) assert.ok((perShard.get(name) ?? 0) > 30, `shard ${name} holds ${perShard.get(name)} groups`);
  });

  test("a dry run plans without changing anything", async () => {
    const before = await snapshot(engines);
    const report = await rebalance(current, set("a", "s", "m", "b"), { dryRun: true });
    assert.equal(report.dryRun, true);
    assert.ok(report.plan.length > 0);
    assert.equal(report.moved, 0);
    assert.deepEqual(await snapshot(engines), before);
  });

  test("adding a shard moves only the groups the ring now gives it, from every engine", async (t) => {
    const { moves } = await rebalanceTo(set("a", "s", "m", "b"));
    t.diagnostic(`${moves.length} of ${GROUPS} groups moved`);
    assert.ok(moves.length > 20 && moves.length < 90, `${moves.length} moves`);
    for (const m of moves) assert.equal(m.to, "b");
    assert.deepEqual(new Set(moves.map((m) => m.from)), new Set(["a", "s", "m"]), "SQLite, MariaDB and PostgreSQL each gave groups up");
  });

  test("removing a shard moves its groups, and only those, to the others", async (t) => {
    const { moves } = await rebalanceTo(set("a", "m", "b"));
    t.diagnostic(`${moves.length} of ${GROUPS} groups moved`);
    assert.ok(moves.length > 20);
    for (const m of moves) assert.equal(m.from, "s");
    assert.deepEqual(new Set(moves.map((m) => m.to)), new Set(["a", "m", "b"]));
  });

  test("interrupted at random steps 24 times, reruns resume and finish with every group on one shard", async (t) => {
    const next = set("s", "m", "b", "c"); // a leaves, s comes back, c is new
    const g = new Gen(77);
    const interrupts = new Map<RebalanceStep, number>();
    let alreadyCopied = 0;
    let staleLeft = 0;
    let runs = 0;
    let placement = await snapshot(engines);
    const planned = (await planRebalance(current, next, group)).length;
    for (let i = 0; ; i++) {
      // Cycle through the steps so each is hit; skip a random number of moves first.
      const step = REBALANCE_STEPS[i % REBALANCE_STEPS.length];
      let skip = i < 24 ? g.int(0, 2) : Infinity;
      let hit: Move | undefined;
      const fault = new Error("injected fault");
      runs++;
      try {
        await rebalance(current, next, {
          groupsPerBatch: 1,
          onProgress: (p) => void (p.outcome === "alreadyCopied" && alreadyCopied++),
          faultHook: (s, move) => {
            if (s === step && skip-- === 0) {
              hit = move;
              throw fault;
            }
          },
        });
        assert.equal(hit, undefined);
        break;
      } catch (err) {
        assert.ok(err instanceof RebalanceError, String(err));
        assert.equal(err.cause, fault);
        assert.equal(err.step, step);
        assert.deepEqual(err.move, hit);
        assert.match(err.message, new RegExp(`Moving group customer \\[.*\\] from shard ${hit!.from} to ${hit!.to} failed at ${step}: injected fault`));
      }
      interrupts.set(step, (interrupts.get(step) ?? 0) + 1);
      // No group is lost or half-copied: every shard holding rows of a group holds all of them.
      const prior = placement;
      placement = await snapshot(engines);
      for (const [k, { sum }] of truth) {
        const at = placement.get(k)!;
        assert.ok(at && at.size >= 1, `group ${k} lost`);
        for (const [name, s] of at) assert.equal(s.checksum, sum.checksum, `group ${k} on ${name} after a fault at ${step}`);
      }
      const hk = rootKeyText(hit!.rootKey);
      const holders = (p: Placement, k: string) => [...p.get(k)!.keys()].sort();
      const expected =
        step === "copy:begin"
          ? holders(prior, hk)
          : step === "copy:inserted"
            ? [hit!.from]
            : step === "delete:committed"
              ? [hit!.to]
              : [hit!.from, hit!.to].sort();
      assert.deepEqual(holders(placement, hk), expected, `holders of ${hk} after a fault at ${step}`);
      for (const k of truth.keys()) if (k !== hk) assert.equal(placement.get(k)!.size, 1, `group ${k} is on ${holders(placement, k)}`);
      // A copy committed and not yet deleted from its source is marked in flight on its target.
      const inFlight = step === "copy:committed" || step === "verify:done" || step === "delete:deleted" || step === "delete:committed";
      assert.equal(((await readState(engines[hit!.to]))?.epoch ?? 0) % 2, inFlight ? 1 : 0, `epoch of ${hit!.to} after a fault at ${step}`);
      if (inFlight) staleLeft++;
    }
    t.diagnostic(`${planned} moves planned, ${runs} runs, ${staleLeft} batches left in flight by interrupted runs`);
    assert.equal(runs, 25);
    for (const s of REBALANCE_STEPS) assert.equal(interrupts.get(s), 4, s);
    // Faults after the copy committed left a batch in flight, which the next run cleared first
    // (removing the copy when the source still held the group), so no move found a copy.
    assert.equal(staleLeft, 16);
    assert.equal(alreadyCopied, 0);
    await assertPlaced(next);
    assert.equal((await rebalance(current, next)).plan.length, 0);
    current = next;
  });

  test("a rebalance killed with SIGKILL inside its transactions and at a random moment resumes and finishes", async (t) => {
    const next = set("a", "s", "m", "c"); // b leaves, a comes back
    const fixture = fileURLToPath(new URL("./rebalance-fixture.ts", import.meta.url));
    const planned = (await planRebalance(current, next, group)).length;
    assert.ok(planned > 20, `${planned} moves`);
    const g = new Gen(5);
    const BATCH = 4;
    // Where each run is killed, and which shards then hold the group being moved: a transaction
    // open at the kill is rolled back by the database (the target's copy, or the source's delete).
    const kills: { step?: RebalanceStep; holders?: (m: Move) => string[] }[] = [
      { step: "copy:inserted", holders: (m) => [m.from] },
      { step: "delete:deleted", holders: (m) => [m.from, m.to].sort() },
      {}, // a moment picked at random while moves are going on
    ];
    const t0 = Date.now();
    for (const [i, kill] of kills.entries()) {
      const spec: ChildSpec = {
        urls,
        from: ["s", "m", "b", "c"],
        to: ["a", "s", "m", "c"],
        pauseMs: 3,
        groupsPerBatch: BATCH,
        stopAt: kill.step ? { step: kill.step, after: g.int(1, 4) } : undefined,
      };
      const result = await new Promise<{
        done: number;
        stopped?: { step: RebalanceStep; move: Move };
        finished: boolean;
        signal: NodeJS.Signals | null;
        stderr: string;
      }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", fixture, "child", JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let stderr = "";
        let done = 0;
        let stopped: { step: RebalanceStep; move: Move } | undefined;
        let doomed = false;
        const threshold = 3 + g.int(0, 4);
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          for (const m of out.matchAll(/progress (\d+)\/(\d+)/g)) done = Math.max(done, Number(m[1]));
          const s = /^stopped (.*)$/m.exec(out);
          if (s && !doomed) {
            doomed = true;
            stopped = JSON.parse(s[1]) as { step: RebalanceStep; move: Move };
            child.kill("SIGKILL");
          } else if (!kill.step && done >= threshold && !doomed) {
            doomed = true;
            setTimeout(() => child.kill("SIGKILL"), g.int(0, 20));
          }
        });
        child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        child.on("error", reject);
        child.on("close", (_code, signal) => resolve({ done, stopped, finished: out.includes("done "), signal, stderr }));
      });
      assert.equal(result.signal, "SIGKILL", `the child was killed (stderr: ${result.stderr})`);
      assert.equal(result.finished, false);
      if (kill.step) assert.equal(result.stopped?.step, kill.step);
      // Nothing lost, nothing half-copied, at most the group being moved on two shards.
      const placement = await snapshot(engines);
      const doubled: string[] = [];
      // (a batch copied and not yet deleted: at most one)
      for (const [k, { sum }] of truth) {
        const at = placement.get(k)!;
        assert.ok(at && at.size >= 1, `group ${k} lost`);
        for (const [name, s] of at) assert.equal(s.checksum, sum.checksum, `group ${k} on ${name}`);
        if (at.size > 1) doubled.push(k);
      }
      assert.ok(doubled.length <= BATCH, `${doubled.length} groups on two shards`);
      if (result.stopped && kill.holders) {
        const m = result.stopped.move;
        assert.deepEqual([...placement.get(rootKeyText(m.rootKey))!.keys()].sort(), kill.holders(m), `holders after a kill at ${kill.step}`);
      }
      t.diagnostic(
        `kill ${i + 1}: ${result.stopped ? `at ${result.stopped.step} moving ${JSON.stringify(result.stopped.move.rootKey)} ${result.stopped.move.from} → ${result.stopped.move.to}` : `at random`} after ${result.done} moves; ${doubled.length} groups copied, not yet deleted (${Date.now() - t0} ms)`,
      );
    }
    const report = await rebalance(current, next);
    t.diagnostic(`the rerun moved ${report.moved} of ${planned} planned groups (${report.alreadyCopied} already copied)`);
    assert.ok(report.moved > 0 && report.moved < planned, `resumed with ${report.moved} of ${planned} moves left`);
    await assertPlaced(next);
    current = next;
  });

  test("a stale copy on the target is replaced; a copy that fails verification stops the run, keeps the source and is redone by the next run", async () => {
    const next = set("a", "s", "m", "c", "b");
    const moves = await planRebalance(current, next, group);
    const toB = moves.filter((m) => m.to === "b" && m.from === "s");
    const [victim, other] = toB.map((m) => data.find((d) => rootKeyText(d.key) === rootKeyText(m.rootKey))!);
    assert.ok(victim && other, "two groups moving from SQLite to PostgreSQL");
    // A stale copy on the target that differs from the source (say a half-remembered earlier run).
    const copy = await readGroup(engines.s, group, victim.key);
    await engines.b.transaction(async (tx) => {
      for (const [t, rows] of copy)
        if (rows.length) await tx.execute(insert(t).values(t === asAny(customer) ? rows.map((r) => ({ ...r, name: `${r.name ?? ""}!` })) : rows));
    });
    let replaced = 0;
    const onProgress = (p: RebalanceProgress) => void (p.outcome === "alreadyCopied" && rootKeyText(p.move!.rootKey) === rootKeyText(victim.key) && replaced++);
    // The copy of `other` is changed on the target after it committed: verification fails.
    const [region, id] = other.key;
    const bad = await rebalance(current, next, {
      faultHook: async (step, move) => {
        if (step === "copy:committed" && rootKeyText(move.rootKey) === rootKeyText(other.key) && move.to === "b")
          await engines.b.execute(update(customer).set({ name: "tampered" }).where(customer.c.region.eq(region), customer.c.id.eq(id)));
      },
      groupsPerBatch: 1,
      onProgress,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(bad instanceof RebalanceChecksumError, String(bad));
    assert.deepEqual(bad.move.rootKey, other.key);
    assert.equal(bad.table, "customer");
    assert.match(
      bad.message,
      new RegExp(
        `^Group customer \\["${region}", ${id}\\]: the copy on shard b differs from the source; it is removed and the group copied again on the next run .*shard s: \\d+ rows.*the source was left in place$`,
      ),
    );
    assert.notEqual(bad.source.checksum, bad.target.checksum);
    let placement = await snapshot(engines);
    assert.equal(placement.get(rootKeyText(other.key))!.get("s")!.checksum, truth.get(rootKeyText(other.key))!.sum.checksum, "the source is intact");
    assert.equal(((await readState(engines.b))?.epoch ?? 0) % 2, 1, "the failed batch is in flight on b");
    // The next run removes the bad copy first, replaces the stale one, and finishes.
    const report = await rebalance(current, next, { onProgress });
    assert.equal(report.staleCopies, 1);
    assert.equal(replaced, 1, "the stale copy was replaced");
    placement = await assertPlaced(next);
    assert.equal(placement.get(rootKeyText(victim.key))!.get("b")!.checksum, truth.get(rootKeyText(victim.key))!.sum.checksum);
    current = next;
  });

  test("two rebalance runs at once: the second is refused with RebalanceLockedError naming the shard", async () => {
    const next = set("a", "s", "m", "c"); // b leaves
    let second: unknown;
    await rebalance(current, next, {
      groupsPerBatch: 1,
      faultHook: async () => {
        second ??= await rebalance(current, next).catch((e: unknown) => e);
      },
    });
    assert.ok(second instanceof RebalanceLockedError, String(second));
    assert.match(second.message, /^Another rebalance is running on shard "a" \(its run lock is held\)/);
    current = next;
    await assertPlaced(current);
  });
});
