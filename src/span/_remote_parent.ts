// Internal: whether a span started under a remote parent (a context
// extracted from another process). OTLP reports it in the span's \`flags\`. It
// is a bit of the span's state, so it costs no field and no look-up; span.ts
// installs the two accessors when it loads.

import type { Span } from "./span.ts";

let mark: (span: Span) => void = () => {};
let has: (span: Span) => boolean = () => false;

/** Called once by span.ts with the accessors of its private state. */
export function installRemoteParentAccess(
  markSpan: (span: Span) => void,
  hasSpan: (span: Span) => boolean,
): void {
  mark = markSpan;
  has = hasSpan;
}

/** Records that \`span\`'s parent context came from another process. */
export function markRemoteParent(span: Span): void {
  mark(span);
}

/** Whether \`span\`'s parent context came from another process. */
export function hasRemoteParent(span: Span): boolean {
  return has(span);
}
