// upper() and lower() as PostgreSQL (C.UTF-8) and MariaDB give them: SQLite's own change only ASCII
// letters (upper('é') stayed 'é'). Each code point is mapped on its own, as towupper()/towlower()
// do: a mapping to several characters ('ß' → 'SS') keeps the character, one to a letter and
// combining marks ('İ' → 'i̇') keeps the letter, and no context rule applies (final sigma).
export const TEXT_UPPER = "arbor_upper";
export const TEXT_LOWER = "arbor_lower";

function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}
const MARKS = /^\p{M}+$/u;

function mapEach(s: string, upper: boolean): string {
  let out = "";
  for (const c of s) {
    const m = upper ? c.toUpperCase() : c.toLowerCase();
    if (m === c) {
      out += c;
      continue;
    }
    const [first, ...rest] = m;
    out += rest.length === 0 || MARKS.test(rest.join("")) ? first : c;
  }
  return out;
}

export function textUpper(v: unknown): unknown {
  if (typeof v !== "string") return v;
  return ascii(v) ? v.toUpperCase() : mapEach(v, true);
}

export function textLower(v: unknown): unknown {
  if (typeof v !== "string") return v;
  return ascii(v) ? v.toLowerCase() : mapEach(v, false);
}
