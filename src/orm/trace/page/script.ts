// The animation page's script: plain JavaScript, run in the browser from the page itself (no
// framework, no network). It reads the trace from the page's JSON block and renders one step at a
// time with DOM calls only (textContent, never innerHTML), so nothing in a trace is ever markup.
// Kept free of backticks and dollar-brace so it can live in this template string as written.
export const PAGE_SCRIPT = `
(function () {
  "use strict";
  var trace = JSON.parse(document.getElementById("arbor-trace").textContent);
  var steps = trace.steps;
  var LANES = ["transient", "pending", "persistent", "deleted", "detached"];
  var objects = {};
  trace.objects.forEach(function (o) { objects[o.id] = o; });
  var tableInfo = {};
  trace.tables.forEach(function (t) { tableInfo[t.name] = t; });
  var current = 0;
  var timer = null;
  var boxes = {};
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function $(id) { return document.getElementById(id); }
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === "text") el.textContent = String(v);
        else if (k === "class") el.className = v;
        else el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    if (kids) {
      kids.forEach(function (c) {
        if (c === null || c === undefined) return;
        el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      });
    }
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function label(id) {
    var o = objects[id];
    return o ? (o.name || o["class"] + " #" + id) : "#" + id;
  }
  function fmt(v) {
    if (v === null) return "NULL";
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v !== "object") return String(v);
    switch (v.$) {
      case "bigint": return v.text + "n";
      case "bytes": return "<" + v.length + " bytes " + v.hex + (v.length > 32 ? "…" : "") + ">";
      case "string": return JSON.stringify(v.text) + "… (" + v.length + " chars)";
      case "object": return "→ " + label(v.id);
      case "array": return "[" + v.items.map(fmt).join(", ") + "]";
      case "json": return "{" + v.entries.map(function (e) { return e[0] + ": " + fmt(e[1]); }).join(", ") + "}";
      default: return v.text === undefined ? "?" : String(v.text);
    }
  }
  function empty(text) { return h("p", { class: "empty", text: text }); }

  // ---- header and controls --------------------------------------------------------------------

  function renderHeader(step) {
    $("counter").textContent = "Step " + (step.index + 1) + " of " + steps.length;
    $("step-kind").textContent = step.kind;
    $("step-kind").className = "kind kind-" + step.kind;
    $("step-title").textContent = step.title;
    $("step-detail").textContent = step.error ? "Error: " + step.error : step.detail || "";
    $("step-detail").className = step.error ? "detail error" : "detail";
    $("scrubber").value = String(step.index);
    $("scrubber").setAttribute("aria-valuetext", "Step " + (step.index + 1) + ": " + step.title);
    $("prev").disabled = step.index === 0;
    $("first").disabled = step.index === 0;
    $("next").disabled = step.index === steps.length - 1;
    $("last").disabled = step.index === steps.length - 1;
    $("live").textContent = "Step " + (step.index + 1) + ": " + step.title;
  }

  function renderCode(step) {
    var pane = clear($("code"));
    var code = step.code;
    var lines = code && trace.sources[code.file];
    if (!lines) { pane.appendChild(empty("No application line for this step.")); return; }
    pane.appendChild(h("p", { class: "file", text: code.file + ":" + code.line }));
    var from = Math.max(1, code.line - 3), to = Math.min(lines.length, code.line + 3);
    var ol = h("ol", { start: from, class: "source" });
    for (var n = from; n <= to; n++) {
      var cur = n === code.line;
      ol.appendChild(h("li", { class: cur ? "line current" : "line", "aria-current": cur ? "step" : null }, [h("code", { text: lines[n - 1] })]));
    }
    pane.appendChild(ol);
  }

  // ---- objects in lanes -----------------------------------------------------------------------

  function boxFor(o, step) {
    var el = boxes[o.id];
    var info = objects[o.id] || {};
    if (!el) {
      el = h("li", { class: "obj", "data-id": o.id, "data-name": info.name || null, tabindex: "0" });
      boxes[o.id] = el;
    }
    clear(el);
    var flags = [];
    if (o.markedDeleted) flags.push("marked for deletion");
    if (step.state.new.indexOf(o.id) >= 0) flags.push("in session.new");
    if (step.state.dirty.indexOf(o.id) >= 0) flags.push("dirty");
    if (o.expired.length) flags.push("expired");
    el.setAttribute("data-lane", o.lane);
    el.setAttribute("data-flags", flags.join(","));
    el.className = "obj lane-" + o.lane + (o.markedDeleted ? " marked" : "") + (flags.indexOf("dirty") >= 0 ? " is-dirty" : "") + (o.expired.length ? " is-expired" : "");
    el.setAttribute("aria-label", label(o.id) + ", " + info["class"] + ", " + o.lane + (flags.length ? ", " + flags.join(", ") : ""));
    el.appendChild(h("header", null, [h("strong", { text: label(o.id) }), info.name ? h("span", { class: "cls", text: " " + info["class"] }) : null]));
    if (o.identityKey) el.appendChild(h("div", { class: "key", text: o.identityKey }));
    if (o.markedDeleted) el.appendChild(h("div", { class: "badge", text: "deleted at next flush" }));
    var dl = h("dl");
    Object.keys(o.values).forEach(function (k) {
      var dirty = Object.prototype.hasOwnProperty.call(o.dirty, k);
      dl.appendChild(h("dt", { class: dirty ? "dirty" : null, text: k }));
      dl.appendChild(h("dd", { class: dirty ? "dirty" : null, "data-key": k }, dirty ? [h("del", { text: fmt(o.dirty[k]) }), " → ", h("ins", { text: fmt(o.values[k]) })] : [fmt(o.values[k])]));
    });
    o.expired.forEach(function (k) {
      dl.appendChild(h("dt", { class: "expired", text: k }));
      dl.appendChild(h("dd", { class: "expired", "data-key": k, text: "expired" }));
    });
    el.appendChild(dl);
    Object.keys(o.related).forEach(function (k) {
      var ids = o.related[k];
      el.appendChild(h("div", { class: "rel", text: k + ": " + (ids.length ? ids.map(label).join(", ") : "(none)") }));
    });
    return el;
  }

  function renderObjects(step) {
    var before = {};
    Object.keys(boxes).forEach(function (id) {
      if (boxes[id].isConnected) before[id] = boxes[id].getBoundingClientRect();
    });
    var byLane = {};
    LANES.forEach(function (l) { byLane[l] = []; });
    step.state.objects.forEach(function (o) { byLane[o.lane].push(o); });
    LANES.forEach(function (l) {
      var list = $("lane-" + l);
      var items = byLane[l].map(function (o) { return boxFor(o, step); });
      items.forEach(function (el) { list.appendChild(el); });
      Array.prototype.slice.call(list.children).forEach(function (el) { if (items.indexOf(el) < 0) list.removeChild(el); });
      $("count-" + l).textContent = String(items.length);
    });
    Object.keys(boxes).forEach(function (id) {
      if (!step.state.objects.some(function (o) { return String(o.id) === id; }) && boxes[id].parentNode) boxes[id].parentNode.removeChild(boxes[id]);
    });
    if (reduceMotion) return;
    // FLIP: each box starts where it was and slides to where it now is.
    Object.keys(before).forEach(function (id) {
      var el = boxes[id];
      if (!el.isConnected) return;
      var now = el.getBoundingClientRect();
      var dx = before[id].left - now.left, dy = before[id].top - now.top;
      if (Math.abs(dx) < 1 && Math.abs(dy) < 1) return;
      el.style.transition = "none";
      el.style.transform = "translate(" + dx + "px, " + dy + "px)";
      el.getBoundingClientRect();
      el.style.transition = "transform 350ms ease";
      el.style.transform = "";
    });
  }

  // ---- session bookkeeping ------------------------------------------------------------------------

  function chips(ids) {
    if (!ids.length) return h("span", { class: "none", text: "(empty)" });
    return h("ul", { class: "chips" }, ids.map(function (id) { return h("li", { text: label(id) }); }));
  }

  function renderSession(step) {
    var st = step.state;
    var im = clear($("identity"));
    if (!st.identityMap.length) im.appendChild(empty("The identity map is empty."));
    else {
      var tbody = h("tbody");
      st.identityMap.forEach(function (e) { tbody.appendChild(h("tr", null, [h("td", { text: e[0] }), h("td", { text: label(e[1]) })])); });
      im.appendChild(h("table", { class: "grid" }, [h("thead", null, [h("tr", null, [h("th", { scope: "col", text: "identity key" }), h("th", { scope: "col", text: "object" })])]), tbody]));
    }
    var sets = clear($("sets"));
    [["new", st["new"]], ["dirty", st.dirty], ["deleted", st.deleted]].forEach(function (p) {
      sets.appendChild(h("div", { class: "set" }, [h("span", { class: "set-name", text: "session." + p[0] + ": " }), chips(p[1])]));
    });
    var tx = clear($("transaction"));
    var t = st.transaction;
    tx.appendChild(h("p", { class: t.open ? "tx open" : "tx", text: t.open ? "Transaction open" : "No transaction (autocommit)" }));
    if (t.savepoints.length) tx.appendChild(h("ol", { class: "savepoints" }, t.savepoints.map(function (s) { return h("li", { text: "SAVEPOINT " + s }); })));
  }

  function renderPlan(step) {
    var pane = clear($("plan"));
    var index = step.flush;
    if (index === undefined) {
      // The last flush before this step, dimmed, so the order stays in view.
      for (var i = step.index; i >= 0 && index === undefined; i--) if (steps[i].flush !== undefined) index = steps[i].flush;
      if (index === undefined) { pane.appendChild(empty("No flush yet.")); return; }
      pane.appendChild(h("p", { class: "note", text: "Last flush (finished):" }));
    }
    var flush = trace.flushes[index];
    var running = step.flush !== undefined;
    var ol = h("ol", { class: "actions" + (running ? "" : " past") });
    flush.actions.forEach(function (a, i) {
      var state = !running ? "" : i < step.action ? " done" : i === step.action ? " current" : "";
      ol.appendChild(h("li", { class: "action" + state, "aria-current": state === " current" ? "step" : null, "data-verb": a.verb }, [
        h("strong", { text: a.verb.toUpperCase() + " " + a.table }),
        a.objects.length ? " " + a.objects.map(label).join(", ") : "",
        h("div", { class: "reason", text: a.reason })
      ]));
    });
    pane.appendChild(ol);
    pane.appendChild(h("ul", { class: "notes" }, flush.notes.map(function (n) { return h("li", { text: n }); })));
  }

  function renderSql(step) {
    var list = clear($("sql"));
    var shown = trace.statements.filter(function (s) { return s.step <= step.index; });
    if (!shown.length) { list.appendChild(h("li", { class: "empty", text: "No statement sent yet." })); return; }
    var currentEl = null;
    shown.forEach(function (s, i) {
      var cur = step.sql !== undefined && trace.statements[step.sql] === s;
      var meta = [];
      if (s.params.length) meta.push("params: " + s.params.map(fmt).join(", "));
      if (s.rowCount !== undefined) meta.push(s.rowCount + (s.rowCount === 1 ? " row" : " rows"));
      if (s.error) meta.push("failed: " + s.error);
      var li = h("li", { class: "stmt" + (cur ? " current" : "") + (s.error ? " failed" : ""), "aria-current": cur ? "step" : null, "data-index": i }, [
        h("code", { text: s.sql }),
        meta.length ? h("div", { class: "meta", text: meta.join(" · ") }) : null
      ]);
      if (cur) currentEl = li;
      list.appendChild(li);
    });
    var target = currentEl || list.lastChild;
    var box = $("sql-pane");
    if (target && box) box.scrollTop = Math.max(0, target.offsetTop - box.offsetTop - box.clientHeight / 2);
  }

  function rowKey(table, row) {
    var t = tableInfo[table];
    return t.primaryKey.map(function (k) { return JSON.stringify(row[t.columns.indexOf(k)]); }).join("|");
  }

  function renderTables(step) {
    var pane = clear($("tables"));
    var db = trace.databases[step.rows] || {};
    var prevDb = step.index > 0 ? trace.databases[steps[step.index - 1].rows] || {} : db;
    trace.tables.forEach(function (t) {
      var rows = db[t.name] || [];
      var prev = {};
      (prevDb[t.name] || []).forEach(function (r) { prev[rowKey(t.name, r)] = r; });
      var seen = {};
      var tbody = h("tbody");
      rows.forEach(function (r) {
        var key = rowKey(t.name, r);
        seen[key] = true;
        var old = prev[key];
        var cls = !old ? "row-new" : JSON.stringify(old) !== JSON.stringify(r) ? "row-changed" : null;
        if (step.index === 0) cls = null;
        tbody.appendChild(h("tr", { class: cls }, r.map(function (v) { return h("td", { text: fmt(v) }); })));
      });
      Object.keys(prev).forEach(function (key) {
        if (!seen[key]) tbody.appendChild(h("tr", { class: "row-gone", title: "deleted" }, prev[key].map(function (v) { return h("td", { text: fmt(v) }); })));
      });
      if (!rows.length && !tbody.firstChild) tbody.appendChild(h("tr", null, [h("td", { colspan: t.columns.length, class: "none", text: "(no rows)" })]));
      pane.appendChild(h("table", { class: "grid db" }, [
        h("caption", { text: t.name }),
        h("thead", null, [h("tr", null, t.columns.map(function (c) { return h("th", { scope: "col", text: c }); }))]),
        tbody
      ]));
    });
  }

  function treeNode(node) {
    var kids = Object.keys(node.children).map(function (k) {
      return h("li", { class: "rel-key" }, [h("span", { text: k }), h("ul", null, node.children[k].map(treeNode))]);
    });
    return h("li", { "data-id": node.id }, [h("span", { class: "node", text: label(node.id) }), kids.length ? h("ul", null, kids) : null]);
  }

  function renderLoaded(step) {
    var pane = clear($("loaded"));
    if (!step.loaded || !step.loaded.length) { pane.appendChild(empty("This step loads nothing.")); return; }
    pane.appendChild(h("ul", { class: "tree" }, step.loaded.map(treeNode)));
  }

  // ---- stepping ---------------------------------------------------------------------------------

  function show(i) {
    current = Math.max(0, Math.min(steps.length - 1, i));
    var step = steps[current];
    renderHeader(step);
    renderCode(step);
    renderObjects(step);
    renderSession(step);
    renderPlan(step);
    renderSql(step);
    renderTables(step);
    renderLoaded(step);
    document.body.setAttribute("data-step", String(current));
  }

  function setPlaying(on) {
    if (on && current >= steps.length - 1) show(0);
    if (timer) { clearInterval(timer); timer = null; }
    if (on) {
      timer = setInterval(function () {
        if (current >= steps.length - 1) { setPlaying(false); return; }
        show(current + 1);
      }, Number($("speed").value));
    }
    $("play").textContent = on ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", on ? "true" : "false");
  }

  $("first").addEventListener("click", function () { setPlaying(false); show(0); });
  $("prev").addEventListener("click", function () { setPlaying(false); show(current - 1); });
  $("next").addEventListener("click", function () { setPlaying(false); show(current + 1); });
  $("last").addEventListener("click", function () { setPlaying(false); show(steps.length - 1); });
  $("play").addEventListener("click", function () { setPlaying(!timer); });
  $("speed").addEventListener("change", function () { if (timer) setPlaying(true); });
  $("scrubber").max = String(steps.length - 1);
  $("scrubber").addEventListener("input", function () { setPlaying(false); show(Number($("scrubber").value)); });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight") { setPlaying(false); show(current + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { setPlaying(false); show(current - 1); e.preventDefault(); }
    else if (e.key === "Home") { setPlaying(false); show(0); e.preventDefault(); }
    else if (e.key === "End") { setPlaying(false); show(steps.length - 1); e.preventDefault(); }
    else if (e.key === " " && tag !== "BUTTON") { setPlaying(!timer); e.preventDefault(); }
  });
  window.arborAnimation = { show: show, get step() { return current; }, steps: steps.length };
  show(0);
})();
`;
