import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { HonoRequest } from "hono/request";
import { matchedRoutes } from "hono/route";
import { streamSSE, streamText } from "hono/streaming";
import {
  getCurrentSpan,
  getDefaultTracer,
  InMemorySpanProcessor,
  setDefaultTracer,
  Tracer,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { ManualTime } from "../testing.ts";
import { recordStreamError, traceMiddleware } from "../hono.ts";
import { deferred, isBun, isDeno, nextTurn, webSocketRoundTrip } from "./_helpers.ts";
import { serveNative } from "./_loopback_server.ts";
import { handOnToLegacy } from "./_hono_hand_on.ts";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function setup() {
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ name: "shop", processors: [memory] });
  const app = new Hono();
  app.use(traceMiddleware({ tracer }));
  return { memory, tracer, app };
}

// A middleware that traces to memory, its timers on manual time.
function manualTracing() {
  const time = new ManualTime();
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ processors: [memory] });
  return { time, memory, middleware: traceMiddleware({ tracer, scheduler: time }) };
}

// Three turns of the event loop, each with a second of manual time: an
// answer that was coming has come by then.
async function turnsPass(time: ManualTime): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await nextTurn();
    await time.tick(1_000);
  }
}

describe("traceMiddleware (Hono): the span's end and size", () => {
  test("a streamed response ends its span after the last chunk is read, not when the handler returns", async () => {
    const events: string[] = [];
    const tracer = new Tracer({
      processors: [{
        onEnd: (span) => void events.push(`ended ${span.name}`),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      }],
    });
    const app = new Hono();
    app.use(traceMiddleware({ tracer }));
    app.get("/report", () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (sent === 3) {
            events.push("body done");
            controller.close();
            return;
          }
          events.push(`chunk ${sent}`);
          controller.enqueue(new TextEncoder().encode(`part ${sent++}\n`));
        },
      });
      return new Response(body);
    });
    const response = await app.request("/report");
    assert.deepEqual(events.filter((e) => e.startsWith("ended")), [], "not ended before the body");
    assert.equal(await response.text(), "part 0\npart 1\npart 2\n");
    assert.equal(events.at(-1), "ended GET /report", events.join(", "));
    assert.ok(events.indexOf("chunk 2") < events.indexOf("ended GET /report"));
  });

  test("spans started while a streamed body is produced are the server span's children", async () => {
    const { memory, tracer, app } = setup();
    app.get("/report", () => {
      async function* parts() {
        for (const part of ["a", "b"]) {
          await nextTurn();
          tracer.startSpan(`produce ${part}`).end();
          yield new TextEncoder().encode(part);
        }
      }
      return new Response(ReadableStream.from(parts()));
    });
    const response = await app.request("/report");
    // Read outside any span, as a server reads it.
    assert.equal(await response.text(), "ab");
    const server = memory.spans.find((s) => s.kind === "server")!;
    const produced = memory.spans.filter((s) => s.name.startsWith("produce "));
    assert.equal(produced.length, 2);
    for (const span of produced) assert.equal(span.context.parentSpanId, server.context.spanId);
  });

  test("under Deno.serve a whole body's span ends when Deno says it was sent (its info is c.env)", async () => {
    const memory = new InMemorySpanProcessor();
    const app = new Hono();
    app.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
    app.get("/json", (c) => c.json({ ok: true }));
    const sent = deferred();
    const response = await app.request("/json", undefined, { completed: sent.promise });
    assert.deepEqual(await response.json(), { ok: true });
    assert.equal(memory.spans.length, 0, "not before the server has sent it");
    sent.resolve();
    await nextTurn();
    assert.deepEqual(memory.spans.map((s) => s.name), ["GET /json"]);
  });

  test("strings recorded from the request are cut to maxRecordedLength", async () => {
    const memory = new InMemorySpanProcessor();
    const app = new Hono();
    app.use(
      traceMiddleware({ tracer: new Tracer({ processors: [memory] }), maxRecordedLength: 16 }),
    );
    app.get("/*", (c) => c.text("ok"));
    await app.request(`/${"p".repeat(5_000)}?${"q".repeat(5_000)}`);
    const [span] = memory.spans;
    assert.equal(span.attributes["url.path"], `/${"p".repeat(15)}`);
    assert.equal(span.attributes["url.query"], "q".repeat(16));
    assert.throws(() => traceMiddleware({ maxRecordedLength: -1 }), RangeError);
  });
});

describe("traceMiddleware (Hono)", () => {
  test("names the server span METHOD route, sets http.route, and continues the caller's trace", async () => {
    const { memory, app } = setup();
    app.get("/products/:sku", (c) => c.json({ sku: c.req.param("sku") }));
    const api = new Hono();
    api.post("/orders/:id/items", (c) => c.text("added", 201));
    app.route("/api/v1", api);

    const response = await app.request("/products/ab-12?expand=price", {
      headers: { traceparent: TRACEPARENT, "user-agent": "test-agent" },
    });
    assert.deepEqual(await response.json(), { sku: "ab-12" });
    await app.request("/api/v1/orders/9/items", { method: "POST" });

    const [product, order] = memory.spans;
    assert.equal(product.name, "GET /products/:sku");
    assert.equal(product.kind, "server");
    assert.equal(product.context.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(product.context.parentSpanId, "b7ad6b7169203331");
    assert.deepEqual(product.attributes, {
      "http.request.method": "GET",
      "url.path": "/products/ab-12",
      "url.query": "expand=price",
      "url.scheme": "http",
      "server.address": "localhost",
      "server.port": 80,
      "user_agent.original": "test-agent",
      "http.route": "/products/:sku",
      "http.response.status_code": 200,
    });
    assert.equal(order.name, "POST /api/v1/orders/:id/items");
    assert.equal(order.attributes["http.route"], "/api/v1/orders/:id/items");
    assert.equal(order.attributes["http.response.status_code"], 201);
    assert.equal(order.context.parentSpanId, undefined, "no traceparent: a new trace");
  });

  test("a second copy inside the first (a sub-app's own, a path group's) adds no span: one server span per request", async () => {
    // Both copies started a server span, each the root of a trace of its
    // own, so the request was split in two.
    const { memory, tracer } = setup();
    const api = new Hono();
    api.use(traceMiddleware({ tracer }));
    api.get("/u/:id", (c) => {
      tracer.startSpan("load user").end();
      return c.text("u");
    });
    const app = new Hono();
    app.use(traceMiddleware({ tracer }));
    app.use("/api/*", traceMiddleware({ tracer }));
    app.route("/api", api);
    await app.request("/api/u/1");
    await (await traceHandler(app.fetch, { tracer })(new Request("http://x/api/u/2"))).text();
    const servers = memory.spans.filter((s) => s.kind === "server");
    assert.deepEqual(servers.map((s) => s.name), ["GET /api/u/:id", "GET /api/u/:id"]);
    const loads = memory.spans.filter((s) => s.name === "load user");
    assert.equal(loads.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(loads[i].context.parentSpanId, servers[i].context.spanId);
    }
  });

  test("a traceHandler inside it, given the same Request, adds no span: one server span per request", async () => {
    const { memory, tracer, app } = setup();
    const legacy = traceHandler(() => {
      tracer.startSpan("legacy work").end();
      return new Response("old");
    }, { tracer });
    app.all("/old/*", (c) => legacy(c.req.raw));
    assert.equal(await (await app.request("/old/3")).text(), "old");
    const servers = memory.spans.filter((s) => s.kind === "server");
    assert.deepEqual(servers.map((s) => s.name), ["GET /old/*"]);
    const [work] = memory.spans.filter((s) => s.name === "legacy work");
    assert.equal(work.context.parentSpanId, servers[0].context.spanId);
  });

  test("a second app's middleware, given the same Request, adds no span: one server span per request", async () => {
    // The second app's middleware started a server span of its own, whose
    // parent came from the request's headers only: the root of a second
    // trace, beside the first app's, for one request.
    const { memory, tracer, app } = setup();
    const other = new Hono();
    other.use(traceMiddleware({ tracer }));
    other.get("/users/:id", (c) => {
      tracer.startSpan("load user").end();
      return c.text("u", 201);
    });
    app.get("/users/:id", (c) => other.fetch(c.req.raw));
    const response = await app.request("/users/7", { headers: { traceparent: TRACEPARENT } });
    assert.equal(await response.text(), "u");
    const servers = memory.spans.filter((s) => s.kind === "server");
    assert.deepEqual(servers.map((s) => s.name), ["GET /users/:id"]);
    const [server] = servers;
    assert.equal(server.context.parentSpanId, "b7ad6b7169203331");
    assert.equal(server.attributes["http.response.status_code"], 201, "the second app's answer");
    const [load] = memory.spans.filter((s) => s.name === "load user");
    assert.equal(load.context.traceId, server.context.traceId);
    assert.equal(load.context.parentSpanId, server.context.spanId);
  });

  test("a sub-app mounted with its own middleware, given a Request built from the one served, is a request of its own in the same trace", async () => {
    // Another object: the handler may have made it to ask for something
    // else, and nothing tells it from a copy, so it has its own server span.
    // Its headers alone made that span the root of a second trace.
    const { memory, tracer, app } = setup();
    const other = new Hono();
    other.use(traceMiddleware({ tracer }));
    other.get("/x", (c) => c.text("in"));
    app.mount("/m", other.fetch);
    for (const headers of [{}, { traceparent: TRACEPARENT }] as Record<string, string>[]) {
      memory.clear();
      assert.equal(await (await app.request("/m/x", { headers })).text(), "in");
      const servers = memory.spans.filter((s) => s.kind === "server");
      assert.equal(servers.length, 2);
      const outer = servers.find((s) => s.attributes["url.path"] === "/m/x")!;
      const inner = servers.find((s) => s.attributes["url.path"] === "/x")!;
      assert.equal(inner.name, "GET /x");
      assert.equal(
        outer.context.parentSpanId,
        headers.traceparent === undefined ? undefined : "b7ad6b7169203331",
      );
      assert.equal(inner.context.traceId, outer.context.traceId);
      assert.equal(inner.context.parentSpanId, outer.context.spanId);
    }
  });

  test("other middleware and the handler run inside the span, across await", async () => {
    const { memory, tracer, app } = setup();
    const seen: (string | undefined)[] = [];
    app.use(async (_c, next) => {
      seen.push(getCurrentSpan()?.name);
      await next();
    });
    app.get("/slow/:n", async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(getCurrentSpan()?.name);
      await tracer.span("db.query", async () => {});
      return c.text("ok");
    });
    await app.request("/slow/3");
    const [query, server] = memory.spans;
    assert.deepEqual(seen, ["GET", "GET"], "the route is named once routing is done");
    assert.equal(query.context.parentSpanId, server.context.spanId);
    assert.equal(server.name, "GET /slow/:n");
    assert.equal(getCurrentSpan(), undefined);
  });

  test("an error Hono's onError turns into a 500 is recorded on the span", async () => {
    const { memory, app } = setup();
    app.get("/boom", () => {
      throw new TypeError("bad input");
    });
    // Hono's default onError logs the error with console.error.
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(...args);
    let response: Response;
    try {
      response = await app.request("/boom");
    } finally {
      console.error = original;
    }
    assert.equal(response.status, 500);
    assert.equal(logged.length, 1);
    const [span] = memory.spans;
    assert.equal(span.name, "GET /boom");
    assert.equal(span.status.code, "error");
    assert.equal(span.attributes["error.type"], "TypeError");
    assert.equal(span.attributes["http.response.status_code"], 500);
    assert.equal(span.events[0].name, "exception");
    assert.equal(span.events[0].attributes["exception.message"], "bad input");
  });

  test("an app's own onError answer is what the span records", async () => {
    const { memory, app } = setup();
    app.onError((error, c) => c.text(`unavailable: ${error.message}`, 503));
    app.get("/db", () => {
      throw new Error("pool exhausted");
    });
    await app.request("/db");
    const [span] = memory.spans;
    assert.equal(span.attributes["http.response.status_code"], 503);
    assert.equal(span.attributes["error.type"], "Error");
    assert.equal(span.status.code, "error");
  });

  test("an HTTPException answered with a 4xx leaves the status unset, as semconv asks for servers", async () => {
    const { memory, app } = setup();
    app.get("/private", () => {
      throw new HTTPException(401, { message: "who are you" });
    });
    const response = await app.request("/private");
    assert.equal(response.status, 401);
    const [span] = memory.spans;
    assert.equal(span.attributes["http.response.status_code"], 401);
    assert.equal(span.status.code, "unset");
    assert.equal(span.attributes["error.type"], undefined);
    assert.equal(span.events.length, 0);
  });

  test("handlers that return no response record no status: Hono answers through onError", async () => {
    const { memory, app } = setup();
    app.onError((_error, c) => c.text("forgot to answer", 503));
    app.use(async (_c, _next) => {
      // Neither answers nor calls next: Hono finds the context not finalized.
    });
    app.get("/forgot", (c) => c.text("never reached"));
    const response = await app.request("/forgot");
    assert.equal(response.status, 503);
    const [span] = memory.spans;
    assert.equal(memory.spans.length, 1);
    assert.equal(span.attributes["http.response.status_code"], undefined);
    assert.equal(span.attributes["error.type"], "_OTHER");
    assert.equal(span.status.code, "error");
    assert.match(span.status.message ?? "", /no response/);
  });

  test("a request no route matches keeps the bare method and no http.route", async () => {
    const { memory, app } = setup();
    app.use("*", async (_c, next) => await next());
    app.get("/known", (c) => c.text("ok"));
    const response = await app.request("/unknown");
    assert.equal(response.status, 404);
    const [span] = memory.spans;
    assert.equal(span.name, "GET");
    assert.equal(span.attributes["http.route"], undefined);
    assert.equal(span.attributes["http.response.status_code"], 404);
  });

  test("a middleware that answers first still names the route; so does an all() handler", async () => {
    const { memory, app } = setup();
    app.use("/admin/*", async (c, next) => {
      if (c.req.header("authorization") === undefined) return c.text("sign in", 401);
      await next();
    });
    app.get("/admin/users/:id", (c) => c.text("user"));
    app.all("/health", (c) => c.text("ok"));
    assert.equal((await app.request("/admin/users/3")).status, 401);
    await app.request("/health", { method: "HEAD" });
    assert.deepEqual(memory.spans.map((s) => s.name), ["GET /admin/users/:id", "HEAD /health"]);
    assert.equal(memory.spans[0].attributes["http.response.status_code"], 401);
  });

  test("an all() handler of a sub-app with its own onError names the route too", async () => {
    const { memory, app } = setup();
    const api = new Hono();
    api.onError((_error, c) => c.text("api error", 500));
    api.all("/health", (c) => c.text("ok"));
    api.use("/admin/*", (c, _next) => Promise.resolve(c.text("sign in", 401)));
    api.get("/admin/users/:id", (c) => c.text("user"));
    app.route("/api", api);
    assert.equal((await app.request("/api/health")).status, 200);
    assert.equal((await app.request("/api/admin/users/3")).status, 401);
    assert.deepEqual(memory.spans.map((s) => s.name), [
      "GET /api/health",
      "GET /api/admin/users/:id",
    ]);
    assert.equal(memory.spans[0].attributes["http.route"], "/api/health");
  });

  test("a name the handler set itself is kept", async () => {
    const { memory, app } = setup();
    app.get("/graphql", (c) => {
      getCurrentSpan()?.updateName("query GetUser");
      return c.text("{}");
    });
    await app.request("/graphql");
    assert.equal(memory.spans[0].name, "query GetUser");
    assert.equal(memory.spans[0].attributes["http.route"], "/graphql");
  });

  test("without a tracer it uses the default tracer of the moment, per request", async () => {
    const app = new Hono();
    app.use(traceMiddleware());
    app.get("/", (c) => c.text("ok"));
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    setDefaultTracer(tracer);
    try {
      assert.equal(getDefaultTracer(), tracer);
      await app.request("/");
    } finally {
      setDefaultTracer(undefined);
    }
    assert.deepEqual(memory.spans.map((s) => s.name), ["GET /"]);
  });

  test("client.address is the forwarded client, else the peer in c.env (Deno's info, Bun's server)", async () => {
    const { memory, app } = setup();
    app.get("/", (c) => c.text("ok"));
    const info = { remoteAddr: { transport: "tcp", hostname: "192.0.2.1", port: 1 } };
    await app.request("/", {}, info);
    await app.request("/", { headers: { "x-forwarded-for": "203.0.113.9" } }, info);
    const server = { requestIP: () => ({ address: "::1", port: 1, family: "IPv6" }) };
    await app.request("/", {}, server);
    assert.deepEqual(memory.spans.map((s) => s.attributes["client.address"]), [
      "192.0.2.1",
      "203.0.113.9",
      "::1",
    ]);
  });

  test("network.peer.address and network.peer.port are the peer in c.env, even when a client was forwarded", async () => {
    const { memory, app } = setup();
    app.get("/", (c) => c.text("ok"));
    const info = { remoteAddr: { transport: "tcp", hostname: "192.0.2.1", port: 50000 } };
    await app.request("/", {}, info);
    await app.request("/", { headers: { "x-forwarded-for": "203.0.113.9" } }, info);
    const server = { requestIP: () => ({ address: "::1", port: 61000, family: "IPv6" }) };
    await app.request("/", {}, server);
    await app.request("/", {}, { requestIP: () => ({ address: "::1", port: -1 }) });
    await app.request("/");
    assert.deepEqual(
      memory.spans.map((
        s,
      ) => [s.attributes["network.peer.address"], s.attributes["network.peer.port"]]),
      [
        ["192.0.2.1", 50000],
        ["192.0.2.1", 50000],
        ["::1", 61000],
        ["::1", undefined],
        [undefined, undefined],
      ],
    );
  });

  test("takes traceHandler's options: redactQuery, and refuses a tracer that is not one", async () => {
    const memory = new InMemorySpanProcessor();
    const app = new Hono();
    app.use(
      traceMiddleware({ tracer: new Tracer({ processors: [memory] }), redactQuery: ["token"] }),
    );
    app.get("/file", (c) => c.text("ok"));
    await app.request("/file?token=t&sig=s&name=a");
    assert.equal(memory.spans[0].attributes["url.query"], "token=REDACTED&sig=REDACTED&name=a");
    assert.throws(() => traceMiddleware({ tracer: {} as never }), {
      name: "TypeError",
      message: /^Cannot create trace middleware: tracer must be a Tracer/,
    });
  });

  test("with Hono's matchedRoutes helper, spans are named by route where c.req has no matchedRoutes", async () => {
    // A Hono without the deprecated getter: it answers undefined here.
    const getter = Object.getOwnPropertyDescriptor(HonoRequest.prototype, "matchedRoutes");
    assert.ok(getter?.get, "this Hono still has the getter to take away");
    Object.defineProperty(HonoRequest.prototype, "matchedRoutes", {
      get: () => undefined,
      configurable: true,
    });
    try {
      const names: string[] = [];
      for (const options of [{}, { matchedRoutes }]) {
        const memory = new InMemorySpanProcessor();
        const app = new Hono();
        app.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }), ...options }));
        app.get("/products/:sku", (c) => c.text("ok"));
        await app.request("/products/42");
        names.push(memory.spans[0].name);
      }
      assert.deepEqual(names, ["GET", "GET /products/:sku"]);
    } finally {
      Object.defineProperty(HonoRequest.prototype, "matchedRoutes", getter);
    }
    assert.throws(() => traceMiddleware({ matchedRoutes: "yes" as never }), {
      name: "TypeError",
      message:
        /^Cannot create trace middleware: matchedRoutes must be a function, such as Hono's from "hono\/route", got string "yes"/,
    });
  });
});

// Hono's default onError logs what it answers with a 500: kept off the test's output.
async function quietly<T>(fn: () => T | Promise<T>): Promise<{ result: T; logged: unknown[] }> {
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(...args);
  try {
    return { result: await fn(), logged };
  } finally {
    console.error = original;
  }
}

describe("traceMiddleware (Hono): errors that escape next()", () => {
  test("onError throws, then answers its own error: the span has that answer's status and the error", async () => {
    const { memory, app } = setup();
    app.get("/r", () => {
      throw new Error("handler");
    });
    // Throws for the handler's error; Hono calls it again for the error it threw.
    app.onError((error, c) => {
      if (error.message === "handler") throw new RangeError("no answer for that");
      return c.text("unavailable", 503);
    });
    const response = await app.request("/r");
    assert.equal(response.status, 503);
    assert.equal(memory.spans.length, 1);
    const [span] = memory.spans;
    assert.equal(span.name, "GET /r");
    assert.equal(span.attributes["http.response.status_code"], 503);
    assert.equal(span.attributes["error.type"], "RangeError");
    assert.deepEqual(span.status, { code: "error", message: "no answer for that" });
    assert.equal(span.events[0].name, "exception");
  });

  test("a sub-app whose onError throws: the app's default onError answers 500, and so does the span", async () => {
    const memory = new InMemorySpanProcessor();
    const app = new Hono();
    const api = new Hono();
    api.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
    api.onError((error) => {
      throw new Error(`api could not answer: ${error.message}`);
    });
    api.get("/orders/:id", () => {
      throw new Error("db down");
    });
    app.route("/api", api);
    const { result: response, logged } = await quietly(() => app.request("/api/orders/7"));
    assert.equal(response.status, 500);
    assert.equal(await response.text(), "Internal Server Error");
    assert.equal(logged.length, 1);
    const [span] = memory.spans;
    assert.equal(span.name, "GET /api/orders/:id");
    assert.equal(span.attributes["http.response.status_code"], 500);
    assert.equal(span.attributes["error.type"], "Error");
    assert.equal(span.status.code, "error");
    assert.equal(span.events[0].attributes["exception.message"], "api could not answer: db down");
  });

  test("an HTTPException that escapes and is answered with its 4xx leaves the status unset", async () => {
    const memory = new InMemorySpanProcessor();
    const app = new Hono();
    const api = new Hono();
    api.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
    api.onError((error) => {
      throw error; // left to the app's onError, which answers an HTTPException's response
    });
    api.get("/private", () => {
      throw new HTTPException(403, { message: "not yours" });
    });
    app.route("/api", api);
    const response = await app.request("/api/private");
    assert.equal(response.status, 403);
    const [span] = memory.spans;
    assert.equal(span.attributes["http.response.status_code"], 403);
    assert.equal(span.status.code, "unset");
    assert.equal(span.attributes["error.type"], undefined);
    assert.equal(span.events.length, 0);
  });

  test("a sub-app's traceMiddleware alone matched, with the sub-app's onError: its answer to a throwing notFound is recorded", async () => {
    const memory = new InMemorySpanProcessor();
    const app = new Hono();
    app.notFound(() => {
      throw new Error("no page");
    });
    const api = new Hono();
    api.use(traceMiddleware({ tracer: new Tracer({ processors: [memory] }) }));
    api.onError((error, c) => c.text(`api: ${error.message}`, 503));
    app.route("/api", api);
    const response = await app.request("/api/nothing");
    assert.equal(await response.text(), "api: no page");
    const [span] = memory.spans;
    assert.equal(span.attributes["http.response.status_code"], 503);
    assert.equal(span.attributes["error.type"], "Error");
  });

  test(
    "an async onError that awaits before answering an escaped error: its answer is recorded, however many timer turns that takes",
    {
      timeout: 10_000,
    },
    async () => {
      const { time, memory, middleware } = manualTracing();
      const app = new Hono();
      app.use(middleware);
      app.get("/r", () => {
        throw new Error("handler");
      });
      const logged = deferred();
      // Throws for the handler's error; Hono calls it again, in the
      // middleware's compose step, for the error it threw.
      app.onError(async (error, c) => {
        if (error.message === "handler") throw new RangeError("again");
        await logged.promise; // I/O before answering
        return c.text("oops", 500);
      });
      const pending = app.request("/r");
      await turnsPass(time);
      assert.equal(memory.spans.length, 0, "no span before onError has answered");
      assert.equal(time.pendingTimers, 1, "only the bodyIdleTimeoutMs bound is pending");
      logged.resolve();
      const response = await pending;
      assert.equal(response.status, 500);
      assert.equal(await response.text(), "oops");
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.name, "GET /r");
      assert.equal(span.attributes["http.response.status_code"], 500);
      assert.equal(span.attributes["error.type"], "RangeError");
      assert.deepEqual(span.status, { code: "error", message: "again" });
      assert.equal(span.events[0].name, "exception");
      assert.equal(time.pendingTimers, 0, "the bound is cleared once the answer is in");
    },
  );

  test(
    "a sub-app's traceMiddleware alone matched: the sub-app's async onError answer to a throwing notFound is recorded",
    {
      timeout: 10_000,
    },
    async () => {
      const { time, memory, middleware } = manualTracing();
      const app = new Hono();
      app.notFound(() => {
        throw new Error("no page");
      });
      const api = new Hono();
      api.use(middleware);
      const logged = deferred();
      api.onError(async (error, c) => {
        await logged.promise;
        return c.text(`api: ${error.message}`, 503);
      });
      app.route("/api", api);
      const pending = app.request("/api/nothing");
      await turnsPass(time);
      assert.equal(memory.spans.length, 0, "no span before onError has answered");
      logged.resolve();
      assert.equal(await (await pending).text(), "api: no page");
      const [span] = memory.spans;
      assert.equal(span.attributes["http.response.status_code"], 503);
      assert.equal(span.attributes["error.type"], "Error");
      assert.equal(time.pendingTimers, 0);
    },
  );

  test(
    "an error the app's onError rethrew, answered by the onError of the sub-app around the middleware: that answer is recorded",
    {
      timeout: 10_000,
    },
    async () => {
      const { time, memory, middleware } = manualTracing();
      const app = new Hono();
      app.onError((error) => {
        throw error;
      });
      const api = new Hono();
      api.use(middleware);
      const logged = deferred();
      api.onError(async (error, c) => {
        await logged.promise;
        return c.text(`api: ${error.message}`, 502);
      });
      app.route("/api", api);
      // The app's own route under the sub-app's path: the app's onError gets
      // its error first, rethrows it, and the sub-app's wrapper around the
      // middleware answers it.
      app.get("/api/legacy", () => {
        throw new Error("legacy down");
      });
      const pending = app.request("/api/legacy");
      await turnsPass(time);
      assert.equal(memory.spans.length, 0, "no span before the sub-app's onError has answered");
      logged.resolve();
      const response = await pending;
      assert.equal(response.status, 502);
      const [span] = memory.spans;
      assert.equal(span.attributes["http.response.status_code"], 502);
      assert.deepEqual(span.status, { code: "error", message: "legacy down" });
    },
  );

  test(
    "an onError that never answers an escaped error on c.res: the span ends at the bodyIdleTimeoutMs bound, with no status code",
    {
      timeout: 10_000,
    },
    async () => {
      const time = new ManualTime();
      const memory = new InMemorySpanProcessor();
      const app = new Hono();
      app.use(
        traceMiddleware({
          tracer: new Tracer({ processors: [memory], clock: time }),
          scheduler: time,
          bodyIdleTimeoutMs: 60_000,
        }),
      );
      app.get("/r", () => {
        throw new Error("handler");
      });
      // A new error every time: Hono's last call of it, in app.fetch, throws
      // too, and app.fetch rejects. No answer ever lands on c.res.
      app.onError((error) => {
        throw new Error(`could not answer: ${error.message}`);
      });
      await assert.rejects(async () => await app.request("/r"), /could not answer/);
      await time.tick(59_999);
      assert.equal(memory.spans.length, 0, "not before the bound");
      await time.tick(1);
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.name, "GET /r");
      assert.equal(span.endTime, 60_000);
      assert.equal(span.attributes["http.response.status_code"], undefined);
      assert.equal(span.attributes["error.type"], "Error");
      assert.deepEqual(span.status, { code: "error", message: "could not answer: handler" });
      assert.equal(time.pendingTimers, 0);
    },
  );

  test(
    "an onError that never answers an escaped error on c.res, under Deno.serve: the span ends when Deno says the answer was sent",
    {
      timeout: 10_000,
    },
    async () => {
      const { time, memory, middleware } = manualTracing();
      const app = new Hono();
      app.use(middleware);
      app.get("/r", () => {
        throw new Error("handler");
      });
      app.onError((error, c) => {
        if (error.message === "handler") throw new RangeError("again");
        // Gives nothing for its own error, so nothing lands on c.res: Hono
        // then throws "Context is not finalized" in app.fetch, and answers
        // that there, out of the middleware's sight.
        if (error instanceof RangeError) return undefined as unknown as Response;
        return c.text(error.message, 500);
      });
      const sent = deferred();
      const response = await app.request("/r", undefined, { completed: sent.promise });
      assert.equal(response.status, 500);
      assert.match(await response.text(), /Context is not finalized/);
      await nextTurn();
      assert.equal(memory.spans.length, 0, "not before Deno has sent it");
      sent.resolve();
      await nextTurn();
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.attributes["http.response.status_code"], undefined);
      assert.deepEqual(span.status, { code: "error", message: "again" });
      assert.equal(time.pendingTimers, 0, "the bound is cleared");
    },
  );

  test("onError that throws every time: app.fetch rejects, the server answers; the span ends as an error with no status code", async () => {
    const { memory, app } = setup();
    app.onError((error) => {
      throw error;
    });
    app.get("/r", () => {
      throw new TypeError("bad input");
    });
    await assert.rejects(async () => await app.request("/r"), {
      name: "TypeError",
      message: "bad input",
    });
    await nextTurn();
    assert.equal(memory.spans.length, 1);
    const [span] = memory.spans;
    assert.equal(span.name, "GET /r");
    assert.equal(span.attributes["http.response.status_code"], undefined);
    assert.equal(span.attributes["error.type"], "TypeError");
    assert.deepEqual(span.status, { code: "error", message: "bad input" });
  });

  test("a thrown non-Error, which Hono never answers, ends the span at once as an error", async () => {
    const { memory, app } = setup();
    app.get("/r", () => {
      throw "not an Error";
    });
    await assert.rejects(async () => await app.request("/r"));
    assert.equal(memory.spans.length, 1);
    const [span] = memory.spans;
    assert.equal(span.attributes["http.response.status_code"], undefined);
    assert.equal(span.attributes["error.type"], "_OTHER");
    assert.equal(span.status.code, "error");
  });

  test(
    "a notFound that throws where no route matched: the span records Hono's default onError answer, a 500",
    {
      timeout: 10_000,
    },
    async () => {
      const { memory, app } = setup();
      app.get("/known", (c) => c.text("ok"));
      app.notFound(() => {
        throw new Error("no page");
      });
      const { result: response, logged } = await quietly(() => app.request("/unknown"));
      assert.equal(response.status, 500);
      assert.equal(logged.length, 1);
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.name, "GET");
      assert.equal(span.attributes["http.route"], undefined);
      assert.equal(span.attributes["http.response.status_code"], 500);
      assert.equal(span.attributes["error.type"], "Error");
      assert.deepEqual(span.status, { code: "error", message: "no page" });
      assert.equal(span.events[0].attributes["exception.message"], "no page");
    },
  );

  test(
    "no route matched, notFound throws, and an async onError awaits before answering: its answer is recorded",
    {
      timeout: 10_000,
    },
    async () => {
      const { time, memory, middleware } = manualTracing();
      const app = new Hono();
      app.use(middleware);
      app.get("/known", (c) => c.text("ok"));
      app.notFound(() => {
        throw new Error("no page");
      });
      const logged = deferred();
      const log = (_error: Error) => logged.promise;
      app.onError(async (err, c) => {
        await log(err);
        return c.text("oops", 500);
      });
      const pending = app.request("/unknown");
      await turnsPass(time);
      assert.equal(memory.spans.length, 0, "no span before onError has answered");
      logged.resolve();
      const response = await pending;
      assert.equal(response.status, 500);
      assert.equal(await response.text(), "oops");
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.name, "GET");
      assert.equal(span.attributes["http.response.status_code"], 500);
      assert.deepEqual(span.status, { code: "error", message: "no page" });
      assert.equal(time.pendingTimers, 0);
    },
  );

  test(
    "no route matched and notFound throws an HTTPException: its 4xx is recorded, and leaves the status unset",
    {
      timeout: 10_000,
    },
    async () => {
      const { memory, app } = setup();
      app.notFound((c) => {
        throw new HTTPException(c.req.method === "HEAD" ? 405 : 410, { message: "gone" });
      });
      assert.equal((await app.request("/old")).status, 410);
      assert.equal((await app.request("/old", { method: "HEAD" })).status, 405);
      assert.deepEqual(
        memory.spans.map((s) => [s.name, s.attributes["http.response.status_code"], s.status.code]),
        [["GET", 410, "unset"], ["HEAD", 405, "unset"]],
      );
      for (const span of memory.spans) {
        assert.equal(span.attributes["error.type"], undefined);
        assert.equal(span.events.length, 0);
      }
    },
  );

  test(
    "no route matched, notFound throws and onError throws too: app.fetch rejects, and the span ends with the error, no status code",
    {
      timeout: 10_000,
    },
    async () => {
      const { memory, app } = setup();
      app.notFound(() => {
        throw new Error("no page");
      });
      const later = deferred();
      app.onError(async (error) => {
        await later.promise;
        throw new TypeError(`not even that: ${error.message}`);
      });
      const pending = app.request("/unknown");
      await nextTurn();
      assert.equal(memory.spans.length, 0, "onError is still running");
      later.resolve();
      await assert.rejects(async () => await pending, { name: "TypeError" });
      assert.equal(memory.spans.length, 1);
      const [span] = memory.spans;
      assert.equal(span.attributes["http.response.status_code"], undefined);
      assert.equal(span.attributes["error.type"], "Error");
      assert.deepEqual(span.status, { code: "error", message: "no page" });
    },
  );

  test(
    "no route matched and notFound answers: the 404 is recorded, for GET and HEAD, and the app's answer is untouched",
    {
      timeout: 10_000,
    },
    async () => {
      const { memory, app } = setup();
      app.get("/known", (c) => c.text("ok"));
      const response = await app.request("/unknown");
      assert.equal(response.status, 404);
      assert.equal(await response.text(), "404 Not Found");
      const head = await app.request("/unknown", { method: "HEAD" });
      assert.equal(head.status, 404);
      assert.equal(head.body, null);
      assert.deepEqual(
        memory.spans.map((s) => [s.name, s.attributes["http.response.status_code"], s.status.code]),
        [["GET", 404, "unset"], ["HEAD", 404, "unset"]],
      );
    },
  );

  test(
    "no route matched, the middleware inside a wrapper that awaits it: Hono's answer is out of sight, and the span ends at once",
    { timeout: 10_000 },
    async () => {
      const time = new ManualTime();
      const memory = new InMemorySpanProcessor();
      const traced = traceMiddleware({
        tracer: new Tracer({ processors: [memory] }),
        scheduler: time,
      });
      const app = new Hono();
      app.use(async (c, next) => {
        await traced(c, next);
      });
      app.notFound(() => {
        throw new Error("no page");
      });
      app.onError((error, c) => c.text(error.message, 503));
      assert.equal((await app.request("/unknown")).status, 503);
      assert.equal(memory.spans.length, 1, "ended without waiting for the bound");
      const [span] = memory.spans;
      assert.equal(span.attributes["http.response.status_code"], undefined);
      assert.deepEqual(span.status, { code: "error", message: "no page" });
      assert.equal(time.pendingTimers, 0);
    },
  );

  test(
    "on a Hono without c.req.matchedRoutes, and no helper given, a no-route answer to a throwing notFound is still recorded",
    {
      timeout: 10_000,
    },
    async () => {
      const getter = Object.getOwnPropertyDescriptor(HonoRequest.prototype, "matchedRoutes");
      assert.ok(getter?.get, "this Hono still has the getter to take away");
      Object.defineProperty(HonoRequest.prototype, "matchedRoutes", {
        get: () => undefined,
        configurable: true,
      });
      try {
        const { memory, app } = setup();
        app.get("/r", () => {
          throw new Error("handler");
        });
        app.notFound(() => {
          throw new Error("no page");
        });
        app.onError((error, c) => c.text(error.message, error.message === "no page" ? 503 : 502));
        assert.equal((await app.request("/unknown")).status, 503);
        assert.equal((await app.request("/r")).status, 502);
        assert.deepEqual(
          memory.spans.map((s) => [s.attributes["http.response.status_code"], s.status.message]),
          [[503, "no page"], [502, "handler"]],
        );
      } finally {
        Object.defineProperty(HonoRequest.prototype, "matchedRoutes", getter!);
      }
    },
  );
});

describe("traceMiddleware (Hono): a streamed body whose callback throws", () => {
  test("streamText with recordStreamError(c): the span keeps its 200 and records the error", async () => {
    const { memory, app } = setup();
    app.get("/feed", (c) =>
      streamText(c, async (stream) => {
        await stream.writeln("first");
        throw new RangeError("feed broke");
      }, recordStreamError(c)));
    const response = await app.request("/feed");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "first\n");
    const [span] = memory.spans;
    assert.equal(span.name, "GET /feed");
    assert.equal(span.attributes["http.response.status_code"], 200);
    assert.equal(span.attributes["error.type"], "RangeError");
    assert.deepEqual(span.status, { code: "error", message: "feed broke" });
    assert.equal(span.events[0].name, "exception");
    assert.equal(span.events[0].attributes["exception.type"], "RangeError");
  });

  test("recordStreamError(c, onError) calls the app's own onError after: streamSSE still sends its error event", async () => {
    const { memory, app } = setup();
    const seen: string[] = [];
    app.get("/events", (c) =>
      streamSSE(
        c,
        async (stream) => {
          await stream.writeSSE({ data: "one" });
          throw new Error("source gone");
        },
        recordStreamError(c, async (error, stream) => {
          seen.push(error.message);
          await stream.writeSSE({ event: "note", data: "retry later" });
        }),
      ));
    const response = await app.request("/events");
    const body = await response.text();
    assert.deepEqual(seen, ["source gone"]);
    assert.match(
      body,
      /data: one\n\n.*event: note\ndata: retry later\n\nevent: error\ndata: source gone/s,
    );
    const [span] = memory.spans;
    assert.equal(span.attributes["http.response.status_code"], 200);
    assert.equal(span.attributes["error.type"], "Error");
    assert.deepEqual(span.status, { code: "error", message: "source gone" });
  });

  test("without it Hono only logs the error: the span cannot know, and says 200", async () => {
    const { memory, app } = setup();
    app.get("/feed", (c) => streamText(c, () => Promise.reject(new RangeError("feed broke"))));
    const { result: response, logged } = await quietly(async () => {
      const response = await app.request("/feed");
      await response.text();
      return response;
    });
    assert.equal(response.status, 200);
    assert.equal(logged.length, 1);
    assert.equal(memory.spans[0].status.code, "unset");
  });

  test("recordStreamError for a context no traceMiddleware traced only calls the onError given", async () => {
    const app = new Hono();
    const seen: string[] = [];
    app.get("/feed", (c) =>
      streamText(
        c,
        () => Promise.reject(new Error("x")),
        recordStreamError(c, (error) => void seen.push(error.message)),
      ));
    await (await app.request("/feed")).text();
    assert.deepEqual(seen, ["x"]);
    assert.throws(() => recordStreamError({} as never, "log it" as never), {
      name: "TypeError",
      message: 'Cannot record stream errors: onError must be a function, got string "log it"',
    });
  });
});

describe("traceMiddleware inside traceHandler(app.fetch)", () => {
  function wrapped() {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ name: "shop", processors: [memory] });
    const app = new Hono();
    app.use(traceMiddleware({ tracer }));
    const fetch = traceHandler(app.fetch, { tracer });
    return { memory, tracer, app, fetch };
  }

  test("one server span, traceHandler's, named by the route; the handlers run in it", async () => {
    const { memory, app, fetch } = wrapped();
    let current: string | undefined;
    app.get("/products/:sku", (c) => {
      current = getCurrentSpan()?.name;
      return c.json({ sku: c.req.param("sku") });
    });
    const response = await fetch(
      new Request("http://localhost/products/7", { headers: { traceparent: TRACEPARENT } }),
    );
    assert.deepEqual(await response.json(), { sku: "7" });
    assert.equal(current, "GET");
    assert.deepEqual(memory.spans.map((s) => s.name), ["GET /products/:sku"]);
    const [span] = memory.spans;
    assert.equal(span.kind, "server");
    assert.equal(span.context.parentSpanId, "b7ad6b7169203331");
    assert.equal(span.attributes["http.route"], "/products/:sku");
    assert.equal(span.attributes["http.response.status_code"], 200);
  });

  test("traceHandler twice around app.fetch: still one server span, named by the route", async () => {
    const { memory, tracer, app, fetch } = wrapped();
    app.get("/products/:sku", (c) => {
      tracer.startSpan("price").end();
      return c.text("ok");
    });
    const twice = traceHandler(fetch, { tracer });
    assert.equal(await (await twice(new Request("http://localhost/products/7"))).text(), "ok");
    const servers = memory.spans.filter((s) => s.kind === "server");
    assert.deepEqual(servers.map((s) => s.name), ["GET /products/:sku"]);
    assert.equal(servers[0].attributes["http.response.status_code"], 200);
    const [price] = memory.spans.filter((s) => s.name === "price");
    assert.equal(price.context.parentSpanId, servers[0].context.spanId);
  });

  test("an error onError answers with a 500 is on that one span, with its exception", async () => {
    const { memory, app, fetch } = wrapped();
    app.get("/boom", () => {
      throw new TypeError("bad input");
    });
    const { result: response } = await quietly(() => fetch(new Request("http://localhost/boom")));
    assert.equal(response.status, 500);
    assert.equal(memory.spans.length, 1);
    const [span] = memory.spans;
    assert.equal(span.name, "GET /boom");
    assert.equal(span.attributes["http.response.status_code"], 500);
    assert.equal(span.attributes["error.type"], "TypeError");
    assert.deepEqual(span.status, { code: "error", message: "bad input" });
    assert.equal(span.events[0].attributes["exception.message"], "bad input");
  });

  test("what Hono answers after the middleware is the status recorded: a notFound that throws, a 4xx", async () => {
    const { memory, app, fetch } = wrapped();
    app.notFound((c) => {
      if (c.req.path === "/gone") throw new HTTPException(410, { message: "gone" });
      throw new Error("no page");
    });
    const { result: response } = await quietly(() => fetch(new Request("http://localhost/x")));
    assert.equal(response.status, 500);
    assert.equal((await fetch(new Request("http://localhost/gone"))).status, 410);
    const [failed, gone] = memory.spans;
    assert.equal(failed.attributes["http.response.status_code"], 500);
    assert.equal(failed.attributes["error.type"], "Error");
    assert.deepEqual(failed.status, { code: "error", message: "no page" });
    assert.equal(gone.attributes["http.response.status_code"], 410);
    assert.equal(gone.status.code, "unset");
    assert.equal(gone.events.length, 0);
  });

  test("handlers that return no response: the status is Hono's answer, which traceHandler sees", async () => {
    const { memory, app, fetch } = wrapped();
    app.use(async (_c, _next) => {});
    app.get("/forgot", (c) => c.text("never reached"));
    const { result: response } = await quietly(() => fetch(new Request("http://localhost/forgot")));
    assert.equal(response.status, 500);
    const [span] = memory.spans;
    assert.equal(memory.spans.length, 1);
    assert.equal(span.attributes["http.response.status_code"], 500);
    assert.equal(span.status.code, "error");
  });

  test("a stream's error recorded with recordStreamError(c) goes on traceHandler's span", async () => {
    const { memory, app, fetch } = wrapped();
    app.get("/feed", (c) =>
      streamText(c, async (stream) => {
        await stream.write("a");
        throw new Error("feed broke");
      }, recordStreamError(c)));
    const response = await fetch(new Request("http://localhost/feed"));
    assert.equal(await response.text(), "a");
    assert.equal(memory.spans.length, 1);
    assert.equal(memory.spans[0].attributes["http.response.status_code"], 200);
    assert.deepEqual(memory.spans[0].status, { code: "error", message: "feed broke" });
  });

  test("the same Request handed to another app inside a handler: that app's middleware adds no span", async () => {
    // It started a span of its own, the root of a second trace for the
    // one request.
    const { memory, tracer, app, fetch } = wrapped();
    handOnToLegacy(app, tracer);
    const response = await fetch(new Request("http://localhost/old/3"));
    assert.equal(await response.text(), "old");
    assert.deepEqual(memory.spans.map((s) => s.name).sort(), ["GET /old/*", "legacy work"]);
    const [work, server] = memory.spans;
    assert.equal(work.context.parentSpanId, server.context.spanId);
  });

  test("one Request handled twice at once: each middleware takes its own handler's span", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const app = new Hono();
    app.use(traceMiddleware({ tracer }));
    app.get("/products/:sku", (c) => c.text("ok"));
    const both = deferred<void>();
    // Each handler waits before it hands the Request on: the second one's
    // handler has started (and shared its span) before the first app runs.
    const fetch = traceHandler(async (request: Request) => {
      await both.promise;
      return app.fetch(request);
    }, { tracer });
    const request = new Request("http://localhost/products/7");
    const pending = [fetch(request), fetch(request)];
    both.resolve();
    await Promise.all(pending.map(async (p) => (await p).text()));
    assert.deepEqual(memory.spans.map((s) => s.name), [
      "GET /products/:sku",
      "GET /products/:sku",
    ]);
    for (const span of memory.spans) assert.equal(span.kind, "server");
  });
});

describe("traceMiddleware over real HTTP", () => {
  test(
    "a WebSocket Hono's Bun helper upgraded is a 101, not the empty 200 Hono answers and Bun does not send",
    { skip: isBun ? false : "Bun.serve's WebSockets only", timeout: 120_000 },
    async () => {
      const { memory, tracer } = setup();
      const { upgradeWebSocket, websocket } = await import("hono/bun");
      const app = new Hono();
      app.use(traceMiddleware({ tracer }));
      app.get(
        "/chat",
        upgradeWebSocket(() => ({
          onMessage: (event, ws) => ws.send(`echo ${event.data}`),
        })),
      );
      const { Bun } = globalThis as unknown as {
        Bun: {
          serve(options: {
            hostname: string;
            port: number;
            fetch: typeof app.fetch;
            websocket: typeof websocket;
          }): { url: URL; stop(closeActiveConnections: boolean): Promise<void> };
        };
      };
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, websocket });
      try {
        assert.equal(await webSocketRoundTrip(new URL("/chat", server.url), "hi"), "echo hi");
      } finally {
        await server.stop(true);
      }
      assert.equal(memory.spans.length, 1);
      assert.equal(memory.spans[0].name, "GET /chat");
      assert.equal(memory.spans[0].attributes["http.response.status_code"], 101);
      assert.equal(memory.spans[0].status.code, "unset");
    },
  );

  test(
    "a downstream fetch joins the trace: Hono app → traced fetch → Hono app (Deno and Bun: Node has no built-in fetch server)",
    { skip: !isDeno && !isBun, timeout: 120_000 },
    async () => {
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ name: "shop", processors: [memory] });
      const fetch = instrumentFetch(globalThis.fetch, { tracer });

      const prices = new Hono();
      prices.use(traceMiddleware({ tracer }));
      prices.get("/price/:sku", (c) => c.json({ sku: c.req.param("sku"), price: 21 }));
      const pricesServer = serveNative(prices.fetch);

      const shop = new Hono();
      shop.use(traceMiddleware({ tracer }));
      shop.get("/checkout/:sku", async (c) => {
        const answer = await fetch(`${pricesServer.url}price/${c.req.param("sku")}`);
        const { price } = await answer.json();
        return c.json({ total: price * 2 });
      });
      const shopServer = serveNative(shop.fetch);
      try {
        const response = await globalThis.fetch(`${shopServer.url}checkout/b7`, {
          headers: { traceparent: TRACEPARENT },
        });
        assert.deepEqual(await response.json(), { total: 42 });
      } finally {
        await Promise.all([pricesServer.close(), shopServer.close()]);
      }
      const byName = Object.fromEntries(memory.spans.map((s) => [s.name, s]));
      assert.deepEqual(Object.keys(byName).sort(), [
        "GET",
        "GET /checkout/:sku",
        "GET /price/:sku",
      ]);
      const checkout = byName["GET /checkout/:sku"];
      const client = byName["GET"];
      const price = byName["GET /price/:sku"];
      for (const span of [checkout, client, price]) {
        assert.equal(span.context.traceId, "0af7651916cd43dd8448eb211c80319c");
      }
      assert.equal(checkout.context.parentSpanId, "b7ad6b7169203331");
      assert.equal(client.context.parentSpanId, checkout.context.spanId);
      assert.equal(client.kind, "client");
      assert.equal(price.context.parentSpanId, client.context.spanId);
      assert.equal(price.attributes["http.route"], "/price/:sku");
    },
  );
});
