// An independent evaluator of generated statements over a dataset, written from SQL's semantics:
// three-valued logic, NULLs in aggregates, IN/NOT IN with NULLs, set operations treating NULLs as
// equal, window frames with peers. Decimals are exact (scaled bigints with their scale, decimal.ts).
import { type Dec, decAdd, decCmp, decKey, decMod, decMul, decNeg, decQuotient, decText, parseDec } from "./decimal.js";
import {
  COLUMNS,
  isDec,
  SCALE,
  T,
  U,
  type Compound,
  type Dataset,
  type E,
  type Ord,
  type Row,
  type Sel,
  type Src,
  type Stmt,
  type Ty,
  type Val,
} from "./model.js";

export type Env = Readonly<Record<string, Row | null>>;
export type OutRow = Record<string, unknown>;

const noNegZero = (n: number): number => (n === 0 ? 0 : n);

/** Orders two non-NULL values of one type. */
export function compareVals(ty: Ty, a: Val, b: Val): number {
  // Decimals by value: a comparison may set a numeric(10, 2) beside a numeric(20, 4).
  if (isDec(ty)) return decCmp(parseDec(a as string), parseDec(b as string));
  if (ty === "bool") return Number(a) - Number(b);
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
}

const keyOf = (vals: readonly unknown[]): string => JSON.stringify(vals);

interface Ctx {
  readonly data: Dataset;
  /** The rows of the current group, inside an aggregate query. */
  readonly group?: readonly Env[];
  /** Window function values for the current row. */
  readonly win?: ReadonlyMap<E, Val>;
}

function cmp3(op: string, ty: Ty, a: Val, b: Val): Val {
  if (a === null || b === null) return null;
  const c = compareVals(ty, a, b);
  return op === "eq" ? c === 0 : op === "ne" ? c !== 0 : op === "lt" ? c < 0 : op === "le" ? c <= 0 : op === "gt" ? c > 0 : c >= 0;
}
const not3 = (v: Val): Val => (v === null ? null : !v);
function and3(vs: readonly Val[]): Val {
  if (vs.some((v) => v === false)) return false;
  return vs.some((v) => v === null) ? null : true;
}
function or3(vs: readonly Val[]): Val {
  if (vs.some((v) => v === true)) return true;
  return vs.some((v) => v === null) ? null : false;
}
function in3(ty: Ty, x: Val, list: readonly Val[]): Val {
  if (list.length === 0) return false;
  return or3(list.map((v) => cmp3("eq", ty, x, v)));
}
function likeRe(pattern: string): RegExp {
  const body = [...pattern].map((ch) => (ch === "%" ? "[\\s\\S]*" : ch === "_" ? "[\\s\\S]" : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("");
  return new RegExp(`^${body}$`);
}

export function evalExpr(e: E, env: Env, ctx: Ctx): Val {
  switch (e.k) {
    case "col": {
      const row = env[e.src.name];
      if (row === undefined) throw new Error(`source ${e.src.name} not in scope`);
      return row === null ? null : row[e.col];
    }
    case "lit":
      return e.v;
    case "arith": {
      const l = evalExpr(e.l, env, ctx);
      const r = evalExpr(e.r, env, ctx);
      if (l === null || r === null) return null;
      if (isDec(e.ty) || e.ty === "quot") return decArith(e.op, parseDec(l as string | number), parseDec(r as string | number));
      const a = l as number;
      const b = r as number;
      return noNegZero(e.op === "add" ? a + b : e.op === "sub" ? a - b : e.op === "mul" ? a * b : e.op === "div" ? Math.trunc(a / b) : a % b);
    }
    case "neg": {
      const v = evalExpr(e.e, env, ctx);
      if (v === null) return null;
      return isDec(e.ty) ? decText(decNeg(parseDec(v as string))) : noNegZero(-(v as number));
    }
    case "cmp":
      return cmp3(e.op, e.l.ty as Ty, evalExpr(e.l, env, ctx), evalExpr(e.r, env, ctx));
    case "isnull": {
      const isNull = evalExpr(e.e, env, ctx) === null;
      return e.not ? !isNull : isNull;
    }
    case "logic": {
      const vs = e.items.map((i) => evalExpr(i, env, ctx));
      return e.op === "and" ? and3(vs) : or3(vs);
    }
    case "not":
      return not3(evalExpr(e.e, env, ctx));
    case "in": {
      const r = in3(
        e.e.ty as Ty,
        evalExpr(e.e, env, ctx),
        e.list.map((v) => evalExpr(v, env, ctx)),
      );
      return e.not ? not3(r) : r;
    }
    case "between": {
      const x = evalExpr(e.e, env, ctx);
      const ty = e.e.ty as Ty;
      const r = and3([cmp3("ge", ty, x, evalExpr(e.lo, env, ctx)), cmp3("le", ty, x, evalExpr(e.hi, env, ctx))]);
      return e.not ? not3(r) : r;
    }
    case "case": {
      for (const [c, v] of e.whens) if (evalExpr(c, env, ctx) === true) return evalExpr(v, env, ctx);
      return e.otherwise ? evalExpr(e.otherwise, env, ctx) : null;
    }
    case "coalesce": {
      for (const a of e.args) {
        const v = evalExpr(a, env, ctx);
        if (v !== null) return v;
      }
      return null;
    }
    case "fn": {
      const v = evalExpr(e.e, env, ctx);
      if (v === null) return null;
      if (e.f === "lower") return (v as string).toLowerCase();
      if (e.f === "upper") return (v as string).toUpperCase();
      if (e.f === "length") return [...(v as string)].length;
      if (!isDec(e.ty)) return Math.abs(v as number);
      const d = parseDec(v as string);
      return decText(d.units < 0n ? decNeg(d) : d);
    }
    case "cast": {
      // Only to text, from integers, decimals (keeping their scale) and dates.
      const v = evalExpr(e.e, env, ctx);
      return v === null ? null : String(v);
    }
    case "concat": {
      const l = evalExpr(e.l, env, ctx);
      const r = evalExpr(e.r, env, ctx);
      return l === null || r === null ? null : (l as string) + (r as string);
    }
    case "like": {
      const l = evalExpr(e.e, env, ctx);
      const p = evalExpr(e.pattern, env, ctx);
      if (l === null || p === null) return null;
      const m = likeRe(p as string).test(l as string);
      return e.not ? !m : m;
    }
    case "exists": {
      const n = evalSelect(e.q, env, ctx.data).length;
      return e.not ? n === 0 : n > 0;
    }
    case "inq": {
      const vals = evalSelect(e.q, env, ctx.data).map((r) => r.values[0] as Val);
      const r = in3(e.e.ty as Ty, evalExpr(e.e, env, ctx), vals);
      return e.not ? not3(r) : r;
    }
    case "scalar": {
      const rows = evalSelect(e.q, env, ctx.data);
      if (rows.length > 1) throw new Error("scalar subquery returned more than one row");
      return rows.length ? (rows[0].values[0] as Val) : null;
    }
    case "agg":
      return aggregate(e, ctx);
    case "win": {
      const v = ctx.win?.get(e);
      if (v === undefined) throw new Error("window function outside a window query");
      return v;
    }
  }
}

/** Decimal arithmetic with SQL's scales; a quotient as exact text to 20 places (compared rounded). */
function decArith(op: Extract<E, { k: "arith" }>["op"], l: Dec, r: Dec): string {
  if (op === "add" || op === "sub") return decText(decAdd(l, r, op === "add" ? 1n : -1n));
  if (op === "mul") return decText(decMul(l, r));
  if (op === "mod") return decText(decMod(l, r));
  return decQuotient(l, r);
}

function aggregate(e: Extract<E, { k: "agg" }>, ctx: Ctx): Val {
  if (!ctx.group) throw new Error("aggregate outside a group");
  let envs = ctx.group;
  if (e.filter) envs = envs.filter((g) => evalExpr(e.filter!, g, { data: ctx.data }) === true);
  if (e.f === "countStar") return envs.length;
  const argTy = e.e!.ty as Ty;
  const vals = envs.map((g) => evalExpr(e.e!, g, { data: ctx.data })).filter((v): v is Exclude<Val, null> => v !== null);
  return foldAgg(e.f, argTy, vals);
}

function foldAgg(f: string, ty: Ty, vals: readonly Exclude<Val, null>[]): Val {
  if (f === "count") return vals.length;
  if (f === "countDistinct") return new Set(vals.map((v) => (isDec(ty) ? decKey(parseDec(v as string)) : JSON.stringify(v)))).size;
  if (vals.length === 0) return null;
  if (f === "min" || f === "max") return vals.reduce((a, b) => ((f === "min" ? compareVals(ty, b, a) < 0 : compareVals(ty, b, a) > 0) ? b : a));
  if (isDec(ty)) {
    const zero: Dec = { units: 0n, scale: SCALE[ty] };
    const s = decText(vals.reduce<Dec>((a, b) => decAdd(a, parseDec(b as string)), zero));
    return f === "sum" ? s : Number(s) / vals.length;
  }
  const s = vals.reduce<number>((a, b) => a + (b as number), 0);
  return f === "sum" ? s : s / vals.length;
}

/** Rows of a FROM clause as environments, each extending the enclosing query's. */
function fromEnvs(from: Sel["from"], outer: Env, data: Dataset): Env[] {
  if (typeof from !== "string") return data[from.table].map((r) => ({ ...outer, [from.name]: r }));
  const out: Env[] = [];
  for (const tr of data.t) {
    if (from === "t") {
      out.push({ ...outer, [T.name]: tr });
      continue;
    }
    const kids = data.u.filter((ur) => ur.tid === tr.id);
    for (const ur of kids) out.push({ ...outer, [T.name]: tr, [U.name]: ur });
    if (kids.length === 0 && from === "t left join u") out.push({ ...outer, [T.name]: tr, [U.name]: null });
  }
  return out;
}

function hasAgg(e: E): boolean {
  switch (e.k) {
    case "agg":
      return true;
    case "col":
    case "lit":
    case "exists":
    case "scalar":
    case "win":
      return false;
    case "arith":
    case "concat":
    case "cmp":
      return hasAgg(e.l) || hasAgg(e.r);
    case "neg":
    case "not":
    case "isnull":
    case "fn":
    case "cast":
      return hasAgg(e.e);
    case "logic":
      return e.items.some(hasAgg);
    case "in":
      return hasAgg(e.e) || e.list.some(hasAgg);
    case "inq":
      return hasAgg(e.e);
    case "between":
      return hasAgg(e.e) || hasAgg(e.lo) || hasAgg(e.hi);
    case "case":
      return e.whens.some(([c, v]) => hasAgg(c) || hasAgg(v)) || (e.otherwise !== null && hasAgg(e.otherwise));
    case "coalesce":
      return e.args.some(hasAgg);
    case "like":
      return hasAgg(e.e) || hasAgg(e.pattern);
  }
}

function sortEnvs<X>(xs: readonly X[], order: readonly Ord[], envOf: (x: X) => Env, ctxOf: (x: X) => Ctx): X[] {
  const keyed = xs.map((x) => ({ x, keys: order.map((o) => evalExpr(o.e, envOf(x), ctxOf(x))) }));
  keyed.sort((a, b) => compareKeys(order, a.keys, b.keys));
  return keyed.map((k) => k.x);
}

function compareKeys(order: readonly Ord[], a: readonly Val[], b: readonly Val[]): number {
  for (let i = 0; i < order.length; i++) {
    const o = order[i];
    const x = a[i];
    const y = b[i];
    if (x === null && y === null) continue;
    if (x === null || y === null) return (x === null ? -1 : 1) * (o.nulls === "first" ? 1 : -1);
    const c = compareVals(o.e.ty as Ty, x, y);
    if (c !== 0) return o.desc ? -c : c;
  }
  return 0;
}

/** Window values per environment, for every window expression of the select list. */
function windows(items: readonly E[], envs: readonly Env[], data: Dataset): Map<E, Val>[] {
  const out = envs.map(() => new Map<E, Val>());
  for (const w of items) {
    if (w.k !== "win") continue;
    const parts = new Map<string, number[]>();
    envs.forEach((env, n) => {
      const k = keyOf(w.part.map((p) => evalExpr(p, env, { data })));
      parts.set(k, [...(parts.get(k) ?? []), n]);
    });
    for (const idx of parts.values()) {
      const sorted = sortEnvs(
        idx,
        w.order,
        (n) => envs[n],
        () => ({ data }),
      );
      const keys = sorted.map((n) => w.order.map((o) => evalExpr(o.e, envs[n], { data })));
      const arg = (n: number): Val => (w.e ? evalExpr(w.e, envs[n], { data }) : null);
      sorted.forEach((n, pos) => {
        let peersEnd = w.order.length === 0 ? sorted.length : pos + 1;
        while (peersEnd < sorted.length && compareKeys(w.order, keys[peersEnd], keys[pos]) === 0) peersEnd++;
        let v: Val;
        if (w.f === "rowNumber") v = pos + 1;
        else if (w.f === "rank") v = sorted.findIndex((_, q) => compareKeys(w.order, keys[q], keys[pos]) === 0) + 1;
        else if (w.f === "denseRank") v = new Set(keys.slice(0, pos + 1).map(keyOf)).size;
        else if (w.f === "lag") v = pos > 0 ? arg(sorted[pos - 1]) : null;
        else if (w.f === "lead") v = pos + 1 < sorted.length ? arg(sorted[pos + 1]) : null;
        else if (w.f === "firstValue") v = arg(sorted[0]);
        else {
          const frame = sorted
            .slice(0, peersEnd)
            .map(arg)
            .filter((x): x is Exclude<Val, null> => x !== null);
          v = foldAgg(w.f, w.e!.ty as Ty, frame);
        }
        out[n].set(w, v);
      });
    }
  }
  return out;
}

export interface EvalRow {
  readonly values: readonly unknown[];
}

function nestedRows(n: Sel["nested"][number], env: Env, data: Dataset): unknown {
  const tr = env[T.name];
  const kids = data.u
    .filter((ur) => tr !== null && tr !== undefined && ur.tid === tr.id)
    .filter((ur) => !n.where || evalExpr(n.where, { ...env, [U.name]: ur }, { data }) === true)
    .sort((a, b) => (a.id as number) - (b.id as number))
    .map((ur) => Object.fromEntries(n.cols.map((c) => [c, ur[c]])));
  return n.one ? (kids[0] ?? null) : kids;
}

/** The rows of a SELECT as value lists in select-list order (nested items last). */
export function evalSelect(s: Sel, outer: Env, data: Dataset): EvalRow[] {
  const envs = fromEnvs(s.from, outer, data).filter((env) => !s.where || evalExpr(s.where, env, { data }) === true);
  let rows: { values: unknown[]; env: Env; ctx: Ctx }[];
  if (s.groupBy.length || s.items.some((i) => hasAgg(i.e)) || (s.having && hasAgg(s.having))) {
    const groups = new Map<string, Env[]>();
    if (!s.groupBy.length) groups.set("", [...envs]);
    for (const env of s.groupBy.length ? envs : []) {
      const k = keyOf(s.groupBy.map((g) => evalExpr(g, env, { data })));
      groups.set(k, [...(groups.get(k) ?? []), env]);
    }
    rows = [];
    for (const group of groups.values()) {
      const ctx: Ctx = { data, group };
      const env = group[0] ?? outer;
      if (s.having && evalExpr(s.having, env, ctx) !== true) continue;
      rows.push({ values: s.items.map((i) => evalExpr(i.e, env, ctx)), env, ctx });
    }
  } else {
    const wins = windows(
      s.items.map((i) => i.e),
      envs,
      data,
    );
    rows = envs.map((env, n) => {
      const ctx: Ctx = { data, win: wins[n] };
      return { values: [...s.items.map((i) => evalExpr(i.e, env, ctx)), ...s.nested.map((ni) => nestedRows(ni, env, data))], env, ctx };
    });
  }
  if (s.distinct) rows = dedupe(rows, (r) => r.values);
  if (s.order.length)
    rows = sortEnvs(
      rows,
      s.order,
      (r) => r.env,
      (r) => r.ctx,
    );
  const off = s.offset ? (evalExpr(s.offset, outer, { data }) as number) : 0;
  const lim = s.limit ? (evalExpr(s.limit, outer, { data }) as number) : Infinity;
  return rows.slice(off, off + lim).map((r) => ({ values: r.values }));
}

function dedupe<X>(xs: readonly X[], vals: (x: X) => readonly unknown[]): X[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = canonical(vals(x));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * A key under which equal rows (NULLs equal) collide. A column's decimals all have its type's scale
 * (the generator never mixes scales in one column), so equal decimals have equal text.
 */
function canonical(vals: readonly unknown[]): string {
  return JSON.stringify(vals);
}

function evalCompound(c: Compound, data: Dataset): EvalRow[] {
  const l = evalSelect(c.left, {}, data);
  const r = evalSelect(c.right, {}, data);
  const rKeys = new Set(r.map((x) => canonical(x.values)));
  if (c.op === "unionAll") return [...l, ...r];
  if (c.op === "union") return dedupe([...l, ...r], (x) => x.values);
  if (c.op === "intersect") return dedupe(l, (x) => x.values).filter((x) => rKeys.has(canonical(x.values)));
  return dedupe(l, (x) => x.values).filter((x) => !rKeys.has(canonical(x.values)));
}

/** Expected result rows, keyed by label as Arbor returns them. */
export function expected(s: Stmt, data: Dataset): OutRow[] {
  const sel = s.k === "select" ? s : s.left;
  const labels = [...sel.items.map((i) => i.label), ...sel.nested.map((n) => n.label)];
  const rows = s.k === "select" ? evalSelect(s, {}, data) : evalCompound(s, data);
  return rows.map((r) => Object.fromEntries(labels.map((l, n) => [l, r.values[n]])));
}

/** The type each result column should have, for the comparator. */
export function outTypes(s: Stmt): Record<string, string> {
  const sel = s.k === "select" ? s : s.left;
  const out: Record<string, string> = {};
  for (const i of sel.items) out[i.label] = i.e.ty;
  for (const n of sel.nested) out[n.label] = `nested:${n.cols.map((c) => COLUMNS.u[c as keyof typeof COLUMNS.u]).join(",")}`;
  return out;
}

export const SOURCES: readonly Src[] = [T, U];
