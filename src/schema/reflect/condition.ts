// Check conditions compared across spellings. Each engine gives a condition back in its own words:
// PostgreSQL parenthesises every operator, adds casts ('a'::text, (1)::numeric) and rewrites
// BETWEEN, IN and LIKE (x >= 1 AND x <= 2, x = ANY (ARRAY[…]), ~~); MariaDB lower-cases keywords
// and quotes with backticks; SQLite keeps the text as written. A condition is parsed into a tree
// where those spellings meet (parentheses gone, casts the engine adds dropped, operators in one
// form), so two conditions compare as trees. What the parser does not know is undecided, never
// guessed equal or different.

/** A canonical condition tree. */
type Node =
  | { readonly k: "id"; readonly name: string }
  | { readonly k: "str"; readonly value: string }
  | { readonly k: "num"; readonly value: string }
  | { readonly k: "null" }
  | { readonly k: "cast"; readonly type: string; readonly arg: Node }
  | { readonly k: "op"; readonly op: string; readonly args: readonly Node[] };

class Undecidable extends Error {}

type Token = { readonly t: "str" | "id" | "num" | "word" | "sym"; readonly v: string };

const SYMBOLS = ["!~~*", "~~*", "!~~", "::", "<=", ">=", "<>", "!=", "||", "~~", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "[", "]"];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (close: string): string => {
    let s = "";
    for (i++; ; i++) {
      if (i >= text.length) throw new Undecidable("unterminated quote");
      const ch = text[i];
      if (ch === "\\" && close === "'") s += text[++i] ?? "";
      else if (ch === close && text[i + 1] === close) s += text[i++];
      else if (ch === close) break;
      else s += ch;
    }
    i++;
    return s;
  };
  while (i < text.length) {
    const ch = text[i];
    const rest = text.slice(i);
    if (/\s/.test(ch)) i++;
    else if (ch === "'") out.push({ t: "str", v: quoted("'") });
    else if (ch === '"' || ch === "`") out.push({ t: "id", v: quoted(ch).toLowerCase() });
    else if (/^_[a-z0-9]+'/i.test(rest) || /^[EN]'/i.test(rest)) i = text.indexOf("'", i);
    else if (/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.test(rest)) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(rest)![0];
      out.push({ t: "num", v: String(Number(m)) });
      i += m.length;
    } else if (/^[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest)![0];
      out.push({ t: "word", v: m.toLowerCase() });
      i += m.length;
    } else {
      const s = SYMBOLS.find((x) => rest.startsWith(x));
      if (!s) throw new Undecidable(`unknown character ${ch}`);
      out.push({ t: "sym", v: s });
      i += s.length;
    }
  }
  return out;
}

/** Words that end a type name (after `::` or `AS`). */
const STOP = new Set(["and", "or", "not", "is", "in", "like", "ilike", "between", "then", "else", "end", "when", "as", "collate", "any", "all"]);
const COMPARE = new Set(["=", "<>", "!=", "<", ">", "<=", ">="]);
const PG_LIKE: Record<string, [string, boolean]> = { "~~": ["like", false], "!~~": ["like", true], "~~*": ["ilike", false], "!~~*": ["ilike", true] };
/** Type names as the engines spell them, in one spelling. */
const TYPE_ALIASES: Record<string, string> = {
  "character varying": "varchar",
  character: "char",
  bpchar: "char",
  int: "integer",
  int4: "integer",
  int8: "bigint",
  int2: "smallint",
  "double precision": "double",
  float8: "double",
  float4: "real",
  bool: "boolean",
  "timestamp without time zone": "timestamp",
  "timestamp with time zone": "timestamptz",
  signed: "bigint",
  "signed integer": "bigint",
};
/** Casts PostgreSQL adds on its own: to text and to unbounded varchar and numeric, and their arrays. */
const IMPLICIT_CASTS = new Set(["text", "varchar", "numeric", "text[]", "varchar[]", "numeric[]"]);

class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(o = 0): Token | undefined {
    return this.toks[this.i + o];
  }
  private isWord(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t?.t === "word" && t.v === v;
  }
  private isSym(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t?.t === "sym" && t.v === v;
  }
  private expectSym(v: string): void {
    if (!this.isSym(v)) throw new Undecidable(`expected ${v}`);
    this.i++;
  }
  private expectWord(v: string): void {
    if (!this.isWord(v)) throw new Undecidable(`expected ${v}`);
    this.i++;
  }

  parseAll(): Node {
    const n = this.expr(0);
    if (this.i !== this.toks.length) throw new Undecidable("trailing text");
    return n;
  }

  /** Binding powers as PostgreSQL ranks them: OR, AND, NOT, IS, comparison, BETWEEN/IN/LIKE, other operators, + -, * / %. */
  private expr(min: number): Node {
    let left: Node;
    if (this.isWord("not")) {
      this.i++;
      left = not(this.expr(3));
    } else left = this.unary();
    for (;;) {
      const t = this.peek();
      if (!t) return left;
      const negated = t.t === "word" && t.v === "not" && ["like", "ilike", "in", "between"].some((w) => this.isWord(w, 1));
      const word = t.t === "word" ? (negated ? this.peek(1)!.v : t.v) : undefined;
      if (word === "or" && min < 1) {
        this.i++;
        left = flat("or", left, this.expr(1));
      } else if (word === "and" && min < 2) {
        this.i++;
        left = flat("and", left, this.expr(2));
      } else if (word === "is" && min < 4) {
        this.i++;
        const neg = this.isWord("not") ? (this.i++, true) : false;
        let n: Node;
        if (this.isWord("null")) this.i++, (n = op("isnull", left));
        else if (this.isWord("true") || this.isWord("false")) n = op("=", left, { k: "num", value: this.toks[this.i++].v === "true" ? "1" : "0" });
        else if (this.isWord("distinct")) {
          this.i++;
          this.expectWord("from");
          n = op("distinct", left, this.expr(5));
        } else throw new Undecidable("IS what?");
        left = neg ? not(n) : n;
      } else if (t.t === "sym" && COMPARE.has(t.v) && min < 5) {
        this.i++;
        const o = t.v === "!=" ? "<>" : t.v;
        if (this.isWord("any") || this.isWord("some") || this.isWord("all")) {
          const all = this.toks[this.i++].v === "all";
          this.expectSym("(");
          const arr = this.expr(0);
          this.expectSym(")");
          if (arr.k !== "op" || arr.op !== "list") throw new Undecidable("ANY over something other than an ARRAY[…]");
          if (o === "=" && !all) left = op("in", left, arr);
          else if (o === "<>" && all) left = not(op("in", left, arr));
          else left = op(`${o}${all ? "all" : "any"}`, left, arr);
        } else left = op(o, left, this.expr(5));
      } else if ((word === "like" || word === "ilike") && min < 6) {
        this.i += negated ? 2 : 1;
        const n = op(word, left, this.expr(6));
        left = negated ? not(n) : n;
      } else if (t.t === "sym" && PG_LIKE[t.v] && min < 6) {
        this.i++;
        const [w, neg] = PG_LIKE[t.v];
        const n = op(w, left, this.expr(6));
        left = neg ? not(n) : n;
      } else if (word === "in" && min < 6) {
        this.i += negated ? 2 : 1;
        this.expectSym("(");
        const items = [this.expr(0)];
        while (this.isSym(",")) this.i++, items.push(this.expr(0));
        this.expectSym(")");
        const n = op("in", left, op("list", ...items));
        left = negated ? not(n) : n;
      } else if (word === "between" && min < 6) {
        this.i += negated ? 2 : 1;
        const lo = this.expr(6);
        this.expectWord("and");
        const hi = this.expr(6);
        // PostgreSQL keeps BETWEEN as the two comparisons it means.
        left = negated ? flat("or", op("<", left, lo), op(">", left, hi)) : flat("and", op(">=", left, lo), op("<=", left, hi));
      } else if (t.t === "sym" && t.v === "||" && min < 7) {
        this.i++;
        left = op("||", left, this.expr(7));
      } else if (t.t === "sym" && (t.v === "+" || t.v === "-") && min < 8) {
        this.i++;
        left = op(t.v, left, this.expr(8));
      } else if (t.t === "sym" && (t.v === "*" || t.v === "/" || t.v === "%") && min < 9) {
        this.i++;
        left = op(t.v, left, this.expr(9));
      } else return left;
    }
  }

  private unary(): Node {
    if (this.isSym("-") || this.isSym("+")) {
      const sign = this.toks[this.i++].v;
      const n = this.unary();
      if (sign === "+") return n;
      return n.k === "num" ? { k: "num", value: String(-Number(n.value)) } : op("neg", n);
    }
    let n = this.primary();
    while (this.isSym("::")) {
      this.i++;
      n = cast(n, this.typeName());
    }
    return n;
  }

  private typeName(): string {
    const words: string[] = [];
    for (let t = this.peek(); t && (t.t === "word" || t.t === "id") && !STOP.has(t.v); t = this.peek()) words.push(this.toks[this.i++].v);
    if (!words.length) throw new Undecidable("expected a type");
    let s = TYPE_ALIASES[words.join(" ")] ?? words.join(" ");
    if (this.isSym("(")) {
      this.i++;
      const args: string[] = [];
      while (!this.isSym(")")) {
        const t = this.toks[this.i++];
        if (!t) throw new Undecidable("unterminated type");
        if (t.t === "num") args.push(t.v);
      }
      this.i++;
      s += `(${args.join(",")})`;
    }
    while (this.isSym("[") && this.isSym("]", 1)) (this.i += 2), (s += "[]");
    return s;
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) throw new Undecidable("unexpected end");
    this.i++;
    if (t.t === "num") return { k: "num", value: t.v };
    if (t.t === "str") return { k: "str", value: t.v };
    if (t.t === "sym" && t.v === "(") {
      const items = [this.expr(0)];
      while (this.isSym(",")) this.i++, items.push(this.expr(0));
      this.expectSym(")");
      return items.length === 1 ? items[0] : op("list", ...items);
    }
    if (t.t === "id") return this.name(t.v);
    if (t.t !== "word") throw new Undecidable(`unexpected ${t.v}`);
    switch (t.v) {
      case "null":
        return { k: "null" };
      case "true":
      case "false":
        return { k: "num", value: t.v === "true" ? "1" : "0" };
      case "cast": {
        this.expectSym("(");
        const arg = this.expr(0);
        this.expectWord("as");
        const type = this.typeName();
        this.expectSym(")");
        return cast(arg, type);
      }
      case "array": {
        this.expectSym("[");
        const items = this.isSym("]") ? [] : [this.expr(0)];
        while (this.isSym(",")) this.i++, items.push(this.expr(0));
        this.expectSym("]");
        return op("list", ...items);
      }
      case "case": {
        const parts: Node[] = [];
        if (!this.isWord("when")) parts.push(op("subject", this.expr(0)));
        while (this.isWord("when")) {
          this.i++;
          const w = this.expr(0);
          this.expectWord("then");
          parts.push(op("when", w, this.expr(0)));
        }
        if (this.isWord("else")) this.i++, parts.push(op("else", this.expr(0)));
        this.expectWord("end");
        return op("case", ...parts);
      }
      case "exists":
      case "select":
        throw new Undecidable("subquery");
      default:
        return this.name(t.v);
    }
  }

  /** A column (a qualifier dropped: engines drop or add the table's name) or a function call. */
  private name(first: string): Node {
    let name = first;
    while (this.isSym(".") && (this.peek(1)?.t === "word" || this.peek(1)?.t === "id")) this.i++, (name = this.toks[this.i++].v);
    if (!this.isSym("(")) return { k: "id", name };
    this.i++;
    const args: Node[] = [];
    if (!this.isSym(")")) {
      args.push(this.expr(0));
      while (this.isSym(",")) this.i++, args.push(this.expr(0));
    }
    this.expectSym(")");
    // MariaDB gives CURRENT_TIMESTAMP back as current_timestamp(<the column's precision>).
    if ((name === "current_timestamp" || name === "now") && args.every((a) => a.k === "num")) return { k: "id", name: "current_timestamp" };
    return op(`fn:${FUNCTION_ALIASES[name] ?? name}`, ...args);
  }
}

const op = (o: string, ...args: Node[]): Node => ({ k: "op", op: o, args });
const NEGATED: Record<string, string> = { "=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };
/**
 * NOT pushed down to the predicates, as MariaDB stores it (NOT (a > 1 AND b < 2) comes back as
 * a <= 1 OR b >= 2): De Morgan and a negated comparison hold in SQL's three-valued logic too.
 */
const not = (n: Node): Node => {
  if (n.k !== "op") return op("not", n);
  if (n.op === "not") return n.args[0];
  if (NEGATED[n.op] !== undefined && n.args.length === 2) return op(NEGATED[n.op], ...n.args);
  if (n.op === "and" || n.op === "or") {
    const o = n.op === "and" ? "or" : "and";
    return n.args.map(not).reduce((x, y) => flat(o, x, y));
  }
  return op("not", n);
};
/** Function names as one engine spells them (MariaDB stores lower() as lcase()). */
const FUNCTION_ALIASES: Record<string, string> = { lcase: "lower", ucase: "upper", character_length: "char_length", substr: "substring" };
/** AND and OR are associative: (a AND b) AND c is a AND b AND c. */
const flat = (o: string, a: Node, b: Node): Node => {
  const parts = (n: Node): readonly Node[] => (n.k === "op" && n.op === o ? n.args : [n]);
  return op(o, ...parts(a), ...parts(b));
};
/** A literal's cast and the casts PostgreSQL adds on its own are dropped; any other is kept. */
const cast = (arg: Node, type: string): Node =>
  arg.k === "str" || arg.k === "num" || arg.k === "null" || IMPLICIT_CASTS.has(type) ? arg : { k: "cast", type, arg };

function print(n: Node, casts: boolean): string {
  switch (n.k) {
    case "id":
      return n.name;
    case "str":
      return JSON.stringify(n.value);
    case "num":
      return n.value;
    case "null":
      return "null";
    case "cast":
      return casts ? `cast(${print(n.arg, casts)} ${n.type})` : print(n.arg, casts);
    case "op":
      return `${n.op}(${n.args.map((a) => print(a, casts)).join(", ")})`;
  }
}

function parse(text: string): Node | undefined {
  try {
    return new Parser(tokenize(text)).parseAll();
  } catch (e) {
    if (e instanceof Undecidable) return undefined;
    throw e;
  }
}

/** A condition in one spelling whatever engine wrote it, or undefined when Arbor cannot read it. */
export function canonicalCondition(text: string): string | undefined {
  const n = parse(text);
  return n && print(n, true);
}

export type ConditionComparison = "equal" | "different" | "undecided";

/**
 * Whether two spellings of a condition say the same. Undecided when either cannot be read, or when
 * they differ only in casts (an engine may add a cast Arbor does not know it adds).
 */
export function compareConditions(a: string, b: string): ConditionComparison {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim() ? "equal" : "undecided";
  if (same(x, y, true)) return "equal";
  return same(x, y, false) ? "undecided" : "different";
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Tree equality; `casts` false skips every cast. A quoted number equals the same number unquoted:
 * Arbor writes an exact decimal quoted ('0') and MariaDB gives it back as 0.
 */
function same(x: Node, y: Node, casts: boolean): boolean {
  if (!casts && x.k === "cast") return same(x.arg, y, casts);
  if (!casts && y.k === "cast") return same(x, y.arg, casts);
  if (x.k === "str" && y.k === "num") return NUMBER.test(x.value) && Number(x.value) === Number(y.value);
  if (x.k === "num" && y.k === "str") return same(y, x, casts);
  if (x.k !== y.k) return false;
  switch (x.k) {
    case "id":
      return y.k === "id" && x.name === y.name;
    case "str":
    case "num":
      return (y.k === "str" || y.k === "num") && x.value === y.value;
    case "null":
      return true;
    case "cast":
      return y.k === "cast" && x.type === y.type && same(x.arg, y.arg, casts);
    case "op":
      return y.k === "op" && x.op === y.op && x.args.length === y.args.length && x.args.every((a, i) => same(a, y.args[i], casts));
  }
}

/** The column `column IN (…)` or `column = …` tests (lower-cased), if the condition is that. */
export function conditionSubject(condition: string): string | undefined {
  const n = parse(condition);
  if (!n || n.k !== "op" || (n.op !== "in" && n.op !== "=")) return undefined;
  const subject = n.args[0].k === "cast" ? n.args[0].arg : n.args[0];
  return subject.k === "id" ? subject.name : undefined;
}

/** The values of `column IN ('a', 'b', …)`: the check Arbor writes for an enum column. */
export function enumValuesOf(condition: string, column: string): string[] | undefined {
  const n = parse(condition);
  if (!n || n.k !== "op" || (n.op !== "in" && n.op !== "=")) return undefined;
  // One value reads back as column = 'value' (PostgreSQL and MariaDB rewrite it so).
  const [subject, list] = n.op === "=" ? [n.args[0], op("list", n.args[1])] : n.args;
  const target = subject.k === "cast" ? subject.arg : subject;
  if (target.k !== "id" || target.name !== column.toLowerCase() || list.k !== "op") return undefined;
  const values = list.args.map((v) => (v.k === "str" ? v.value : undefined));
  return values.every((v) => v !== undefined) && values.length > 0 ? (values as string[]) : undefined;
}
