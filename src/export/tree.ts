/**
 * The waterfall: finished spans as an indented tree with durations and bars
 * on a shared time axis.
 *
 * @module
 */

import type { Span } from "../span/span.ts";

/** How {@linkcode renderTree} draws. */
export interface RenderTreeOptions {
  /** Characters in the bar column. Default 40. */
  barWidth?: number;
  /** Characters in the name column. Default: the longest label. */
  nameWidth?: number;
}

interface Node {
  span: Span;
  children: Node[];
}

/**
 * Renders spans as one waterfall per trace: each span on its own line under
 * its parent, with its duration and a bar placed on the trace's time axis,
 * so where the time went shows at a glance. Spans whose parent is not among
 * `spans` are drawn as roots; spans that have not ended are skipped.
 *
 * @param spans Ended spans, in any order.
 * @param options Column widths.
 * @returns The drawing, one line per span, with a trailing newline.
 *
 * @example
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
 */
export function renderTree(spans: Iterable<Span>, options: RenderTreeOptions = {}): string {
  const barWidth = options.barWidth ?? 40;
  if (!Number.isInteger(barWidth) || barWidth < 1) {
    throw new RangeError(
      `Cannot render tree: barWidth must be a positive integer, got ${barWidth}`,
    );
  }
  if (typeof (spans as Iterable<Span> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError("Cannot render tree: spans must be an iterable of spans");
  }
  const ended = [...spans].filter((s) => s?.ended === true && s.startTime !== undefined);
  const traces = new Map<string, Span[]>();
  for (const span of ended) {
    const list = traces.get(span.context.traceId);
    if (list === undefined) traces.set(span.context.traceId, [span]);
    else list.push(span);
  }
  let out = "";
  for (const [traceId, list] of traces) {
    const roots = buildForest(list);
    const start = Math.min(...list.map((s) => s.startTime!));
    const end = Math.max(...list.map((s) => s.endTime!));
    const lines: { label: string; span: Span }[] = [];
    const walk = (node: Node, prefix: string, last: boolean, top: boolean) => {
      const marker = node.span.status.code === "error" ? " ✗" : "";
      lines.push({
        label: (top ? "" : prefix + (last ? "└─ " : "├─ ")) + node.span.name + marker,
        span: node.span,
      });
      const childPrefix = top ? "" : prefix + (last ? "   " : "│  ");
      node.children.forEach((c, i) => walk(c, childPrefix, i === node.children.length - 1, false));
    };
    for (const root of roots) walk(root, "", true, true);
    const nameWidth = options.nameWidth ??
      Math.max(...lines.map((l) => [...l.label].length));
    const total = end - start;
    out += `trace ${traceId}  ${formatMs(total)}\n`;
    for (const { label, span } of lines) {
      const name = fit(label, nameWidth);
      const duration = formatMs(span.durationMs!).padStart(10);
      out += `${name} ${duration} |${bar(span, start, total, barWidth)}|\n`;
    }
  }
  return out;
}

function buildForest(spans: Span[]): Node[] {
  const nodes = new Map<string, Node>();
  for (const span of spans) nodes.set(span.context.spanId, { span, children: [] });
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parentId = node.span.context.parentSpanId;
    const parent = parentId === undefined ? undefined : nodes.get(parentId);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  const byStart = (a: Node, b: Node) => a.span.startTime! - b.span.startTime!;
  const sort = (list: Node[]) => {
    list.sort(byStart);
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

function bar(span: Span, start: number, total: number, width: number): string {
  if (total <= 0) return "█".repeat(width);
  const from = Math.min(width - 1, Math.floor(((span.startTime! - start) / total) * width));
  const to = Math.max(from + 1, Math.round(((span.endTime! - start) / total) * width));
  return " ".repeat(from) + "█".repeat(Math.min(width, to) - from) +
    " ".repeat(width - Math.min(width, to));
}

function fit(label: string, width: number): string {
  const chars = [...label];
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join("") + "…";
  return label + " ".repeat(width - chars.length);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
