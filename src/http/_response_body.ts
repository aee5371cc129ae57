// Internal: end a server span when its response body has been sent, has
// failed, or the client has gone away; not when the headers are ready.

import type { Scheduler, TimerHandle } from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import { recordAborted, recordError } from "./_semconv.ts";

/** What {@linkcode endWithBody} needs besides the response and its span. */
export interface BodyWatch {
  /** How long the body may go unread before the span ends anyway. */
  readonly idleTimeoutMs: number;
  /** Where that bound's timer runs; it is unref'd, as nothing awaits it. */
  readonly scheduler: Scheduler;
}

/**
 * Returns `response` with its body passed through a stream that ends `span`
 * when the body has been read to its end (the server has sent it), when the
 * body errors (an error status, `error.type` and the exception are
 * recorded), or when the server cancels it (the client went away: an error
 * status and `error.type` `aborted`). `Deno.serve` and `Bun.serve` cancel
 * the body when the connection closes, even for a response returned after
 * the client left. The request's `signal` is not read: on Deno that alone
 * prints a warning about its legacy abort-on-success behaviour. A body that
 * goes `idleTimeoutMs` without being read ends the span without an error
 * status, so a response nobody reads cannot keep it open. A response without
 * a body, or whose body is already being read, ends the span at once and is
 * returned as it is.
 *
 * @param response The handler's response.
 * @param span The server span, with the status already recorded.
 * @param watch The idle bound and its scheduler.
 * @returns The response to send.
 */
export function endWithBody(response: Response, span: Span, watch: BodyWatch): Response {
  const body = response.body;
  if (body === null || body.locked || response.bodyUsed) {
    span.end();
    return response;
  }
  const { idleTimeoutMs, scheduler } = watch;
  let timer: TimerHandle | undefined;
  let done = false;
  let cancelled = false;
  const finish = () => {
    if (done) return;
    done = true;
    disarm();
    span.end();
  };
  const arm = () => {
    if (done || idleTimeoutMs === Infinity) return;
    timer = scheduler.setTimeout(finish, idleTimeoutMs);
  };
  const disarm = () => {
    if (timer === undefined) return;
    scheduler.clearTimeout(timer);
    timer = undefined;
  };
  const reader = body.getReader();
  // highWaterMark 0: a chunk is read from the handler's body only when the
  // server asks for one, so the end is seen when the server has taken the
  // last chunk, not when the handler has produced it.
  const passThrough = new ReadableStream<Uint8Array>({
    start: () => arm(),
    async pull(controller) {
      disarm();
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (!done) recordError(span, error);
        finish();
        if (!cancelled) controller.error(error);
        return;
      }
      if (chunk.done) {
        finish();
        if (!cancelled) controller.close();
        return;
      }
      // After a cancel the read above ends early; nothing more is passed on.
      if (cancelled) return;
      controller.enqueue(chunk.value);
      arm();
    },
    cancel(reason) {
      cancelled = true;
      if (!done) recordAborted(span);
      finish();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(passThrough, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
