import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { connect } from "node:net";
import {
  type Context,
  getBaggage,
  getCurrentContext,
  getCurrentSpan,
  InMemorySpanProcessor,
  type SamplingParameters,
  Tracer,
  withContext,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { deferred, isBun, isDeno, webSocketRoundTrip } from "./_helpers.ts";
import { type Served, serveNative, serveNode } from "./_loopback_server.ts";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// Sends `GET /health` as HTTP/1.0 with no Host header to `server`, waits
// for the server to close the connection, then closes the server.
async function sendHttp10(server: Served): Promise<void> {
  try {
    const connection = connect(server.port, "127.0.0.1");
    const closed = deferred();
    connection.on("close", () => closed.resolve());
    connection.on("error", () => {});
    connection.on("data", () => {});
    connection.write("GET /health HTTP/1.0\r\n\r\n");
    await closed.promise;
  } finally {
    await server.close();
  }
}

function setup() {
  const memory = new InMemorySpanProcessor();
  return { memory, tracer: new Tracer({ processors: [memory] }) };
}

describe("traceHandler", () => {
  test("starts a server span that continues the remote trace, with semconv attributes", async () => {
    const { memory, tracer } = setup();
    const handler = traceHandler(() => new Response("ok", { status: 202 }), { tracer });
    const response = await handler(
      new Request("https://shop.example:8443/orders/7?expand=items", {
        method: "POST",
        headers: { traceparent: TRACEPARENT, tracestate: "congo=1", "user-agent": "curl/8" },
      }),
    );
    assert.equal(await response.text(), "ok");
    const [span] = memory.spans;
    assert.equal(span.name, "POST");
    assert.equal(span.kind, "server");
    assert.equal(span.context.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(span.context.parentSpanId, "b7ad6b7169203331");
    assert.equal(span.context.traceState, "congo=1");
    assert.deepEqual(span.attributes, {
      "http.request.method": "POST",
      "url.path": "/orders/7",
      "url.query": "expand=items",
      "url.scheme": "https",
      "server.address": "shop.example",
      "server.port": 8443,
      "user_agent.original": "curl/8",
      "http.response.status_code": 202,
    });
  });

  test("starts a new trace when there is no valid traceparent, even inside another span", async () => {
    const { memory, tracer } = setup();
    const handler = traceHandler(() => new Response(), { tracer });
    await tracer.span(
      "ambient",
      () => handler(new Request("http://x/", { headers: { traceparent: "00-bad" } })),
    );
    const server = memory.spans.find((s) => s.kind === "server")!;
    assert.equal(server.context.parentSpanId, undefined);
    assert.notEqual(server.context.traceId, "0af7651916cd43dd8448eb211c80319c");
  });

  test("wrapped twice (a framework's handler traced by a library, then by the app): one server span per request, the handler's spans its children", async () => {
    // Each traceHandler started a server span, each the root of a trace of
    // its own (or siblings under the traceparent), so the request was split.
    const { memory, tracer } = setup();
    const library = traceHandler(async (request: Request) => {
      await tracer.span("load user", () => Promise.resolve());
      const path = new URL(request.url).pathname;
      return new Response(ReadableStream.from([new TextEncoder().encode(path)]), { status: 201 });
    }, { tracer });
    const app = traceHandler(library, { tracer });
    for (const headers of [{ traceparent: TRACEPARENT }, {}] as Record<string, string>[]) {
      const response = await app(new Request("http://shop.example/users/7", { headers }));
      assert.equal(await response.text(), "/users/7");
    }
    const failing = traceHandler(
      traceHandler(() => Promise.reject(new TypeError("bad input")), { tracer }),
      { tracer },
    );
    await assert.rejects(failing(new Request("http://shop.example/")), TypeError);
    const servers = memory.spans.filter((s) => s.kind === "server");
    assert.equal(servers.length, 3, "one server span a request");
    assert.equal(servers[0].context.parentSpanId, "b7ad6b7169203331");
    assert.equal(servers[1].context.parentSpanId, undefined);
    const loads = memory.spans.filter((s) => s.name === "load user");
    assert.equal(loads.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(loads[i].context.traceId, servers[i].context.traceId);
      assert.equal(loads[i].context.parentSpanId, servers[i].context.spanId);
      assert.equal(servers[i].attributes["http.response.status_code"], 201);
    }
    assert.equal(servers[2].attributes["error.type"], "TypeError");
    assert.equal(servers[2].events.length, 1, "the error recorded once");
  });

  test("a Request handed on as another object (a clone), twice side by side, or through a traced fetch is a request of its own", async () => {
    // Only the very Request a traceHandler is serving, inside its handler,
    // is passed on: a clone may be a request the handler makes of its own,
    // two calls side by side are two requests, and a traced fetch in between
    // is a new hop, with a server span under its client span.
    const { memory, tracer } = setup();
    const inner = traceHandler((_request: Request) => new Response("ok"), { tracer });
    const servers = () => memory.spans.filter((s) => s.kind === "server").length;
    const clone = traceHandler((request: Request) => inner(request.clone()), { tracer });
    await (await clone(new Request("http://x/a"))).text();
    assert.equal(servers(), 2);
    const request = new Request("http://x/b");
    await Promise.all([inner(request), inner(request)].map(async (p) => (await p).text()));
    assert.equal(servers(), 4);
    const fetch = instrumentFetch(inner as typeof globalThis.fetch, { tracer, propagateTo: [] });
    const proxy = traceHandler((request: Request) => fetch(request), { tracer });
    await (await proxy(new Request("http://x/c"))).text();
    assert.equal(servers(), 6);
    assert.equal(memory.spans.filter((s) => s.kind === "client").length, 1);
    // The traced fetch is a new hop: the server span behind it takes its
    // parent from the headers the fetch wrote (here its client span), not
    // from the handler it was called in; with no headers written (as
    // above, propagateTo: []) it starts a trace, as over the network.
    memory.clear();
    const sending = instrumentFetch(
      (input: RequestInfo | URL, init?: RequestInit) => inner(new Request(input, init)),
      { tracer },
    );
    const hop = traceHandler((request: Request) => sending(request), { tracer });
    await (await hop(new Request("http://x/d"))).text();
    const [behind, client, front] = memory.spans;
    assert.deepEqual([behind.kind, client.kind, front.kind], ["server", "client", "server"]);
    assert.equal(client.context.parentSpanId, front.context.spanId);
    assert.equal(behind.context.parentSpanId, client.context.spanId);
  });

  test("a request a handler dispatches in this process joins its trace, under the current span", async () => {
    // Its headers alone made its span the root of a trace of its own (or,
    // with the outer request's traceparent copied, the outer span's sibling).
    const { memory, tracer } = setup();
    const inner = traceHandler((_request: Request) => {
      tracer.startSpan("inner work").end();
      return new Response("ok");
    }, { tracer });
    const outer = traceHandler(
      (request: Request) =>
        tracer.span(
          "dispatch",
          () => inner(new Request(new URL("/parts/1", request.url), { headers: request.headers })),
        ),
      {
        tracer,
      },
    );
    for (const headers of [{}, { traceparent: TRACEPARENT }] as Record<string, string>[]) {
      memory.clear();
      await (await outer(new Request("http://x/batch", { headers }))).text();
      const byName = new Map(memory.spans.map((s) => [s.name, s]));
      assert.equal(memory.spans.filter((s) => s.kind === "server").length, 2);
      const dispatch = byName.get("dispatch")!;
      const innerServer = memory.spans.find((s) =>
        s.kind === "server" && s.attributes["url.path"] === "/parts/1"
      )!;
      const outerServer = memory.spans.find((s) =>
        s.kind === "server" && s.attributes["url.path"] === "/batch"
      )!;
      assert.equal(
        outerServer.context.parentSpanId,
        headers.traceparent === undefined ? undefined : "b7ad6b7169203331",
      );
      assert.equal(dispatch.context.parentSpanId, outerServer.context.spanId);
      assert.equal(innerServer.context.traceId, outerServer.context.traceId);
      assert.equal(innerServer.context.parentSpanId, dispatch.context.spanId);
      const work = byName.get("inner work")!;
      assert.equal(work.context.parentSpanId, innerServer.context.spanId);
    }
  });

  test(
    "a Deno.serve or Bun.serve server made inside a handler serves requests from its socket: new traces",
    { skip: !isDeno && !isBun ? "Deno.serve and Bun.serve only" : false },
    async () => {
      // Bun.serve runs its handler in the context Bun.serve was called in:
      // here a handler's, whose span is open.
      const traced = setup();
      const inner = traceHandler((_request: Request) => new Response("in"), {
        tracer: traced.tracer,
      });
      await assertNewTraceFromInside(traced, () => serveNative(inner));
    },
  );

  test("a dispatched request keeps a traceparent of another trace, and a handler's context whose span has ended is not its parent", async () => {
    const { memory, tracer } = setup();
    const inner = traceHandler((_request: Request) => new Response("ok"), { tracer });
    let kept: Context | undefined;
    const outer = traceHandler(async (request: Request) => {
      kept = getCurrentContext();
      const other = "00-11111111111111111111111111111111-2222222222222222-01";
      return await inner(new Request(request.url, { headers: { traceparent: other } }));
    }, { tracer });
    await (await outer(new Request("http://x/a"))).text();
    const [chosen] = memory.spans.filter((s) =>
      s.kind === "server" && s.context.traceId === "11111111111111111111111111111111"
    );
    assert.equal(chosen.context.parentSpanId, "2222222222222222");
    // A server started inside a handler serves its requests in the context
    // it started in: once that handler's span has ended, they are no part
    // of its trace.
    memory.clear();
    await (await withContext(kept!, () => inner(new Request("http://x/later")))).text();
    const [later] = memory.spans;
    assert.equal(later.kind, "server");
    assert.equal(later.context.parentSpanId, undefined);
  });

  test("makes the span and the request's baggage current in the handler, across await", async () => {
    const { tracer } = setup();
    const handler = traceHandler(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return Response.json({
        span: getCurrentSpan()?.name,
        user: getBaggage().get("user")?.value,
      });
    }, { tracer });
    const response = await handler(
      new Request("http://x/", { headers: { baggage: "user=ada%20l", traceparent: TRACEPARENT } }),
    );
    assert.deepEqual(await response.json(), { span: "GET", user: "ada l" });
    assert.equal(getCurrentSpan(), undefined);
    assert.equal(getBaggage().size, 0);
  });

  test("a 5xx response marks the span as an error; a 4xx does not", async () => {
    const { memory, tracer } = setup();
    let status = 500;
    const handler = traceHandler(() => new Response(null, { status }), { tracer });
    await handler(new Request("http://x/"));
    status = 404;
    await handler(new Request("http://x/"));
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].attributes["error.type"], "500");
    assert.equal(memory.spans[1].status.code, "unset");
    assert.equal(memory.spans[1].attributes["error.type"], undefined);
  });

  test("an answer that is no response (nothing, Response.error()) is an error with no status code", async () => {
    // The server sends an error of its own (Deno and Bun a 500): the span
    // recorded status code 0 and no error before.
    const { memory, tracer } = setup();
    for (const answer of [() => Response.error(), () => undefined as unknown as Response]) {
      await traceHandler(answer, { tracer })(new Request("http://x/"));
    }
    assert.equal(memory.spans.length, 2);
    for (const span of memory.spans) {
      assert.equal(span.ended, true);
      assert.equal(span.status.code, "error");
      assert.equal(span.attributes["error.type"], "_OTHER");
      assert.equal(span.attributes["http.response.status_code"], undefined);
    }
    assert.match(memory.spans[0].status.message ?? "", /Response\.error\(\)/);
    assert.match(memory.spans[1].status.message ?? "", /no Response/);
  });

  test("a thrown error is recorded on the span, which ends, and rethrown", async () => {
    const { memory, tracer } = setup();
    const handler = traceHandler(() => {
      throw new RangeError("bad id");
    }, { tracer });
    await assert.rejects(handler(new Request("http://x/")), RangeError);
    const [span] = memory.spans;
    assert.equal(span.ended, true);
    assert.equal(span.status.code, "error");
    assert.equal(span.attributes["error.type"], "RangeError");
  });

  test("passes the server's extra arguments through", async () => {
    const handler = traceHandler((_req: Request, info: { remote: string }) =>
      new Response(info.remote)
    );
    assert.equal(
      await (await handler(new Request("http://x/"), { remote: "1.2.3.4" })).text(),
      "1.2.3.4",
    );
  });

  test("calls the handler with the server's this (Bun.serve calls fetch with this = server)", async () => {
    const { memory, tracer } = setup();
    const server = { upgrade: () => false };
    let seen: unknown;
    const handler = traceHandler(function (this: unknown) {
      seen = this;
      return new Response("ok");
    }, { tracer });
    await (await handler.call(server, new Request("http://x/"))).text();
    assert.equal(seen, server);
    assert.equal(memory.spans.length, 1);
  });

  test("refuses a handler that is not a function", () => {
    assert.throws(() => traceHandler("nope" as never), TypeError);
  });

  test(
    "traces a request whose url is a path alone (Bun.serve's for HTTP/1.0 with no Host), with no server.address",
    {
      timeout: 120_000,
    },
    async () => {
      const { memory, tracer } = setup();
      const handler = traceHandler(() => new Response("ok"), { tracer });
      // As Bun.serve hands it over: its url is the request target alone.
      const request = new Request("http://x/health?deep=1", {
        headers: { traceparent: TRACEPARENT },
      });
      Object.defineProperty(request, "url", { value: "/health?deep=1" });
      await (await handler(request)).text();
      // A url that is neither a URL nor a path, or whose getter throws,
      // still goes on, untraced, and nothing is thrown into the server.
      const odd = new Request("http://x/");
      Object.defineProperty(odd, "url", { value: "health" });
      assert.equal(await (await handler(odd)).text(), "ok");
      const broken = new Request("http://x/");
      Object.defineProperty(broken, "url", {
        get() {
          throw new Error("url getter threw");
        },
      });
      assert.equal(await (await handler(broken)).text(), "ok");
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.attributes["url.path"], "/health");
      assert.equal(span.attributes["url.query"], "deep=1");
      assert.equal(span.attributes["server.address"], undefined);
      assert.equal(span.attributes["server.port"], undefined);
      assert.equal(span.context.traceId, TRACEPARENT.split("-")[1]);
      assert.equal(span.attributes["url.scheme"], "http");
      // Behind Bun's TLS, its server's url says https.
      const tls = new Request("http://x/");
      Object.defineProperty(tls, "url", { value: "/secure" });
      const withServer = handler as (request: Request, server: unknown) => Promise<Response>;
      await (await withServer(tls, { url: new URL("https://localhost:8443/") })).text();
      assert.equal(memory.spans[1].attributes["url.scheme"], "https");
      if (!isBun) return;
      // The real thing on Bun.
      await sendHttp10(serveNative(handler));
      assert.equal(memory.spans.length, 3);
      assert.equal(memory.spans[2].attributes["url.path"], "/health");
      assert.equal(memory.spans[2].attributes["server.address"], undefined);
    },
  );

  test("a server records a method in the case it came in: a lowercase get is _OTHER, not GET", {
    timeout: 120_000,
  }, async () => {
    // Semconv, http.request.method: "HTTP method names are case-sensitive
    // and http.request.method attribute value MUST match a known HTTP method
    // name exactly"; an instrumentation that maps one to a canonical
    // equivalent "MUST also set http.request.method_original". Deno.serve
    // hands the handler a request line's `get` as it is (only fetch's
    // Request constructor upper-cases it), and the application sees `get`.
    const { memory, tracer } = setup();
    const handler = traceHandler((request: Request) => new Response(request.method), { tracer });
    const request = new Request("http://shop.example/");
    Object.defineProperty(request, "method", { value: "get" });
    assert.equal(await (await handler(request)).text(), "get");
    const res = fakeRes();
    traceRequestListener(() => {}, { tracer })({ method: "delete", url: "/", headers: {} }, res);
    res.emit("finish");
    if (isDeno) {
      // The real thing: a request line with `get`, over loopback.
      const server = serveNative(handler);
      try {
        const socket = connect(server.port, "127.0.0.1");
        const closed = deferred();
        let text = "";
        socket.on("data", (chunk) => text += String(chunk));
        socket.on("close", () => closed.resolve());
        socket.on("error", () => {});
        socket.write("get / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        await closed.promise;
        assert.match(text, /\r\n\r\nget$/);
      } finally {
        await server.close();
      }
    }
    assert.deepEqual(
      memory.spans.map((s) => [
        s.name,
        s.attributes["http.request.method"],
        s.attributes["http.request.method_original"],
      ]),
      [
        ["HTTP", "_OTHER", "get"],
        ["HTTP", "_OTHER", "delete"],
        ...(isDeno ? [["HTTP", "_OTHER", "get"]] : []),
      ],
    );
  });
  test(
    "a WebSocket Bun.serve upgraded, whose handler answered nothing as Bun's docs show, is a 101, not an error; a refused upgrade keeps the handler's answer",
    { timeout: 120_000, skip: isBun ? false : "Bun.serve's server.upgrade only" },
    async () => {
      const { memory, tracer } = setup();
      interface BunServer {
        url: URL;
        upgrade(request: Request): boolean;
        stop(closeActiveConnections: boolean): Promise<void>;
      }
      const { Bun } = globalThis as unknown as {
        Bun: {
          serve(options: {
            hostname: string;
            port: number;
            fetch(request: Request, server: BunServer): Promise<Response>;
            websocket: { message(ws: { send(data: string): void }, message: string): void };
          }): BunServer;
        };
      };
      const server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        // Bun's pattern: `if (server.upgrade(request)) return;`.
        fetch: traceHandler(
          (request: Request, server: BunServer) =>
            (server.upgrade(request) ? undefined : new Response("no", { status: 400 })) as Response,
          { tracer },
        ),
        websocket: { message: (ws, message) => ws.send(`echo ${message}`) },
      });
      try {
        assert.equal(await webSocketRoundTrip(new URL("/chat", server.url), "hi"), "echo hi");
        // An upgrade Bun refuses (no Sec-WebSocket-Key): the handler answers 400.
        const refused = await fetch(new URL("/chat", server.url), {
          headers: { upgrade: "websocket", connection: "upgrade" },
        });
        assert.equal(refused.status, 400);
        await refused.body?.cancel();
      } finally {
        await server.stop(true);
      }
      const byStatus = memory.spans.map((s) => [
        s.attributes["http.response.status_code"],
        s.status.code,
        s.attributes["error.type"],
      ]);
      assert.deepEqual(byStatus, [[101, "unset", undefined], [400, "unset", undefined]]);
    },
  );
});

// Makes a server with `start` inside a traced handler, which fetches "in"
// from it (untraced): the server span of that request, which came from a
// socket, must be the root of a trace of its own, whatever context the
// runtime runs the server's listener in.
async function assertNewTraceFromInside(
  { memory, tracer }: { memory: InMemorySpanProcessor; tracer: Tracer },
  start: () => Served | Promise<Served>,
): Promise<void> {
  const outer = traceHandler(async () => {
    const server = await start();
    try {
      return new Response(await (await fetch(server.url)).text());
    } finally {
      await server.close();
    }
  }, { tracer });
  assert.equal(await (await outer(new Request("http://x/outer"))).text(), "in");
  const [inner, front] = memory.spans.filter((s) => s.kind === "server");
  assert.equal(front.attributes["url.path"], "/outer");
  assert.equal(inner.attributes["url.path"], "/");
  assert.equal(inner.context.parentSpanId, undefined);
  assert.notEqual(inner.context.traceId, front.context.traceId);
}

type FakeRes = EventEmitter & { statusCode: number };

function fakeRes(): FakeRes {
  return Object.assign(new EventEmitter(), { statusCode: 200 });
}

// Bun.serve's `routes` hands each route's handler a request whose `params`
// hold the values, not the route: `/files/*` gives `{}`, as a route with no
// parameter does, and a value may stand in more than one segment. So a
// route handler says its route itself, where it is registered.
describe("traceHandler's route", () => {
  test("names the span {method} {route} with http.route, as the sampler sees it at start", async () => {
    const memory = new InMemorySpanProcessor();
    const seen: SamplingParameters[] = [];
    const tracer = new Tracer({
      processors: [memory],
      sampler: {
        shouldSample: (parameters) => {
          seen.push(parameters);
          return { decision: "recordAndSample" };
        },
        toString: () => "RecordingSampler",
      },
    });
    const handler = traceHandler(
      (request: Request) => new Response(request.url),
      { tracer, route: "/api/users/:id" },
    );
    await (await handler(new Request("http://localhost/api/users/42"))).text();
    await (await handler(new Request("http://localhost/api/users/7", { method: "DELETE" }))).text();
    assert.deepEqual(memory.spans.map((s) => s.name), [
      "GET /api/users/:id",
      "DELETE /api/users/:id",
    ]);
    for (const span of memory.spans) {
      assert.equal(span.attributes["http.route"], "/api/users/:id");
    }
    assert.deepEqual(memory.spans.map((s) => s.attributes["url.path"]), [
      "/api/users/42",
      "/api/users/7",
    ]);
    assert.deepEqual(seen.map((p) => [p.name, p.attributes?.["http.route"]]), [
      ["GET /api/users/:id", "/api/users/:id"],
      ["DELETE /api/users/:id", "/api/users/:id"],
    ]);
  });

  test(
    "a Bun.serve routes handler: its span is named by the route it is registered for",
    { timeout: 120_000, skip: isBun ? false : "Bun.serve's routes only" },
    async () => {
      const { memory, tracer } = setup();
      const route = "/api/users/:id";
      const { Bun } = globalThis as unknown as {
        Bun: {
          serve(options: {
            hostname: string;
            port: number;
            routes: Record<string, (request: Request) => Promise<Response>>;
            fetch(request: Request): Response;
          }): { url: URL; stop(closeActiveConnections: boolean): Promise<void> };
        };
      };
      const server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        routes: {
          [route]: traceHandler(
            (request: Request & { params?: Record<string, string> }) =>
              new Response(`user ${request.params?.id}`),
            { tracer, route },
          ),
        },
        fetch: () => new Response("none", { status: 404 }),
      });
      try {
        assert.equal(await (await fetch(new URL("api/users/42", server.url))).text(), "user 42");
      } finally {
        await server.stop(true);
      }
      assert.equal(memory.spans.length, 1);
      assert.equal(memory.spans[0].name, "GET /api/users/:id");
      assert.equal(memory.spans[0].attributes["http.route"], route);
      assert.equal(memory.spans[0].attributes["url.path"], "/api/users/42");
    },
  );

  test("a route that is not a non-empty string is a TypeError", () => {
    const handler = () => new Response("ok");
    for (const route of ["", 5, null, ["/a"]]) {
      assert.throws(
        () => traceHandler(handler, { route: route as never }),
        (error: Error) =>
          error instanceof TypeError &&
          /^Cannot trace handler: route must be a non-empty string, such as "\/users\/:id", got /
            .test(error.message),
      );
    }
    traceHandler(handler, { route: undefined });
  });
});

describe("traceRequestListener (node:http)", () => {
  test("continues the remote trace and records the status when the response finishes", () => {
    const { memory, tracer } = setup();
    const listener = traceRequestListener((_req, res: FakeRes) => {
      res.statusCode = 503;
    }, { tracer });
    const res = fakeRes();
    listener({
      method: "GET",
      url: "/health?deep=1",
      headers: { host: "127.0.0.1:9000", traceparent: TRACEPARENT, "user-agent": "probe" },
    }, res);
    assert.equal(memory.spans.length, 0, "the span waits for the response");
    res.emit("finish");
    res.emit("close");
    assert.equal(memory.spans.length, 1, "ended once");
    const [span] = memory.spans;
    assert.equal(span.context.parentSpanId, "b7ad6b7169203331");
    assert.equal(span.attributes["url.path"], "/health");
    assert.equal(span.attributes["url.query"], "deep=1");
    assert.equal(span.attributes["server.address"], "127.0.0.1");
    assert.equal(span.attributes["server.port"], 9000);
    assert.equal(span.attributes["url.scheme"], "http");
    assert.equal(span.attributes["user_agent.original"], "probe");
    assert.equal(span.attributes["http.response.status_code"], 503);
    assert.equal(span.status.code, "error");
  });

  test("wrapped twice (a listener traced by a library, then by the app): one server span per request, the listener's spans its children", () => {
    const { memory, tracer } = setup();
    const listener = traceRequestListener(
      traceRequestListener((_req, res: FakeRes) => {
        tracer.startSpan("load user").end();
        res.statusCode = 201;
      }, { tracer }),
      { tracer },
    );
    const res = fakeRes();
    listener({
      method: "GET",
      url: "/users/7",
      headers: { host: "shop.example", traceparent: TRACEPARENT },
    }, res);
    res.emit("finish");
    const servers = memory.spans.filter((s) => s.kind === "server");
    assert.equal(servers.length, 1, "one server span a request");
    assert.equal(servers[0].context.parentSpanId, "b7ad6b7169203331");
    assert.equal(servers[0].attributes["http.response.status_code"], 201);
    const [load] = memory.spans.filter((s) => s.name === "load user");
    assert.equal(load.context.parentSpanId, servers[0].context.spanId);
  });

  test("ends the span on close when the client goes away before finish", () => {
    const { memory, tracer } = setup();
    const res = fakeRes();
    traceRequestListener(() => {}, { tracer })({ url: "/", headers: {} }, res);
    res.emit("close");
    assert.equal(memory.spans.length, 1);
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].attributes["error.type"], "aborted");
    assert.equal(memory.spans[0].attributes["http.response.status_code"], undefined);
  });

  test("records a request target that starts with // or /\\ as a path on the Host, not as a host", () => {
    const { memory, tracer } = setup();
    for (const url of ["//evil.example/x?q=1", "/\\evil.example/x?q=1"]) {
      const res = fakeRes();
      traceRequestListener(() => {}, { tracer })({
        method: "GET",
        url,
        headers: { host: "shop.example:8080" },
      }, res);
      res.emit("finish");
    }
    assert.equal(memory.spans.length, 2, "one span per request");
    for (const span of memory.spans) {
      assert.equal(span.attributes["url.path"], "//evil.example/x");
      assert.equal(span.attributes["url.query"], "q=1");
      assert.equal(span.attributes["server.address"], "shop.example");
      assert.equal(span.attributes["server.port"], 8080);
    }
  });

  test("traces a request whose Host header is empty, with no server.address or server.port", () => {
    const { memory, tracer } = setup();
    const res = fakeRes();
    traceRequestListener(() => {}, { tracer })({
      method: "GET",
      url: "/health",
      headers: { host: "" },
      socket: { localPort: 9000 },
    }, res);
    res.emit("finish");
    assert.equal(memory.spans.length, 1);
    assert.equal(memory.spans[0].attributes["url.path"], "/health");
    assert.equal(memory.spans[0].attributes["server.address"], undefined);
    assert.equal(memory.spans[0].attributes["server.port"], undefined);
  });

  test(
    "a request that names no host (HTTP/1.0, a raw client) has no server.address or server.port, not localhost and the socket's port",
    {
      timeout: 120_000,
    },
    async () => {
      // Semconv takes server.address and server.port from Forwarded#host,
      // X-Forwarded-Host, :authority or Host (or an absolute request target)
      // and names no other source; the socket's own port is
      // network.local.port, an opt-in attribute. "localhost" was invented.
      const { memory, tracer } = setup();
      const listener = traceRequestListener(() => {}, { tracer });
      const socket = { encrypted: true, localPort: 9443, remoteAddress: "192.0.2.1" };
      for (
        const request of [
          { method: "GET", url: "/health?deep=1", httpVersion: "1.0", headers: {}, socket },
          { url: "http://shop.example:8080/x", httpVersion: "1.0", headers: {}, socket },
          { url: "/y", headers: { "x-forwarded-host": "shop.example" }, socket },
        ]
      ) {
        const res = fakeRes();
        listener(request, res);
        res.emit("finish");
      }
      const [none, absolute, forwarded] = memory.spans;
      assert.deepEqual(none.attributes, {
        "http.request.method": "GET",
        "url.path": "/health",
        "url.query": "deep=1",
        "url.scheme": "https",
        "client.address": "192.0.2.1",
        "network.peer.address": "192.0.2.1",
        "network.protocol.version": "1.0",
        "http.response.status_code": 200,
      });
      assert.equal(none.name, "GET");
      // An absolute target, or a proxy's header, names the host.
      assert.equal(absolute.attributes["server.address"], "shop.example");
      assert.equal(absolute.attributes["server.port"], 8080);
      assert.equal(absolute.attributes["url.path"], "/x");
      assert.equal(forwarded.attributes["server.address"], "shop.example");
      assert.equal(forwarded.attributes["server.port"], undefined);
      // The real thing: node:http, and an HTTP/1.0 request line with no Host.
      await sendHttp10(
        await serveNode(
          traceRequestListener((_req, res: ServerResponse) => res.end("ok"), { tracer }),
        ),
      );
      const real = memory.spans[3];
      assert.equal(real.attributes["url.path"], "/health");
      assert.equal(real.attributes["server.address"], undefined);
      assert.equal(real.attributes["server.port"], undefined);
    },
  );

  test("traces a request whose Host header does not parse, continuing its trace, with no server.address or server.port", () => {
    const { memory, tracer } = setup();
    for (const host of ["a b", "shop.example:99999", "[::1"]) {
      const res = fakeRes();
      traceRequestListener(() => {}, { tracer })({
        method: "GET",
        url: "/health?deep=1",
        headers: { host, traceparent: TRACEPARENT },
        socket: { localPort: 9000 },
      }, res);
      res.emit("finish");
    }
    assert.equal(memory.spans.length, 3, "one span per request");
    for (const span of memory.spans) {
      assert.equal(span.context.parentSpanId, "b7ad6b7169203331");
      assert.equal(span.attributes["url.path"], "/health");
      assert.equal(span.attributes["url.query"], "deep=1");
      assert.equal(span.attributes["server.address"], undefined);
      assert.equal(span.attributes["server.port"], undefined);
      assert.equal(span.attributes["http.response.status_code"], 200);
    }
  });

  test("an app the listener hands a Request it built (as Hono's node server does) is in the listener's trace", async () => {
    const { memory, tracer } = setup();
    const app = traceHandler((_request: Request) => new Response("ok", { status: 201 }), {
      tracer,
    });
    const done = deferred<void>();
    const listener = traceRequestListener(async (req: { url?: string }, res: FakeRes) => {
      const response = await app(new Request(`http://127.0.0.1:9000${req.url}`));
      res.statusCode = response.status;
      done.resolve();
    }, { tracer });
    const res = fakeRes();
    listener({ method: "GET", url: "/items", headers: { host: "127.0.0.1:9000" } }, res);
    await done.promise;
    res.emit("finish");
    res.emit("close");
    const [inner, outer] = memory.spans;
    assert.equal(inner.kind, "server");
    assert.equal(outer.kind, "server");
    assert.equal(outer.context.parentSpanId, undefined);
    assert.equal(inner.context.traceId, outer.context.traceId);
    assert.equal(inner.context.parentSpanId, outer.context.spanId);
    assert.equal(outer.attributes["http.response.status_code"], 201);
  });

  test("a node:http server made inside a handler serves requests from its socket, not dispatched by that handler: new traces", async () => {
    // Node (and Bun's node:http) run a server's listener in the context the
    // server was made in: here a handler's, whose span is open.
    const traced = setup();
    const listener = traceRequestListener((_req, res: ServerResponse) => res.end("in"), {
      tracer: traced.tracer,
    });
    await assertNewTraceFromInside(traced, () => serveNode(listener));
  });

  test("makes the span and baggage current for the listener", () => {
    const { tracer } = setup();
    let seen: unknown[] = [];
    traceRequestListener(() => {
      seen = [getCurrentSpan()?.kind, getBaggage().get("k")?.value];
    }, { tracer })({ url: "/", headers: { baggage: "k=v" } }, fakeRes());
    assert.deepEqual(seen, ["server", "v"]);
  });

  test(
    "over loopback, listeners the app adds to req and res run in the span and baggage, and can be removed",
    {
      timeout: 120_000,
    },
    async () => {
      const { tracer } = setup();
      const seen: Record<string, unknown> = {};
      const current = () => [getCurrentSpan(), getBaggage().get("k")?.value];
      let span: unknown;
      const closed = deferred();
      const server = await serveNode(
        traceRequestListener((req: IncomingMessage, res: ServerResponse) => {
          span = getCurrentSpan();
          const never = () => assert.fail("a removed listener ran");
          req.on("data", never);
          req.off("data", never);
          res.once("finish", never);
          res.removeListener("finish", never);
          req.on("data", () => void (seen.data ??= current()));
          req.once("end", () => {
            seen.end = current();
            setTimeout(() => {
              seen.timer = current();
              res.end("ok");
            }, 0);
          });
          res.on("finish", () => void (seen.finish = current()));
          res.on("close", () => {
            seen.close = current();
            closed.resolve();
          });
        }, { tracer }),
      );
      try {
        const response = await fetch(server.url, {
          method: "POST",
          headers: { baggage: "k=v" },
          body: "x".repeat(100_000),
        });
        await response.text();
        await closed.promise;
      } finally {
        await server.close();
      }
      assert.ok(span !== undefined);
      const inSpan = [span, "v"];
      assert.deepEqual(seen, {
        data: inSpan,
        end: inSpan,
        timer: inSpan,
        finish: inSpan,
        close: inSpan,
      });
    },
  );

  test("a throw or rejection is recorded and passed on", async () => {
    const { memory, tracer } = setup();
    const sync = traceRequestListener(() => {
      throw new Error("sync");
    }, { tracer });
    assert.throws(() => sync({ url: "/", headers: {} }, fakeRes()), /sync/);
    const async = traceRequestListener(() => Promise.reject(new Error("async")), { tracer });
    await assert.rejects(
      async({ url: "/", headers: {} }, fakeRes()) as Promise<unknown>,
      /async/,
    );
    assert.deepEqual(memory.spans.map((s) => s.status.code), ["error", "error"]);
  });
  test("a response whose writeHead cannot be replaced still runs the listener, and its span ends", () => {
    // A frozen response, or a Proxy that refuses the set: the wrapper must
    // not throw into node:http for want of its status-code note.
    const { memory, tracer } = setup();
    const events = new EventEmitter();
    const res = Object.freeze({
      statusCode: 201,
      headersSent: true,
      writeHead: () => undefined,
      once: (event: "finish" | "close", fn: () => void) => void events.once(event, fn),
    });
    let ran = false;
    traceRequestListener(() => void (ran = true), { tracer })({ url: "/", headers: {} }, res);
    events.emit("finish");
    assert.equal(ran, true);
    assert.equal(memory.spans[0].attributes["http.response.status_code"], 201);
  });

  test("a listener's return value with a then that is no function is returned as it is, never thrown on", () => {
    const { memory, tracer } = setup();
    const odd = [{ then: 1 }, {
      get then() {
        throw new Error("hostile getter");
      },
    }];
    for (const value of odd) {
      const res = fakeRes();
      const listener = traceRequestListener(() => value, { tracer });
      assert.equal(listener({ url: "/", headers: {} }, res), value);
      res.emit("finish");
    }
    assert.deepEqual(memory.spans.map((s) => s.status.code), ["unset", "unset"]);
  });
});

describe("maxRecordedLength on the server wrappers", () => {
  const path = "/" + "p".repeat(3000);
  const query = "q=" + "q".repeat(3000);
  const agent = "a".repeat(3000);
  const host = "h".repeat(60) + ".example";

  function recorded(span: { attributes: Readonly<Record<string, unknown>> }) {
    return ["url.path", "url.query", "user_agent.original", "server.address"].map((k) =>
      (span.attributes[k] as string).length
    );
  }

  test("traceHandler cuts each recorded string to 2,048 by default, and to the length given", async () => {
    const { memory, tracer } = setup();
    const request = () =>
      new Request(`http://${host}${path}?${query}`, { headers: { "user-agent": agent } });
    await traceHandler(() => new Response(null), { tracer })(request());
    await traceHandler(() => new Response(null), { tracer, maxRecordedLength: 40 })(request());
    await traceHandler(() => new Response(null), { tracer, maxRecordedLength: Infinity })(
      request(),
    );
    assert.deepEqual(memory.spans.map(recorded), [
      [2048, 2048, 2048, host.length],
      [40, 40, 40, 40],
      [path.length, query.length, agent.length, host.length],
    ]);
    assert.equal(memory.spans[1].attributes["url.path"], path.slice(0, 40));
  });

  test("traceRequestListener cuts each recorded string to 2,048 by default, and to the length given", () => {
    const { memory, tracer } = setup();
    for (const options of [{ tracer }, { tracer, maxRecordedLength: 40 }]) {
      const res = fakeRes();
      traceRequestListener(() => {}, options)({
        url: `${path}?${query}`,
        headers: { host, "user-agent": agent },
      }, res);
      res.emit("finish");
    }
    assert.deepEqual(memory.spans.map(recorded), [
      [2048, 2048, 2048, host.length],
      [40, 40, 40, 40],
    ]);
  });

  test("a short maxRecordedLength cuts the request's method, never http.request.method", async () => {
    const { memory, tracer } = setup();
    const options = { tracer, maxRecordedLength: 2 };
    // Bun's Request turns a method it does not know into GET: the unknown
    // one goes through traceRequestListener only.
    await traceHandler(() => new Response(null), options)(
      new Request("http://h/", { method: "PATCH" }),
    );
    await traceHandler(() => new Response(null), options)(new Request("http://h/"));
    const res = fakeRes();
    traceRequestListener(() => {}, options)({ method: "FOOBAR", url: "/", headers: {} }, res);
    res.emit("finish");
    assert.deepEqual(
      memory.spans.map((s) => [
        s.attributes["http.request.method"],
        s.attributes["http.request.method_original"],
      ]),
      [["PATCH", undefined], ["GET", undefined], ["_OTHER", "FO"]],
    );
  });

  test("a maxRecordedLength that is not a non-negative integer or Infinity is a RangeError", () => {
    for (const bad of [-1, 2.5, NaN, "10", null]) {
      assert.throws(
        () => traceHandler(() => new Response(), { maxRecordedLength: bad as never }),
        /^RangeError: Cannot trace handler: maxRecordedLength must be/,
      );
      assert.throws(
        () => traceRequestListener(() => {}, { maxRecordedLength: bad as never }),
        /^RangeError: Cannot trace request listener: maxRecordedLength must be/,
      );
    }
  });
});

describe("server.address, url.scheme and client.address behind proxies, and from the connection", () => {
  // The semantic conventions: server.address and server.port from
  // "Forwarded#host, X-Forwarded-Host, or a similar header", then
  // :authority, then Host; url.scheme from Forwarded#proto or
  // X-Forwarded-Proto; client.address from Forwarded#for or
  // X-Forwarded-For, "otherwise, the immediate client peer address".
  async function traced(headers: Record<string, string>, ...args: unknown[]) {
    const { memory, tracer } = setup();
    const handler = traceHandler((_request: Request, ..._rest: unknown[]) => new Response("ok"), {
      tracer,
    });
    await (await handler(new Request("http://10.0.0.5:8080/orders", { headers }), ...args)).text();
    return memory.spans[0].attributes;
  }

  /** server.address, server.port, url.scheme and client.address, in that order. */
  function original(attributes: Readonly<Record<string, unknown>>): unknown[] {
    return ["server.address", "server.port", "url.scheme", "client.address"].map((key) =>
      attributes[key]
    );
  }

  test("Forwarded's first host, proto and for describe the original request", async () => {
    const attributes = await traced({
      forwarded: 'for="[2001:db8:cafe::17]:4711";Host=Shop.Example;proto=https, for=10.0.0.2',
      "x-forwarded-host": "other.example",
      "x-forwarded-for": "198.51.100.7",
    });
    assert.deepEqual(original(attributes), ["shop.example", 443, "https", "2001:db8:cafe::17"]);
  });

  test("X-Forwarded-Host, X-Forwarded-Proto and X-Forwarded-For, when there is no Forwarded", async () => {
    const attributes = await traced({
      "x-forwarded-host": "shop.example:8443, proxy.internal",
      "x-forwarded-proto": "https",
      "x-forwarded-for": " 203.0.113.9 , 10.0.0.2",
    });
    assert.deepEqual(original(attributes), ["shop.example", 8443, "https", "203.0.113.9"]);
  });

  test("a forwarded host without a port or proto records no port", async () => {
    const attributes = await traced({ "x-forwarded-host": "shop.example" });
    assert.equal(attributes["server.address"], "shop.example");
    assert.equal(attributes["server.port"], undefined);
    assert.equal(attributes["url.scheme"], "http");
  });

  test("a forwarded proto gives a Host without a port its default port, not the proxy's scheme's", async () => {
    // The usual TLS-terminating proxy keeps the client's Host (no port) and
    // adds X-Forwarded-Proto: the client asked for https://shop.example,
    // port 443. Semconv: server.port is "the port component of the Host
    // header"; server.address and server.port "are intended, whenever
    // possible, to be the same on the client and server sides".
    const { memory, tracer } = setup();
    const handler = traceHandler(() => new Response("ok"), { tracer });
    const proxies: Record<string, string>[] = [
      { "x-forwarded-proto": "https" },
      { forwarded: "proto=https" },
    ];
    for (const headers of proxies) {
      await (await handler(new Request("http://shop.example/orders", { headers }))).text();
    }
    await (await handler(
      new Request("http://shop.example:8080/orders", { headers: { "x-forwarded-proto": "https" } }),
    )).text();
    // A port the Host names is that port, even the one a URL of the
    // request's own scheme leaves out (Host: backend:80 behind https).
    await (await handler(
      new Request("http://backend/orders", {
        headers: { host: "backend:80", "x-forwarded-proto": "https" },
      }),
    )).text();
    for (const host of ["shop.example", "backend:80"]) {
      const res = fakeRes();
      traceRequestListener(() => {}, { tracer })({
        method: "GET",
        url: "/orders",
        headers: { host, "x-forwarded-proto": "https" },
        socket: { localPort: 3000 },
      }, res);
      res.emit("finish");
    }
    assert.deepEqual(memory.spans.map((span) => original(span.attributes)), [
      ["shop.example", 443, "https", undefined],
      ["shop.example", 443, "https", undefined],
      ["shop.example", 8080, "https", undefined],
      ["backend", 80, "https", undefined],
      ["shop.example", 443, "https", undefined],
      ["backend", 80, "https", undefined],
    ]);
  });

  test("malformed forwarding headers are ignored, never thrown: the Host and the connection count", async () => {
    const attributes = await traced({
      forwarded: 'host="a b";proto="ht tp";for=unknown, for=_hidden, ;;=,"',
      "x-forwarded-host": "[::1",
      "x-forwarded-proto": "1http",
      "x-forwarded-for": "",
    }, { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50000 } });
    assert.deepEqual(original(attributes), ["10.0.0.5", 8080, "http", "127.0.0.1"]);
  });

  test("client.address is the peer from Deno.serve's info or Bun.serve's server", async () => {
    assert.equal(
      (await traced({}, { remoteAddr: { transport: "tcp", hostname: "::1", port: 1 } }))[
        "client.address"
      ],
      "::1",
    );
    const server = { requestIP: () => ({ address: "192.0.2.1", port: 1, family: "IPv4" }) };
    assert.equal((await traced({}, server))["client.address"], "192.0.2.1");
    assert.equal((await traced({}))["client.address"], undefined, "unknown: not recorded");
    const hostile = {
      get remoteAddr(): never {
        throw new Error("no");
      },
    };
    assert.equal((await traced({}, hostile))["client.address"], undefined);
  });

  test("network.peer.address and network.peer.port are the connection's peer, also behind a proxy", async () => {
    const peer = (attributes: Readonly<Record<string, unknown>>) => [
      attributes["client.address"],
      attributes["network.peer.address"],
      attributes["network.peer.port"],
    ];
    const deno = { remoteAddr: { transport: "tcp", hostname: "::1", port: 50000 } };
    assert.deepEqual(peer(await traced({}, deno)), ["::1", "::1", 50000]);
    const bun = { requestIP: () => ({ address: "192.0.2.1", port: 61000, family: "IPv4" }) };
    assert.deepEqual(peer(await traced({}, bun)), ["192.0.2.1", "192.0.2.1", 61000]);
    // A forwarded client is client.address; the peer is still the proxy.
    assert.deepEqual(
      peer(await traced({ "x-forwarded-for": "203.0.113.9" }, deno)),
      ["203.0.113.9", "::1", 50000],
    );
    assert.deepEqual(
      peer(await traced({ forwarded: "for=198.51.100.7" }, bun)),
      ["198.51.100.7", "192.0.2.1", 61000],
    );
    assert.deepEqual(peer(await traced({ "x-forwarded-for": "203.0.113.9" })), [
      "203.0.113.9",
      undefined,
      undefined,
    ], "no peer known: neither recorded");
  });

  test("a peer port that is not an integer 0..65535, or cannot be read, is left out; so is one without an address", async () => {
    const deno = (port: unknown, hostname: unknown = "192.0.2.1") => ({
      remoteAddr: { transport: "tcp", hostname, port },
    });
    const bun = (port: unknown) => ({ requestIP: () => ({ address: "192.0.2.1", port }) });
    for (const port of [-1, 65536, 1.5, NaN, Infinity, "80", null, undefined, 2n]) {
      for (const server of [deno(port), bun(port)]) {
        const attributes = await traced({}, server);
        assert.equal(attributes["network.peer.address"], "192.0.2.1", String(port));
        assert.equal(attributes["network.peer.port"], undefined, String(port));
      }
    }
    assert.equal((await traced({}, deno(0)))["network.peer.port"], 0);
    assert.equal((await traced({}, deno(65535)))["network.peer.port"], 65535);
    const hostilePort = {
      remoteAddr: {
        transport: "tcp",
        hostname: "192.0.2.1",
        get port(): never {
          throw new Error("no");
        },
      },
    };
    const hostile = await traced({}, hostilePort);
    assert.equal(hostile["network.peer.address"], "192.0.2.1");
    assert.equal(hostile["network.peer.port"], undefined);
    for (const server of [deno(443, "not an address!"), deno(443, 7), { requestIP: () => null }]) {
      const attributes = await traced({}, server);
      assert.equal(attributes["network.peer.address"], undefined);
      assert.equal(attributes["network.peer.port"], undefined, "no address: no port");
    }
    const unix = { remoteAddr: { transport: "unix", path: "/tmp/s" } };
    assert.equal((await traced({}, unix))["network.peer.address"], undefined);
  });

  test("traceRequestListener: the socket's peer, the proxies' headers and the HTTP version", () => {
    const { memory, tracer } = setup();
    const listener = traceRequestListener(() => {}, { tracer });
    const requests = [
      { httpVersion: "1.1", headers: { host: "10.0.0.5:8080" } },
      {
        httpVersion: "2.0",
        headers: {
          ":authority": "10.0.0.5:8080",
          "x-forwarded-host": ["shop.example"],
          "x-forwarded-proto": "https",
          "x-forwarded-for": ["203.0.113.9", "10.0.0.2"],
        },
      },
    ];
    for (const request of requests) {
      const res = fakeRes();
      listener(
        {
          method: "GET",
          url: "/",
          socket: { remoteAddress: "192.0.2.1", remotePort: 50123 },
          ...request,
        },
        res,
      );
      res.emit("finish");
    }
    const [direct, proxied] = memory.spans.map((span) => span.attributes);
    assert.equal(direct["client.address"], "192.0.2.1");
    assert.equal(direct["network.peer.address"], "192.0.2.1");
    assert.equal(direct["network.peer.port"], 50123);
    assert.equal(direct["network.protocol.version"], "1.1");
    assert.equal(direct["server.address"], "10.0.0.5");
    assert.equal(proxied["client.address"], "203.0.113.9");
    assert.equal(
      proxied["network.peer.address"],
      "192.0.2.1",
      "the peer, not the forwarded client",
    );
    assert.equal(proxied["network.peer.port"], 50123);
    assert.equal(proxied["network.protocol.version"], "2");
    assert.equal(proxied["server.address"], "shop.example");
    assert.equal(proxied["server.port"], 443);
    assert.equal(proxied["url.scheme"], "https");
  });

  test("traceRequestListener: a remotePort that is not an integer 0..65535 is left out, as is one without an address", () => {
    const { memory, tracer } = setup();
    const listener = traceRequestListener(() => {}, { tracer });
    const sockets = [
      { remoteAddress: "192.0.2.1", remotePort: 70000 },
      { remoteAddress: "192.0.2.1" },
      { remotePort: 50123 },
      null,
    ];
    for (const socket of sockets) {
      const res = fakeRes();
      listener({ method: "GET", url: "/", headers: { host: "x" }, socket }, res);
      res.emit("finish");
    }
    assert.deepEqual(
      memory.spans.map((
        s,
      ) => [s.attributes["network.peer.address"], s.attributes["network.peer.port"]]),
      [["192.0.2.1", undefined], ["192.0.2.1", undefined], [undefined, undefined], [
        undefined,
        undefined,
      ]],
    );
  });

  test(
    "over loopback, client.address and network.peer.address are 127.0.0.1, and network.peer.port the client's port (Deno.serve or Bun.serve, and node:http)",
    {
      timeout: 120_000,
    },
    async () => {
      const { memory, tracer } = setup();
      // The peer port each server gave the application, read from the server itself.
      const seen: unknown[] = [];
      const servers = [
        await serveNode(traceRequestListener((req: IncomingMessage, res: ServerResponse) => {
          seen.push(req.socket.remotePort);
          res.end("ok");
        }, { tracer })),
      ];
      if (isDeno || isBun) {
        servers.push(serveNative(
          traceHandler((request: Request, server?: unknown) => {
            const s = server as {
              remoteAddr?: { port: number };
              requestIP?: (r: Request) => { port: number } | null;
            };
            seen.push(s.remoteAddr?.port ?? s.requestIP?.(request)?.port);
            return new Response("ok");
          }, { tracer }) as (request: Request) => Promise<Response>,
        ));
      }
      try {
        for (const server of servers) await (await fetch(server.url)).text();
      } finally {
        await Promise.all(servers.map((server) => server.close()));
      }
      assert.equal(memory.spans.length, servers.length);
      for (const [i, span] of memory.spans.entries()) {
        assert.equal(span.attributes["client.address"], "127.0.0.1");
        assert.equal(span.attributes["network.peer.address"], "127.0.0.1");
        assert.equal(typeof seen[i], "number");
        assert.equal(span.attributes["network.peer.port"], seen[i]);
      }
    },
  );
});
