// Table groups on PostgreSQL hash partitions over postgres_fdw: Arbor generates the head's DDL,
// each group lands on the backend whose remainder Arbor computes, and nested reads through the head
// and straight to the owning backend return the same trees as one node. (No two-phase commit on
// this path: see docs/distributed.md.)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DistributedEngine, NotSupportedError, createEngine, insert, select, update, type Engine } from "../../src/index.js";
import { postgresHashRemainder } from "../../src/distributed/partition-hash.js";
import { distShop, dropPgDatabases, freshPgDatabases, pgDatabases, pinnedCounts, routingReadsNothing, shopRows, shopTree } from "./fixture.js";

const PG = new URL(process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test");
const BACKENDS = 3;
const dbs = pgDatabases(BACKENDS);
const url = (db: string) => {
  const u = new URL(PG);
  u.pathname = `/${db}`;
  return u.toString();
};
const servers = dbs.backends.map((database) => ({ host: PG.hostname, port: Number(PG.port || 5432), user: PG.username || "root", database }));
const CUSTOMERS = 200;

describe("postgres_fdw", () => {
  const shop = distShop();
  const rows = shopRows(CUSTOMERS, 23);
  let dist: DistributedEngine;
  let single: Engine;
  const tree = () => shopTree(shop);

  before(async () => {
    await freshPgDatabases([dbs.head, ...dbs.backends, `${dbs.head}_single`]);
    dist = new DistributedEngine({
      kind: "postgres_fdw",
      metadata: shop.md,
      head: createEngine(url(dbs.head)),
      backends: dbs.backends.map((d) => createEngine(url(d))),
    });
    await dist.create(servers);
    single = createEngine(url(`${dbs.head}_single`));
    await shop.md.createAll(single);
    for (const e of [dist.head, single]) {
      await e.execute(insert(shop.customer).values(rows.customer));
      await e.execute(insert(shop.order).values(rows.order));
      await e.execute(insert(shop.item).values(rows.item));
    }
  });
  after(async () => {
    await dist?.dispose();
    await single?.dispose();
    await dropPgDatabases([dbs.head, ...dbs.backends, `${dbs.head}_single`]);
  });

  test("issue 17: the head's DDL: servers, user mappings, members PARTITION BY HASH on the root key with foreign partitions, no keys", () => {
    const ddl = dist.headDdl(servers);
    assert.equal(ddl[0], "CREATE EXTENSION IF NOT EXISTS postgres_fdw");
    assert.equal(
      ddl[1],
      `CREATE SERVER "arbor_b0" FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${PG.hostname}', port '${PG.port || 5432}', dbname '${dbs.backends[0]}')`,
    );
    assert.equal(ddl[2], `CREATE USER MAPPING FOR CURRENT_USER SERVER "arbor_b0" OPTIONS (user '${PG.username || "root"}')`);
    const at = ddl.findIndex((s) => s.startsWith('CREATE TABLE "cust_order"'));
    assert.equal(
      ddl[at],
      'CREATE TABLE "cust_order" ("customer_id" bigint NOT NULL, "id" integer NOT NULL, "day" date NOT NULL, "total" numeric(12, 2) NOT NULL) PARTITION BY HASH ("customer_id")',
    );
    assert.equal(
      ddl[at + 1],
      `CREATE FOREIGN TABLE "cust_order_p0" PARTITION OF "cust_order" FOR VALUES WITH (MODULUS 3, REMAINDER 0) SERVER "arbor_b0" OPTIONS (schema_name 'public', table_name 'cust_order')`,
    );
    assert.ok(!ddl.some((s) => /FOREIGN KEY|PRIMARY KEY|UNIQUE/.test(s)));
  });

  test("issue 17: every group lands wholly on the backend Arbor computes (read on the backends directly)", async () => {
    let customers = 0;
    let items = 0;
    for (const [i, b] of dist.backends.entries()) {
      for (const r of (await b.execute(select(shop.customer.c.id.as("k")).from(shop.customer))).rows) {
        assert.equal(postgresHashRemainder(r.k, BACKENDS), i, `customer ${r.k} is on backend ${i}`);
        customers++;
      }
      for (const r of (await b.execute(select(shop.item.c.customerId.as("k")).from(shop.item))).rows) {
        assert.equal(postgresHashRemainder(r.k, BACKENDS), i, `item of group ${r.k} is on backend ${i}`);
        items++;
      }
    }
    assert.deepEqual([customers, items], [CUSTOMERS, CUSTOMERS * 9]);
  });

  test("issue 17 regression: a pinned query whose subquery reads other groups goes through the head, not to one backend", async () => {
    for (const c of rows.customer.slice(0, 5)) {
      const { crossGroup, ownGroup } = pinnedCounts(shop, c.id);
      assert.deepEqual(dist.routeOf(crossGroup), { to: "head" });
      const expected = (await single.execute(crossGroup)).rows;
      assert.equal(Number(expected[0].everywhere), rows.order.length);
      assert.deepEqual((await dist.execute(crossGroup)).rows, expected, `customer ${c.id}`);
      assert.deepEqual(dist.routeOf(ownGroup), { to: "backend", index: postgresHashRemainder(c.id, BACKENDS) });
      assert.deepEqual((await dist.execute(ownGroup)).rows, (await single.execute(ownGroup)).rows, `customer ${c.id} direct`);
    }
  });

  test("issue 17: routing a point lookup walks nothing beyond what the owning backend's engine does running it alone", async () => {
    const c = rows.customer[7];
    const got = await routingReadsNothing(dist, () => tree().where(shop.customer.c.id.eq(c.id)), c.id);
    assert.ok(got.direct > 0, "the statement's fields are read");
    assert.equal(got.routed, got.direct, "reads of the statement: routed vs on the backend alone");
    assert.deepEqual([got.misses, got.hits], [1, 0], "the routed run counts once, as a new statement, in the backend's plan cache");
  });

  test("issue 17: nested trees through the head and straight to the owning backend equal one node's", async () => {
    const whole = (await single.execute(tree())).rows;
    assert.equal(whole.length, CUSTOMERS);
    assert.deepEqual((await dist.head.execute(tree())).rows, whole, "whole graph through the head");
    for (const c of rows.customer.slice(0, 25)) {
      const q = tree().where(shop.customer.c.id.eq(c.id));
      assert.deepEqual(dist.routeOf(q), { to: "backend", index: postgresHashRemainder(c.id, BACKENDS) });
      const expected = (await single.execute(q)).rows;
      assert.equal(expected.length, 1);
      assert.deepEqual((await dist.execute(q)).rows, expected, `customer ${c.id} direct`);
      assert.deepEqual((await dist.head.execute(q)).rows, expected, `customer ${c.id} through the head`);
    }
  });

  test("issue 17: an UPDATE of a root key is refused (the row would stay on its old backend), other UPDATEs go through the head", async () => {
    const c = rows.customer[0];
    await assert.rejects(
      dist.execute(
        update(shop.order)
          .set({ customerId: c.id + 1n })
          .where(shop.order.c.customerId.eq(c.id)),
      ),
      (e: unknown) => e instanceof NotSupportedError && /cust_order\.customer_id: it holds the group's root key/.test(e.message),
    );
    const r = await dist.execute(update(shop.customer).set({ name: "renamed" }).where(shop.customer.c.id.eq(c.id)));
    assert.equal(r.rowCount, 1);
    const owner = dist.backends[postgresHashRemainder(c.id, BACKENDS)];
    assert.deepEqual((await owner.execute(select(shop.customer.c.name).where(shop.customer.c.id.eq(c.id)))).rows, [{ name: "renamed" }]);
  });
});
