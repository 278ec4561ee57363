// ORM loading benchmark on PostgreSQL: 1,000 customers × 10 orders × 5 items loaded as mapped
// entities with nestedload, joinedload and selectinload, against the floor: the raw pg driver
// running the same nested SQL that nestedload compiles, plus JSON.parse (no objects, no types).
//
//   node bench/.out/orm.mjs [--quick]
//
// Every contender uses the same server, the same pg session settings (TimeZone=UTC, jit=off), a
// fresh Session per repetition (so nothing is served from an identity map), warm-up passes, and
// the median of the repetitions. A second nestedload contender binds a value no earlier query
// bound, as queries keyed by user input do. The ORM results are checked against each other before
// timing.
import os from "node:os";
import pg from "pg";
import {
  MetaData,
  Model,
  Registry,
  Session,
  bigint,
  boolean,
  createEngine,
  foreignKey,
  insert,
  integer,
  joinedload,
  manyToOne,
  nestedload,
  numeric,
  oneToMany,
  selectinload,
  text,
  timestamptz,
  unique,
  type Engine,
} from "../src/index.js";

const QUICK = process.argv.includes("--quick");
const REPS = QUICK ? 5 : 21;
const WARMUP = QUICK ? 2 : 3;
const PG = process.env.ARBOR_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const SCHEMA = "arbor_bench_orm";

const md = new MetaData();
const customerT = md.table("customer", { id: integer().primaryKey(), name: text().notNull(), vip: boolean().notNull(), created: timestamptz().notNull() });
const orderT = md.table(
  "cust_order",
  {
    id: integer().primaryKey(),
    customerId: integer()
      .notNull()
      .named("customer_id")
      .references(() => customerT.c.id, { grouping: true }),
    ordernum: text().notNull(),
    placedAt: timestamptz().notNull().named("placed_at"),
    total: numeric(10, 2).notNull(),
  },
  (c) => [unique([c.customerId, c.id])],
);
const itemT = md.table(
  "item",
  {
    id: integer().primaryKey(),
    customerId: integer().notNull().named("customer_id"),
    orderId: integer().notNull().named("order_id"),
    sku: text().notNull(),
    qty: integer().notNull(),
    price: numeric(10, 2).notNull(),
    serial: bigint().notNull(),
  },
  (c) => [foreignKey([c.customerId, c.orderId], () => [orderT.c.customerId, orderT.c.id], { grouping: true })],
);

const registry = new Registry();
class Customer extends Model(customerT) {
  declare orders: Order[];
}
class Order extends Model(orderT) {
  declare customer: Customer | null;
  declare items: Item[];
}
class Item extends Model(itemT) {
  declare order: Order | null;
}
registry.map(Customer, { relationships: { orders: oneToMany(() => Order, { backPopulates: "customer", lazy: "lazy" }) } });
registry.map(Order, {
  relationships: {
    customer: manyToOne(() => Customer, { backPopulates: "orders" }),
    items: oneToMany(() => Item, { backPopulates: "order", lazy: "lazy" }),
  },
});
registry.map(Item, { relationships: { order: manyToOne(() => Order, { backPopulates: "items" }) } });

async function load(engine: Engine): Promise<void> {
  await engine.withConnection(async (c) => {
    await md.dropAll(c);
    await md.createAll(c);
    const customers = [],
      orders = [],
      items = [];
    for (let i = 1; i <= 1000; i++) {
      customers.push({ id: i, name: `customer ${i}`, vip: i % 7 === 0, created: new Date(Date.UTC(2020, 0, 1) + i * 60_000) });
      for (let j = 0; j < 10; j++) {
        const oid = i * 10 + j;
        orders.push({ id: oid, customerId: i, ordernum: `ORD-${oid}`, placedAt: new Date(Date.UTC(2021, 0, 1) + oid * 1000), total: `${oid % 1000}.30` });
        for (let k = 0; k < 5; k++)
          items.push({
            id: oid * 10 + k,
            customerId: i,
            orderId: oid,
            sku: `SKU-${k}`,
            qty: k + 1,
            price: `${k}.05`,
            serial: 9007199254740993n + BigInt(oid * 10 + k),
          });
      }
    }
    await c.execute(insert(customerT).values(customers));
    for (let i = 0; i < orders.length; i += 5000) await c.execute(insert(orderT).values(orders.slice(i, i + 5000)));
    for (let i = 0; i < items.length; i += 5000) await c.execute(insert(itemT).values(items.slice(i, i + 5000)));
    await c.runSql("ANALYZE");
  });
}

const strategies = { nestedload, joinedload, selectinload } as const;
let fresh = 0;
/** With `freshValue`, every query binds a value no earlier query bound (`id > -n`, still every customer). */
async function loadGraph(engine: Engine, how: keyof typeof strategies, freshValue = false): Promise<Customer[]> {
  const s = new Session(engine, { registry });
  try {
    const q = s
      .query(Customer)
      .options(strategies[how](Customer, "orders", "items"))
      .orderBy(Customer.c.id);
    return await (freshValue ? q.where(Customer.c.id.gt(-++fresh)) : q).all();
  } finally {
    await s.close();
  }
}

function picture(cs: Customer[]): unknown {
  return cs.map((c) => [
    c.id,
    c.name,
    c.vip,
    c.created.getTime(),
    c.orders.map((o) => [o.id, o.placedAt.getTime(), o.total, o.items.map((i) => [i.id, i.price, i.serial])]),
  ]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * A unit of work's end after a read: commit a session holding the whole loaded graph, nothing
 * changed. The flush finds nothing to write; commit expires every object (61,000 of them).
 */
async function commitAfterLoad(engine: Engine): Promise<void> {
  const times: number[] = [];
  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    const s = new Session(engine, { registry });
    await s
      .query(Customer)
      .options(nestedload(Customer, "orders", "items"))
      .all();
    const t0 = performance.now();
    await s.commit();
    if (rep >= WARMUP) times.push(performance.now() - t0);
    await s.close();
  }
  console.log(
    `\nCommit of a session holding the loaded graph, nothing changed: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`,
  );
}

/**
 * One customer's graph by primary key, call after call: per-query costs (statement building,
 * server parse and plan, session begin/end) rather than per-row ones. The floor runs the same
 * nested SQL through pg as a named prepared statement, plus JSON.parse.
 */
async function oneGraph(engine: Engine, raw: pg.Client): Promise<void> {
  const CALLS = QUICK ? 300 : 2000;
  const probe = new Session(engine, { registry });
  const stmtFor = (id: number) =>
    probe
      .query(Customer)
      .options(nestedload(Customer, "orders", "items"))
      .where(Customer.c.id.eq(id))
      .compose().stmt;
  const text = engine.compile(stmtFor(1)).sql;
  const types = { getTypeParser: (oid: number) => (oid === 114 ? JSON.parse : (v: string) => v) } as unknown as pg.CustomTypesConfig;
  const byKey = async (how: keyof typeof strategies, id: number) => {
    const s = new Session(engine, { registry });
    try {
      return await s
        .query(Customer)
        .options(strategies[how](Customer, "orders", "items"))
        .where(Customer.c.id.eq(id))
        .one();
    } finally {
      await s.close();
    }
  };
  const contenders: [string, (id: number) => Promise<unknown>][] = [
    [
      "floor: pg, same nested SQL, named prepared statement + JSON.parse",
      (id) => raw.query({ name: "bench_one", text, values: [id], rowMode: "array", types }),
    ],
    ["pg, same SQL unnamed (parsed and planned per call)", (id) => raw.query({ text, values: [id], rowMode: "array", types })],
    ["Arbor Core execute(nested statement built per call)", (id) => engine.execute(stmtFor(id))],
    ["Arbor ORM nestedload, session per call", (id) => byKey("nestedload", id)],
    ["Arbor ORM joinedload, session per call", (id) => byKey("joinedload", id)],
    ["Arbor ORM selectinload, session per call", (id) => byKey("selectinload", id)],
  ];
  const lat = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
  // Interleaved: each id is loaded by every contender in turn (order rotated per call), so load
  // on the machine that comes and goes falls on all of them alike.
  for (let pass = 0; pass < 2; pass++) {
    let id = 1;
    for (let i = 0; i < CALLS; i++) {
      id = ((id * 7919) % 1000) + 1;
      for (let k = 0; k < contenders.length; k++) {
        const [name, fn] = contenders[(k + i) % contenders.length];
        const t0 = performance.now();
        await fn(id);
        if (pass === 1) lat.get(name)!.push(performance.now() - t0);
      }
    }
  }
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];
  const floor = pct(lat.get(contenders[0][0])!, 0.5);
  console.log(`\nOne customer's graph by key (10 orders, 50 items), ${CALLS} calls per contender after as many warm-up calls, interleaved`);
  console.log("| contender | p50 ms | p99 ms | p50 × floor |");
  console.log("|---|---:|---:|---:|");
  for (const [name] of contenders) {
    const t = lat.get(name)!;
    console.log(`| ${name} | ${pct(t, 0.5).toFixed(3)} | ${pct(t, 0.99).toFixed(3)} | ${(pct(t, 0.5) / floor).toFixed(2)} |`);
  }
  await probe.close();
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  await admin.end();
  const url = new URL(PG);
  url.searchParams.set("schema", SCHEMA);
  const engine = createEngine(url.toString(), { poolSize: 1 });
  await load(engine);

  // The floor: the exact SQL nestedload runs, through pg, rows as arrays, plus JSON.parse.
  const probe = new Session(engine, { registry });
  const composed = probe
    .query(Customer)
    .options(nestedload(Customer, "orders", "items"))
    .orderBy(Customer.c.id)
    .compose();
  await probe.close();
  const compiled = engine.compile(composed.stmt);
  const params = compiled.params.map((p) => ("value" in p ? p.value : null));
  const raw = new pg.Client({ connectionString: PG, options: `-c TimeZone=UTC -c jit=off -c search_path=${SCHEMA}` });
  await raw.connect();
  const nestedAt = compiled.columns!.findIndex((c) => c.type.kind === "nested");
  // JSON.parse runs as each row arrives (as pg's own json parser does), every other column stays
  // text; for context, the same with JSON.parse after the query returns.
  const asText = (v: string) => v;
  const floor = async () => {
    const types = { getTypeParser: (oid: number) => (oid === 114 ? JSON.parse : asText) };
    const res = await raw.query({ text: compiled.sql, values: params, rowMode: "array", types: types as unknown as pg.CustomTypesConfig });
    return res.rows.length;
  };
  const parseAfter = async () => {
    const res = await raw.query({ text: compiled.sql, values: params, rowMode: "array", types: { getTypeParser: () => asText } });
    for (const r of res.rows as unknown[][]) r[nestedAt] = JSON.parse(r[nestedAt] as string);
    return res.rows.length;
  };

  const pics = await Promise.all(
    ([["nestedload"], ["joinedload"], ["selectinload"], ["nestedload", true]] as const).map(async ([h, f]) =>
      JSON.stringify(picture(await loadGraph(engine, h, f)), (_k, v) => (typeof v === "bigint" ? `${v}n` : v)),
    ),
  );
  if (pics.some((p) => p !== pics[0])) throw new Error("The strategies built different graphs");
  const objects = (JSON.parse(pics[0]) as unknown[][]).length;
  if (objects !== 1000) throw new Error(`expected 1,000 customers, got ${objects}`);

  const contenders: [string, () => Promise<unknown>][] = [
    ["floor: pg + same nested SQL + JSON.parse", floor],
    ["pg + same SQL, JSON.parse after the query (context)", parseAfter],
    ["Arbor ORM nestedload", () => loadGraph(engine, "nestedload")],
    ["Arbor ORM nestedload, a fresh bound value per query", () => loadGraph(engine, "nestedload", true)],
    ["Arbor ORM joinedload", () => loadGraph(engine, "joinedload")],
    ["Arbor ORM selectinload", () => loadGraph(engine, "selectinload")],
  ];
  const times = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
  // Node's CPU time (user + system, GC threads included) per repetition: the client's work,
  // whether or not it overlapped with the server producing rows.
  const cpus = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    for (let k = 0; k < contenders.length; k++) {
      const [name, fn] = contenders[(k + rep) % contenders.length];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      const dt = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (rep >= WARMUP) {
        times.get(name)!.push(dt);
        cpus.get(name)!.push((c.user + c.system) / 1000);
      }
    }
  }
  const floorMs = median(times.get(contenders[0][0])!);
  console.log(`ORM graph load, PostgreSQL, 1,000 × 10 × 5 (61,000 entities), Node ${process.version}, ${os.cpus().length} cores, ${REPS} reps`);
  // Paired: each repetition's time over the floor's in the same repetition, then the median; the
  // figure least moved by other load on the machine (the floor's own median varies the most).
  const floors = times.get(contenders[0][0])!;
  const floorCpu = median(cpus.get(contenders[0][0])!);
  console.log("| contender | median ms | min | max | × floor | paired × floor | Node CPU ms | CPU × floor |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const [name] of contenders) {
    const t = times.get(name)!;
    const paired = median(t.map((x, i) => x / floors[i]));
    const cpu = median(cpus.get(name)!);
    console.log(
      `| ${name} | ${median(t).toFixed(1)} | ${Math.min(...t).toFixed(1)} | ${Math.max(...t).toFixed(1)} | ${(median(t) / floorMs).toFixed(2)} | ${paired.toFixed(2)} | ${cpu.toFixed(1)} | ${(cpu / floorCpu).toFixed(2)} |`,
    );
  }
  await commitAfterLoad(engine);
  await oneGraph(engine, raw);
  await raw.end();
  await engine.withConnection((c) => md.dropAll(c));
  await engine.dispose();
}

await main();
