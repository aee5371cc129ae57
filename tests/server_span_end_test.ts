// Server spans end when the response has been sent (or has failed, or the
// client has gone), as the HTTP semantic conventions say: on Deno.serve and
// Bun.serve with traceHandler, and on node:http (all three runtimes) with
// traceRequestListener, over loopback with streamed bodies. Order is checked
// by what happened first, never by how long anything took.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { connect } from "node:net";
import type { ServerResponse } from "node:http";
import { EventEmitter } from "node:events";
import { pipeline, Readable } from "node:stream";
import { InMemorySpanProcessor, type Span, type SpanProcessor, Tracer } from "../mod.ts";
import { traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import { traceMiddleware } from "../hono.ts";
import { Hono } from "hono";
import { ManualTime } from "../testing.ts";
import { type Deferred, deferred, isBun, isDeno, nextTurn, waitUntil } from "./_helpers.ts";
import { type Served, serveNative, serveNode } from "./_loopback_server.ts";
import { runFixture } from "./_child_process.ts";

const native = isDeno || isBun;
const encoder = new TextEncoder();

/** A tracer whose processor writes "span ended" into `log` and hands over the span. */
function tracing(log: string[]) {
  const ended = deferred<Span>();
  const processor: SpanProcessor = {
    onEnd(span) {
      log.push("span ended");
      ended.resolve(span);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return { tracer: new Tracer({ processors: [processor] }), ended: ended.promise };
}

/** A tracer whose processor keeps the spans that end; `two` resolves once two have. */
function twoSpans() {
  const spans: Span[] = [];
  const two = deferred();
  const tracer = new Tracer({
    processors: [{
      onEnd: (span) => void (spans.push(span) === 2 && two.resolve()),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  });
  return { tracer, spans, two: two.promise };
}

/**
 * Reads `server`'s response to GET /stream as a client would: the first
 * chunk, then `gate` opens, then the rest. Closes the server and returns the
 * span once it has ended; `log` gets "first chunk received".
 */
async function readGated(
  server: Served,
  gate: Deferred,
  log: string[],
  ended: Promise<Span>,
): Promise<Span> {
  try {
    const response = await fetch(new URL("stream", server.url));
    const reader = response.body!.getReader();
    await reader.read();
    log.push("first chunk received");
    gate.resolve();
    while (!(await reader.read()).done);
    return await ended;
  } finally {
    await server.close();
  }
}

/**
 * Sends a GET over a raw socket, waits until the response so far contains
 * `until` (or, with `until` empty, until `ready` settles), then closes the
 * connection: a client that goes away.
 */
async function goAway(port: number, until: string, ready?: Promise<unknown>): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  const seen = deferred();
  let text = "";
  socket.on("data", (chunk) => {
    text += String(chunk);
    if (until !== "" && text.includes(until)) seen.resolve();
  });
  socket.on("error", () => {});
  socket.write("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await (ready ?? seen.promise);
  socket.destroy();
}

/**
 * Has a client go away from `server` as {@linkcode goAway} does, closes the
 * server, and returns the span, checked to be an error of type `aborted`.
 */
async function abandoned(
  server: Served,
  ended: Promise<Span>,
  until: string,
  ready?: Promise<unknown>,
): Promise<Span> {
  try {
    await goAway(server.port, until, ready);
    const span = await ended;
    assert.equal(span.status.code, "error");
    assert.equal(span.attributes["error.type"], "aborted");
    return span;
  } finally {
    await server.close();
  }
}

/**
 * Serves, through traceHandler, a response whose body is a stream that
 * starts with the chunk "first-chunk" and then does what `pull` does.
 */
function serveStream(
  tracer: Tracer,
  pull: (controller: ReadableStreamDefaultController<Uint8Array>) => void | Promise<void>,
): Served {
  return serveNative(traceHandler(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("first-chunk"));
        },
        pull,
      }),
    ), { tracer }));
}

/**
 * A handler whose body an async generator produces, one chunk a turn, each
 * in a span of its own started while the body is being read: those spans
 * belong to the request, so their parent is the server span.
 */
function generatedBody(tracer: Tracer): () => Response {
  return () => {
    async function* chunks() {
      for (const part of ["a", "b", "c"]) {
        await nextTurn();
        tracer.startSpan(`produce ${part}`).end();
        yield encoder.encode(part);
      }
    }
    return new Response(ReadableStream.from(chunks()));
  };
}

/** Asserts that the spans started while the body was produced are children of the server span. */
function assertProducedUnderServerSpan(spans: readonly Span[]): void {
  const server = spans.find((s) => s.kind === "server");
  assert.ok(server, "the server span ended");
  const produced = spans.filter((s) => s.name.startsWith("produce "));
  assert.deepEqual(produced.map((s) => s.name), ["produce a", "produce b", "produce c"]);
  for (const span of produced) {
    assert.equal(span.context.traceId, server.context.traceId, span.name);
    assert.equal(span.context.parentSpanId, server.context.spanId, span.name);
  }
}

describe("traceHandler on Deno.serve or Bun.serve", () => {
  test(
    "spans started while a streamed body is produced are the server span's children (Deno or Bun only: uses Deno.serve/Bun.serve)",
    { timeout: 120_000, skip: !native },
    async () => {
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      const server = serveNative(traceHandler(generatedBody(tracer), { tracer }));
      try {
        assert.equal(await (await fetch(server.url)).text(), "abc");
        await waitUntil(
          () => memory.spans.some((s) => s.kind === "server"),
          "the server span",
          60_000,
        );
      } finally {
        await server.close();
      }
      assertProducedUnderServerSpan(memory.spans);
    },
  );

  test(
    "the span ends after the last chunk of a streamed body, not when the headers are ready (Deno or Bun only: uses Deno.serve/Bun.serve)",
    { timeout: 120_000, skip: !native },
    async () => {
      const log: string[] = [];
      const { tracer, ended } = tracing(log);
      const gate = deferred();
      const server = serveStream(tracer, async (controller) => {
        await gate.promise;
        log.push("last chunk produced");
        controller.enqueue(encoder.encode("last"));
        controller.close();
      });
      const span = await readGated(server, gate, log, ended);
      assert.ok(
        log.indexOf("span ended") > log.indexOf("last chunk produced"),
        log.join(" → "),
      );
      assert.equal(span.status.code, "unset");
      assert.equal(span.attributes["http.response.status_code"], 200);
    },
  );

  test(
    "a body that errors mid-stream marks the span as an error with error.type (Deno or Bun only: uses Deno.serve/Bun.serve)",
    { timeout: 120_000, skip: !native },
    async () => {
      const { tracer, ended } = tracing([]);
      const server = serveStream(tracer, () => {
        throw new RangeError("disk gone");
      });
      try {
        // The connection breaks mid-body; on Bun before the headers are out.
        await fetch(new URL("stream", server.url))
          .then((response) => response.text())
          .catch(() => {});
        const span = await ended;
        assert.equal(span.status.code, "error");
        assert.equal(span.attributes["error.type"], "RangeError");
        assert.equal(span.events[0]?.attributes["exception.message"], "disk gone");
      } finally {
        await server.close();
      }
    },
  );

  test(
    "a client that goes away mid-body marks the span as aborted (Deno or Bun only: uses Deno.serve/Bun.serve)",
    { timeout: 120_000, skip: !native },
    async () => {
      const { tracer, ended } = tracing([]);
      // The rest of the body never comes.
      const server = serveStream(tracer, () => new Promise<void>(() => {}));
      const span = await abandoned(server, ended, "first-chunk");
      assert.equal(span.attributes["http.response.status_code"], 200);
    },
  );

  test(
    "a client that goes away before the handler answers marks the span as aborted, with no status code (Bun only: Deno's case needs a flag of deno run, and is tested below in a child deno)",
    { timeout: 120_000, skip: !isBun },
    async () => {
      const { tracer, ended } = tracing([]);
      const arrived = deferred();
      const server = serveNative(traceHandler(async (request) => {
        arrived.resolve();
        await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
        return new Response("too late"); // a whole body, and one that streams, alike
      }, { tracer }));
      const span = await abandoned(server, ended, "", arrived.promise);
      assert.equal(span.attributes["http.response.status_code"], undefined);
    },
  );

  test(
    "on Deno with --unstable-no-legacy-abort, a client that goes away before the handler answers marks the span as aborted, with no status code, under traceHandler and traceMiddleware (Deno only: runs Deno.serve in a child deno with that flag)",
    { timeout: 120_000, skip: !isDeno },
    async () => {
      const spans = await clientGoneOnDeno("signal");
      const sent = { status: "unset", errorType: null, statusCode: 200 };
      const gone = { status: "error", errorType: "aborted", statusCode: null };
      assert.deepEqual(spans, [
        { server: "traceHandler", path: "/sent", ...sent },
        { server: "traceHandler", path: "/whole", ...gone },
        { server: "traceHandler", path: "/stream", ...gone },
        { server: "traceMiddleware", path: "/sent", ...sent },
        { server: "traceMiddleware", path: "/whole", ...gone },
        { server: "traceMiddleware", path: "/stream", ...gone },
      ]);
    },
  );

  test(
    "on Deno's default request.signal, which also aborts after every response sent, a client gone before a whole body was returned is recorded as sent, and Deno prints no warning about a signal the handler never read (Deno only: runs Deno.serve in a child deno)",
    { timeout: 120_000, skip: !isDeno },
    async () => {
      const spans = await clientGoneOnDeno("legacy");
      const sent = { status: "unset", errorType: null, statusCode: 200 };
      assert.deepEqual(spans, [
        { server: "traceHandler", path: "/sent", ...sent },
        { server: "traceHandler", path: "/whole", ...sent },
        { server: "traceMiddleware", path: "/sent", ...sent },
        { server: "traceMiddleware", path: "/whole", ...sent },
      ]);
    },
  );
});

/**
 * Runs tests/fixtures/deno_client_gone.ts in a child deno, with Deno's
 * request.signal aborting only for a client that went away (`"signal"`:
 * --unstable-no-legacy-abort) or as it does by default (`"legacy"`), and
 * returns its summary of the server spans. Fails when the child fails, or
 * when Deno printed its warning about request.signal.
 */
async function clientGoneOnDeno(mode: "signal" | "legacy"): Promise<unknown[]> {
  const { code, stdout, stderr } = await runFixture("deno_client_gone", [mode], {
    denoFlags: mode === "signal" ? ["-A", "--unstable-no-legacy-abort"] : ["-A"],
  });
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /request\.signal/, "Deno warned about request.signal");
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

test(
  "traceMiddleware: a client that goes away before the handlers answer marks the span as aborted, with no status code (Bun only, as traceHandler)",
  { timeout: 120_000, skip: !isBun },
  async () => {
    const { tracer, ended } = tracing([]);
    const arrived = deferred();
    const app = new Hono();
    app.use(traceMiddleware({ tracer }));
    app.get("/stream", async (c) => {
      arrived.resolve();
      await new Promise((resolve) => c.req.raw.signal.addEventListener("abort", resolve));
      return c.text("too late");
    });
    const server = serveNative(app.fetch);
    const span = await abandoned(server, ended, "", arrived.promise);
    assert.equal(span.attributes["http.response.status_code"], undefined);
    assert.equal(span.name, "GET /stream");
  },
);

describe("traceRequestListener on node:http", () => {
  test("the span ends after the last chunk was written, not at the first write", {
    timeout: 120_000,
  }, async () => {
    const log: string[] = [];
    const { tracer, ended } = tracing(log);
    const gate = deferred();
    const server = await serveNode(traceRequestListener(async (_req, res: ServerResponse) => {
      res.write("first ");
      await gate.promise;
      log.push("last chunk written");
      res.end("last");
    }, { tracer }));
    const span = await readGated(server, gate, log, ended);
    assert.ok(log.indexOf("span ended") > log.indexOf("last chunk written"), log.join(" → "));
    assert.equal(span.status.code, "unset");
  });

  test("a client that goes away before any response is an error, with no status code", {
    timeout: 120_000,
  }, async () => {
    const { tracer, ended } = tracing([]);
    const arrived = deferred();
    const server = await serveNode(traceRequestListener(() => {
      arrived.resolve(); // and never answer
    }, { tracer }));
    const span = await abandoned(server, ended, "", arrived.promise);
    assert.equal(span.attributes["http.response.status_code"], undefined);
  });

  test("a client that goes away mid-body is an error, with the status code that was sent", {
    timeout: 120_000,
  }, async () => {
    const { tracer, ended } = tracing([]);
    const server = await serveNode(traceRequestListener((_req, res: ServerResponse) => {
      res.statusCode = 206;
      res.write("first-chunk"); // and never end
    }, { tracer }));
    const span = await abandoned(server, ended, "first-chunk");
    assert.equal(span.attributes["http.response.status_code"], 206);
  });

  test(
    "a body the server fails (res.destroy(error), a failed pipeline) records that error, not a client gone",
    {
      timeout: 120_000,
    },
    async () => {
      const { tracer, spans, two } = twoSpans();
      // Each fails once the client has had its first chunk.
      let received = deferred();
      const server = await serveNode(traceRequestListener((req, res: ServerResponse) => {
        const fail = received.promise.then(() => new RangeError("cursor closed"));
        if (req.url === "/destroy") {
          res.write("first-chunk");
          fail.then((error) => res.destroy(error));
          return;
        }
        // A source that fails after its first chunk, piped into the response.
        let reads = 0;
        const source = new Readable({
          read() {
            if (reads++ === 0) this.push("first-chunk");
            else fail.then((error) => this.destroy(error));
          },
        });
        pipeline(source, res, () => {});
      }, { tracer }));
      try {
        for (const path of ["destroy", "pipeline"]) {
          received = deferred();
          const response = await fetch(new URL(path, server.url));
          const reader = response.body!.getReader();
          await reader.read();
          received.resolve();
          // The rest of the body is cut short.
          await (async () => {
            while (!(await reader.read()).done);
          })().catch(() => {});
        }
        await two;
        assert.deepEqual(spans.map((s) => s.attributes["url.path"]), ["/destroy", "/pipeline"]);
        for (const span of spans) {
          const path = span.attributes["url.path"];
          assert.equal(span.status.code, "error", `${path}`);
          assert.equal(span.attributes["error.type"], "RangeError", `${path}`);
          assert.equal(span.status.message, "cursor closed", `${path}`);
          assert.deepEqual(span.events.map((e) => e.name), ["exception"], `${path}`);
          assert.equal(span.attributes["http.response.status_code"], 200, `${path}`);
        }
      } finally {
        await server.close();
      }
    },
  );

  test("records the status code that was sent, not a statusCode set after the headers went out", {
    timeout: 120_000,
  }, async () => {
    const { tracer, spans, two } = twoSpans();
    const server = await serveNode(traceRequestListener((req, res: ServerResponse) => {
      if (req.url === "/explicit") res.writeHead(201);
      else {
        res.statusCode = 202;
        res.write("implicit "); // write sends the headers, with 202
      }
      res.statusCode = 500; // too late: not sent
      res.end("done");
    }, { tracer }));
    try {
      const sent: number[] = [];
      for (const path of ["explicit", "implicit"]) {
        const response = await fetch(new URL(path, server.url));
        await response.text();
        sent.push(response.status);
      }
      assert.deepEqual(sent, [201, 202]);
      await two;
      assert.deepEqual(
        spans.map((s) => [s.attributes["http.response.status_code"], s.status.code]),
        [[201, "unset"], [202, "unset"]],
      );
    } finally {
      await server.close();
    }
  });

  // Node's and Bun's responses keep the error they were destroyed with in
  // `errored`: there destroy is left as it is (nothing to learn from it, and
  // an own property on every response would be seen by the application).
  // Deno's keep none, and there the wrapper must pass `this`, every argument
  // and the result through.
  test("res.destroy is wrapped only on a response that keeps no errored, and passes this, arguments and result through", () => {
    const memory = new InMemorySpanProcessor();
    const calls: unknown[][] = [];
    class Response extends EventEmitter {
      statusCode = 200;
      headersSent = false;
      destroy(...args: unknown[]): this {
        calls.push([this, ...args]);
        return this;
      }
    }
    class KeepsErrored extends Response {
      errored: Error | null = null;
    }
    const seen: boolean[] = [];
    const listener = traceRequestListener((_req, res: Response) => {
      seen.push(Object.hasOwn(res, "destroy"));
    }, { tracer: new Tracer({ processors: [memory] }) });
    const keeps = new KeepsErrored();
    listener({ url: "/keeps", headers: {} }, keeps);
    assert.equal(keeps.destroy, KeepsErrored.prototype.destroy);
    const failure = new RangeError("cursor closed");
    const forms = [[], [null], [failure], [failure, "more"]];
    for (const args of forms) {
      const res = new Response();
      listener({ url: "/none", headers: {} }, res);
      calls.length = 0;
      assert.equal((res.destroy as (...a: unknown[]) => unknown)(...args), res);
      assert.deepEqual(calls, [[res, ...args]]);
      res.emit("close");
    }
    assert.deepEqual(seen, [false, true, true, true, true]);
    assert.deepEqual(
      memory.spans.map((s) => s.attributes["error.type"]),
      ["aborted", "aborted", "RangeError", "RangeError"],
    );
  });

  test("close without finish on a response-like object: aborted; finish then close: not", () => {
    const memory = new InMemorySpanProcessor();
    const listener = traceRequestListener(() => {}, {
      tracer: new Tracer({ processors: [memory] }),
    });
    const events = [["close"], ["finish", "close"]];
    for (const emitted of events) {
      const res = Object.assign(new EventEmitter(), { statusCode: 200, headersSent: false });
      listener({ url: "/", headers: {} }, res);
      for (const event of emitted) res.emit(event);
    }
    assert.deepEqual(
      memory.spans.map((s) => [s.status.code, s.attributes["error.type"] ?? null]),
      [["error", "aborted"], ["unset", null]],
    );
  });
});

describe("traceHandler's body bound and pass-through", () => {
  function setup(options: { bodyIdleTimeoutMs?: number } = {}) {
    const memory = new InMemorySpanProcessor();
    const time = new ManualTime();
    const tracer = new Tracer({ processors: [memory] });
    return { memory, time, tracer, options: { tracer, scheduler: time, ...options } };
  }

  /** A streamed body: "a", then "b" once `gate` opens. */
  function gatedStream(gate: Promise<void>): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("a"));
      },
      async pull(controller) {
        await gate;
        controller.enqueue(encoder.encode("b"));
        controller.close();
      },
    });
  }

  test("a streamed body nobody reads ends the span within twice bodyIdleTimeoutMs, without an error", async () => {
    const { memory, time, options } = setup({ bodyIdleTimeoutMs: 1_000 });
    const response = await traceHandler(
      () => new Response(gatedStream(Promise.resolve())),
      options,
    )(new Request("http://x/"));
    await time.tick(1_000);
    assert.equal(memory.spans.length, 0, "not before bodyIdleTimeoutMs has passed unread");
    await time.tick(1_000);
    assert.equal(memory.spans.length, 1);
    assert.equal(time.pendingTimers, 0, "the sweep stops when no body is open");
    assert.equal(memory.spans[0].status.code, "unset");
    assert.equal(await response.text(), "ab", "the body still passes through");
    assert.equal(memory.spans.length, 1, "and the span ended once");
  });

  test("a body that is all there is handed over as bytes; the span ends when the server says it was sent", async () => {
    const { memory, options } = setup();
    const handler = traceHandler(
      (_request: Request, _info: { completed?: Promise<void> }) =>
        new Response(JSON.stringify({ ok: true }), {
          headers: { "content-type": "application/json" },
        }),
      options,
    );
    // Deno.serve passes { completed }, which settles once the response is sent.
    const sent = deferred();
    const response = await handler(new Request("http://x/"), { completed: sent.promise });
    assert.equal(memory.spans.length, 0, "not before the server has sent it");
    sent.resolve();
    await nextTurn();
    assert.equal(memory.spans.length, 1);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(await response.json(), { ok: true });
    // Without that signal (Bun, Node adapters) it ends when it is handed over.
    await handler(new Request("http://x/"), {});
    assert.equal(memory.spans.length, 2);
  });

  test("a whole body the server could not send (info.completed rejects) is an error: aborted", async () => {
    // Deno.serve's info.completed "rejects with a Deno.errors.Interrupted
    // error if the response could not be sent successfully — for example
    // when the client disconnects before the response body has been fully
    // written". Semconv: when an error prevents "the client or server from
    // sending/receiving the request/response fully", instrumentation "SHOULD
    // set span status to Error and SHOULD set the error.type attribute".
    const { memory, options } = setup();
    const handler = traceHandler(
      (_request: Request, _info: { completed?: Promise<void> }) => new Response("whole"),
      options,
    );
    const sent = deferred();
    await handler(new Request("http://x/"), { completed: sent.promise });
    sent.reject(new Error("connection closed before message completed"));
    await nextTurn();
    assert.equal(memory.spans.length, 1);
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].attributes["error.type"], "aborted");
    assert.equal(memory.spans[0].attributes["http.response.status_code"], 200);
  });

  test("a stream that errors before its first chunk marks the span as an error", async () => {
    const { memory, options } = setup();
    const response = await traceHandler(() =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.error(new RangeError("no data"));
          },
        }),
      ), options)(new Request("http://x/"));
    await assert.rejects(response.text(), /no data/);
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].attributes["error.type"], "RangeError");
  });

  test(
    "a stream that errors after two ready chunks, before the server reads on, leaves no unhandled rejection",
    {
      timeout: 120_000,
    },
    async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      try {
        const { memory, options } = setup();
        let fail!: (error: Error) => void;
        const response = await traceHandler(() =>
          new Response(
            new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(encoder.encode("a"));
                controller.enqueue(encoder.encode("b"));
                fail = (error) => controller.error(error);
              },
            }),
          ), options)(new Request("http://x/"));
        // The upstream resets while the server has not asked for more yet.
        fail(new Error("upstream reset"));
        for (let i = 0; i < 5; i++) await nextTurn();
        await assert.rejects(response.text(), /upstream reset/);
        for (let i = 0; i < 5; i++) await nextTurn();
        assert.deepEqual(unhandled.map(String), []);
        assert.equal(memory.spans[0].status.code, "error");
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    },
  );

  test("spans started while the body is read from the handler's stream are the server span's children", async () => {
    const { memory, tracer, options } = setup();
    const response = await traceHandler(generatedBody(tracer), options)(new Request("http://x/"));
    // Read outside any span, as a server reads it.
    assert.equal(await response.text(), "abc");
    assertProducedUnderServerSpan(memory.spans);
  });

  test("a stream with several chunks ready is passed through in order, whole", async () => {
    const { memory, options } = setup();
    const response = await traceHandler(() =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const part of ["one ", "two ", "three"]) controller.enqueue(encoder.encode(part));
            controller.close();
          },
        }),
      ), options)(new Request("http://x/"));
    assert.equal(memory.spans.length, 0);
    assert.equal(await response.text(), "one two three");
    assert.equal(memory.spans.length, 1);
  });

  test("each read restarts the idle wait, and waiting on the handler's own stream does not count", async () => {
    const { memory, time, options } = setup({ bodyIdleTimeoutMs: 1_000 });
    const gate = deferred();
    const response = await traceHandler(() => new Response(gatedStream(gate.promise)), options)(
      new Request("http://x/"),
    );
    const reader = response.body!.getReader();
    for (let i = 0; i < 3; i++) await time.tick(300); // each wait shorter than the bound
    await reader.read();
    for (let i = 0; i < 3; i++) await time.tick(300);
    const next = reader.read(); // waits on the handler's stream, behind the gate
    await time.tick(5_000);
    assert.equal(memory.spans.length, 0, "still open while the handler's stream is slow");
    gate.resolve();
    await next;
    for (let i = 0; i < 3; i++) await time.tick(300);
    assert.equal(memory.spans.length, 0);
    assert.equal((await reader.read()).done, true);
    assert.equal(memory.spans.length, 1);
  });

  test("a response to HEAD, or without a body, ends the span when it is returned", async () => {
    const { memory, options } = setup();
    const handler = traceHandler(
      (request) => new Response(request.method === "HEAD" ? "ignored" : null, { status: 200 }),
      options,
    );
    await handler(new Request("http://x/", { method: "HEAD" }));
    await handler(new Request("http://x/"));
    assert.equal(memory.spans.length, 2);
  });

  test("the response passed on keeps its status, status text and headers", async () => {
    const { options } = setup();
    const headers = new Headers({ "content-type": "text/plain", "x-a": "1" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    const response = await traceHandler(
      () => new Response("body", { status: 201, statusText: "Made", headers }),
      options,
    )(new Request("http://x/"));
    assert.equal(response.status, 201);
    assert.equal(response.statusText, "Made");
    assert.equal(response.headers.get("x-a"), "1");
    assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.equal(await response.text(), "body");
  });

  test("a bad bodyIdleTimeoutMs is a RangeError; a scheduler without timers is a TypeError", () => {
    const handler = () => new Response();
    for (const bad of [0, -1, 1.5, 2 ** 31, NaN, "5"]) {
      assert.throws(
        () => traceHandler(handler, { bodyIdleTimeoutMs: bad as never }),
        /^RangeError: Cannot trace handler: bodyIdleTimeoutMs must be a positive integer/,
      );
    }
    assert.doesNotThrow(() => traceHandler(handler, { bodyIdleTimeoutMs: Infinity }));
    assert.throws(
      () => traceHandler(handler, { scheduler: {} as never }),
      /^TypeError: Cannot trace handler: scheduler must have setTimeout and clearTimeout/,
    );
  });
});
