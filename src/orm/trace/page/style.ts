// The animation page's stylesheet: one grid that reads at 1280×800 and collapses to one column on
// a phone; lane colours that also differ in border style, so state never rests on colour alone.
export const PAGE_STYLE = `
:root { --fg: #1d232b; --muted: #5b6570; --bg: #f6f7f9; --pane: #fff; --line: #d5dae0; --accent: #1f5fbf;
  --transient: #6b7280; --pending: #a05a00; --persistent: #1d7a3a; --deleted: #b3261e; --detached: #2b5fa8; --hl: #fff3bf; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
code, .key, dd, td, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; z-index: 10; background: #fff; padding: 4px 8px; }
header.bar { position: sticky; top: 0; z-index: 5; background: var(--pane); border-bottom: 1px solid var(--line); padding: 8px 12px; display: grid; gap: 6px; }
header.bar h1 { font-size: 16px; margin: 0; }
.controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.controls button, .controls select { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--fg); min-height: 32px; }
.controls button:disabled { opacity: .45; }
.controls button:focus-visible, .controls select:focus-visible, input[type=range]:focus-visible, .obj:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.scrub { display: flex; gap: 8px; align-items: center; flex: 1 1 240px; }
.scrub input { flex: 1; min-width: 120px; }
#counter { font-variant-numeric: tabular-nums; white-space: nowrap; }
.now { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.now h2 { font-size: 15px; margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-word; }
.kind { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; padding: 1px 6px; border-radius: 3px; background: #e8ebef; }
.kind-sql { background: #dbe7fb; } .kind-plan { background: #f6e3c5; } .kind-event { background: #d8f0de; } .kind-done { background: #ececec; }
.detail { margin: 0; color: var(--muted); } .detail.error, .error { color: var(--deleted); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2.2fr) minmax(0, 1.1fr); gap: 10px; padding: 10px; align-items: start; }
section.pane { background: var(--pane); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin-bottom: 10px; min-width: 0; }
section.pane h2 { font-size: 13px; margin: 0 0 6px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.empty, .none, .note { color: var(--muted); margin: 4px 0; }
.file { margin: 0 0 4px; color: var(--muted); font-size: 12px; }
ol.source { margin: 0; padding-left: 3.2em; font-size: 12px; }
ol.source li { white-space: pre-wrap; word-break: break-word; color: var(--muted); }
ol.source li.current { background: var(--hl); color: var(--fg); font-weight: 600; }
#sql-pane { max-height: 300px; overflow: auto; }
ol#sql { margin: 0; padding-left: 2.4em; }
li.stmt { padding: 3px 4px; border-radius: 3px; color: var(--muted); }
li.stmt code { white-space: pre-wrap; word-break: break-word; }
li.stmt.current { background: var(--hl); color: var(--fg); outline: 1px solid #e0c65a; }
li.stmt.failed code { color: var(--deleted); }
.meta { font-size: 11px; color: var(--muted); }
.lanes { display: grid; gap: 6px; }
.lane { border: 2px solid var(--line); border-radius: 6px; padding: 4px; min-height: 64px; background: #fbfbfc; min-width: 0; display: grid; grid-template-columns: 6.2rem minmax(0, 1fr); gap: 6px; }
.lane h3 { font-size: 12px; margin: 2px 0; text-transform: uppercase; letter-spacing: .04em; }
.lane-transient h3 { color: var(--transient); } .lane-pending h3 { color: var(--pending); } .lane-persistent h3 { color: var(--persistent); }
.lane-deleted h3 { color: var(--deleted); } .lane-detached h3 { color: var(--detached); }
.lane.lane-transient { border-style: dotted; } .lane.lane-pending { border-style: dashed; border-color: #e2c48f; } .lane.lane-persistent { border-color: #9fd2ad; }
.lane.lane-deleted { border-color: #eba9a4; border-style: double; border-width: 3px; } .lane.lane-detached { border-color: #a9c1e6; border-style: dashed; }
.lane ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 5px; align-items: flex-start; }
.obj { width: 10.8rem; background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--transient); border-radius: 4px; padding: 4px 6px; font-size: 12px; overflow-wrap: anywhere; }
.obj.lane-pending { border-left-color: var(--pending); } .obj.lane-persistent { border-left-color: var(--persistent); }
.obj.lane-deleted { border-left-color: var(--deleted); } .obj.lane-detached { border-left-color: var(--detached); }
.obj.marked { border-left-style: double; box-shadow: inset 0 0 0 1px #eba9a4; }
.obj.is-dirty { box-shadow: 0 0 0 2px #e0c65a; }
.obj header { font-size: 13px; } .obj .cls { color: var(--muted); font-size: 11px; }
.obj .key { color: var(--muted); font-size: 11px; }
.obj .badge { display: inline-block; font-size: 10px; color: #fff; background: var(--deleted); border-radius: 3px; padding: 0 4px; margin: 2px 0; }
.obj dl { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 0 6px; margin: 3px 0 0; }
.obj dt { color: var(--muted); } .obj dd { margin: 0; }
.obj .dirty { background: var(--hl); font-weight: 600; } .obj del { color: var(--deleted); } .obj ins { text-decoration: none; color: var(--persistent); }
.obj .expired { color: #9aa3ad; font-style: italic; }
.obj .rel { font-size: 11px; color: var(--muted); margin-top: 2px; }
table.grid { border-collapse: collapse; width: 100%; margin-bottom: 8px; font-size: 12px; }
table.grid caption { text-align: left; font-weight: 600; padding: 2px 0; }
table.grid th, table.grid td { border: 1px solid var(--line); padding: 2px 5px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.grid th { background: #f0f2f5; font-weight: 600; }
tr.row-new td { background: #dcf5e3; } tr.row-changed td { background: var(--hl); } tr.row-gone td { text-decoration: line-through; color: var(--deleted); background: #fbe3e1; }
.set { margin: 2px 0; } .set-name { font-family: ui-monospace, monospace; font-size: 12px; }
ul.chips { display: inline; list-style: none; padding: 0; margin: 0; } ul.chips li { display: inline-block; border: 1px solid var(--line); border-radius: 10px; padding: 0 6px; margin: 1px 2px; font-size: 12px; }
.tx { margin: 2px 0; } .tx.open { color: var(--persistent); font-weight: 600; }
ol.savepoints { margin: 2px 0; padding-left: 1.6em; font-family: ui-monospace, monospace; font-size: 12px; }
ol.actions { margin: 0; padding-left: 1.6em; } li.action { padding: 3px 4px; border-radius: 3px; margin-bottom: 2px; }
li.action.current { background: var(--hl); outline: 1px solid #e0c65a; } li.action.done { color: var(--muted); } li.action.done strong::after { content: " ✓"; }
ol.actions.past { opacity: .6; }
.reason { font-size: 11px; color: var(--muted); } ul.notes { font-size: 11px; color: var(--muted); padding-left: 1.2em; margin: 4px 0 0; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1em; margin: 0; border-left: 1px dotted var(--line); } ul.tree { border: 0; padding: 0; }
ul.tree .node { font-weight: 600; } ul.tree .rel-key > span { color: var(--muted); font-size: 11px; }
@media (max-width: 1100px) { main { grid-template-columns: minmax(0, 1fr) minmax(0, 1.6fr); } main > .col-c { grid-column: 1 / -1; } }
@media (max-width: 700px) {
  main { grid-template-columns: minmax(0, 1fr); padding: 6px; }
  .lane { grid-template-columns: minmax(0, 1fr); min-height: 0; }
  .obj { width: calc(50% - 3px); }
  header.bar { position: static; }
  .controls button { flex: 1 1 auto; }
}
@media (prefers-reduced-motion: reduce) { .obj { transition: none !important; } }
`;
