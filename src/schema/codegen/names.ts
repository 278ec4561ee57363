// Names for generated TypeScript: valid identifiers that collide with nothing the module imports or
// declares, and property keys quoted only where they must be.

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval undefined NaN Infinity"
  ).split(" "),
);

const IDENT = /^[A-Za-z_$][\w$]*$/;

export function isIdentifier(s: string): boolean {
  return IDENT.test(s) && !RESERVED.has(s);
}

/** `{ key: … }` spelling of a property key. */
export function propertyKey(key: string): string {
  return IDENT.test(key) && key !== "__proto__" ? key : JSON.stringify(key);
}

/** `obj.key` or `obj["key"]`. */
export function member(obj: string, key: string): string {
  return IDENT.test(key) ? `${obj}.${key}` : `${obj}[${JSON.stringify(key)}]`;
}

/** The words of a SQL name: `invoice_line`, `InvoiceLine` and `invoiceLine` all give invoice, line. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

export function camelCase(name: string): string {
  const ws = words(name);
  const s = ws.map((w, i) => (i === 0 ? w : cap(w))).join("");
  return s === "" ? "x" : /^[0-9]/.test(s) ? `_${s}` : s;
}

export function pascalCase(name: string): string {
  const s = words(name).map(cap).join("");
  return s === "" ? "X" : /^[0-9]/.test(s) ? `_${s}` : s;
}

/** An English plural good enough for attribute names (`tracks`, `categories`, `addresses`). */
export function plural(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

/** Hands out names unique within one scope: a taken or reserved name gets a numbered suffix. */
export class NameScope {
  private readonly taken: Set<string>;
  constructor(taken: Iterable<string> = []) {
    this.taken = new Set(taken);
  }
  has(name: string): boolean {
    return this.taken.has(name);
  }
  claim(wanted: string): string {
    let name = isIdentifier(wanted) ? wanted : `_${wanted}`;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}${n}`;
    this.taken.add(name);
    return name;
  }
}
