// End to end on loopback: a client calls service A (Deno.serve or
// Bun.serve), which calls B (node:http through the ./node entry), which calls
// C (Deno.serve or Bun.serve). One trace must cover every hop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  Baggage,
  getBaggage,
  InMemorySpanProcessor,
  propagationStats,
  type Span,
  SpanContext,
  Tracer,
  withBaggage,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";

type Handler = (request: Request) => Promise<Response>;
interface Served {
  url: string;
  close(): Promise<void>;
}

interface BunLike {
  serve(options: { port: number; hostname: string; fetch: Handler }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}
const bun = (globalThis as { Bun?: BunLike }).Bun;
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const native = isDeno || bun !== undefined;

/** Serves `handler` on 127.0.0.1 with the runtime's own web-standard server. */
function serveNative(handler: Handler): Served {
  if (bun !== undefined) {
    const server = bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    return {
      url: `http://127.0.0.1:${server.port}/`,
      close: async () => await server.stop(true),
    };
  }
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

async function serveNode(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<Served> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The span of `scope` and `kind`; fails the test when there is none. */
function findSpan(spans: readonly Span[], scope: string, kind: string): Span {
  const span = spans.find((s) => s.instrumentationScope?.name === scope && s.kind === kind);
  assert.ok(span, `${scope} ${kind} span`);
  return span;
}

/**
 * Waits until `memory` holds `count` spans: server spans end as their
 * responses go out, and node's 'finish' may come a turn after the client
 * has read the body.
 */
async function waitForSpans(memory: InMemorySpanProcessor, count: number): Promise<void> {
  for (let i = 0; i < 2_000 && memory.spans.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test(
  "one trace crosses client → A → B → C on loopback, with tracestate and baggage intact (Deno or Bun only: uses Deno.serve/Bun.serve)",
  { timeout: 120_000, skip: !native },
  async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = (name: string) => new Tracer({ name, processors: [memory] });
    const servers: Served[] = [];
    try {
      const c = serveNative(traceHandler((request) =>
        Promise.resolve(Response.json({
          tracestate: request.headers.get("tracestate"),
          baggage: request.headers.get("baggage"),
          current: getBaggage().get("user")?.value,
        })), { tracer: tracer("C") }));
      servers.push(c);

      const fetchFromB = instrumentFetch(fetch, { tracer: tracer("B") });
      const b = await serveNode(traceRequestListener(async (_req, res: ServerResponse) => {
        const body = await (await fetchFromB(c.url)).text();
        res.setHeader("content-type", "application/json");
        res.end(body);
      }, { tracer: tracer("B") }));
      servers.push(b);

      const fetchFromA = instrumentFetch(fetch, { tracer: tracer("A") });
      const a = serveNative(traceHandler(async () => {
        const response = await fetchFromA(b.url);
        return new Response(await response.text(), { headers: response.headers });
      }, { tracer: tracer("A") }));
      servers.push(a);

      const client = tracer("client");
      const fetchFromClient = instrumentFetch(fetch, { tracer: client });
      const remote = new SpanContext({
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        traceFlags: 3,
        traceState: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
        isRemote: true,
      });
      const baggage = new Baggage({
        user: "ada lovelace",
        tenant: { value: "acme", metadata: "ttl=60" },
      });
      const seenByC = await withBaggage(
        baggage,
        () =>
          client.span("checkout", { parent: remote }, async () => {
            const response = await fetchFromClient(a.url);
            return await response.json();
          }),
      );

      await waitForSpans(memory, 7);
      assert.equal(memory.spans.length, 7, memory.spans.map((s) => s.name).join());

      const clientCall = findSpan(memory.spans, "client", "client");
      const aServer = findSpan(memory.spans, "A", "server");
      const aCall = findSpan(memory.spans, "A", "client");
      const bServer = findSpan(memory.spans, "B", "server");
      const bCall = findSpan(memory.spans, "B", "client");
      const cServer = findSpan(memory.spans, "C", "server");

      assert.deepEqual(
        new Set(memory.spans.map((s) => s.context.traceId)),
        new Set([remote.traceId]),
      );
      assert.equal(aServer.context.parentSpanId, clientCall.context.spanId);
      assert.equal(aCall.context.parentSpanId, aServer.context.spanId);
      assert.equal(bServer.context.parentSpanId, aCall.context.spanId);
      assert.equal(bCall.context.parentSpanId, bServer.context.spanId);
      assert.equal(cServer.context.parentSpanId, bCall.context.spanId);
      for (const server of [aServer, bServer, cServer]) {
        assert.equal(server.attributes["http.response.status_code"], 200);
        assert.equal(server.attributes["server.address"], "127.0.0.1");
        assert.equal(server.context.traceFlags, 3, "sampled and random flags kept");
      }

      assert.deepEqual(seenByC, {
        tracestate: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
        baggage: "user=ada%20lovelace,tenant=acme;ttl=60",
        current: "ada lovelace",
      });
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
);

test(
  "a Level 2 tracestate (foo@ keys, a repeated key) crosses two node:http services in one trace",
  { timeout: 120_000 },
  async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = (name: string) => new Tracer({ name, processors: [memory] });
    const servers: Served[] = [];
    try {
      const downstream = await serveNode(traceRequestListener((req, res: ServerResponse) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ tracestate: req.headers.tracestate ?? null }));
      }, { tracer: tracer("downstream") }));
      servers.push(downstream);
      const fetchDownstream = instrumentFetch(fetch, { tracer: tracer("upstream") });
      const upstream = await serveNode(traceRequestListener(async (_req, res: ServerResponse) => {
        const body = await (await fetchDownstream(downstream.url)).text();
        res.setHeader("content-type", "application/json");
        res.end(body);
      }, { tracer: tracer("upstream") }));
      servers.push(upstream);

      const response = await fetch(upstream.url, {
        headers: {
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          tracestate: "foo@=1,bar=2,foo@=3",
        },
      });
      const seen = await response.json();
      await waitForSpans(memory, 3);
      assert.deepEqual(seen, { tracestate: "foo@=1,bar=2" }, "kept, later repeat dropped");
      const upServer = findSpan(memory.spans, "upstream", "server");
      const upCall = findSpan(memory.spans, "upstream", "client");
      const downServer = findSpan(memory.spans, "downstream", "server");
      assert.deepEqual(
        new Set(memory.spans.map((s) => s.context.traceId)),
        new Set(["4bf92f3577b34da6a3ce929d0e0e4736"]),
      );
      assert.equal(upServer.context.parentSpanId, "00f067aa0ba902b7");
      assert.equal(upCall.context.parentSpanId, upServer.context.spanId);
      assert.equal(downServer.context.parentSpanId, upCall.context.spanId);
      assert.equal(downServer.context.traceState, "foo@=1,bar=2");
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
);

test(
  "a sampler's tracestate with CR/LF is dropped and counted, and the trace stays whole across node:http",
  { timeout: 120_000 },
  async () => {
    const memory = new InMemorySpanProcessor();
    const servers: Served[] = [];
    try {
      const server = await serveNode(traceRequestListener((req, res: ServerResponse) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ headers: req.headers }));
      }, { tracer: new Tracer({ name: "server", processors: [memory] }) }));
      servers.push(server);
      const client = new Tracer({
        name: "client",
        processors: [memory],
        sampler: {
          shouldSample: () => ({
            decision: "recordAndSample",
            traceState: "congo=1\r\nx-injected: yes",
          }),
        },
      });
      const tracedFetch = instrumentFetch(fetch, { tracer: client });
      const before = propagationStats().tracestate;
      const seen = await client.span("checkout", async () => {
        const response = await tracedFetch(server.url);
        return (await response.json()).headers as Record<string, string>;
      });
      await waitForSpans(memory, 3);
      assert.equal(seen["x-injected"], undefined);
      assert.equal(seen.tracestate, undefined);
      assert.ok(propagationStats().tracestate > before, "the refused trace state was counted");
      const checkout = memory.spans.find((s) => s.name === "checkout")!;
      const call = memory.spans.find((s) => s.kind === "client")!;
      const served = memory.spans.find((s) => s.kind === "server")!;
      assert.ok(checkout && call && served, memory.spans.map((s) => s.name).join());
      assert.equal(call.context.parentSpanId, checkout.context.spanId);
      assert.equal(served.context.parentSpanId, call.context.spanId);
      assert.equal(served.context.traceId, checkout.context.traceId);
      assert.ok(memory.spans.every((s) => s.ended));
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
);
