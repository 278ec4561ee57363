// Issue 16 robustness: shard sets that disagree with their ring, ring keys and weights, errors that
// name their shard, compound statements, ShardedSession.load(), shard URLs and timeouts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  HashRing,
  InvalidKeyError,
  MetaData,
  Model,
  Registry,
  RingOptionError,
  ShardSet,
  ShardedEngine,
  ShardedSession,
  ArborError,
  NotSupportedError,
  UniqueViolationError,
  createEngine,
  insert,
  integer,
  oneToMany,
  manyToOne,
  select,
  text,
} from "../../src/index.js";
import { shardEngines } from "../../src/shard/rebalance.js";
import { engineOptions, parseShardConfig, UsageError } from "../../src/cli/config.js";

const md = new MetaData();
const cust = md.table("r16_cust", { id: integer().primaryKey(), name: text().notNull() });
const ord = md.table("r16_ord", {
  id: integer().primaryKey(),
  custId: integer()
    .notNull()
    .named("cust_id")
    .references(() => cust.c.id, { grouping: true }),
  num: text().notNull(),
});
const registry = new Registry();
class Cust extends Model(cust) {
  declare orders: Ord[];
}
class Ord extends Model(ord) {
  declare cust: Cust | null;
}
registry.map(Cust, { relationships: { orders: oneToMany(() => Ord, { backPopulates: "cust", lazy: "lazy" }) } });
registry.map(Ord, { relationships: { cust: manyToOne(() => Cust, { backPopulates: "orders" }) } });

async function twoShards(): Promise<ShardSet> {
  const a = createEngine("sqlite::memory:");
  const b = createEngine("sqlite::memory:");
  for (const e of [a, b]) await e.withConnection((c) => md.createAll(c));
  return new ShardSet({ a, b }, { metadata: md });
}

describe("issue 16: sharding robustness", () => {
  it("issue 16: a ShardSet whose engines and ring disagree is rejected", () => {
    const a = createEngine("sqlite::memory:");
    const b = createEngine("sqlite::memory:");
    const ring = new HashRing<string>().set("a", "a");
    assert.throws(() => new ShardSet({ a, b }, { metadata: md, ring }), /Shard "b" has an engine but is not on the ring/);
    const wider = new HashRing<string>().set("a", "a").set("c", "c");
    assert.throws(() => new ShardSet({ a, b }, { metadata: md, ring: wider }), /ring names shard "c", which has no engine/);
  });

  it("issue 16: the ring rejects keys that are not strings, numbers or bigints", () => {
    for (const mode of ["md5", "ketama", "fast"] as const) {
      const ring = new HashRing<string>({ mode }).set("a", "a").set("b", "b");
      for (const bad of [{}, [], null, undefined, true, Symbol("x")])
        assert.throws(
          () => ring.get(bad as unknown as string),
          (e: unknown) => e instanceof InvalidKeyError && e.code === "INVALID_KEY",
        );
      assert.equal(typeof ring.get(12n), "string");
    }
  });

  it("issue 16: a ketama weight that yields no points is refused when set", () => {
    const ring = new HashRing<string>({ mode: "ketama", replicas: 4 }).set("a", "a", { weight: 1000 });
    assert.throws(
      () => ring.set("b", "b", { weight: 0.001 }),
      (e: unknown) => e instanceof RingOptionError && /node "b" gives it no points/.test(e.message),
    );
    assert.equal(ring.has("b"), false, "a refused node is not added");
    assert.equal(ring.get("k"), "a");
  });

  it("issue 16: errors from a shard name the shard", async () => {
    const shards = await twoShards();
    const sharded = new ShardedEngine(shards);
    const shard = shards.shardFor([1]);
    await sharded.execute(insert(cust).values({ id: 1, name: "x" }));
    await assert.rejects(
      sharded.execute(insert(cust).values({ id: 1, name: "y" })),
      (e: unknown) => e instanceof UniqueViolationError && e.shard === shard && e.message.startsWith(`shard "${shard}": `),
    );
    const session = new ShardedSession(shards, { registry });
    session.add(new Cust({ id: 1, name: "dup" }));
    await assert.rejects(session.commit(), (e: unknown) => e instanceof ArborError && e.shard === shard);
    await session.close();
    await shards.dispose();
  });

  it("issue 16: a compound statement across shards raises NotSupportedError", async () => {
    const shards = await twoShards();
    const sharded = new ShardedEngine(shards);
    await assert.rejects(sharded.execute(select(cust.c.id).from(cust).union(select(ord.c.id).from(ord))), NotSupportedError);
    await shards.dispose();
  });

  it("issue 16: ShardedSession.load() loads from the object's shard", async () => {
    const shards = await twoShards();
    const s1 = new ShardedSession(shards, { registry });
    for (const id of [1, 2, 3, 4]) {
      const c = new Cust({ id, name: `c${id}` });
      c.orders.push(new Ord({ id: id * 10, num: `n${id}` }), new Ord({ id: id * 10 + 1, num: `m${id}` }));
      s1.add(c);
    }
    await s1.commit();
    await s1.close();
    const s2 = new ShardedSession(shards, { registry });
    for (const id of [1, 2, 3, 4]) {
      const c = (await s2.get(Cust, id))!;
      const orders = await s2.load(c, "orders");
      assert.deepEqual(
        orders.map((o) => o.id).sort((x, y) => x - y),
        [id * 10, id * 10 + 1],
      );
      assert.equal(s2.shardOf(c), shards.shardFor([id]));
    }
    await s2.close();
    await shards.dispose();
  });

  it("issue 16: the rebalance accepts every in-memory SQLite URL the engine accepts and sees through file URL spellings", () => {
    const md2 = new MetaData();
    const mk = (urls: Record<string, string>) =>
      new ShardSet(Object.fromEntries(Object.entries(urls).map(([n, u]) => [n, createEngine(u)])), { metadata: md2 });
    const mem = mk({ a: "sqlite:///:memory:", b: "sqlite::memory:", c: "sqlite://" });
    assert.equal(shardEngines(mem, mem).size, 3);
    const same = mk({ a: "sqlite:/tmp/r16-same.db", b: "sqlite:////tmp/r16-same.db" });
    assert.throws(() => shardEngines(same, same), /have the same URL/);
  });

  it("issue 16: shard configs take connect and statement timeouts per shard", () => {
    const c = parseShardConfig(
      JSON.stringify({
        shards: { a: { url: "postgres://h/a", connectTimeout: 1500, statementTimeout: 60000 }, b: { url: "mariadb://h/b", statementTimeout: 2500 } },
      }),
      "--to",
    );
    assert.deepEqual(engineOptions(c.shards.a.url, c.shards.a), { connectTimeout: 1500, onConnect: ["SET statement_timeout = 60000"] });
    assert.deepEqual(engineOptions(c.shards.b.url, c.shards.b), { onConnect: ["SET SESSION max_statement_time = 2.5"] });
    assert.throws(() => parseShardConfig(JSON.stringify({ shards: { a: { url: "sqlite:x.db", statementTimeout: 0 } } }), "--to"), UsageError);
    assert.throws(() => parseShardConfig(JSON.stringify({ shards: { a: { url: "sqlite:x.db", timeout: 5 } } }), "--to"), /unknown setting "timeout"/);
  });
});
