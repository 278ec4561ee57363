// `arbor animate <script> -o session.html`: runs a script that records a session and writes the
// animation page. The script's default export is called with a SessionTrace to attach:
//
//   export default async function (trace: SessionTrace) {
//     const engine = createEngine(url, { echo: trace.logger });
//     const session = trace.attach(new Session(engine));
//     …
//   }
import { writeFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { animationHtml } from "../orm/trace/page.js";
import { SessionTrace } from "../orm/trace/recorder.js";
import { UsageError } from "./config.js";
import type { CliIO } from "./main.js";

export const ANIMATE_USAGE = `Usage: arbor animate <script> [-o <file.html>] [--json <file.json>] [--title <text>]

Runs <script>, whose default export is an async function given a SessionTrace to attach to the
session it uses, and writes the Session animation: one self-contained HTML page (no network, opens
from file://) that replays the session step by step. A .ts script needs tsx (npx tsx …/arbor).

Options:
  -o, --out <file>     The HTML page to write (default: session.html)
  --json <file>        Also write the trace as JSON (format: docs/animation.md)
  --title <text>       The page's title (default: the script's name)
  -h, --help           Show this help
`;

type Recorder = (trace: SessionTrace) => unknown;

async function loadRecorder(path: string): Promise<Recorder> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot import ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  const fn = mod.default;
  if (typeof fn !== "function") throw new UsageError(`${JSON.stringify(path)} has no default export taking a SessionTrace`);
  return fn as Recorder;
}

export async function runAnimate(args: readonly string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        out: { type: "string", short: "o" },
        json: { type: "string" },
        title: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(ANIMATE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one script, not ${positionals.length}` : "missing <script>");
  const script = positionals[0];
  const record = await loadRecorder(script);
  const trace = new SessionTrace();
  try {
    await record(trace);
  } finally {
    trace.detach();
  }
  const json = trace.toJSON();
  const out = values.out ?? "session.html";
  await writeFile(out, animationHtml(json, { title: values.title ?? `Arbor Session: ${basename(script)}` }));
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(json, null, 1)}\n`);
  io.out(`Wrote ${out}: ${json.steps.length} steps, ${json.statements.length} statements, ${json.objects.length} objects.\n`);
  return 0;
}
