// Internal: reads a request body within a size limit, decompressing gzip or
// deflate with the web-standard DecompressionStream. The limit holds for the
// bytes on the wire and again after decompression, so a small compressed
// body cannot expand past it.

import { concatBytes } from "../platform/_concat_bytes.ts";

/**
 * The largest request body taken, before and after decompression: 20 MiB.
 * (OTLP recommends 64 MiB for a collector; the viewer holds everything it
 * takes in memory, for a person to read.)
 */
export const MAX_BODY_BYTES: number = 20 * 1024 * 1024;

/**
 * The longest a request body may take to arrive, from when the handler
 * starts reading it: five minutes, Node's `server.requestTimeout` default.
 * Deno's node:http keeps no requestTimeout, so without this a client that
 * sends its headers and then a byte a minute holds a connection and a
 * handler for ever.
 */
export const BODY_TIMEOUT_MS: number = 300_000;

/**
 * Internal: a `startViewer` option, by this key only, for a shorter
 * {@linkcode BODY_TIMEOUT_MS}, so tests need not wait five minutes. Not
 * part of the public options.
 */
export const BODY_TIMEOUT_OPTION: unique symbol = Symbol("@codomyrmex/spans.viewer.bodyTimeoutMs");

/** Why a body was not read: the HTTP status to answer and a message. */
export interface BodyProblem {
  readonly status: 400 | 408 | 413 | 415;
  readonly message: string;
  /**
   * Whether some of the body is left unread on the connection, which then
   * cannot carry another request. A body refused after it came whole (a
   * compressed one that grew past the limit, or failed to decode, only at
   * its end) leaves nothing behind it.
   */
  readonly unread: boolean;
}

const ENCODINGS = new Set(["gzip", "x-gzip", "deflate"]);

/**
 * Reads `request`'s body.
 *
 * @param request The request.
 * @param limit The most bytes taken, compressed or not.
 * @param timeoutMs The longest the body may take to arrive; past it the
 *   rest is not read and the answer is 408.
 * @returns The body, or why it was refused.
 */
export async function readBody(
  request: Request,
  limit: number = MAX_BODY_BYTES,
  timeoutMs: number = BODY_TIMEOUT_MS,
): Promise<Uint8Array | BodyProblem> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) return tooLarge(limit);
  const encoding = (request.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity" && !ENCODINGS.has(encoding)) {
    return {
      status: 415,
      message: `Cannot read the body: Content-Encoding "${encoding}" is not supported ` +
        "(use gzip, deflate or none)",
      unread: true,
    };
  }
  if (request.body === null) return new Uint8Array(0);
  const identity = encoding === "" || encoding === "identity";
  // Always through a reader, chunk by chunk as the bytes come: Deno's
  // arrayBuffer() allocates the whole declared Content-Length at once, so a
  // hundred connections that each declared 20 MiB and sent ten bytes held
  // 2.8 GB.
  let stream: ReadableStream<Uint8Array> = request.body;
  const wire: Wire = { bytes: 0, ended: false };
  if (!identity) {
    // The compressed bytes count against the limit too, before they expand.
    const inflate = new DecompressionStream(encoding === "deflate" ? "deflate" : "gzip");
    stream = stream.pipeThrough(counter(limit, wire)).pipeThrough(
      inflate as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  try {
    const body = await collect(stream, limit, timeoutMs);
    if (body !== undefined) return body;
    // Past the limit. Inflated past it, with every byte the client sent come
    // by then, nothing of the request is left on the connection, which can
    // carry the next one: its framing's end (all of its Content-Length, or
    // the stream's close) tells. (An identity body is cut where it passed
    // the limit, before its end could be seen.)
    const whole = !identity &&
      (wire.ended || (request.headers.has("content-length") && wire.bytes === declared));
    return tooLarge(limit, !whole);
  } catch (error) {
    if (error instanceof TooLarge) return tooLarge(limit);
    if (error instanceof TooSlow) {
      return {
        status: 408,
        message: `Cannot read the body: it did not arrive within ${timeoutMs} ms`,
        unread: true,
      };
    }
    // Bytes that are no gzip fail as they come, the rest still to come on
    // the connection; a stream cut short fails only at its end.
    return {
      status: 400,
      message: `Cannot read the body: ${encoding || "it"} could not be decoded (${
        error instanceof Error ? error.message : String(error)
      })`,
      unread: !wire.ended,
    };
  }
}

class TooLarge extends Error {}
class TooSlow extends Error {}

function tooLarge(limit: number, unread = true): BodyProblem {
  return {
    status: 413,
    message: `Cannot read the body: it is larger than ${limit} bytes`,
    unread,
  };
}

// What came of a compressed body on the wire.
interface Wire {
  bytes: number;
  ended: boolean;
}

// Passes chunks through, failing the stream once more than `limit` bytes
// went by, and keeps in `wire` how many did and whether the body ended.
function counter(limit: number, wire: Wire): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      wire.bytes += chunk.byteLength;
      if (wire.bytes > limit) controller.error(new TooLarge());
      else controller.enqueue(chunk);
    },
    flush() {
      wire.ended = true;
    },
  });
}

// The stream's bytes, or undefined once they pass `limit` (the rest is not
// read). Throws TooSlow when they have not all come within `timeoutMs`: the
// deadline cancels the stream, which settles the pending read, and the
// cancel reaches the request's body, so nothing is left waiting on it.
// The timer is what that read waits on, so it keeps the process alive (no
// unref), and it is cleared however reading ends.
async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let late = false;
  const deadline = setTimeout(() => {
    late = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (late) throw new TooSlow();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(deadline);
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
}
