// Internal: a streamed request body read in the caller's context. A traced
// fetch runs with its client span current and tracing suppressed (see
// fetch.ts), and fetch pulls a streamed body from inside that call, so the
// caller's own code that makes the body (an async generator reading rows,
// say) ran there: its spans were children of the client span and dropped as
// suppressed. Each read of such a body here runs in the context the caller
// made the request in, as with an untraced fetch.

import type { Context } from "../context/context.ts";
import { withContext } from "../context/storage.ts";

type Read = () => Promise<{ done?: boolean; value?: unknown }>;

/**
 * `body` as a stream whose every read of the original runs in `context`,
 * when it is a stream or an async iterable (which Node's, Deno's and Bun's
 * fetch all take); `undefined` for any other body, which fetch reads whole
 * and at once. highWaterMark 0: a chunk is read only when fetch asks for
 * one, as it would have been.
 */
export function bodyReadIn(body: unknown, context: Context): ReadableStream | undefined {
  if (typeof body !== "object" || body === null || typeof ReadableStream === "undefined") {
    return undefined;
  }
  let read: Read;
  let cancel: (reason: unknown) => Promise<void>;
  if (body instanceof ReadableStream) {
    // A locked one fetch refuses: it gets it as it was, to say so.
    if (body.locked) return undefined;
    let reader: ReadableStreamDefaultReader | undefined;
    read = () => withContext(context, () => (reader ??= body.getReader()).read());
    cancel = (reason) => withContext(context, () => (reader ??= body.getReader()).cancel(reason));
  } else {
    const iterable = body as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> };
    if (typeof iterable[Symbol.asyncIterator] !== "function") return undefined;
    let iterator: AsyncIterator<unknown> | undefined;
    read = () =>
      withContext(context, () => (iterator ??= iterable[Symbol.asyncIterator]!()).next());
    cancel = (reason) =>
      withContext(context, async () => {
        await iterator?.return?.(reason);
      });
  }
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel,
  }, { highWaterMark: 0 });
}
