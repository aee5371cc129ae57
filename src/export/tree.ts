/**
 * The waterfall: finished spans as an indented tree with durations and bars
 * on a shared time axis.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { MAX_GUIDES } from "./_max_guides.ts";
import { columns, fitColumns, printable } from "./_terminal_text.ts";
import type { Span } from "../span/span.ts";

/** How {@linkcode renderTree} draws. */
export interface RenderTreeOptions {
  /** Characters in the bar column, 1 to 1,000. Default 40. */
  barWidth?: number;
  /** Terminal columns in the name column, 1 to 1,000. Default: the widest label, at most 120. */
  nameWidth?: number;
}

interface Node {
  readonly span: Span;
  readonly children: Node[];
  visited: boolean;
}

interface Frame {
  readonly node: Node;
  readonly depth: number;
  readonly prefix: string;
  readonly last: boolean;
}

// The widest name column chosen by default, so one very long span name does
// not pad every line of the drawing to its length.
const MAX_DEFAULT_NAME_WIDTH = 120;

/**
 * Renders spans as one waterfall per trace: each span on its own line under
 * its parent, with its duration and a bar placed on the trace's time axis,
 * so where the time went shows at a glance. Spans whose parent is not among
 * `spans` are drawn as roots; spans that have not ended are skipped. Any
 * trace renders, however deep or large: the drawing is built without
 * recursion, indentation stops growing after 24 levels (a deeper span shows
 * its depth as `⋯depth`), and spans whose parents form a cycle are drawn as
 * roots. Names are drawn safely, whoever made the spans: a character that
 * could act on a terminal (a control character such as ESC or a newline, a
 * bidirectional control, a lone surrogate) is written as an escape (`\x1b`,
 * `\n`, `\u202e`), and columns are counted as a terminal draws them, so
 * CJK, emoji and combining marks keep the bars aligned.
 *
 * @param spans Ended spans, in any order.
 * @param options Column widths.
 * @returns The drawing, one line per span, with a trailing newline.
 *
 * @example A request with one child
 * ```ts
 * import { renderTree, Span, SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const rootCtx = SpanContext.newRoot();
 * const root = new Span("request", rootCtx).start(0).end(100);
 * const child = new Span("db", rootCtx.child()).start(50).end(100);
 * const text = renderTree([child, root], { barWidth: 10 });
 * assert.ok(text.includes("100.0 ms |██████████|"));
 * assert.ok(text.includes("50.0 ms |" + " ".repeat(5) + "█████|"));
 * ```
 *
 * @example A deep chain keeps its width and shows the real depth
 * ```ts
 * import { renderTree, Span, SpanContext } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * let ctx = SpanContext.newRoot();
 * const spans = [new Span("level-0", ctx).start(0).end(1)];
 * for (let depth = 1; depth <= 1000; depth++) {
 *   ctx = ctx.child();
 *   spans.push(new Span(`level-${depth}`, ctx).start(0).end(1));
 * }
 * const lines = renderTree(spans).trimEnd().split("\n");
 * assert.equal(lines.length, 1 + 1001);
 * assert.match(lines.at(-1)!, /⋯1000 └─ level-1000 /);
 * assert.ok(lines.at(-1)!.length < 250);
 * ```
 *
 * @example A name cannot clear the terminal or forge a line
 * ```ts
 * import { renderTree, Span } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const text = renderTree([new Span("GET /\u001b[2J\nforged").start(0).end(1)]);
 * assert.equal(text.split("\n")[1].split(" ")[0], "GET");
 * assert.ok(text.includes("GET /\\x1b[2J\\nforged "));
 * assert.ok(!text.includes("\u001b"));
 * ```
 */
export function renderTree(spans: Iterable<Span>, options: RenderTreeOptions = {}): string {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot render tree: options must be an object, got ${describe(options)}`,
    );
  }
  const barWidth = options.barWidth ?? 40;
  checkWidth("barWidth", barWidth);
  if (options.nameWidth !== undefined) checkWidth("nameWidth", options.nameWidth);
  if (typeof (spans as Iterable<Span> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError("Cannot render tree: spans must be an iterable of spans");
  }
  const traces = new Map<string, Span[]>();
  for (const span of spans) {
    if (span?.ended !== true || span.startTime === undefined) continue;
    const list = traces.get(span.context.traceId);
    if (list === undefined) traces.set(span.context.traceId, [span]);
    else list.push(span);
  }
  const out: string[] = [];
  for (const [traceId, list] of traces) {
    let start = Infinity;
    let end = -Infinity;
    for (const span of list) {
      if (span.startTime! < start) start = span.startTime!;
      if (span.endTime! > end) end = span.endTime!;
    }
    const lines = drawForest(buildForest(list));
    let nameWidth = options.nameWidth;
    if (nameWidth === undefined) {
      nameWidth = 0;
      for (const line of lines) nameWidth = Math.max(nameWidth, columns(line.label));
      nameWidth = Math.min(nameWidth, MAX_DEFAULT_NAME_WIDTH);
    }
    const total = end - start;
    out.push(`trace ${traceId}  ${formatMs(total)}\n`);
    for (const { label, span } of lines) {
      const name = fitColumns(label, nameWidth);
      const duration = formatMs(span.durationMs!).padStart(10);
      out.push(`${name} ${duration} |${bar(span, start, total, barWidth)}|\n`);
    }
  }
  return out.join("");
}

// Parents and children by span id, each list in start order. A span id seen
// twice keeps both spans; children join the first.
function buildForest(spans: Span[]): Node[] {
  const nodes: Node[] = spans.map((span) => ({ span, children: [], visited: false }));
  nodes.sort(byStart);
  const byId = new Map<string, Node>();
  for (const node of nodes) {
    if (!byId.has(node.span.context.spanId)) byId.set(node.span.context.spanId, node);
  }
  const roots: Node[] = [];
  // Nodes are in start order, so each children list fills in start order.
  for (const node of nodes) {
    const parentId = node.span.context.parentSpanId;
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  // Spans whose parents form a cycle are reached from no root: draw the
  // earliest of each cycle as a root too.
  const reached = markReached(roots);
  if (reached < nodes.length) {
    for (const node of nodes) {
      if (node.visited) continue;
      roots.push(node);
      markReached([node]);
    }
    roots.sort(byStart);
  }
  for (const node of nodes) node.visited = false;
  return roots;
}

function byStart(a: Node, b: Node): number {
  return a.span.startTime! - b.span.startTime!;
}

// Marks every node reachable from `from`; returns how many it newly marked.
function markReached(from: Node[]): number {
  let count = 0;
  const stack = [...from];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.visited) continue;
    node.visited = true;
    count++;
    for (const child of node.children) if (!child.visited) stack.push(child);
  }
  return count;
}

// Depth first, children in order, with an explicit stack: a 20,000-deep
// chain must not exhaust the call stack.
function drawForest(roots: Node[]): { label: string; span: Span }[] {
  const lines: { label: string; span: Span }[] = [];
  const stack: Frame[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    stack.push({ node: roots[i], depth: 0, prefix: "", last: true });
  }
  while (stack.length > 0) {
    const { node, depth, prefix, last } = stack.pop()!;
    if (node.visited) continue;
    node.visited = true;
    const marker = node.span.status.code === "error" ? " ✗" : "";
    const connector = last ? "└─ " : "├─ ";
    const name = printable(node.span.name);
    const label = depth === 0
      ? name
      : depth - 1 > MAX_GUIDES
      ? `${prefix}⋯${depth} ${connector}${name}`
      : prefix + connector + name;
    lines.push({ label: label + marker, span: node.span });
    const childPrefix = depth === 0 || depth > MAX_GUIDES
      ? prefix
      : prefix + (last ? "   " : "│  ");
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({
        node: children[i],
        depth: depth + 1,
        prefix: childPrefix,
        last: i === children.length - 1,
      });
    }
  }
  return lines;
}

function bar(span: Span, start: number, total: number, width: number): string {
  if (total <= 0) return "█".repeat(width);
  const from = Math.min(width - 1, Math.floor(((span.startTime! - start) / total) * width));
  const to = Math.max(from + 1, Math.round(((span.endTime! - start) / total) * width));
  return " ".repeat(from) + "█".repeat(Math.min(width, to) - from) +
    " ".repeat(width - Math.min(width, to));
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

// A width is a layout choice: a programming error when it is not a whole
// number of columns, and bounded so a typo cannot ask for gigabytes.
function checkWidth(name: string, width: unknown): void {
  if (!Number.isInteger(width) || (width as number) < 1 || (width as number) > 1_000) {
    throw new RangeError(
      `Cannot render tree: ${name} must be an integer from 1 to 1000, got ${describe(width)}`,
    );
  }
}
