// Internal: the viewer page's script, served as /app.js. Plain browser
// JavaScript, no build step and no dependency. It reads the JSON API, draws
// the trace list and a trace's waterfall (the tree glyphs, error marks and
// shared time axis of renderTree), shows a span's details, and polls
// /api/stats every second to follow new spans. Every value from a span is
// put on the page as text, never as markup.
//
// Kept as a raw string: it must not contain a backtick or a dollar sign
// followed by a brace, but for the one substitution, renderTree's MAX_GUIDES.

import { MAX_GUIDES } from "../export/_max_guides.ts";

/** `GET /app.js`. */
export const PAGE_SCRIPT: string = String.raw`"use strict";
(function () {
  // renderTree's depth of tree guides (src/export/_max_guides.ts).
  var MAX_GUIDES = ${MAX_GUIDES};
  var ZERO_ID = /^0+$/;
  var MAX_CHIPS = 50;
  var main = document.getElementById("main");
  var statsNode = document.getElementById("stats");
  var liveButton = document.getElementById("live");
  var live = true;
  var lastVersion = -1;
  var view = null;

  // ---- small helpers ----
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function append(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }
  function formatMs(ms) {
    if (!(ms > 0)) return "0 ms";
    if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
    return ms.toFixed(ms < 1 ? 2 : 1) + " ms";
  }
  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }
  function formatClock(epochMs) {
    var d = new Date(epochMs);
    var time = pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2) +
      "." + pad(d.getMilliseconds(), 3);
    var today = new Date();
    if (d.toDateString() === today.toDateString()) return time;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2) + " " + time;
  }
  function hue(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
    return h % 360;
  }
  function serviceColor(service) {
    return "hsl(" + hue(service) + ", 55%, 52%)";
  }
  function dot(service) {
    var node = el("span", "dot");
    node.style.background = serviceColor(service);
    return node;
  }
  function valueText(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }
  function getJson(url) {
    return fetch(url, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }
  function markReady() {
    // After the next frame is drawn, so a test or a timer sees the page done.
    main.removeAttribute("data-ready");
    requestAnimationFrame(function () {
      setTimeout(function () { main.setAttribute("data-ready", "1"); }, 0);
    });
  }
  function showError(error) {
    main.replaceChildren(el("p", "note error-note", "Cannot reach the viewer: " + error.message));
    markReady();
  }

  // ---- routing: #/?service=&name=&min=&errors=1 and #/trace/<id>?span=<id> ----
  function parseHash() {
    var hash = location.hash.replace(/^#/, "") || "/";
    var q = hash.indexOf("?");
    var path = q < 0 ? hash : hash.slice(0, q);
    var params = new URLSearchParams(q < 0 ? "" : hash.slice(q + 1));
    var match = /^\/trace\/([0-9a-fA-F]{32})$/.exec(path);
    if (match) return { kind: "trace", traceId: match[1].toLowerCase(), span: params.get("span") };
    return { kind: "list", params: params };
  }
  function route() {
    var r = parseHash();
    if (r.kind === "trace") showTrace(r.traceId, r.span);
    else showList(r.params);
  }

  // ---- the trace list ----
  function showList(params) {
    var filters = {
      service: params.get("service") || "",
      name: params.get("name") || "",
      min: params.get("min") || "",
      errors: params.get("errors") === "1",
    };
    if (!view || view.kind !== "list") buildList();
    var f = view.form;
    if (document.activeElement !== f.name) f.name.value = filters.name;
    if (document.activeElement !== f.min) f.min.value = filters.min;
    f.errors.checked = filters.errors;
    view.filters = filters;
    document.title = "spans viewer";
    loadServices();
    loadList();
  }

  function buildList() {
    var section = el("section", "list");
    var heading = el("h1", "", "Traces");
    heading.id = "traces-heading";
    var form = el("form", "filters");
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Filter traces");
    var service = el("select");
    service.id = "f-service";
    append(service, new Option("All services", ""));
    var name = el("input");
    name.type = "search";
    name.id = "f-name";
    name.placeholder = "a span name contains…";
    var min = el("input");
    min.type = "number";
    min.id = "f-min";
    min.min = "0";
    min.step = "any";
    min.placeholder = "0";
    var errors = el("input");
    errors.type = "checkbox";
    errors.id = "f-errors";
    append(form,
      append(el("label", "", "Service"), service),
      append(el("label", "", "Span name"), name),
      append(el("label", "", "Min duration (ms)"), min),
      append(el("label", "check"), errors, "Errors only"));
    var table = el("table", "traces");
    table.setAttribute("aria-labelledby", "traces-heading");
    var head = el("thead");
    var headRow = el("tr");
    [["Trace (root span)", ""], ["Service", ""], ["Started", ""], ["Duration", ""],
      ["Spans", "num"], ["Errors", "num"]].forEach(function (c) {
      var th = el("th", c[1], c[0]);
      th.scope = "col";
      headRow.appendChild(th);
    });
    append(table, append(head, headRow));
    var body = el("tbody");
    table.appendChild(body);
    var empty = el("p", "note");
    append(section, heading, form, table, empty);
    main.replaceChildren(section);
    view = {
      kind: "list",
      filters: null,
      seq: 0,
      form: { service: service, name: name, min: min, errors: errors },
      body: body,
      empty: empty,
    };
    var timer = 0;
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(applyFilters, 200);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) { event.preventDefault(); applyFilters(); });
    body.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var links = Array.prototype.slice.call(body.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (at < 0) return;
      var next = links[at + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) {
        next.focus();
        event.preventDefault();
      }
    });
  }

  function applyFilters() {
    if (!view || view.kind !== "list") return;
    var f = view.form;
    var params = new URLSearchParams();
    if (f.service.value) params.set("service", f.service.value);
    if (f.name.value.trim()) params.set("name", f.name.value.trim());
    if (f.min.value) params.set("min", f.min.value);
    if (f.errors.checked) params.set("errors", "1");
    var query = params.toString();
    history.replaceState(null, "", query ? "#/?" + query : "#/");
    view.filters = {
      service: f.service.value,
      name: f.name.value.trim(),
      min: f.min.value,
      errors: f.errors.checked,
    };
    loadList();
  }

  function loadServices() {
    var v = view;
    getJson("/api/services").then(function (services) {
      if (view !== v) return;
      var select = v.form.service;
      var chosen = v.filters.service || select.value;
      select.replaceChildren(new Option("All services", ""));
      services.forEach(function (s) { select.appendChild(new Option(s, s)); });
      if (chosen && services.indexOf(chosen) < 0) select.appendChild(new Option(chosen, chosen));
      select.value = chosen;
    }).catch(function () {});
  }

  function loadList() {
    var v = view;
    var seq = ++v.seq;
    var f = v.filters;
    var query = new URLSearchParams({ limit: "200" });
    if (f.service) query.set("service", f.service);
    if (f.name) query.set("name", f.name);
    if (f.min && Number(f.min) > 0) query.set("minDurationMs", f.min);
    if (f.errors) query.set("error", "true");
    getJson("/api/traces?" + query.toString()).then(function (traces) {
      if (view !== v || seq !== v.seq) return;
      renderList(v, traces);
    }).catch(showError);
  }

  function renderList(v, traces) {
    var focused = document.activeElement;
    var focusedId = focused && v.body.contains(focused) ? focused.getAttribute("data-trace") : null;
    var longest = 0;
    traces.forEach(function (t) { if (t.durationMs > longest) longest = t.durationMs; });
    var rows = document.createDocumentFragment();
    var refocus = null;
    traces.forEach(function (t) {
      var row = el("tr");
      var link = el("a", "", t.name || "(unnamed)");
      link.href = "#/trace/" + t.traceId;
      link.setAttribute("data-trace", t.traceId);
      if (t.traceId === focusedId) refocus = link;
      var nameCell = append(el("td", "name"), link);
      if (t.errorCount > 0) append(nameCell, " ", el("span", "err", "\u2717"));
      var bar = el("span", "minibar");
      bar.style.width = Math.max(2, Math.round(120 * (longest > 0 ? t.durationMs / longest : 0))) + "px";
      append(row,
        nameCell,
        append(el("td", "service"), dot(t.service), t.service),
        el("td", "mono", formatClock(t.startTime)),
        append(el("td", "mono"), formatMs(t.durationMs), bar),
        el("td", "num", t.spanCount),
        el("td", "num" + (t.errorCount > 0 ? " err" : ""), t.errorCount));
      rows.appendChild(row);
    });
    v.body.replaceChildren(rows);
    if (refocus) refocus.focus();
    var f = v.filters;
    var filtered = f.service || f.name || (f.min && Number(f.min) > 0) || f.errors;
    v.empty.textContent = traces.length > 0 ? "" : filtered
      ? "No trace matches these filters."
      : "No traces yet. Send OTLP/HTTP (protobuf or JSON) to " + location.origin + "/v1/traces.";
    main.setAttribute("data-view", "list");
    markReady();
  }

  // ---- a trace ----
  function showTrace(traceId, spanId) {
    if (view && view.kind === "trace" && view.traceId === traceId) {
      if (spanId && view.rows) selectById(spanId, false);
      return;
    }
    view = {
      kind: "trace",
      traceId: traceId,
      etag: null,
      spans: null,
      rows: null,
      collapsed: {},
      selectedId: spanId,
      selected: -1,
      held: {},
    };
    document.title = "Trace " + traceId.slice(0, 8) + " · spans viewer";
    main.replaceChildren(el("p", "note", "Loading trace " + traceId + "…"));
    loadTrace();
  }

  function loadTrace() {
    var v = view;
    var headers = {};
    if (v.etag) headers["If-None-Match"] = v.etag;
    fetch("/api/traces/" + v.traceId, { headers: headers, cache: "no-store" }).then(function (r) {
      if (view !== v || r.status === 304) return;
      if (r.status === 404) {
        if (v.spans) {
          v.evicted = true;
          renderTrace(v);
        } else {
          main.replaceChildren(append(el("div", "trace-head"), backLink(),
            el("p", "note", "Trace " + v.traceId + " is not held: it was never received, " +
              "or it was evicted to stay within the viewer's limits.")));
          markReady();
        }
        return;
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      v.etag = r.headers.get("etag");
      return r.json().then(function (spans) {
        if (view !== v) return;
        v.spans = spans;
        v.evicted = false;
        renderTrace(v);
      });
    }).catch(showError);
  }

  function backLink() {
    var back = el("a", "back", "\u2190 All traces");
    back.href = "#/";
    return back;
  }

  // Spans as a forest: children under their parent, by start time; a span
  // whose parent is not held is drawn as a root, as renderTree does.
  function buildTree(spans) {
    var nodes = new Map();
    spans.forEach(function (span) { nodes.set(span.spanId, { span: span, children: [] }); });
    var roots = [];
    nodes.forEach(function (node) {
      var parent = node.span.parentSpanId === null ? undefined : nodes.get(node.span.parentSpanId);
      if (parent && parent !== node) parent.children.push(node);
      else roots.push(node);
    });
    function byStart(a, b) { return a.span.startTime - b.span.startTime; }
    nodes.forEach(function (node) { node.children.sort(byStart); });
    roots.sort(byStart);
    // Spans in a parent cycle reach no root: each cycle gets one as a root.
    var seen = new Set();
    function mark(node) {
      var stack = [node];
      while (stack.length) {
        var n = stack.pop();
        if (seen.has(n)) continue;
        seen.add(n);
        for (var i = 0; i < n.children.length; i++) stack.push(n.children[i]);
      }
    }
    roots.forEach(mark);
    nodes.forEach(function (node) {
      if (!seen.has(node)) {
        roots.push(node);
        mark(node);
      }
    });
    return roots;
  }

  // The rows in drawing order, depth first, with an explicit stack: a chain
  // thousands of spans deep must not exhaust the call stack. Guides stop
  // growing after MAX_GUIDES levels, as renderTree's do, and a deeper row
  // shows its real depth.
  function flatten(v) {
    var rows = [];
    var visited = new Set();
    var stack = [];
    for (var r = v.roots.length - 1; r >= 0; r--) {
      stack.push({ node: v.roots[r], prefix: "", last: true, depth: 0, parentRow: -1 });
    }
    while (stack.length) {
      var frame = stack.pop();
      var node = frame.node;
      if (visited.has(node)) continue;
      visited.add(node);
      var depth = frame.depth;
      var connector = frame.last ? "└─ " : "├─ ";
      var row = {
        span: node.span,
        depth: depth,
        prefix: depth === 0
          ? ""
          : depth - 1 > MAX_GUIDES
          ? frame.prefix + "⋯" + depth + " " + connector
          : frame.prefix + connector,
        hasChildren: node.children.length > 0,
        collapsed: v.collapsed[node.span.spanId] === true,
        parentRow: frame.parentRow,
      };
      rows.push(row);
      if (row.collapsed) continue;
      var childPrefix = depth === 0 || depth > MAX_GUIDES
        ? frame.prefix
        : frame.prefix + (frame.last ? "   " : "│  ");
      var children = node.children;
      for (var i = children.length - 1; i >= 0; i--) {
        stack.push({
          node: children[i],
          prefix: childPrefix,
          last: i === children.length - 1,
          depth: depth + 1,
          parentRow: rows.length - 1,
        });
      }
    }
    return rows;
  }

  function renderTrace(v) {
    var oldTree = v.tree;
    var scroll = oldTree ? oldTree.scrollTop : 0;
    var hadFocus = oldTree ? oldTree.contains(document.activeElement) : false;
    var spans = v.spans;
    v.roots = buildTree(spans);
    v.start = Infinity;
    v.end = -Infinity;
    var errors = 0;
    // A Set, and chips for the first MAX_CHIPS only: a trace may name a
    // service per span.
    var services = new Set();
    spans.forEach(function (s) {
      if (s.startTime < v.start) v.start = s.startTime;
      if (s.endTime > v.end) v.end = s.endTime;
      if (s.status.code === "error") errors++;
      services.add(s.service);
    });
    v.total = v.end - v.start;
    var root = v.roots.length ? v.roots[0].span : spans[0];

    var head = el("div", "trace-head");
    var meta = el("div", "meta");
    append(meta,
      append(el("span"), "Trace ", el("code", "", v.traceId)),
      el("span", "", formatClock(v.start)),
      el("span", "", formatMs(v.total)),
      el("span", "", spans.length + (spans.length === 1 ? " span" : " spans")),
      el("span", errors > 0 ? "err" : "", errors + (errors === 1 ? " error" : " errors")));
    var chips = 0;
    services.forEach(function (s) {
      if (chips++ < MAX_CHIPS) meta.appendChild(append(el("span", "chip"), dot(s), s));
    });
    if (services.size > MAX_CHIPS) {
      meta.appendChild(el("span", "chip", "+" + (services.size - MAX_CHIPS) + " more services"));
    }
    append(head, backLink(), el("h1", "", root.name || "(unnamed)"), meta);

    var axis = el("div", "axis");
    axis.setAttribute("aria-hidden", "true");
    var ticks = el("div", "ticks");
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      var tick = el("span", "", formatMs(v.total * f));
      tick.style.left = (f * 100) + "%";
      ticks.appendChild(tick);
    });
    append(axis, el("span", "", "Span"), el("span", "", "Duration"), ticks);

    // Only the rows in sight (and a few more) are in the page: a trace of
    // any size draws as fast as a small one. The tree itself holds the
    // focus and points at the selected row with aria-activedescendant.
    var tree = el("div", "tree");
    tree.tabIndex = 0;
    tree.setAttribute("role", "tree");
    tree.setAttribute("aria-label", "Spans of trace " + v.traceId);
    tree.addEventListener("click", onTreeClick);
    tree.addEventListener("keydown", onTreeKey);
    tree.addEventListener("scroll", function () { scheduleWindow(v); }, { passive: true });
    var spacer = el("div", "spacer");
    var rowsWindow = el("div", "rows");
    spacer.appendChild(rowsWindow);
    tree.appendChild(spacer);
    v.tree = tree;
    v.spacer = spacer;
    v.window = rowsWindow;

    var detail = el("aside", "detail");
    detail.setAttribute("aria-label", "Span details");
    v.detail = detail;

    var body = append(el("div", "trace-body"), append(el("section", "waterfall"), axis, tree), detail);
    var parts = [head];
    if (v.evicted) {
      parts.push(el("div", "banner", "This trace was evicted from the viewer; it shows the last copy."));
    }
    parts.push(body);
    main.replaceChildren.apply(main, parts);
    main.setAttribute("data-view", "trace");
    main.setAttribute("data-spans", String(spans.length));
    document.title = (root.name || "Trace") + " · spans viewer";

    renderRows(v);
    tree.scrollTop = scroll;
    renderWindow(v);
    var selected = v.selectedId ? indexOfSpan(v, v.selectedId) : -1;
    if (selected < 0 && v.rows.length) selected = 0;
    if (selected >= 0) select(selected, hadFocus || !oldTree, !!v.selectedId);
    else renderDetail(v, null);
    markReady();
  }

  function indexOfSpan(v, spanId) {
    for (var i = 0; i < v.rows.length; i++) if (v.rows[i].span.spanId === spanId) return i;
    return -1;
  }

  var ROW_HEIGHT = 22;
  var OVERSCAN = 30;

  function renderRows(v) {
    v.rows = flatten(v);
    v.spacer.style.height = (v.rows.length * ROW_HEIGHT) + "px";
    v.first = -1;
    v.last = -1;
    if (v.selected >= v.rows.length) v.selected = -1;
    renderWindow(v);
  }

  function scheduleWindow(v) {
    if (v.windowPending) return;
    v.windowPending = true;
    requestAnimationFrame(function () {
      v.windowPending = false;
      if (view === v) renderWindow(v);
    });
  }

  // Draws the rows in sight, and OVERSCAN more on each side.
  function renderWindow(v) {
    var tree = v.tree;
    var height = tree.clientHeight || 800;
    var first = Math.max(0, Math.floor(tree.scrollTop / ROW_HEIGHT) - OVERSCAN);
    var last = Math.min(v.rows.length, Math.ceil((tree.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    if (first === v.first && last === v.last) return;
    v.first = first;
    v.last = last;
    var fragment = document.createDocumentFragment();
    for (var i = first; i < last; i++) fragment.appendChild(makeRow(v, i));
    v.window.style.transform = "translateY(" + (first * ROW_HEIGHT) + "px)";
    v.window.replaceChildren(fragment);
  }

  function makeRow(v, i) {
    var r = v.rows[i];
    var s = r.span;
    var total = v.total;
    var isError = s.status.code === "error";
    var row = el("div", "row");
    row.id = "span-row-" + i;
    row.setAttribute("role", "treeitem");
    row.setAttribute("aria-level", String(r.depth + 1));
    row.setAttribute("aria-selected", i === v.selected ? "true" : "false");
    if (r.hasChildren) row.setAttribute("aria-expanded", r.collapsed ? "false" : "true");
    row.setAttribute("data-i", String(i));
    row.setAttribute("data-span", s.spanId);
    var label = el("span", "label");
    label.appendChild(el("span", "toggle", r.hasChildren ? (r.collapsed ? "\u25b8" : "\u25be") : ""));
    label.appendChild(el("span", "prefix", r.prefix));
    label.appendChild(el("span", "name", s.name));
    if (isError) label.appendChild(el("span", "mark", " \u2717"));
    label.title = s.name + (isError ? " (error)" : "");
    var duration = Math.max(0, s.endTime - s.startTime);
    var track = el("div", "track");
    var bar = el("div", "bar" + (isError ? " error" : ""));
    var left = total > 0 ? (s.startTime - v.start) / total : 0;
    var width = total > 0 ? duration / total : 1;
    bar.style.left = (left * 100) + "%";
    bar.style.width = (width * 100) + "%";
    bar.style.background = serviceColor(s.service);
    bar.title = s.name + ": " + formatMs(duration) + " at +" + formatMs(s.startTime - v.start);
    track.appendChild(bar);
    row.appendChild(label);
    row.appendChild(el("span", "dur", formatMs(duration)));
    row.appendChild(track);
    return row;
  }

  function select(i, focus, updateUrl) {
    var v = view;
    if (i < 0 || i >= v.rows.length) return;
    v.selected = i;
    // Bring the row into sight, then draw what is in sight.
    var tree = v.tree;
    var top = i * ROW_HEIGHT;
    if (top < tree.scrollTop) tree.scrollTop = top;
    else if (top + ROW_HEIGHT > tree.scrollTop + tree.clientHeight) {
      tree.scrollTop = top + ROW_HEIGHT - tree.clientHeight;
    }
    renderWindow(v);
    for (var n = 0; n < v.window.children.length; n++) {
      var node = v.window.children[n];
      node.setAttribute("aria-selected", node.id === "span-row-" + i ? "true" : "false");
    }
    tree.setAttribute("aria-activedescendant", "span-row-" + i);
    if (focus) tree.focus({ preventScroll: true });
    var span = v.rows[i].span;
    v.selectedId = span.spanId;
    if (updateUrl !== false) {
      history.replaceState(null, "", "#/trace/" + v.traceId + "?span=" + span.spanId);
    }
    renderDetail(v, span);
  }

  function selectById(spanId, focus) {
    var v = view;
    var i = indexOfSpan(v, spanId);
    if (i < 0) {
      // Unfold the ancestors of a span hidden in a folded subtree.
      var byId = {};
      v.spans.forEach(function (s) { byId[s.spanId] = s; });
      var s = byId[spanId];
      if (!s) return;
      for (var p = byId[s.parentSpanId]; p; p = byId[p.parentSpanId]) delete v.collapsed[p.spanId];
      renderRows(v);
      i = indexOfSpan(v, spanId);
    }
    select(i, focus, true);
  }

  function toggle(i) {
    var v = view;
    var r = v.rows[i];
    if (!r || !r.hasChildren) return;
    var id = r.span.spanId;
    if (v.collapsed[id]) delete v.collapsed[id];
    else v.collapsed[id] = true;
    var keep = v.selectedId;
    renderRows(v);
    var at = indexOfSpan(v, keep);
    select(at >= 0 ? at : indexOfSpan(v, id), true, true);
  }

  function onTreeClick(event) {
    var row = event.target.closest(".row");
    if (!row) return;
    var i = Number(row.getAttribute("data-i"));
    if (event.target.classList.contains("toggle")) toggle(i);
    else select(i, true, true);
  }

  function onTreeKey(event) {
    var v = view;
    var i = v.selected;
    var r = v.rows[i];
    if (i < 0 && v.rows.length) i = 0;
    switch (event.key) {
      case "ArrowDown": select(Math.min(v.rows.length - 1, i + 1), true, true); break;
      case "ArrowUp": select(Math.max(0, i - 1), true, true); break;
      case "Home": select(0, true, true); break;
      case "End": select(v.rows.length - 1, true, true); break;
      case "PageDown": select(Math.min(v.rows.length - 1, i + 20), true, true); break;
      case "PageUp": select(Math.max(0, i - 20), true, true); break;
      case "ArrowRight":
        if (r && r.hasChildren && r.collapsed) toggle(i);
        else if (r && r.hasChildren) select(i + 1, true, true);
        break;
      case "ArrowLeft":
        if (r && r.hasChildren && !r.collapsed) toggle(i);
        else if (r && r.parentRow >= 0) select(r.parentRow, true, true);
        break;
      case "Enter":
      case " ":
        if (r && r.hasChildren) toggle(i);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  // ---- a span's details ----
  function kvTable(attributes, skip) {
    var keys = Object.keys(attributes || {}).filter(function (k) { return !skip || skip.indexOf(k) < 0; });
    if (keys.length === 0) return el("p", "muted", "none");
    var table = el("table", "kv");
    keys.forEach(function (k) {
      table.appendChild(append(el("tr"), el("td", "k", k), el("td", "v", valueText(attributes[k]))));
    });
    return table;
  }

  function fact(list, term, value) {
    list.appendChild(el("dt", "", term));
    var dd = el("dd");
    append(dd, value);
    list.appendChild(dd);
  }

  function renderDetail(v, span) {
    var d = v.detail;
    if (!span) {
      d.replaceChildren(el("p", "muted",
        "Select a span to see its attributes, events and links. In the waterfall, \u2191 \u2193 move, " +
        "\u2190 \u2192 fold and unfold, Esc goes back to the list."));
      return;
    }
    var isError = span.status.code === "error";
    var title = el("h2", "", span.name || "(unnamed)");
    if (isError) title.appendChild(el("span", "mark", " \u2717"));
    var facts = el("dl", "facts");
    fact(facts, "Service", append(el("span"), dot(span.service), span.service));
    fact(facts, "Kind", span.kind);
    var status = el("span", isError ? "status-error" : span.status.code === "ok" ? "status-ok" : "",
      span.status.code + (span.status.message ? ": " + span.status.message : ""));
    fact(facts, "Status", status);
    fact(facts, "Duration", formatMs(span.endTime - span.startTime));
    fact(facts, "Starts at", "+" + formatMs(span.startTime - v.start) + " (" + formatClock(span.startTime) + ")");
    fact(facts, "Span ID", el("code", "", span.spanId));
    if (span.parentSpanId) {
      var parentHeld = v.spans.some(function (s) { return s.spanId === span.parentSpanId; });
      var parent = el(parentHeld ? "a" : "code", "", span.parentSpanId);
      if (parentHeld) {
        parent.href = "#/trace/" + v.traceId + "?span=" + span.parentSpanId;
        parent.className = "mono";
      }
      fact(facts, "Parent", parent);
    }
    if (span.traceState) fact(facts, "Trace state", el("code", "", span.traceState));
    var dropped = [];
    if (span.droppedAttributesCount) dropped.push(span.droppedAttributesCount + " attributes");
    if (span.droppedEventsCount) dropped.push(span.droppedEventsCount + " events");
    if (span.droppedLinksCount) dropped.push(span.droppedLinksCount + " links");
    if (dropped.length) fact(facts, "Dropped", dropped.join(", "));

    var parts = [title, facts, el("h3", "", "Attributes"), kvTable(span.attributes)];

    parts.push(el("h3", "", "Events (" + span.events.length + ")"));
    if (span.events.length === 0) parts.push(el("p", "muted", "none"));
    span.events.forEach(function (event) {
      var a = event.attributes || {};
      var isException = event.name === "exception";
      var box = el("div", "event" + (isException ? " exception" : ""));
      append(box, append(el("div", "event-head"),
        el("span", "event-time", "+" + formatMs(event.time - span.startTime)),
        el("strong", "", event.name)));
      if (isException && (a["exception.type"] || a["exception.message"])) {
        box.appendChild(el("div", "err",
          [a["exception.type"], a["exception.message"]].filter(Boolean).map(valueText).join(": ")));
      }
      box.appendChild(kvTable(a, isException ? ["exception.stacktrace"] : null));
      if (isException && a["exception.stacktrace"]) {
        box.appendChild(el("pre", "stack", valueText(a["exception.stacktrace"])));
      }
      parts.push(box);
    });

    parts.push(el("h3", "", "Links (" + span.links.length + ")"));
    if (span.links.length === 0) parts.push(el("p", "muted", "none"));
    span.links.forEach(function (link) {
      var box = el("div", "link");
      var target = el("div");
      var where = link.traceId === v.traceId ? "this trace" : "trace " + link.traceId.slice(0, 8) + "…";
      var status = el("span", "muted", " checking…");
      append(target, el("code", "", link.traceId + " / " + link.spanId), el("br"), status);
      box.appendChild(target);
      box.appendChild(kvTable(link.attributes));
      parts.push(box);
      // A link kept for its attributes or trace state may have all-zero ids.
      if (ZERO_ID.test(link.traceId) || ZERO_ID.test(link.spanId)) {
        status.textContent = "The link names no span: an id is all zeros.";
        return;
      }
      isHeld(v, link.traceId).then(function (held) {
        if (held) {
          var a = el("a", "", "Open the linked span in " + where);
          a.href = "#/trace/" + link.traceId + "?span=" + link.spanId;
          status.replaceWith(a);
        } else {
          status.textContent = "The linked trace is not held by this viewer.";
        }
      });
    });

    var resource = span.resource || { attributes: {} };
    parts.push(el("h3", "", "Resource"), kvTable(resource.attributes));
    var scope = span.scope || { name: "", version: "", attributes: {} };
    parts.push(el("h3", "", "Scope"));
    var scopeFacts = el("dl", "facts");
    fact(scopeFacts, "Name", scope.name || "(none)");
    if (scope.version) fact(scopeFacts, "Version", scope.version);
    parts.push(scopeFacts);
    if (Object.keys(scope.attributes || {}).length) parts.push(kvTable(scope.attributes));
    d.replaceChildren.apply(d, parts);
  }

  function isHeld(v, traceId) {
    if (traceId === v.traceId) return Promise.resolve(true);
    if (!(traceId in v.held)) {
      v.held[traceId] = fetch("/api/traces/" + traceId, { method: "HEAD", cache: "no-store" })
        .then(function (r) { return r.ok; }, function () { return false; });
    }
    return v.held[traceId];
  }

  // ---- live updates ----
  function poll() {
    fetch("/api/stats", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      var text = s.traces + " traces \u00b7 " + s.spans + " spans";
      if (s.rejected) text += " \u00b7 " + s.rejected + " rejected";
      if (s.evicted) text += " \u00b7 " + s.evicted + " evicted";
      statsNode.textContent = text;
      if (s.version !== lastVersion) {
        var first = lastVersion < 0;
        lastVersion = s.version;
        if (!first && live) refresh();
      }
    }).catch(function () {
      statsNode.textContent = "the viewer is not answering";
    }).then(function () {
      setTimeout(poll, 1000);
    });
  }

  function refresh() {
    if (!view) return;
    if (view.kind === "list") {
      loadServices();
      loadList();
    } else if (view.spans) {
      loadTrace();
    }
  }

  liveButton.addEventListener("click", function () {
    live = !live;
    liveButton.setAttribute("aria-pressed", String(live));
    liveButton.textContent = live ? "Live" : "Paused";
    if (live) refresh();
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT");
    if (event.key === "Escape" && view && view.kind === "trace") {
      location.hash = "#/";
    } else if (event.key === "/" && !typing && view && view.kind === "list") {
      view.form.name.focus();
      event.preventDefault();
    }
  });

  window.addEventListener("hashchange", route);
  window.addEventListener("resize", function () {
    if (view && view.kind === "trace" && view.rows) scheduleWindow(view);
  });
  route();
  poll();
})();
`;
