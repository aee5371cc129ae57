// Internal: end a server span when its response body has been sent, has
// failed, or the client has gone away; not when the headers are ready.

import { describe } from "../platform/_describe.ts";
import {
  type Scheduler,
  systemScheduler,
  type TimerHandle,
  type TimerOptions,
} from "../platform/scheduler.ts";
import type { Span } from "../span/span.ts";
import { endByLibrary } from "../span/_library_end.ts";
import type { Context } from "../context/context.ts";
import { withContext } from "../context/storage.ts";
import { recordAborted, recordError } from "./_semconv.ts";

// A body read from memory (a string, bytes, JSON, a stream filled in its
// start) gives each read within a few microtasks: 2 on Deno and Node, 1 on
// Bun, 5 for a Blob on Deno. A read still pending after this many waits on
// the handler's own source: the body is a real stream.
const PEEK_TICKS = 16;
// Chunks read ahead, at most, to learn whether the body is all there.
const PEEK_CHUNKS = 2;

const MAX_TIMER_MS = 2 ** 31 - 1;
// Nothing awaits the sweep: it must never keep the process alive.
const BACKGROUND: TimerOptions = Object.freeze({ background: true });

/**
 * Checks the `bodyIdleTimeoutMs` and `scheduler` options of a server
 * instrumentation and returns its {@linkcode ResponseEnds}.
 *
 * @throws {RangeError} When `bodyIdleTimeoutMs` is not a positive integer up to 2³¹−1 or `Infinity`.
 * @throws {TypeError} When `scheduler` lacks `setTimeout` or `clearTimeout`.
 */
export function responseEndsFor(
  options: { bodyIdleTimeoutMs?: number; scheduler?: Scheduler } | undefined,
  action: string,
): ResponseEnds {
  const idleTimeoutMs = options?.bodyIdleTimeoutMs ?? 300_000;
  if (
    typeof idleTimeoutMs !== "number" || !(idleTimeoutMs > 0) ||
    (idleTimeoutMs !== Infinity &&
      (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs > MAX_TIMER_MS))
  ) {
    throw new RangeError(
      `Cannot ${action}: bodyIdleTimeoutMs must be a positive integer up to ${MAX_TIMER_MS} or Infinity, got ${
        describe(idleTimeoutMs)
      }`,
    );
  }
  const scheduler = options?.scheduler ?? systemScheduler;
  if (typeof scheduler?.setTimeout !== "function" || typeof scheduler.clearTimeout !== "function") {
    throw new TypeError(
      `Cannot ${action}: scheduler must have setTimeout and clearTimeout methods, got ${
        describe(scheduler)
      }`,
    );
  }
  return new ResponseEnds(idleTimeoutMs, scheduler);
}

/** One streamed body the sweep looks after. */
interface OpenBody {
  /** Read since the last sweep. */
  touched: boolean;
  /** Waiting for the server to ask for the next chunk (not on the handler's stream). */
  waiting: boolean;
  /** Ends the span. */
  finish(): void;
}

/**
 * Ends server spans when their responses have been sent. One per
 * `traceHandler`: it also holds the bodies still being sent, so that a body
 * nobody reads ends its span after `idleTimeoutMs` to twice that. One sweep
 * timer serves them all (a timer per response cost Deno about 100 µs a
 * request); it runs only while a body is open, on `scheduler`, as a
 * background timer: nothing awaits it.
 */
export class ResponseEnds {
  readonly #idleTimeoutMs: number;
  /** The instrumentation's `scheduler`, checked: the sweep's, and its other waits' (Hono's). */
  readonly scheduler: Scheduler;
  /**
   * The instrumentation's `bodyIdleTimeoutMs`, checked: also the longest
   * Hono's middleware waits for an answer it may never see.
   */
  get idleTimeoutMs(): number {
    return this.#idleTimeoutMs;
  }
  readonly #open = new Set<OpenBody>();
  #sweep: TimerHandle | undefined;

  /**
   * @param idleTimeoutMs How long a body may go unread before its span ends anyway.
   * @param scheduler Where the sweep's timer runs.
   */
  constructor(idleTimeoutMs: number, scheduler: Scheduler) {
    this.#idleTimeoutMs = idleTimeoutMs;
    this.scheduler = scheduler;
  }

  /**
   * Returns the response to send for `response`, and ends `span` when it
   * has been sent. A body that is already all there when the handler
   * returns it (a string, bytes, JSON) is handed to the server whole, as
   * bytes, so the server keeps its fast path for it; the span ends when
   * `completed` settles (Deno's `info.completed`), else at once; when it
   * rejects (the response could not be sent: the client went away), with an
   * error status and `error.type` `aborted`. Any other
   * body is passed through a stream that ends the span when the server has
   * read it to its end, when it errors (an error status, `error.type` and
   * the exception are recorded), or when the server cancels it (the client
   * went away: an error status and `error.type` `aborted`; `Deno.serve`
   * and `Bun.serve` cancel the body when the connection closes, even for a
   * response returned after the client left). The request's `signal` is not
   * read here (see `clientGone`): on Deno, by default, that alone prints a
   * warning about its legacy abort-on-success behaviour. A response without
   * a body, or whose body is already being read, ends the span at once and
   * is returned as it is.
   *
   * @param response The handler's response.
   * @param span The server span, with the status already recorded.
   * @param completed Settles once the server has sent the response, where the server says so.
   * @param context The request's context (its server span current): the
   * handler's body is read, and cancelled, in it, so code that produces the
   * body (a stream's `pull`, an async generator behind `ReadableStream.from`)
   * runs in the request's span, not in whichever context the server reads in.
   * @returns The response to send.
   */
  async endWithBody(
    response: Response,
    span: Span,
    completed: PromiseLike<unknown> | undefined,
    context: Context,
  ): Promise<Response> {
    const body = response.body;
    if (body === null || body.locked || response.bodyUsed) {
      endByLibrary(span);
      return response;
    }
    const init = {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    };
    const reader = body.getReader();
    const read = () => withContext(context, () => reader.read());
    const prefix: unknown[] = [];
    let next: Promise<ReadableStreamReadResult<Uint8Array>> = read();
    while (await settlesSoon(next)) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await next;
      } catch {
        break; // the pass-through meets the error again, and records it
      }
      if (result.done) {
        if (prefix.length > 1) break;
        const end = () => endByLibrary(span);
        if (completed === undefined) end();
        else {
          // A rejection: the server could not send it (the client went away).
          completed.then(end, () => {
            recordAborted(span);
            end();
          });
        }
        return new Response((prefix[0] ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, init);
      }
      prefix.push(result.value);
      next = read();
      // Not bytes: the server is the one to refuse it, as it would have.
      if (!(result.value instanceof Uint8Array) || prefix.length === PEEK_CHUNKS) break;
    }
    // The read ahead may fail before the server asks for it (the upstream
    // resets): handled here, so that is no unhandled rejection; the
    // pass-through still awaits it and records the error on the span.
    next.catch(() => {});
    const cancel = (reason: unknown) => withContext(context, () => reader.cancel(reason));
    return new Response(this.#passThrough(read, cancel, prefix, next, span), init);
  }

  // highWaterMark 0: a chunk is read from the handler's body only when the
  // server asks for one, so the end is seen when the server has taken the
  // last chunk, not when the handler has produced it.
  #passThrough(
    read: () => Promise<ReadableStreamReadResult<Uint8Array>>,
    cancel: (reason: unknown) => Promise<void>,
    prefix: unknown[],
    next: Promise<ReadableStreamReadResult<Uint8Array>> | undefined,
    span: Span,
  ): ReadableStream<Uint8Array> {
    let cancelled = false;
    const bodies = this.#open;
    const open: OpenBody = {
      touched: true,
      waiting: true,
      finish: () => {
        if (bodies.delete(open)) endByLibrary(span);
      },
    };
    this.#watch(open);
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        open.touched = true;
        open.waiting = false;
        if (prefix.length > 0) {
          controller.enqueue(prefix.shift() as Uint8Array);
          open.waiting = true;
          return;
        }
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await (next ?? read());
          next = undefined;
        } catch (error) {
          if (bodies.has(open)) recordError(span, error);
          open.finish();
          if (!cancelled) controller.error(error);
          return;
        }
        if (chunk.done) {
          open.finish();
          if (!cancelled) controller.close();
          return;
        }
        // After a cancel the read above ends early; nothing more is passed on.
        if (cancelled) return;
        controller.enqueue(chunk.value);
        open.touched = true;
        open.waiting = true;
      },
      cancel(reason) {
        cancelled = true;
        if (bodies.has(open)) recordAborted(span);
        open.finish();
        return cancel(reason);
      },
    }, { highWaterMark: 0 });
  }

  #watch(open: OpenBody): void {
    this.#open.add(open);
    if (this.#sweep === undefined && this.#idleTimeoutMs !== Infinity) this.#schedule();
  }

  #schedule(): void {
    this.#sweep = this.scheduler.setTimeout(
      () => {
        this.#sweep = undefined;
        for (const open of this.#open) {
          if (open.waiting && !open.touched) open.finish();
          else open.touched = false;
        }
        if (this.#open.size > 0) this.#schedule();
      },
      this.#idleTimeoutMs,
      BACKGROUND,
    );
  }
}

/** Whether `promise` settles within {@linkcode PEEK_TICKS} microtasks. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  promise.then(mark, mark);
  for (let i = 0; i < PEEK_TICKS && !settled; i++) await undefined;
  return settled;
}

/**
 * Deno.serve's `info.completed` (the handler's second argument; Hono keeps
 * it as `c.env`): settles once the response has been sent. `undefined`
 * where the server gives no such signal.
 */
export function serverCompletion(info: unknown): PromiseLike<unknown> | undefined {
  try {
    const completed = (info as { completed?: unknown } | null | undefined)?.completed;
    return typeof (completed as PromiseLike<unknown> | undefined)?.then === "function"
      ? completed as PromiseLike<unknown>
      : undefined;
  } catch {
    return undefined;
  }
}
