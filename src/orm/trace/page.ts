// The Session animation: one self-contained HTML page (inline CSS and script, no network, works
// from file://) that replays a session trace step by step.
import type { SessionTraceJSON } from "./format.js";
import { PAGE_SCRIPT } from "./page/script.js";
import { PAGE_STYLE } from "./page/style.js";

export interface AnimationOptions {
  /** The page's title (default "Arbor Session"). */
  readonly title?: string;
}

const LANES = ["transient", "pending", "persistent", "deleted", "detached"] as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element: no "</script", no "<!--", no U+2028/2029. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The animation page for a trace, as one HTML string. */
export function animationHtml(trace: SessionTraceJSON, options: AnimationOptions = {}): string {
  const title = escapeHtml(options.title ?? "Arbor Session");
  const lanes = LANES.map(
    (l) =>
      `<section class="lane lane-${l}" aria-labelledby="lane-h-${l}"><h3 id="lane-h-${l}">${l} <span class="count">(<span id="count-${l}">0</span>)</span></h3><ol id="lane-${l}" aria-label="${l} objects"></ol></section>`,
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<a class="skip" href="#objects-pane">Skip to the objects</a>
<header class="bar">
  <h1>${title}</h1>
  <div class="controls" role="toolbar" aria-label="Replay controls">
    <button id="first" type="button" aria-label="First step" aria-keyshortcuts="Home">« First</button>
    <button id="prev" type="button" aria-label="Step back" aria-keyshortcuts="ArrowLeft">◀ Back</button>
    <button id="play" type="button" aria-pressed="false" aria-keyshortcuts="Space">Play</button>
    <button id="next" type="button" aria-label="Step forward" aria-keyshortcuts="ArrowRight">Forward ▶</button>
    <button id="last" type="button" aria-label="Last step" aria-keyshortcuts="End">Last »</button>
    <label>Speed <select id="speed"><option value="1600">slow</option><option value="900" selected>normal</option><option value="400">fast</option></select></label>
    <div class="scrub"><label for="scrubber">Timeline</label><input id="scrubber" type="range" min="0" max="0" step="1" value="0"><span id="counter" aria-hidden="true"></span></div>
  </div>
  <div class="now"><span id="step-kind" class="kind"></span><h2 id="step-title"></h2></div>
  <p id="step-detail" class="detail"></p>
  <div id="live" class="skip" aria-live="polite"></div>
</header>
<main>
  <div class="col-a">
    <section class="pane" aria-labelledby="code-h"><h2 id="code-h">Application code</h2><div id="code"></div></section>
    <section class="pane" aria-labelledby="sql-h"><h2 id="sql-h">SQL log</h2><div id="sql-pane" tabindex="0" aria-label="SQL statements sent"><ol id="sql"></ol></div></section>
  </div>
  <div class="col-b">
    <section class="pane" id="objects-pane" aria-labelledby="objects-h"><h2 id="objects-h">Objects</h2><div class="lanes">${lanes}</div></section>
    <section class="pane" aria-labelledby="tables-h"><h2 id="tables-h">Database rows</h2><div id="tables"></div></section>
  </div>
  <div class="col-c">
    <section class="pane" aria-labelledby="tx-h"><h2 id="tx-h">Transaction</h2><div id="transaction"></div></section>
    <section class="pane" aria-labelledby="plan-h"><h2 id="plan-h">Flush plan</h2><div id="plan"></div></section>
    <section class="pane" aria-labelledby="sets-h"><h2 id="sets-h">new / dirty / deleted</h2><div id="sets"></div></section>
    <section class="pane" aria-labelledby="identity-h"><h2 id="identity-h">Identity map</h2><div id="identity"></div></section>
    <section class="pane" aria-labelledby="loaded-h"><h2 id="loaded-h">Loaded tree</h2><div id="loaded"></div></section>
  </div>
</main>
<script type="application/json" id="arbor-trace">${scriptJson(trace)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
