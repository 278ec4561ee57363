// A fixed-iteration driver for counting the instructions Arbor spends on a distributed point lookup
// (docs/performance.md, docs/distributed.md): the head and backend engines answer from memory (a
// driver handing back one canned row, as PostgreSQL's driver would), so the count is Arbor's own
// work, whatever else runs on the machine and with no server in it:
//
//   node bench/build.mjs
//   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --predictable --predictable-gc-schedule --hash-seed=1 --random-seed=1 \
//     bench/.out/dist-route.mjs <workload> <n>
//
// The count with n = 0 is subtracted from the count with n. Workloads, each n lookups of one
// customer's tree (customer → orders → items as one nested statement, bench/dist.ts's point
// lookup) built per call, for keys spread over three backends:
//   dist     through `dist.execute` (routed to the owning backend)
//   direct   on the owning backend's engine, its index known beforehand: what `dist` costs less its routing
//   route    `dist.routeOf` alone
//   build    the statements alone (what `route` costs less the routing)
import { DistributedEngine, type Engine, createEngine } from "../src/index.js";
import type { Driver, DriverConnection, DriverResult } from "../src/engine/driver.js";
import { distShop, shopRows, shopTree } from "../test/distributed/fixture.js";

const workload = process.argv[2] ?? "dist";
const n = Number(process.argv[3] ?? 1000);

// One customer's row as node-postgres hands it over in array mode (text values).
const ROW = ["42", "customer 0", '[[1,"2026-01-01","7.15",[[1,"sku-1-1",1],[2,"sku-1-2",2]]]]'];
const answer = (): DriverResult => ({ rows: [ROW.slice()], fields: [{ name: "id" }, { name: "name" }, { name: "orders" }], rowCount: 1 });
const connection: DriverConnection = {
  query: () => Promise.resolve(answer()),
  stream: () => {
    throw new Error("not streamed here");
  },
  close: () => Promise.resolve(),
};
const driver: Driver = { dialect: "postgres", maxConnections: 1, connect: () => Promise.resolve(connection) };
const engine = (name: string): Engine => createEngine({ driver, url: `postgres://memory/${name}` });

const shop = distShop();
const dist = new DistributedEngine({ kind: "postgres_fdw", metadata: shop.md, head: engine("head"), backends: ["b0", "b1", "b2"].map(engine) });
const keys = shopRows(300, 42).customer.map((c) => c.id);
const owner = keys.map((k) => dist.backendFor(k));
const lookup = (k: bigint) => shopTree(shop).where(shop.customer.c.id.eq(k));

let sink = 0;
for (let i = 0; i < n; i++) {
  const j = i % keys.length;
  switch (workload) {
    case "dist":
      sink += (await dist.execute(lookup(keys[j]))).rows.length;
      break;
    case "direct":
      sink += (await dist.backends[owner[j]].execute(lookup(keys[j]))).rows.length;
      break;
    case "route": {
      const r = dist.routeOf(lookup(keys[j]));
      sink += r.to === "backend" ? r.index : -1;
      break;
    }
    case "build":
      sink += lookup(keys[j]).statementNode.kind.length;
      break;
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}
await dist.dispose();
console.log(`${workload} × ${n}: ${sink}`);
