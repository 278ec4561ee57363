// Builds a generated statement through Arbor's public API, and writes the same calls out as
// TypeScript so a failing case can be pasted into a test.
import {
  type Expr,
  alias,
  and,
  caseWhen,
  exists,
  func,
  nested,
  nestedOne,
  not,
  notExists,
  or,
  param,
  select,
  types,
  value,
  type Alias,
  type Compound as ArborCompound,
  type FuncExpr,
  type Operand,
  type OrderBy,
  type Select,
  type SqlType,
  type Statement,
} from "../../src/index.js";
import { t, u, type E, type Ord, type Sel, type Src, type Stmt, type Ty, type Val } from "./model.js";

type AnyExpr = Expr<unknown>;
type Opnd = Operand<unknown>;
type AnySelect = Select<Record<string, unknown>>;
interface Built {
  readonly x: AnyExpr;
  readonly code: string;
}

export interface BuiltStatement {
  readonly stmt: Statement<unknown>;
  readonly params: Record<string, unknown>;
  readonly code: string;
}

const TYPE_OF: Record<Ty, SqlType> = {
  int: types.integer,
  dec: types.numeric(10, 2),
  dec4: types.numeric(20, 4),
  text: types.text,
  bool: types.boolean,
  date: types.date,
};
const TYPE_CODE: Record<Ty, string> = {
  int: "types.integer",
  dec: "types.numeric(10, 2)",
  dec4: "types.numeric(20, 4)",
  text: "types.text",
  bool: "types.boolean",
  date: "types.date",
};

class Builder {
  readonly params: Record<string, unknown> = {};
  private readonly aliases = new Map<string, Alias<unknown>>();

  source(src: Src): { c: Record<string, AnyExpr>; code: string; from: typeof t | typeof u | Alias<unknown> } {
    if (src.name === "t") return { c: t.c, code: "t", from: t };
    if (src.name === "u") return { c: u.c, code: "u", from: u };
    let a = this.aliases.get(src.name);
    if (!a) {
      a = src.table === "t" ? alias(t, src.name) : alias(u, src.name);
      this.aliases.set(src.name, a);
    }
    return { c: a.c as Record<string, AnyExpr>, code: src.name, from: a };
  }

  /** A literal as Arbor gets it; `raw` only where a typed sibling gives it its type. */
  lit(ty: Ty, v: Val, how: "value" | "param"): Built {
    if (how === "param") {
      const name = `p${Object.keys(this.params).length}`;
      this.params[name] = v;
      return { x: param(name, TYPE_OF[ty]), code: `param(${JSON.stringify(name)}, ${TYPE_CODE[ty]}) /* ${JSON.stringify(v)} */` };
    }
    return { x: value(v, TYPE_OF[ty]), code: `value(${JSON.stringify(v)}, ${TYPE_CODE[ty]})` };
  }

  expr(e: E): Built {
    switch (e.k) {
      case "col": {
        const s = this.source(e.src);
        return { x: s.c[e.col], code: `${s.code}.c.${e.col}` };
      }
      case "lit":
        return this.lit(e.ty, e.v, e.how === "param" ? "param" : "value");
      case "arith": {
        const l = this.expr(e.l);
        const [r, rc] = this.operand(e.r, e.l);
        return { x: l.x[e.op](r), code: `${l.code}.${e.op}(${rc})` };
      }
      case "neg": {
        const x = this.expr(e.e);
        return { x: x.x.neg(), code: `${x.code}.neg()` };
      }
      case "cmp": {
        const l = this.expr(e.l);
        const [r, rc] = this.operand(e.r, e.l);
        return { x: l.x[e.op](r), code: `${l.code}.${e.op}(${rc})` };
      }
      case "isnull": {
        const x = this.expr(e.e);
        return e.not ? { x: x.x.isNotNull(), code: `${x.code}.isNotNull()` } : { x: x.x.isNull(), code: `${x.code}.isNull()` };
      }
      case "logic": {
        const items = e.items.map((i) => this.expr(i));
        const xs = items.map((i) => i.x as Expr<boolean>);
        return { x: e.op === "and" ? and(...xs) : or(...xs), code: `${e.op}(${items.map((i) => i.code).join(", ")})` };
      }
      case "not": {
        const x = this.expr(e.e);
        return { x: not(x.x as Expr<boolean>), code: `not(${x.code})` };
      }
      case "in": {
        const x = this.expr(e.e);
        const list = e.list.map((v) => this.operand(v, e.e));
        const m = e.not ? "notIn" : "in";
        return { x: x.x[m](list.map((l) => l[0])), code: `${x.code}.${m}([${list.map((l) => l[1]).join(", ")}])` };
      }
      case "between": {
        const x = this.expr(e.e);
        const [lo, loc] = this.operand(e.lo, e.e);
        const [hi, hic] = this.operand(e.hi, e.e);
        const m = e.not ? "notBetween" : "between";
        return { x: x.x[m](lo, hi), code: `${x.code}.${m}(${loc}, ${hic})` };
      }
      case "case": {
        const whens = e.whens.map(([c, v]) => [this.expr(c), this.expr(v)] as const);
        let b = caseWhen(whens[0][0].x as Expr<boolean>, whens[0][1].x);
        let code = `caseWhen(${whens[0][0].code}, ${whens[0][1].code})`;
        for (const [c, v] of whens.slice(1)) {
          b = b.when(c.x as Expr<boolean>, v.x);
          code += `.when(${c.code}, ${v.code})`;
        }
        if (e.otherwise) {
          const o = this.expr(e.otherwise);
          return { x: b.else(o.x), code: `${code}.else(${o.code})` };
        }
        return { x: b.end(), code: `${code}.end()` };
      }
      case "coalesce": {
        const first = this.expr(e.args[0]);
        const rest = e.args.slice(1).map((a) => this.operand(a, e.args[0]));
        return {
          x: func.coalesce(first.x, ...rest.map((r) => r[0] as Expr<unknown>)),
          code: `func.coalesce(${[first.code, ...rest.map((r) => r[1])].join(", ")})`,
        };
      }
      case "fn": {
        const x = this.expr(e.e);
        const out = e.f === "abs" ? func.abs(x.x as Expr<number | null>) : func[e.f](x.x as Expr<string | null>);
        return { x: out, code: `func.${e.f}(${x.code})` };
      }
      case "cast": {
        const x = this.expr(e.e);
        return { x: x.x.cast(TYPE_OF[e.ty]), code: `${x.code}.cast(${TYPE_CODE[e.ty]})` };
      }
      case "concat": {
        const l = this.expr(e.l);
        const [r, rc] = this.operand(e.r, e.l);
        return { x: (l.x as Expr<string | null>).concat(r as Expr<string>), code: `${l.code}.concat(${rc})` };
      }
      case "like": {
        const l = this.expr(e.e);
        const [r, rc] = this.operand(e.pattern, e.e);
        const m = e.not ? "notLike" : "like";
        return { x: (l.x as Expr<string | null>)[m](r as Expr<string>), code: `${l.code}.${m}(${rc})` };
      }
      case "exists": {
        const q = this.select(e.q);
        return { x: e.not ? notExists(q.q) : exists(q.q), code: `${e.not ? "notExists" : "exists"}(${q.code})` };
      }
      case "inq": {
        const x = this.expr(e.e);
        const q = this.select(e.q);
        const m = e.not ? "notIn" : "in";
        return { x: x.x[m](q.q), code: `${x.code}.${m}(${q.code})` };
      }
      case "scalar": {
        const q = this.select(e.q);
        return { x: q.q.scalar(), code: `${q.code}.scalar()` };
      }
      case "agg":
        return this.agg(e);
      case "win":
        return this.win(e);
    }
  }

  /**
   * An operand typed by its left sibling: a plain JS value where the literal says so and has the
   * sibling's type (beside a numeric(10, 2), "0.0225" or the integer 3 is a value() of its own type).
   */
  operand(e: E, sibling: E): [Opnd, string] {
    if (e.k === "lit" && e.how === "raw" && e.v !== null && e.ty === sibling.ty) return [e.v, JSON.stringify(e.v)];
    const b = this.expr(e);
    return [b.x as Expr<NonNullable<unknown> | null>, b.code];
  }

  agg(e: Extract<E, { k: "agg" }>): Built {
    const arg = e.e ? this.expr(e.e) : undefined;
    let f: FuncExpr<unknown>;
    let code: string;
    if (e.f === "countStar") [f, code] = [func.count(), "func.count()"];
    else if (e.f === "sum" || e.f === "avg") [f, code] = [func[e.f](arg!.x as Expr<number | null>), `func.${e.f}(${arg!.code})`];
    else [f, code] = [func[e.f](arg!.x), `func.${e.f}(${arg!.code})`];
    if (e.filter) {
      const c = this.expr(e.filter);
      return { x: f.filter(c.x as Expr<boolean>), code: `${code}.filter(${c.code})` };
    }
    return { x: f, code };
  }

  win(e: Extract<E, { k: "win" }>): Built {
    const arg = e.e ? this.expr(e.e) : undefined;
    let f: FuncExpr<unknown>;
    let code: string;
    if (e.f === "rowNumber" || e.f === "rank" || e.f === "denseRank") [f, code] = [func[e.f](), `func.${e.f}()`];
    else if (e.f === "sum") [f, code] = [func.sum(arg!.x as Expr<number | null>), `func.sum(${arg!.code})`];
    else [f, code] = [func[e.f](arg!.x), `func.${e.f}(${arg!.code})`];
    const part = e.part.map((p) => this.expr(p));
    const order = e.order.map((o) => this.ord(o));
    const spec = `{ partitionBy: [${part.map((p) => p.code).join(", ")}], orderBy: [${order.map((o) => o.code).join(", ")}] }`;
    return { x: f.over({ partitionBy: part.map((p) => p.x), orderBy: order.map((o) => o.o) }), code: `${code}.over(${spec})` };
  }

  ord(o: Ord): { o: OrderBy; code: string } {
    const x = this.expr(o.e);
    const d = o.desc ? x.x.desc() : x.x.asc();
    const n = o.nulls === "first" ? d.nullsFirst() : d.nullsLast();
    return { o: n, code: `${x.code}.${o.desc ? "desc" : "asc"}().${o.nulls === "first" ? "nullsFirst" : "nullsLast"}()` };
  }

  select(s: Sel): { q: AnySelect; code: string } {
    // One Expr per GROUP BY key, shared by the select list, as users write it.
    const keys = new Map<E, Built>(s.groupBy.map((g) => [g, this.expr(g)]));
    const item = (e: E) => keys.get(e) ?? this.expr(e);
    const items = s.items.map((i) => {
      const b = item(i.e);
      return { x: b.x.as(i.label), code: `${b.code}.as(${JSON.stringify(i.label)})` };
    });
    for (const n of s.nested) {
      let child: AnySelect = select(...n.cols.map((c) => u.c[c as keyof typeof u.c]));
      let code = `select(${n.cols.map((c) => `u.c.${c}`).join(", ")})`;
      if (n.where) {
        const w = this.expr(n.where);
        child = child.where(w.x as Expr<boolean>);
        code += `.where(${w.code})`;
      }
      child = child.orderBy(u.c.id);
      code += ".orderBy(u.c.id)";
      items.push({
        x: (n.one ? nestedOne(child) : nested(child)).as(n.label),
        code: `${n.one ? "nestedOne" : "nested"}(${code}).as(${JSON.stringify(n.label)})`,
      });
    }
    let q: AnySelect = select(...items.map((i) => i.x as Expr<unknown> & { key: string }));
    let code = `select(${items.map((i) => i.code).join(", ")})`;
    if (typeof s.from === "string") {
      q = q.from(t);
      code += ".from(t)";
      if (s.from === "t join u") [q, code] = [q.join(u), code + ".join(u)"];
      if (s.from === "t left join u") [q, code] = [q.leftJoin(u), code + ".leftJoin(u)"];
    } else {
      const src = this.source(s.from);
      q = q.from(src.from);
      code += `.from(${src.code})`;
    }
    if (s.where) {
      const w = this.expr(s.where);
      [q, code] = [q.where(w.x as Expr<boolean>), `${code}.where(${w.code})`];
    }
    if (s.groupBy.length) {
      const ks = s.groupBy.map((g) => keys.get(g)!);
      [q, code] = [q.groupBy(...ks.map((k) => k.x)), `${code}.groupBy(${ks.map((k) => k.code).join(", ")})`];
    }
    if (s.having) {
      const h = this.expr(s.having);
      [q, code] = [q.having(h.x as Expr<boolean>), `${code}.having(${h.code})`];
    }
    if (s.distinct) [q, code] = [q.distinct(), code + ".distinct()"];
    if (s.order.length) {
      const os = s.order.map((o) => this.ord(o));
      [q, code] = [q.orderBy(...os.map((o) => o.o)), `${code}.orderBy(${os.map((o) => o.code).join(", ")})`];
    }
    if (s.limit) {
      const [l, lc] = this.count(s.limit);
      [q, code] = [q.limit(l), `${code}.limit(${lc})`];
    }
    if (s.offset) {
      const [o, oc] = this.count(s.offset);
      [q, code] = [q.offset(o), `${code}.offset(${oc})`];
    }
    return { q, code };
  }

  count(e: E): [number | Expr<number>, string] {
    if (e.k === "lit" && e.how === "raw" && typeof e.v === "number") return [e.v, String(e.v)];
    const b = this.expr(e);
    return [b.x as Expr<number>, b.code];
  }
}

export function build(s: Stmt): BuiltStatement {
  const b = new Builder();
  if (s.k === "select") {
    const q = b.select(s);
    return { stmt: q.q, params: b.params, code: q.code };
  }
  const l = b.select(s.left);
  const r = b.select(s.right);
  const c: ArborCompound<Record<string, unknown>> = l.q[s.op](r.q);
  return { stmt: c, params: b.params, code: `${l.code}\n  .${s.op}(${r.code})` };
}
