// A progress display: on a terminal one line redrawn in place; otherwise a line now and then
// (every 10% and at most every 2 seconds), so logs stay readable.
import type { RebalanceProgress } from "../shard/rebalance.js";

export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns?: number;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class ProgressBar {
  private readonly started: number;
  private lastDraw = 0;
  private lastDecile = -1;
  private drawn = false;
  private last?: RebalanceProgress;

  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  private text(p: RebalanceProgress, bar: boolean): string {
    const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
    const counts = `moved ${p.moved} (${p.alreadyCopied} already copied), skipped ${p.skipped}, ${formatSeconds(this.now() - this.started)}`;
    const head = `${p.done}/${p.total} (${pct}%)`;
    if (!bar) return `progress ${head}: ${counts}`;
    const room = (this.sink.columns ?? 80) - head.length - counts.length - 6;
    const width = Math.max(10, Math.min(40, room));
    const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${head} ${counts}`;
  }

  update(p: RebalanceProgress): void {
    this.last = p;
    if (p.total === 0) return;
    const t = this.now();
    const final = p.done === p.total;
    if (this.sink.isTTY) {
      if (!final && t - this.lastDraw < 50) return;
      this.lastDraw = t;
      this.sink.write(`\r\x1b[2K${this.text(p, true)}`);
      this.drawn = true;
      return;
    }
    const decile = Math.floor((p.done / p.total) * 10);
    if (p.phase === "planned" || final || decile > this.lastDecile || t - this.lastDraw >= 2000) {
      this.lastDecile = decile;
      this.lastDraw = t;
      this.sink.write(`${this.text(p, false)}\n`);
    }
  }

  /** Ends the redrawn line (on a terminal) so what follows starts on a fresh line. */
  finish(): void {
    if (this.sink.isTTY && this.drawn) {
      if (this.last) this.sink.write(`\r\x1b[2K${this.text(this.last, true)}`);
      this.sink.write("\n");
      this.drawn = false;
    }
  }
}
