// A loopback OTLP/HTTP receiver for the tests: node:http on 127.0.0.1, a
// free port, which works alike on Deno, Bun and Node. It records every
// request and answers with whatever the test's responder says. Not a test
// file itself.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
}

/** What the receiver answers. */
export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
  /** A body sent in these pieces, each in its own write, a timer turn apart. */
  readonly chunks?: readonly Uint8Array[];
}

/** Decides the reply to a request; may wait (for a slow-backend test). */
export type Responder = (request: ReceivedRequest, index: number) => Reply | Promise<Reply>;

const OK: Reply = { status: 200 };

/** A span as OTLP/JSON carries it, with the name of its instrumentation scope. */
export interface JsonSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes?: { key: string; value: Record<string, unknown> }[];
  /** The scope's name ("" when it has none). */
  readonly scope: string;
}

/** The receiver. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => OK;
  readonly #server: Server;
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  url = "";

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  /** Starts a receiver on a free loopback port. */
  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.#server.address() as AddressInfo;
    receiver.url = `http://127.0.0.1:${port}/v1/traces`;
    return receiver;
  }

  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Every span of the OTLP/JSON bodies POSTed so far, in the order they came. */
  jsonSpans(): JsonSpan[] {
    const spans: JsonSpan[] = [];
    for (const request of this.requests) {
      if (request.method !== "POST") continue;
      const body = JSON.parse(new TextDecoder().decode(request.body));
      for (const rs of body.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) spans.push({ ...span, scope: ss.scope?.name ?? "" });
        }
      }
    }
    return spans;
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    const server = this.#server as Server & { closeAllConnections?: () => void };
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    req.on("end", async () => {
      const size = chunks.reduce((n, c) => n + c.length, 0);
      const body = new Uint8Array(size);
      let pos = 0;
      for (const chunk of chunks) {
        body.set(chunk, pos);
        pos += chunk.length;
      }
      const request: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
      };
      const index = this.requests.push(request) - 1;
      for (const waiter of [...this.#waiters]) {
        if (this.requests.length >= waiter.count) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      let reply: Reply;
      try {
        reply = await this.respond(request, index);
      } catch {
        reply = { status: 500 };
      }
      try {
        res.writeHead(reply.status, reply.headers);
        for (const chunk of reply.chunks ?? []) {
          res.write(chunk);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        res.end(reply.body);
      } catch {
        // The client went away (a timeout test): nothing to answer.
      }
    });
  }
}

/**
 * A loopback URL that nothing listens on, so connecting is refused: a
 * receiver that is down. Port 9 (discard) is reserved and unused on a test
 * machine, unlike the free port of a closed receiver, which another process
 * may take meanwhile.
 */
export const DEAD_URL = "http://127.0.0.1:9/v1/traces";

/** Gunzips with the web-standard DecompressionStream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
