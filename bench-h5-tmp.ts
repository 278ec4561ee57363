import { MetaData, Model, Registry, Session, createEngine, integer, text, foreignKey, oneToMany, manyToOne } from "./src/index.js";
const md = new MetaData();
const empT = md.table("emp", { id: integer().primaryKey(), name: text().notNull(), managerId: integer().named("manager_id") }, (c) => [foreignKey([c.managerId], () => [c.id])]);
const tagT = md.table("tg", { id: integer().primaryKey(), name: text().notNull() });
const reg = new Registry();
class Emp extends Model(empT) { declare manager: Emp | null; declare reports: Emp[]; }
class Tg extends Model(tagT) {}
reg.map(Emp, { relationships: { manager: manyToOne(() => Emp, { backPopulates: "reports" }), reports: oneToMany(() => Emp, { backPopulates: "manager" }) } });
reg.map(Tg);
const N = 5000;
const engine = createEngine("sqlite::memory:");
await engine.withConnection((c) => md.createAll(c));
const time = async (label: string, fn: () => Promise<void>) => {
  const best: number[] = [];
  for (let r = 0; r < 5; r++) { const t0 = performance.now(); await fn(); best.push(performance.now() - t0); }
  best.sort((a, b) => a - b);
  console.log(label, "median ms", best[2].toFixed(1));
};
let round = 0;
await time(`insert ${N} flat rows`, async () => {
  const s = new Session(engine, { registry: reg });
  const base = ++round * N;
  for (let i = 0; i < N; i++) s.add(new Tg({ id: base + i, name: "t" }));
  await s.commit(); await s.close();
});
await time(`insert a ${N}-row tree (random managers)`, async () => {
  const s = new Session(engine, { registry: reg });
  const base = ++round * N;
  const es: Emp[] = [];
  let seed = 7;
  for (let i = 0; i < N; i++) { const e = new Emp({ id: base + i, name: "e" }); if (i > 0) { seed = (seed * 1103515245 + 12345) % 2147483648; e.manager = es[seed % i]; } es.push(e); }
  s.add(es[0]);
  for (const e of es) s.add(e);
  await s.commit(); await s.close();
});
