/**
 * Tracing across two services: `checkout` calls `prices` over HTTP, and the
 * four spans (client, checkout server, checkout's call, prices server) form
 * one trace. Shown in the README.
 *
 * Run: `deno run -A examples/two_services.ts`
 *
 * @module
 */

import { InMemorySpanProcessor, renderTree, Tracer } from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";

const memory = new InMemorySpanProcessor();
const tracer = new Tracer({ name: "shop", processors: [memory] });
const fetch = instrumentFetch(globalThis.fetch, { tracer });
const serve = (handler: (r: Request) => Response | Promise<Response>) =>
  Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, traceHandler(handler, { tracer }));

const prices = serve(() => Response.json({ price: 21 }));
const checkout = serve(async () => {
  const { price } = await (await fetch(`http://127.0.0.1:${prices.addr.port}/price`)).json();
  return Response.json({ total: price * 2 });
});

console.log(await (await fetch(`http://127.0.0.1:${checkout.addr.port}/checkout`)).json());
await Promise.all([prices.shutdown(), checkout.shutdown()]);
console.log(renderTree(memory.spans));
