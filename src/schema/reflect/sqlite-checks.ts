// SQLite keeps CHECK constraints only inside the CREATE TABLE text sqlite_master holds: they are
// read from it, quote-aware, as the items of the table's definition list.

export interface SqliteCheck {
  /** The constraint's name (CONSTRAINT name CHECK …), absent when it has none. */
  readonly name?: string;
  /** The column whose definition holds it, absent for a table constraint. */
  readonly column?: string;
  /** The condition as written, without the parentheses of CHECK (…). */
  readonly condition: string;
}

/** Where the quote opened at `i` closes (a doubled quote stays inside). */
function skipQuote(s: string, i: number): number {
  const close = s[i] === "[" ? "]" : s[i];
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === close && s[j + 1] === close && close !== "]") j++;
    else if (s[j] === close) return j;
  }
  return s.length;
}

/** The index of the parenthesis closing the one at `open`. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") i = skipQuote(s, i);
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i;
  }
  return s.length;
}

/** The items of the table's definition list, split at its top-level commas. */
function items(sql: string): string[] {
  let open = -1;
  for (let i = 0; i < sql.length && open < 0; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") i = skipQuote(sql, i);
    else if (ch === "(") open = i;
  }
  if (open < 0) return [];
  const end = closing(sql, open);
  const out: string[] = [];
  let start = open + 1;
  let depth = 0;
  for (let i = open + 1; i < end; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") i = skipQuote(sql, i);
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) out.push(sql.slice(start, i)), (start = i + 1);
  }
  out.push(sql.slice(start, end));
  return out.map((x) => x.trim());
}

/** A leading name (quoted or bare) and where it ends. */
function leadingName(s: string): { name: string; end: number } | undefined {
  const ch = s[0];
  if (ch === '"' || ch === "`" || ch === "[") {
    const end = skipQuote(s, 0);
    const close = ch === "[" ? "]" : ch;
    return {
      name: s
        .slice(1, end)
        .split(close + close)
        .join(close),
      end: end + 1,
    };
  }
  const m = /^[^\s(),]+/.exec(s);
  return m ? { name: m[0], end: m[0].length } : undefined;
}

/** Every `[CONSTRAINT name] CHECK (…)` at the top level of one definition item. */
function checksIn(item: string, column: string | undefined): SqliteCheck[] {
  const out: SqliteCheck[] = [];
  let name: string | undefined;
  for (let i = 0; i < item.length; i++) {
    const ch = item[i];
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") i = skipQuote(item, i);
    else if (ch === "(") i = closing(item, i);
    else if (/[A-Za-z]/.test(ch) && (i === 0 || /[\s)]/.test(item[i - 1]))) {
      const rest = item.slice(i);
      const constraint = /^CONSTRAINT\s+/i.exec(rest);
      const check = /^CHECK\s*\(/i.exec(rest);
      if (constraint) {
        const n = leadingName(rest.slice(constraint[0].length));
        name = n?.name;
        i += constraint[0].length + (n?.end ?? 0) - 1;
      } else if (check) {
        const open = i + check[0].length - 1;
        const close = closing(item, open);
        out.push({ ...(name !== undefined ? { name } : {}), ...(column !== undefined ? { column } : {}), condition: item.slice(open + 1, close).trim() });
        name = undefined;
        i = close;
      } else if (/^(PRIMARY|UNIQUE|NOT|NULL|DEFAULT|REFERENCES|COLLATE|GENERATED|AS)\b/i.test(rest)) name = undefined;
    }
  }
  return out;
}

/** The CHECK constraints of a CREATE TABLE statement as SQLite keeps it. */
export function sqliteChecks(createSql: string): SqliteCheck[] {
  const out: SqliteCheck[] = [];
  for (const item of items(createSql)) {
    if (/^(CONSTRAINT|CHECK|PRIMARY|UNIQUE|FOREIGN)\b/i.test(item)) out.push(...checksIn(item, undefined));
    else {
      const n = leadingName(item);
      if (n) out.push(...checksIn(item.slice(n.end), n.name));
    }
  }
  return out;
}
