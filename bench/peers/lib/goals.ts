// The performance goals Arbor is held to, each a ratio to the floor of the same workload (one
// hand-written json_agg statement per graph load, three multi-row INSERTs for the insert), and the
// table that says which the run met. W2 compares p50 latencies; the others compare medians.

export interface Summary {
  readonly workload: string;
  readonly engine: string;
  /** Per contender: the median (W2: p50) the ratios compare. */
  readonly medians: ReadonlyMap<string, number>;
  /** The floor contender's name, when it ran. */
  readonly floor: string | undefined;
}

interface Goal {
  /** The summary's title starts with this ("1." … "5."). */
  readonly workload: string;
  readonly what: string;
  readonly contender: string;
  readonly atMost: number;
}

const GOALS: readonly Goal[] = [
  { workload: "1.", what: "W1 graph load, every type exact", contender: "Arbor Core nested()", atMost: 1.0 },
  { workload: "2.", what: "W2 one graph by key (p50)", contender: "Arbor Core nested()", atMost: 1.0 },
  { workload: "2.", what: "W2 one graph by key (p50), unprepared", contender: "Arbor Core nested() (prepare: false)", atMost: 1.0 },
  { workload: "3.", what: "W3 insert a 10,000-object graph", contender: "Arbor Core nested()", atMost: 1.0 },
  { workload: "1.", what: "W1 graph load", contender: "Arbor ORM nestedload", atMost: 1.2 },
  { workload: "2.", what: "W2 one graph by key (p50)", contender: "Arbor ORM nestedload", atMost: 1.2 },
  { workload: "3.", what: "W3 insert: Session flush", contender: "Arbor ORM nestedload", atMost: 1.3 },
];

/** The goals table (markdown), for the goals whose workload and contender are in the run. */
export function goalsTable(summaries: readonly Summary[]): string | undefined {
  const rows: string[] = [];
  for (const g of GOALS) {
    const s = summaries.find((x) => x.workload.startsWith(g.workload) && x.engine === "postgres");
    const floor = s?.floor === undefined ? undefined : s.medians.get(s.floor);
    const v = s?.medians.get(g.contender);
    if (v === undefined || floor === undefined || Number.isNaN(v) || Number.isNaN(floor)) continue;
    const ratio = v / floor;
    rows.push(`| ${g.what} | ${g.contender} | ≤ ${g.atMost.toFixed(2)} | ${ratio.toFixed(2)} × | ${ratio <= g.atMost ? "met" : "not met"} |`);
  }
  if (!rows.length) return undefined;
  return `| goal | contender | × floor | ratio | |\n|---|---|---:|---:|---|\n${rows.join("\n")}`;
}
