// Captures the statements an engine runs, normalised across dialects: backticks become double
// quotes, $n placeholders become ?, savepoint numbers become N.
import type { LogEntry } from "../../src/index.js";

export class StatementLog {
  readonly entries: string[] = [];
  readonly logger = (e: LogEntry): void => {
    this.entries.push(
      e.sql
        .replace(/`/g, '"')
        .replace(/\$\d+/g, "?")
        .replace(/arbor_sp_\d+/g, "arbor_sp_N"),
    );
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
