/**
 * Tracing for Node's `node:http` servers, on Node, Deno and Bun. The
 * request and response are described by structural types, so this entry
 * imports no `node:` module itself.
 *
 * ```ts
 * import { InMemorySpanProcessor, Tracer } from "@codomyrmex/spans";
 * import { traceRequestListener } from "@codomyrmex/spans/node";
 * import { createServer, type ServerResponse } from "node:http";
 * import assert from "node:assert/strict";
 *
 * const memory = new InMemorySpanProcessor();
 * const server = createServer(traceRequestListener((_req, res: ServerResponse) => {
 *   res.end("hello");
 * }, { tracer: new Tracer({ processors: [memory] }) }));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 * assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "hello");
 * await new Promise((resolve) => server.close(resolve));
 * assert.equal(memory.spans[0].name, "GET");
 * ```
 *
 * @module
 */

export {
  type IncomingMessageLike,
  type ServerResponseLike,
  traceRequestListener,
  type TraceRequestListenerOptions,
} from "./src/http/node_listener.ts";
