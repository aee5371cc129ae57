// Internal: how OtlpHttpExporter sends while a browser page is hidden or
// being left (see src/export/_page_hide_flush.ts). A request must then use
// `fetch(..., { keepalive: true })` to outlive the page, and a page may have
// at most 64 KiB of keepalive request bodies in flight at once (the Fetch
// standard; Chromium 156 fails a 70,000-byte keepalive body, and a second
// 40,000-byte one while the first is in flight). So the batch is split into
// requests of at most 64 KiB, sent one at a time.

import type { ExportResult } from "../export/exporter.ts";
import type { Span } from "../span/span.ts";

/** The most body bytes in flight with `keepalive`, per page. */
export const KEEPALIVE_MAX_BYTES = 65536;

// The keepalive body bytes this realm's exporters have in flight: the limit
// is the page's, not one exporter's or one export's, so two exports (two
// processors, or one exporter's concurrent exports) share it.
let inFlightBytes = 0;

/**
 * Takes `bytes` of the page's keepalive budget, at once or not at all, so
 * nothing asynchronous stands before the request. Returns whether it did;
 * a taker calls {@linkcode releaseKeepalive} when its request has settled.
 */
export function reserveKeepalive(bytes: number): boolean {
  if (inFlightBytes + bytes > KEEPALIVE_MAX_BYTES) return false;
  inFlightBytes += bytes;
  return true;
}

/** Gives back what {@linkcode reserveKeepalive} took. */
export function releaseKeepalive(bytes: number): void {
  inFlightBytes = Math.max(0, inFlightBytes - bytes);
}

/** Part of a batch, encoded, and whether it may go with `keepalive`. */
export interface KeepaliveChunk {
  readonly spans: readonly Span[];
  readonly body: Uint8Array;
  /** False for a single span whose encoding alone is over the limit. */
  readonly fits: boolean;
}

/**
 * Splits `spans` into chunks whose encoding is at most `maxBytes`, halving
 * until each fits, in order. A span too large alone is its own chunk, sent
 * without `keepalive`: it may not outlive the page, but a page that is only
 * hidden still sends it.
 */
export function splitForKeepalive(
  spans: readonly Span[],
  encode: (spans: readonly Span[]) => Uint8Array,
  maxBytes: number = KEEPALIVE_MAX_BYTES,
): KeepaliveChunk[] {
  const chunks: KeepaliveChunk[] = [];
  const split = (part: readonly Span[]): void => {
    const body = encode(part);
    if (body.length <= maxBytes || part.length === 1) {
      chunks.push({ spans: part, body, fits: body.length <= maxBytes });
      return;
    }
    const middle = Math.ceil(part.length / 2);
    split(part.slice(0, middle));
    split(part.slice(middle));
  };
  split(spans);
  return chunks;
}

/**
 * Sends `chunks` one at a time, so no two are in flight together, and
 * answers for the whole batch: a failed chunk's spans count as rejected,
 * unless every chunk failed.
 */
export async function sendInChunks(
  chunks: readonly KeepaliveChunk[],
  send: (chunk: KeepaliveChunk) => Promise<ExportResult>,
): Promise<ExportResult> {
  let total = 0;
  let failed = 0;
  let rejected = 0;
  let error: Error | undefined;
  for (const chunk of chunks) {
    total += chunk.spans.length;
    const result = await send(chunk);
    if (result.code === "success") rejected += result.rejected ?? 0;
    else failed += chunk.spans.length;
    error ??= result.error;
  }
  if (failed === total) return { code: "failure", error };
  if (failed + rejected === 0) return { code: "success" };
  return {
    code: "success",
    rejected: failed + rejected,
    error: new Error(
      `${failed + rejected} of ${total} spans were not accepted: ${error?.message ?? "unknown"}`,
    ),
  };
}

/** The exporter's headers for an uncompressed body. */
export function plainHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { "content-encoding": _, ...rest } = headers;
  return rest;
}
