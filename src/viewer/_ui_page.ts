// Internal: the viewer's page and its style sheet. The page is static: its
// script (_ui_script.ts) fills it from the JSON API, so nothing is built at
// run time and nothing is fetched from anywhere but the viewer.

/** `GET /`. */
export const PAGE_HTML: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>spans viewer</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/">spans viewer</a>
  <span id="stats" class="stats" aria-live="polite"></span>
  <button id="live" class="live" type="button" aria-pressed="true"
    title="Show new spans as they arrive">Live</button>
</header>
<main id="main" tabindex="-1"><p class="note">Loading…</p></main>
<noscript><p class="note">The viewer needs JavaScript; the JSON API is at /api/traces.</p></noscript>
</body>
</html>
`;

/** `GET /app.css`. */
export const PAGE_STYLE: string = `
:root {
  --fg: #1d2330; --muted: #5c6475; --line: #dde1e8; --bg: #fff; --panel: #f6f7f9;
  --accent: #2459c7; --error: #c62828; --error-bg: #fdecea; --select: #e4ecfb;
  --mono: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body {
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg); display: flex; flex-direction: column;
}
a { color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.top {
  display: flex; align-items: center; gap: 16px; padding: 0 16px; height: 40px; flex: none;
  border-bottom: 1px solid var(--line); background: var(--panel);
}
.brand { font-weight: 600; color: var(--fg); text-decoration: none; }
.stats { color: var(--muted); flex: 1; }
.live {
  font: inherit; border: 1px solid var(--line); border-radius: 12px; background: var(--bg);
  padding: 1px 10px; cursor: pointer;
}
.live[aria-pressed="true"]::before { content: "\\25CF  "; color: #2e7d32; }
.live[aria-pressed="false"]::before { content: "\\2759\\2759  "; color: var(--muted); }
main { flex: 1; min-height: 0; display: flex; flex-direction: column; }
main:focus { outline: none; }
.note { color: var(--muted); padding: 16px; margin: 0; }
.error-note { color: var(--error); }
h1 { font-size: 16px; margin: 0; font-weight: 600; }
h2 { font-size: 14px; margin: 0 0 6px; font-weight: 600; word-break: break-word; }
h3 { font-size: 12px; margin: 14px 0 4px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); font-weight: 600; }
code, .mono { font-family: var(--mono); font-size: 12px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }

/* the trace list */
.list { padding: 12px 16px; overflow: auto; flex: 1; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 10px 0 12px; }
.filters label { display: flex; flex-direction: column; gap: 2px; color: var(--muted); font-size: 12px; }
.filters label.check { flex-direction: row; align-items: center; gap: 6px; color: var(--fg);
  font-size: 13px; padding-bottom: 4px; }
.filters input, .filters select { font: inherit; padding: 3px 6px; border: 1px solid #c5cad3;
  border-radius: 4px; background: var(--bg); color: var(--fg); }
.filters select { max-width: 240px; }
.filters input[type="search"] { width: 220px; }
.filters input[type="number"] { width: 110px; }
table.traces { border-collapse: collapse; width: 100%; }
.traces th, .traces td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
.traces th { color: var(--muted); font-weight: 600; font-size: 12px; }
/* A name, however long, with nothing to break at breaks anywhere rather than widen the page. */
.traces td.name, .traces td.service { white-space: normal; overflow-wrap: anywhere; }
.traces td.num, .traces th.num { text-align: right; }
.traces tbody tr:hover { background: var(--panel); }
.traces a { text-decoration: none; font-weight: 500; }
.traces a:hover { text-decoration: underline; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; }
.minibar { display: inline-block; height: 6px; background: #8ea8dd; border-radius: 3px;
  vertical-align: middle; margin-left: 8px; min-width: 2px; }
.err { color: var(--error); font-weight: 600; }

/* a trace */
.trace-head { padding: 10px 16px; border-bottom: 1px solid var(--line); flex: none; }
.trace-head .back { font-size: 12px; }
.trace-head h1 { margin-top: 4px; overflow-wrap: anywhere; }
.meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 16px; margin-top: 4px; }
.meta > span { min-width: 0; overflow-wrap: anywhere; }
.chip { display: inline-flex; align-items: center; }
.trace-body { display: flex; flex: 1; min-height: 0; }
.waterfall { flex: 1 1 62%; min-width: 0; display: flex; flex-direction: column; }
.axis, .row { display: grid; grid-template-columns: minmax(220px, 40%) 76px 1fr; align-items: center; }
.axis { flex: none; border-bottom: 1px solid var(--line); color: var(--muted); font-size: 11px;
  padding: 4px 8px 4px 16px; background: var(--panel); }
.ticks { position: relative; height: 16px; }
.ticks span { position: absolute; top: 0; transform: translateX(-50%); white-space: nowrap; }
.ticks span:first-child { transform: none; }
.ticks span:last-child { transform: translateX(-100%); }
.tree { overflow: auto; flex: 1; position: relative; }
.tree:focus { outline: none; }
.spacer { position: relative; margin-bottom: 24px; }
.rows { position: absolute; top: 0; left: 0; right: 0; }
.row { height: 22px; padding: 0 8px 0 16px; cursor: pointer; }
.row:hover { background: var(--panel); }
.row[aria-selected="true"] { background: var(--select); }
.tree:focus-visible .row[aria-selected="true"] { outline: 2px solid var(--accent); outline-offset: -2px; }
.label { font-family: var(--mono); font-size: 12px; white-space: pre; overflow: hidden;
  text-overflow: ellipsis; }
.prefix { color: #9aa1ad; }
.toggle { display: inline-block; width: 1.3em; color: var(--muted); }
.mark { color: var(--error); font-weight: 700; }
.dur { font-family: var(--mono); font-size: 12px; text-align: right; padding-right: 10px;
  color: var(--muted); }
.track { position: relative; height: 100%;
  background: linear-gradient(to right, var(--line) 1px, transparent 1px) 0 0 / 25% 100%; }
.bar { position: absolute; top: 6px; height: 10px; min-width: 2px; border-radius: 2px; }
.bar.error { background: var(--error) !important; }
.detail { flex: 0 0 38%; max-width: 520px; border-left: 1px solid var(--line); overflow: auto;
  padding: 12px 16px 32px; background: var(--bg); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-all; }
table.kv { border-collapse: collapse; width: 100%; font-size: 12px; }
.kv td { border-top: 1px solid var(--line); padding: 3px 8px 3px 0; vertical-align: top;
  word-break: break-word; }
.kv td.k { font-family: var(--mono); color: var(--muted); width: 40%; }
.kv td.v { font-family: var(--mono); }
.event, .link { border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; margin: 6px 0; }
.event.exception { border-color: #f0b4ae; background: var(--error-bg); }
.event-head { display: flex; gap: 10px; align-items: baseline; }
.event-head strong { min-width: 0; overflow-wrap: anywhere; }
.event-time { font-family: var(--mono); font-size: 12px; color: var(--muted); }
pre.stack { font-family: var(--mono); font-size: 11px; white-space: pre-wrap; word-break: break-word;
  margin: 6px 0 0; max-height: 260px; overflow: auto; background: var(--bg); padding: 6px;
  border: 1px solid var(--line); border-radius: 3px; }
.status-error { color: var(--error); font-weight: 600; }
.status-ok { color: #2e7d32; }
.muted { color: var(--muted); }
.banner { background: #fff8e1; border-bottom: 1px solid #f3d98b; padding: 6px 16px; }
`;
