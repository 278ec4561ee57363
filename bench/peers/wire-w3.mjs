// Workload 3's three INSERTs sent by hand in the wire forms where Arbor Core and the floor differ,
// one form per connection, with each backend's CPU per pass from /proc/<pid>/schedstat (ns) and its
// page faults: does any difference between what the two send cost the server? Needs the bundles
// (`node build.mjs`) and the harness's schema on the database (run it once first); the server must
// run on this machine (Linux /proc). Leaves the tables empty.
//
//   node wire-w3.mjs [--rounds=30] [--only=floor,arbor,...]   (ARBOR_PEERS_PG_URL as for the harness)
//
// Forms: floor (the floor's SQL and node-postgres's timestamps: +00:00), arbor (Arbor's SQL: quoted
// names, ", " between placeholders, RETURNING "t"."id", none on the items; timestamps in Z; the
// session's jit = off and TimeZone = UTC), and each with one difference swapped: floor-noret (no
// RETURNING on the items), floor-z (timestamps in Z), floor-session (Arbor's session settings),
// arbor-ret (RETURNING on the items), arbor-compact (the floor's SQL text), arbor-prepared (the
// customer INSERT prepared by name, as Arbor's engine does from its second run).
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";

const here = path.dirname(fileURLToPath(import.meta.url));
const { makeInsertGraph } = await import(pathToFileURL(path.join(here, ".out", "lib", "data.mjs")).href);
const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(opt("rounds") ?? 30);
const ONLY = opt("only")?.split(",");
const PG_URL = process.env.ARBOR_PEERS_PG_URL ?? "postgres://root@127.0.0.1:5432/arbor_peers";
const graph = makeInsertGraph();

const cpuNs = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const faults = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(f.slice(f.lastIndexOf(")") + 2).split(" ")[7]);
};
const pad = (n, w = 2) => String(n).padStart(w, "0");
/** A Date as node-postgres writes it in UTC. */
const offset = (d) =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+00:00`;
const zulu = (d) => d.toISOString();
const ARBOR_SESSION = "-c TimeZone=UTC -c jit=off";

function statements({ style, ts, itemReturning }) {
  const q = style === "arbor" ? (s) => `"${s}"` : (s) => s;
  const sep = style === "arbor" ? ", " : ",";
  const multi = (table, cols, rows, ret) => {
    const values = [];
    const tuples = rows.map((r) => `(${r.map((v) => (values.push(v), `$${values.length}`)).join(sep)})`).join(sep);
    const returning = ret ? (style === "arbor" ? ` RETURNING ${q(table)}.${q("id")}` : " RETURNING id") : "";
    return { text: `INSERT INTO ${q(table)} (${cols.map(q).join(sep)}) VALUES ${tuples}${returning}`, values };
  };
  // Ids as RESTART IDENTITY hands them out: customers 1…200, orders 1…1,400 in order.
  const orders = graph.flatMap((c, k) => c.orders.map((o) => [k + 1, o]));
  const items = orders.flatMap(([, o], k) => o.items.map((i) => [String(k + 1), i.sku, String(i.qty), i.price, i.serial.toString()]));
  return [
    multi("customer", ["name", "vip", "created"], graph.map((c) => [c.name, c.vip, ts(c.created)]), true),
    multi("cust_order", ["customer_id", "ordernum", "placed_at", "total"], orders.map(([cid, o]) => [String(cid), o.ordernum, ts(o.placedAt), o.total]), true),
    multi("item", ["order_id", "sku", "qty", "price", "serial"], items, itemReturning),
  ];
}

const FORMS = {
  floor: { style: "floor", ts: offset, itemReturning: true, session: "" },
  "floor-noret": { style: "floor", ts: offset, itemReturning: false, session: "" },
  "floor-z": { style: "floor", ts: zulu, itemReturning: true, session: "" },
  "floor-session": { style: "floor", ts: offset, itemReturning: true, session: ARBOR_SESSION },
  arbor: { style: "arbor", ts: zulu, itemReturning: false, session: ARBOR_SESSION },
  "arbor-ret": { style: "arbor", ts: zulu, itemReturning: true, session: ARBOR_SESSION },
  "arbor-compact": { style: "floor", ts: zulu, itemReturning: false, session: ARBOR_SESSION },
  "arbor-prepared": { style: "arbor", ts: zulu, itemReturning: false, session: ARBOR_SESSION, named: true },
};

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
const empty = () => admin.query("TRUNCATE item, cust_order, customer RESTART IDENTITY");
const entries = [];
for (const [name, form] of Object.entries(FORMS)) {
  if (ONLY && !ONLY.includes(name)) continue;
  const client = new pg.Client({ connectionString: PG_URL, ...(form.session ? { options: form.session } : {}) });
  await client.connect();
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  const sent = statements(form);
  const pass = async () => {
    await empty();
    const c0 = cpuNs(pid);
    const f0 = faults(pid);
    await client.query("BEGIN");
    for (let k = 0; k < sent.length; k++) await client.query({ ...sent[k], ...(form.named && k === 0 ? { name: "wire_w3_customers" } : {}) });
    await client.query("COMMIT");
    return { cpu: (cpuNs(pid) - c0) / 1e6, faults: faults(pid) - f0 };
  };
  await pass();
  await pass();
  entries.push({ name, client, pass, cpu: [], faults: [] });
}
for (let round = 0; round < ROUNDS; round++)
  for (let k = 0; k < entries.length; k++) {
    const e = entries[(k + round) % entries.length];
    const r = await e.pass();
    e.cpu.push(r.cpu);
    e.faults.push(r.faults);
  }
for (const e of entries) await e.client.end();
await empty();
await admin.end();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`Workload 3's INSERTs by wire form: server CPU per pass, medians of ${ROUNDS} interleaved passes, one backend per form; load average ${os.loadavg()[0].toFixed(2)}\n`);
console.log("| form | server CPU ms/pass | min | page faults/pass |");
console.log("|---|--:|--:|--:|");
for (const e of entries) console.log(`| ${e.name} | ${median(e.cpu).toFixed(1)} | ${Math.min(...e.cpu).toFixed(1)} | ${median(e.faults)} |`);
