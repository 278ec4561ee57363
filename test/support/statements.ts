// Captures the statements an engine runs, normalised across dialects: backticks become double
// quotes, $n placeholders (and PostgreSQL's casts on them) become ?,
// savepoint numbers become N.
import type { LogEntry } from "../../src/index.js";

/** One statement's SQL in the engine-neutral form. */
export function normalizeSql(sql: string): string {
  return sql
    .replace(/`/g, '"')
    .replace(/\$\d+(?:::(?:double precision|[a-z]+(?:\(\d+(?:, \d+)?\))?))?/g, "?")
    .replace(/CAST\(\? AS DECIMAL\(\d+, \d+\)\)/g, "?")
    .replace(/arbor_sp_\d+/g, "arbor_sp_N");
}

export class StatementLog {
  readonly entries: string[] = [];
  readonly logger = (e: LogEntry): void => {
    this.entries.push(normalizeSql(e.sql));
  };
  clear(): void {
    this.entries.length = 0;
  }
  /** The statements since the last clear(), then clears. */
  take(): string[] {
    const out = [...this.entries];
    this.clear();
    return out;
  }
}
