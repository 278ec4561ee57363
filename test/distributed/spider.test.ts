// Table groups on MariaDB Spider: Arbor generates the head's DDL from the group metadata, the
// engine places each group wholly on one backend (checked on the backends directly), and nested
// reads through the head and straight to the owning backend return the same trees as one node.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DistributedEngine, NotSupportedError, bigint, createEngine, insert, integer, primaryKey, select, sql, type Engine } from "../../src/index.js";
import { mariadbHashPartition } from "../../src/distributed/partition-hash.js";
import {
  BACKEND_HOSTS,
  DB,
  DIST_PORT,
  HEAD_HOST,
  distShop,
  dropSpiderDatabases,
  ensureSpiderBed,
  freshSpiderDatabases,
  pinnedCounts,
  routingReadsNothing,
  shopRows,
  shopTree,
} from "./fixture.js";
import { prepareNamespace } from "../support/engines.js";

const url = (host: string) => `mariadb://root@${host}:${DIST_PORT}/${DB}`;
const servers = BACKEND_HOSTS.map((host) => ({ host, port: DIST_PORT, user: "root", password: "", database: DB }));
const CUSTOMERS = 200;
// Server objects are global on the head: named after the test's database so concurrent runs do not share them.
const naming = { serverPrefix: `${DB}_b` };

describe("spider", () => {
  const shop = distShop();
  const rows = shopRows(CUSTOMERS, 17);
  let dist: DistributedEngine;
  let single: Engine;

  const tree = () => shopTree(shop);

  before(async () => {
    await ensureSpiderBed();
    await freshSpiderDatabases();
    dist = new DistributedEngine({
      kind: "spider",
      metadata: shop.md,
      head: createEngine(url(HEAD_HOST)),
      backends: BACKEND_HOSTS.map((h) => createEngine(url(h))),
    });
    await dist.create(servers, naming);
    single = createEngine(await prepareNamespace("mariadb", `${DB}_single`));
    await shop.md.createAll(single);
    await dist.head.execute(insert(shop.customer).values(rows.customer));
    await dist.head.execute(insert(shop.order).values(rows.order));
    await dist.head.execute(insert(shop.item).values(rows.item));
    for (const e of [single]) {
      await e.execute(insert(shop.customer).values(rows.customer));
      await e.execute(insert(shop.order).values(rows.order));
      await e.execute(insert(shop.item).values(rows.item));
    }
  });
  after(async () => {
    await dist?.drop(naming).catch(() => {});
    await dist?.dispose();
    await single?.withConnection((c) => c.runSql(`DROP DATABASE IF EXISTS \`${DB}_single\``)).catch(() => {});
    await single?.dispose();
    await dropSpiderDatabases();
  });

  test("issue 17: the head's DDL: one server per backend, members ENGINE=SPIDER partitioned BY HASH on the root key, no foreign keys", () => {
    const ddl = dist.headDdl(servers, naming);
    assert.equal(
      ddl[0],
      `CREATE OR REPLACE SERVER \`${DB}_b0\` FOREIGN DATA WRAPPER mysql OPTIONS (HOST '127.0.0.2', PORT ${DIST_PORT}, USER 'root', PASSWORD '', DATABASE '${DB}')`,
    );
    assert.equal(
      ddl[4],
      "CREATE TABLE `cust_order` (`customer_id` BIGINT NOT NULL, `id` INT NOT NULL, `day` DATE NOT NULL, `total` DECIMAL(12, 2) NOT NULL, PRIMARY KEY (`customer_id`, `id`))" +
        ' ENGINE=SPIDER DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin COMMENT=\'wrapper "mysql", table "cust_order"\'' +
        ` PARTITION BY HASH (\`customer_id\`) (PARTITION \`p0\` COMMENT = 'srv "${DB}_b0"', PARTITION \`p1\` COMMENT = 'srv "${DB}_b1"', PARTITION \`p2\` COMMENT = 'srv "${DB}_b2"')`,
    );
    assert.ok(!ddl.some((s) => /FOREIGN KEY/.test(s)));
  });

  test("issue 17: every group lands wholly on the backend Arbor computes (read on the backends directly)", async () => {
    const seen = { customer: 0, cust_order: 0, item: 0 };
    for (const [i, b] of dist.backends.entries())
      for (const t of [shop.customer, shop.order, shop.item]) {
        const keyCol = t === shop.customer ? shop.customer.c.id : t === shop.order ? shop.order.c.customerId : shop.item.c.customerId;
        const got = (await b.execute(select(keyCol.as("k")).from(t))).rows;
        for (const r of got) assert.equal(mariadbHashPartition(r.k, BACKEND_HOSTS.length), i, `${t.name} row of group ${r.k} is on backend ${i}`);
        seen[t.name as keyof typeof seen] += got.length;
      }
    assert.deepEqual(seen, { customer: CUSTOMERS, cust_order: CUSTOMERS * 3, item: CUSTOMERS * 9 });
    // The groups are spread, not piled on one backend.
    const perBackend = await Promise.all(dist.backends.map(async (b) => (await b.execute(select(shop.customer.c.id).from(shop.customer))).rows.length));
    assert.ok(
      perBackend.every((n) => n > CUSTOMERS / 6),
      `customers per backend: ${perBackend}`,
    );
  });

  test("issue 17 regression: a pinned query whose subquery reads other groups goes through the head, not to one backend", async () => {
    for (const c of rows.customer.slice(0, 5)) {
      const { crossGroup, ownGroup } = pinnedCounts(shop, c.id);
      assert.deepEqual(dist.routeOf(crossGroup), { to: "head" });
      const expected = (await single.execute(crossGroup)).rows;
      assert.equal(Number(expected[0].everywhere), rows.order.length);
      assert.deepEqual((await dist.execute(crossGroup)).rows, expected, `customer ${c.id}`);
      assert.deepEqual(dist.routeOf(ownGroup), { to: "backend", index: mariadbHashPartition(c.id, 3) });
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
    assert.deepEqual(dist.routeOf(tree()), { to: "head" });
    for (const c of rows.customer.slice(0, 25)) {
      const q = tree().where(shop.customer.c.id.eq(c.id));
      const route = dist.routeOf(q);
      assert.deepEqual(route, { to: "backend", index: mariadbHashPartition(c.id, 3) });
      const expected = (await single.execute(q)).rows;
      assert.equal(expected.length, 1);
      assert.deepEqual((await dist.execute(q)).rows, expected, `customer ${c.id} direct`);
      assert.deepEqual((await dist.head.execute(q)).rows, expected, `customer ${c.id} through the head`);
    }
    // Keys on two backends: the head answers.
    const [a, b] = [rows.customer.find((c) => mariadbHashPartition(c.id, 3) === 0)!, rows.customer.find((c) => mariadbHashPartition(c.id, 3) === 1)!];
    const two = tree().where(shop.customer.c.id.in([a.id, b.id]));
    assert.deepEqual(dist.routeOf(two), { to: "head" });
    assert.deepEqual((await dist.execute(two)).rows, (await single.execute(two)).rows);
  });

  test("issue 17: what Spider cannot partition by root key is refused, naming the table", () => {
    const bad = distShop();
    const head = dist.head;
    const refuse = (md: typeof bad.md, pattern: RegExp) =>
      assert.throws(
        () => new DistributedEngine({ kind: "spider", metadata: md, head, backends: dist.backends }),
        (e: unknown) => e instanceof NotSupportedError && pattern.test(e.message),
      );
    const noGroup = distShop();
    noGroup.md.table("loose", { id: bigint().primaryKey() });
    refuse(noGroup.md, /loose belongs to no table group/);
    const pk = distShop();
    pk.md.table("note", {
      id: bigint().primaryKey(),
      customerId: bigint()
        .notNull()
        .named("customer_id")
        .references(() => pk.customer.c.id, { grouping: true }),
    });
    refuse(pk.md, /note: its primary key does not include the root key customer_id/);
    const auto = distShop();
    auto.md.table(
      "tag",
      {
        id: integer().autoincrement(),
        customerId: bigint()
          .notNull()
          .named("customer_id")
          .references(() => auto.customer.c.id, { grouping: true }),
      },
      (c) => [primaryKey(c.id, c.customerId)],
    );
    refuse(auto.md, /tag: autoincrement columns count per backend/);
  });

  // Last: it kills connections on a backend.
  test("issue 17: a backend connection killed before COMMIT leaves no partial multi-backend write (Spider's XA)", async () => {
    const fresh = (p: number) => {
      for (let k = 1_000_000n; ; k++) if (mariadbHashPartition(k, 3) === p && !rows.customer.some((c) => c.id === k)) return k;
    };
    const [onA, onB] = [fresh(0), fresh(1)];
    const victim = createEngine(url(BACKEND_HOSTS[1]));
    try {
      await assert.rejects(
        dist.head.transaction(async (tx) => {
          await tx.execute(
            insert(shop.customer).values([
              { id: onA, name: "a" },
              { id: onB, name: "b" },
            ]),
          );
          // The head holds one connection per backend inside the XA transaction: cut backend 1's.
          await victim.withConnection(async (c) => {
            const ids = (await c.execute(sql`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND DB = ${DB}`)).rows;
            for (const r of ids) await c.runSql(`KILL ${Number(r.id)}`);
          });
        }),
      );
      for (const [i, host] of BACKEND_HOSTS.entries()) {
        const check = createEngine(url(host));
        try {
          const got = (
            await check.execute(
              select(shop.customer.c.id)
                .from(shop.customer)
                .where(shop.customer.c.id.in([onA, onB])),
            )
          ).rows;
          assert.deepEqual(got, [], `backend ${i} holds part of a transaction that failed`);
        } finally {
          await check.dispose();
        }
      }
    } finally {
      await victim.dispose();
    }
  });
});
