// Internal: a node:http request's body as a web stream, for the viewer's
// fetch-style handler.

import type { IncomingMessage } from "node:http";

// A request's body as a web stream, taken from the socket only as it is
// read: nothing more comes in once the reader cancels or the answer is sent.
export class NodeBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Whether the whole body came. */
  ended = false;
  #stop: () => void = () => {};

  readonly #req: IncomingMessage;

  constructor(req: IncomingMessage) {
    this.#req = req;
    req.pause();
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const onData = (chunk: Uint8Array) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        };
        const onEnd = () => {
          this.ended = true;
          this.#stop();
          controller.close();
        };
        // A client gone mid-body: the reader is told, not left waiting.
        const onGone = () => {
          this.#stop();
          controller.error(new Error("the client closed the connection"));
        };
        req.on("data", onData).once("end", onEnd).once("close", onGone);
        this.#stop = () => {
          req.pause();
          req.off("data", onData).off("end", onEnd).off("close", onGone);
        };
      },
      pull: () => {
        req.resume();
      },
      cancel: () => this.stop(),
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    // node:http reports a client gone mid-body as an error too; the close
    // that follows is what the reader sees.
    req.on("error", () => {});
  }

  /** Takes in no more of the body for its reader. */
  stop(): void {
    this.#stop();
  }

  /**
   * Takes in and drops the rest of the body, until it ends, the client
   * goes, or `timeoutMs` passes.
   */
  drain(timeoutMs: number): Promise<void> {
    this.#stop();
    const req = this.#req;
    // A client gone already closed the request: no close is coming to end the wait.
    if (req.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        req.off("data", drop).off("end", done).off("close", done);
        resolve();
      };
      const drop = () => {};
      const timer = setTimeout(done, timeoutMs);
      req.on("data", drop).once("end", done).once("close", done);
      req.resume();
    });
  }
}
