// traceMiddleware in a Hono app served on node:http by @hono/node-server, as
// most Node users serve Hono: its getRequestListener (what its serve() hands
// to createServer), alone and inside traceRequestListener. node:http is
// there on Node, Bun and Deno, so this runs on all three.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { InMemorySpanProcessor, type Span, Tracer } from "../mod.ts";
import { traceRequestListener } from "../node.ts";
import { traceHandler } from "../http.ts";
import { traceMiddleware } from "../hono.ts";
import { deferred, waitUntil } from "./_helpers.ts";
import { type Served, serveNode } from "./_loopback_server.ts";
import { handOnToLegacy } from "./_hono_hand_on.ts";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// getRequestListener replaces the global Request and Response with its own
// (its default, kept here as users have it): they are put back after this
// file, so no other test file in the same process runs on them.
const globals = ["Request", "Response"].map((name) =>
  [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const
);
after(() => {
  for (const [name, descriptor] of globals) {
    if (descriptor !== undefined) Object.defineProperty(globalThis, name, descriptor);
  }
});

// An app traced to memory, with routes for each case: a parameter, an error
// its onError answers (quietly: Hono's default logs it), a streamed body
// (whether it was done when its span ended is noted), and a streamed body
// that waits for `release` after its first chunk.
function shop() {
  const memory = new InMemorySpanProcessor();
  const streamed = { done: false, doneWhenEnded: [] as boolean[] };
  const tracer = new Tracer({
    name: "shop",
    processors: [memory, {
      onEnd: (span) => {
        if (span.name === "GET /feed/:topic") streamed.doneWhenEnded.push(streamed.done);
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  });
  const app = new Hono();
  app.use(traceMiddleware({ tracer }));
  app.onError((_error, c) => c.text("failed", 500));
  app.get("/users/:id", (c) => c.text(`user ${c.req.param("id")}`));
  app.get("/boom", () => {
    throw new TypeError("bad input");
  });
  app.get("/feed/:topic", (c) =>
    stream(c, async (s) => {
      for (const part of ["a", "b", "c"]) {
        await s.write(part);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      streamed.done = true;
    }));
  const release = deferred();
  app.get("/slow", (c) =>
    stream(c, async (s) => {
      await s.write("first");
      await release.promise;
    }));
  return { memory, tracer, app, streamed, release };
}

// The spans that ended, once `count` have: each span ends when node:http
// says the response went out (or the connection closed), which the client
// may see before the server does.
async function ended(memory: InMemorySpanProcessor, count: number): Promise<Span[]> {
  await waitUntil(() => memory.spans.length >= count, `${count} spans to end`);
  return memory.spans;
}

// Reads `path` until its first chunk, then goes away.
function goAway(server: Served, path: string): Promise<void> {
  const gone = deferred();
  const request = httpRequest(`${server.url}${path.slice(1)}`, (response) => {
    response.once("data", () => {
      request.destroy();
      gone.resolve();
    });
  });
  request.on("error", () => {});
  request.end();
  return gone.promise;
}

// Asks `server` for `path` once, and closes it once `count` spans have ended: the answer's body.
async function askOnce(
  serving: Promise<Served>,
  memory: InMemorySpanProcessor,
  path: string,
  count: number,
  init?: RequestInit,
): Promise<string> {
  const server = await serving;
  try {
    const body = await (await fetch(`${server.url}${path.slice(1)}`, init)).text();
    await ended(memory, count);
    return body;
  } finally {
    await server.close();
  }
}

// The two ways a user serves the app on node:http: @hono/node-server's
// listener alone (what its serve() hands to createServer), or inside
// traceRequestListener as well. Each gives one server span per request.
const servings = [
  {
    name: "served by @hono/node-server's getRequestListener (node:http on Node, Bun and Deno)",
    serve: (app: Hono, _tracer: Tracer) => serveNode(getRequestListener(app.fetch)),
  },
  {
    name: "inside traceRequestListener(getRequestListener(app.fetch)): the listener's one span",
    serve: (app: Hono, tracer: Tracer) =>
      serveNode(traceRequestListener(getRequestListener(app.fetch), { tracer })),
  },
];

for (const { name, serve } of servings) {
  describe(`traceMiddleware ${name}`, () => {
    test(
      "the span has the connection's attributes: the client's and the peer's address and port, the HTTP version",
      { timeout: 120_000 },
      async () => {
        const { memory, tracer, app } = shop();
        assert.equal(await askOnce(serve(app, tracer), memory, "/users/7", 1), "user 7");
        assertConnection(memory.spans);
      },
    );

    test(
      "one server span per request: the caller's trace, the route, the status, an error onError answered",
      { timeout: 120_000 },
      async () => {
        const { memory, tracer, app } = shop();
        const server = await serve(app, tracer);
        try {
          const user = await fetch(`${server.url}users/7`, {
            headers: { traceparent: TRACEPARENT },
          });
          assert.equal(await user.text(), "user 7");
          await ended(memory, 1);
          assert.equal((await fetch(`${server.url}boom`)).status, 500);
          await ended(memory, 2);
          assert.equal((await fetch(`${server.url}nowhere`)).status, 404);
          await ended(memory, 3);
        } finally {
          await server.close();
        }
        assert.deepEqual(memory.spans.map((s) => s.name), ["GET /users/:id", "GET /boom", "GET"]);
        const [user, boom, nowhere] = memory.spans;
        for (const span of memory.spans) assert.equal(span.kind, "server");
        assert.equal(user.attributes["http.route"], "/users/:id");
        assert.equal(user.attributes["http.response.status_code"], 200);
        assert.equal(user.context.traceId, "0af7651916cd43dd8448eb211c80319c");
        assert.equal(user.context.parentSpanId, "b7ad6b7169203331");
        assert.equal(boom.attributes["http.response.status_code"], 500);
        assert.equal(boom.attributes["error.type"], "TypeError");
        assert.deepEqual(boom.status, { code: "error", message: "bad input" });
        assert.equal(boom.events[0]?.attributes["exception.message"], "bad input");
        assert.equal(nowhere.attributes["http.response.status_code"], 404);
        assert.equal(nowhere.attributes["http.route"], undefined);
      },
    );

    test(
      "a streamed body's span ends after its last chunk; a client gone mid-body ends it as aborted",
      { timeout: 120_000 },
      async () => {
        const { memory, tracer, app, streamed, release } = shop();
        const server = await serve(app, tracer);
        try {
          assert.equal(await (await fetch(`${server.url}feed/news`)).text(), "abc");
          await ended(memory, 1);
          await goAway(server, "/slow");
          await ended(memory, 2);
        } finally {
          release.resolve();
          await server.close();
        }
        assert.deepEqual(memory.spans.map((s) => s.name), ["GET /feed/:topic", "GET /slow"]);
        const [feed, slow] = memory.spans;
        assert.deepEqual(streamed.doneWhenEnded, [true], "ended after the body's last chunk");
        assert.equal(feed.attributes["http.response.status_code"], 200);
        assert.equal(feed.status.code, "unset");
        assert.equal(slow.attributes["error.type"], "aborted");
        assert.equal(slow.status.code, "error");
      },
    );
  });
}

// Each span was served over a loopback connection with HTTP/1.1, as node:http's request says.
function assertConnection(spans: readonly Span[]): void {
  assert.ok(spans.length > 0);
  for (const span of spans) {
    assert.equal(span.attributes["client.address"], "127.0.0.1");
    assert.equal(span.attributes["network.peer.address"], "127.0.0.1");
    const port = span.attributes["network.peer.port"];
    assert.ok(Number.isInteger(port) && (port as number) > 0, `a peer port, got ${port}`);
    assert.equal(span.attributes["network.protocol.version"], "1.1");
  }
}

describe("traceHandler(app.fetch) served by @hono/node-server's getRequestListener", () => {
  test(
    "the span has the connection's attributes, from the node:http request it passes as the env",
    { timeout: 120_000 },
    async () => {
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      const app = new Hono();
      app.get("/users/:id", (c) => c.text(`user ${c.req.param("id")}`));
      const serving = serveNode(getRequestListener(traceHandler(app.fetch, { tracer })));
      assert.equal(await askOnce(serving, memory, "/users/7", 1), "user 7");
      assertConnection(memory.spans);
    },
  );
});

// An app, traced by `tracer` too when `traced`, that mounts at `/m` an app
// traced by `tracer` with a route `/users/:id`: Hono hands the mounted app a
// Request of its own, for the path without `/m`, and the same env.
function mounting(tracer: Tracer, { traced }: { traced: boolean }): Hono {
  const inner = new Hono();
  inner.use(traceMiddleware({ tracer }));
  inner.get("/users/:id", (c) => c.text(`user ${c.req.param("id")}`));
  const outer = new Hono();
  if (traced) outer.use(traceMiddleware({ tracer }));
  outer.mount("/m", inner.fetch);
  return outer;
}

describe("traceMiddleware served by getRequestListener, in an app another traced app mounts", () => {
  test(
    "the mounted app's span, given the same env, has the connection's attributes and stays in the outer request's trace",
    { timeout: 120_000 },
    async () => {
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      const outer = mounting(tracer, { traced: true });
      const serving = serveNode(getRequestListener(outer.fetch));
      const init = { headers: { traceparent: TRACEPARENT } };
      assert.equal(await askOnce(serving, memory, "/m/users/7", 2, init), "user 7");
      assert.deepEqual(memory.spans.map((s) => s.attributes["url.path"]), [
        "/users/7",
        "/m/users/7",
      ]);
      const [mounted, served] = memory.spans;
      assert.equal(served.context.parentSpanId, "b7ad6b7169203331");
      assert.equal(mounted.context.traceId, served.context.traceId);
      assert.equal(mounted.context.parentSpanId, served.context.spanId);
      assertConnection(memory.spans);
    },
  );
});

describe("traceMiddleware inside traceRequestListener(getRequestListener(app.fetch))", () => {
  test(
    "the one span is the listener's: it has the socket's attributes, which only the listener reads",
    { timeout: 120_000 },
    async () => {
      const { memory, tracer, app } = shop();
      assert.equal(await askOnce(servings[1].serve(app, tracer), memory, "/users/7", 1), "user 7");
      assert.deepEqual(memory.spans.map((s) => s.name), ["GET /users/:id"]);
      assert.equal(memory.spans[0].attributes["network.peer.address"], "127.0.0.1");
      assert.equal(memory.spans[0].attributes["network.protocol.version"], "1.1");
    },
  );

  test(
    "a target @hono/node-server's URL spells otherwise (an empty query, an apostrophe, a dot segment) still gives one span",
    { timeout: 120_000 },
    async () => {
      // The middleware compared the Request's URL, parsed, with the raw
      // target: a form with no fields submits `/users/7?`, whose parsed
      // query is "", and the request got a second server span.
      const { memory, tracer, app } = shop();
      const server = await servings[1].serve(app, tracer);
      const targets = ["/users/7?", "/users/7?q=it's", "/x/../users/7"];
      try {
        for (const target of targets) {
          const status = deferred<number | undefined>();
          // As given: a URL string would be parsed, and sent as the parser spells it.
          const where = { host: "127.0.0.1", port: server.port, path: target };
          const request = httpRequest(where, (response) => {
            response.resume();
            response.once("end", () => status.resolve(response.statusCode));
          });
          request.on("error", status.reject);
          request.end();
          assert.equal(await status.promise, 200, target);
        }
        await ended(memory, targets.length);
      } finally {
        await server.close();
      }
      assert.deepEqual(memory.spans.map((s) => s.name), targets.map(() => "GET /users/:id"));
      for (const span of memory.spans) {
        assert.equal(span.attributes["network.peer.address"], "127.0.0.1", span.name);
      }
    },
  );

  test(
    "the same Request handed to another app inside a handler: that app's middleware adds no span",
    { timeout: 120_000 },
    async () => {
      const { memory, tracer, app } = shop();
      handOnToLegacy(app, tracer);
      assert.equal(await askOnce(servings[1].serve(app, tracer), memory, "/old/3", 2), "old");
      assert.deepEqual(memory.spans.map((s) => s.name), ["legacy work", "GET /old/*"]);
      const [work, served] = memory.spans;
      assert.equal(work.context.parentSpanId, served.context.spanId);
    },
  );
});

describe("traceMiddleware inside traceRequestListener, in an app another app mounts", () => {
  test(
    "the mounted app's Request is another one: it gets a span of its own, and the listener's keeps its name",
    { timeout: 120_000 },
    async () => {
      // It took the listener's span over (c.env.incoming is the same) and
      // named it by its own route, which lacks the mount's path.
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      const outer = mounting(tracer, { traced: false });
      const serving = serveNode(traceRequestListener(getRequestListener(outer.fetch), { tracer }));
      assert.equal(await askOnce(serving, memory, "/m/users/7", 2), "user 7");
      assert.deepEqual(memory.spans.map((s) => s.name), ["GET /users/:id", "GET"]);
      const [mounted, listener] = memory.spans;
      assert.equal(listener.attributes["url.path"], "/m/users/7");
      assert.equal(listener.attributes["http.route"], undefined);
      assert.equal(mounted.attributes["url.path"], "/users/7");
      assert.equal(mounted.context.parentSpanId, listener.context.spanId);
    },
  );
});
