import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { HonoRequest } from "hono/request";
import { matchedRoutes } from "hono/route";
import {
  getCurrentSpan,
  getDefaultTracer,
  InMemorySpanProcessor,
  setDefaultTracer,
  Tracer,
} from "../mod.ts";
import { instrumentFetch } from "../http.ts";
import { traceMiddleware } from "../hono.ts";
import { deferred, isBun, isDeno, nextTurn } from "./_helpers.ts";
import { serveNative } from "./_loopback_server.ts";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function setup() {
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ name: "shop", processors: [memory] });
  const app = new Hono();
  app.use(traceMiddleware({ tracer }));
  return { memory, tracer, app };
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

describe("traceMiddleware over real HTTP", () => {
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
