import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Baggage,
  type ContextStorage,
  extractBaggage,
  getContextStorage,
  getCurrentSpan,
  injectContext,
  InMemorySpanProcessor,
  propagationStats,
  setContextStorage,
  SimpleSpanProcessor,
  SpanContext,
  suppressTracing,
  Tracer,
  withBaggage,
} from "../mod.ts";
import { captureWarnings } from "./_helpers.ts";
import { serveNode } from "./_loopback_server.ts";
import process from "node:process";
import { type FetchFunction, instrumentFetch, traceHandler } from "../http.ts";

interface Call {
  input: string | URL | Request;
  init?: RequestInit;
  headers: Headers;
}

function setup(respond: (call: Call) => Response | Promise<Response> = () => new Response("ok")) {
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ processors: [memory] });
  const calls: Call[] = [];
  const fake: FetchFunction = (input, init) => {
    const call = { input, init, headers: new Headers(init?.headers) };
    calls.push(call);
    return Promise.resolve(respond(call));
  };
  return { memory, tracer, calls, fetch: instrumentFetch(fake, { tracer }) };
}

describe("instrumentFetch", () => {
  test("a handler the wrapped fetch calls in this process gets its server span, a child of the client's", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const handler = traceHandler(() => {
      tracer.startSpan("inside").end();
      return new Response("ok");
    }, { tracer });
    const inProcess = instrumentFetch((input, init) => handler(new Request(input, init)), {
      tracer,
    });
    await tracer.span("job", async () => {
      await (await inProcess("http://orders.internal/list")).text();
    });
    const of = (name: string, kind: string) =>
      memory.spans.filter((s) => s.name === name && s.kind === kind);
    assert.equal(memory.spans.length, 4);
    const [job] = of("job", "internal");
    const [client] = of("GET", "client");
    const [server] = of("GET", "server");
    const [inside] = of("inside", "internal");
    assert.equal(client.context.parentSpanId, job.context.spanId);
    assert.equal(server?.context.parentSpanId, client.context.spanId);
    assert.equal(inside?.context.parentSpanId, server.context.spanId);
    // suppressTracing asked for inside the wrapped fetch still holds.
    memory.clear();
    const quiet = instrumentFetch(
      (input, init) => suppressTracing(() => handler(new Request(input, init))),
      { tracer },
    );
    await (await quiet("http://orders.internal/list")).text();
    assert.deepEqual(memory.spans.map((s) => s.kind), ["client"]);
  });

  test("a traced fetch called with tracing suppressed (an exporter's export) leaves an in-process handler untraced", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    let handled = 0;
    const handler = traceHandler(() => {
      handled++;
      tracer.startSpan("inside").end();
      return new Response("ok");
    }, { tracer });
    const inProcess = instrumentFetch((input, init) => handler(new Request(input, init)), {
      tracer,
    });
    await suppressTracing(async () => {
      await (await inProcess("http://viewer.internal/v1/traces")).text();
    });
    assert.equal(handled, 1);
    assert.deepEqual(memory.spans.map((s) => `${s.kind} ${s.name}`), []);
    // An exporter whose fetch is that traced fetch: its export is never
    // traced, or each export's spans would be exported in turn, for ever.
    const exported: string[] = [];
    const exporting = new Tracer({
      processors: [
        memory,
        new SimpleSpanProcessor({
          export: async (spans) => {
            for (const span of spans) exported.push(span.name);
            await (await inProcess("http://viewer.internal/v1/traces")).text();
          },
        }),
      ],
    });
    exporting.startSpan("job").end();
    await exporting.forceFlush();
    assert.equal(handled, 2);
    assert.deepEqual(exported, ["job"]);
    assert.deepEqual(memory.spans.map((s) => `${s.kind} ${s.name}`), ["internal job"]);
  });

  test("makes one client span per request, named by the method, with semconv attributes", async () => {
    const { memory, fetch } = setup(() => new Response("ok", { status: 201 }));
    await fetch("https://api.example.com:8443/v1/items?id=7", { method: "post" });
    const [span] = memory.spans;
    assert.equal(span.name, "POST");
    assert.equal(span.kind, "client");
    assert.deepEqual(span.attributes, {
      "http.request.method": "POST",
      "url.full": "https://api.example.com:8443/v1/items?id=7",
      "server.address": "api.example.com",
      "server.port": 8443,
      "http.response.status_code": 201,
    });
    assert.equal(span.status.code, "unset");
  });

  test(
    "a streamed request body is read in the caller's context: spans made for it are recorded under the caller's span",
    {
      timeout: 60_000,
    },
    async () => {
      // fetch pulls a streamed body from inside the traced call, where the
      // client span is current and tracing suppressed: spans the body's own
      // code made (a traced read of each chunk) were dropped without a word.
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      const served = await serveNode((req, res) => {
        let text = "";
        req.on("data", (chunk: Uint8Array) => text += new TextDecoder().decode(chunk));
        req.on("end", () => res.end(text));
      });
      try {
        const fetch = instrumentFetch(globalThis.fetch, { tracer });
        const seen: (string | undefined)[] = [];
        const rows = async function* () {
          for (let i = 0; i < 3; i++) {
            await new Promise((resolve) => setTimeout(resolve, 1));
            seen.push(getCurrentSpan()?.name);
            tracer.startSpan(`read chunk ${i}`).end();
            yield new TextEncoder().encode(`row${i};`);
          }
        };
        const bodies = [() => ReadableStream.from(rows()), () => rows()];
        for (const body of bodies) {
          memory.clear();
          seen.length = 0;
          const echoed = await tracer.span("upload", async () => {
            const response = await fetch(served.url, {
              method: "POST",
              body: body() as BodyInit,
              duplex: "half",
            } as RequestInit);
            return await response.text();
          });
          assert.equal(echoed, "row0;row1;row2;");
          assert.deepEqual(seen, ["upload", "upload", "upload"]);
          const upload = memory.spans.find((s) => s.name === "upload")!;
          const reads = memory.spans.filter((s) => s.name.startsWith("read chunk"));
          assert.equal(reads.length, 3, memory.spans.map((s) => s.name).join(", "));
          for (const read of reads) assert.equal(read.context.parentSpanId, upload.context.spanId);
          assert.ok(memory.spans.some((s) => s.name === "POST" && s.kind === "client"));
        }
      } finally {
        await served.close();
      }
    },
  );

  test("a Request given a streamed body in init keeps its own headers, with or without trace headers", async () => {
    // The streamed body is swapped for one read in the caller's context, in
    // a copy of init; with no trace headers to add, that copy held empty
    // headers, which replaced all of the Request's own.
    const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
    const sent: { own: string | null; traced: boolean; body: string }[] = [];
    const fake: FetchFunction = async (input, init) => {
      const request = new Request(input, init);
      sent.push({
        own: request.headers.get("x-own"),
        traced: request.headers.has("traceparent"),
        body: await request.text(),
      });
      return new Response("ok");
    };
    for (const propagateTo of [[], ["https://api.example.com"]]) {
      const fetch = instrumentFetch(fake, { tracer, propagateTo });
      const body = new ReadableStream({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode("row"));
          controller.close();
        },
      });
      const request = new Request("https://api.example.com/rows", {
        method: "POST",
        headers: { "x-own": "1" },
      });
      await fetch(request, { body, duplex: "half" } as RequestInit);
    }
    assert.deepEqual(sent, [
      { own: "1", traced: false, body: "row" },
      { own: "1", traced: true, body: "row" },
    ]);
  });

  test("a data:, blob: or file: fetch is no HTTP request: no span, no trace headers, passed on as it was", async () => {
    const { memory, fetch, calls } = setup();
    const urls = ["data:text/plain,hello", "file:///etc/hostname", "blob:http://x/1234"];
    for (const url of urls) await fetch(url, { headers: { "x-own": "1" } });
    assert.equal(memory.spans.length, 0);
    assert.deepEqual(calls.map((c) => String(c.input)), urls);
    for (const call of calls) {
      assert.equal(call.headers.get("traceparent"), null);
      assert.equal(call.headers.get("x-own"), "1");
    }
  });

  test("uses the scheme's default port, and never records credentials", async () => {
    const { memory, fetch } = setup();
    await fetch("http://user:secret@example.com/");
    const [span] = memory.spans;
    assert.equal(span.attributes["server.port"], 80);
    assert.doesNotMatch(String(span.attributes["url.full"]), /secret|user/);
  });

  test("records a method in the case this runtime's fetch sends it (Bun's upper-cases every method)", async () => {
    const { memory, fetch } = setup();
    for (const method of ["patch", "purge"]) {
      await fetch("http://example.com/", { method });
    }
    // What goes on the request line: Request normalises the method as fetch does.
    const sent = (method: string) => new Request("http://example.com/", { method }).method;
    const [patch, purge] = memory.spans;
    if (sent("patch") === "PATCH") {
      assert.equal(patch.name, "PATCH");
      assert.equal(patch.attributes["http.request.method"], "PATCH");
      assert.equal(purge.attributes["http.request.method_original"], sent("purge"));
    } else {
      assert.equal(patch.name, "HTTP");
      assert.equal(patch.attributes["http.request.method_original"], "patch");
      assert.equal(purge.attributes["http.request.method_original"], "purge");
    }
  });

  test("an unknown method is recorded as _OTHER and the span named HTTP", async () => {
    const { memory, fetch } = setup();
    await fetch("http://example.com/", { method: "PURGE" });
    const [span] = memory.spans;
    assert.equal(span.name, "HTTP");
    assert.equal(span.attributes["http.request.method"], "_OTHER");
    assert.equal(span.attributes["http.request.method_original"], "PURGE");
  });

  test("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS overrides the known methods, in full", async () => {
    // Semconv, http.request.method: "If the HTTP instrumentation could end up
    // converting valid HTTP request methods to _OTHER, then it MUST provide a
    // way to override the list of known HTTP methods. If this override is
    // done via environment variable, then the environment variable MUST be
    // named OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS [...] this list MUST be a
    // full override of the default known methods".
    const name = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";
    process.env[name] = "GET, PURGE,REPORT";
    let instrumented: { memory: InMemorySpanProcessor; fetch: FetchFunction };
    let handled: InMemorySpanProcessor;
    let handler: (request: Request) => Promise<Response>;
    try {
      instrumented = setup();
      handled = new InMemorySpanProcessor();
      handler = traceHandler(() => new Response(), {
        tracer: new Tracer({ processors: [handled] }),
      });
    } finally {
      delete process.env[name];
    }
    await instrumented.fetch("http://example.com/", { method: "PURGE" });
    await instrumented.fetch("http://example.com/", { method: "POST" });
    await instrumented.fetch("http://example.com/", { method: "get" });
    const [purge, post, get] = instrumented.memory.spans;
    assert.equal(purge.name, "PURGE");
    assert.equal(purge.attributes["http.request.method"], "PURGE");
    assert.equal(purge.attributes["http.request.method_original"], undefined);
    assert.equal(post.name, "HTTP", "a full override: POST is no longer known");
    assert.equal(post.attributes["http.request.method"], "_OTHER");
    assert.equal(post.attributes["http.request.method_original"], "POST");
    assert.equal(get.attributes["http.request.method"], "GET");
    await handler(new Request("http://example.com/", { method: "REPORT" }));
    assert.equal(handled.spans[0].attributes["http.request.method"], "REPORT");
    // Read when the instrumentation is made: without the variable, the defaults.
    const { memory, fetch } = setup();
    await fetch("http://example.com/", { method: "PURGE" });
    await fetch("http://example.com/", { method: "POST" });
    assert.deepEqual(memory.spans.map((s) => s.attributes["http.request.method"]), [
      "_OTHER",
      "POST",
    ]);
  });

  test("injects traceparent, tracestate and baggage for the client span", async () => {
    const { memory, tracer, calls, fetch } = setup();
    const parent = new SpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceState: "congo=t61rcWkgMzE",
      isRemote: true,
    });
    await withBaggage(
      new Baggage({ user: "ada lovelace" }),
      () => tracer.span("job", { parent }, () => fetch("http://example.com/")),
    );
    const client = memory.spans.find((s) => s.kind === "client")!;
    const { headers } = calls[0];
    assert.equal(
      headers.get("traceparent"),
      `00-0af7651916cd43dd8448eb211c80319c-${client.context.spanId}-01`,
    );
    assert.equal(headers.get("tracestate"), "congo=t61rcWkgMzE");
    assert.equal(headers.get("baggage"), "user=ada%20lovelace");
  });

  test("the client span is a child of the current span", async () => {
    const { memory, tracer, fetch } = setup();
    await tracer.span("outer", () => fetch("http://example.com/"));
    const [client, outer] = memory.spans;
    assert.equal(client.context.parentSpanId, outer.context.spanId);
    assert.equal(client.context.traceId, outer.context.traceId);
  });

  test("does not change the caller's Headers or Request", async () => {
    const { calls, fetch } = setup();
    const headers = new Headers({ accept: "application/json", traceparent: "stale" });
    await fetch("http://example.com/", { headers });
    assert.deepEqual([...headers], [["accept", "application/json"], ["traceparent", "stale"]]);
    assert.equal(calls[0].headers.get("accept"), "application/json");
    assert.notEqual(calls[0].headers.get("traceparent"), "stale");

    const request = new Request("http://example.com/x", { method: "PUT", headers: { a: "1" } });
    await fetch(request);
    assert.deepEqual([...request.headers], [["a", "1"]]);
    assert.equal(calls[1].headers.get("a"), "1");
    assert.ok(calls[1].headers.has("traceparent"));
  });

  test("does not change a plain-record headers object", async () => {
    const { calls, fetch } = setup();
    const headers = { accept: "text/plain" };
    await fetch("http://example.com/", { headers });
    assert.deepEqual(headers, { accept: "text/plain" });
    assert.ok(calls[0].headers.has("traceparent"));
  });

  test("a Request given alone keeps its referrer and referrerPolicy", async () => {
    // fetch(request, init) with a non-empty init resets the request's
    // referrer to "client" and its policy to "" (Fetch, new Request step
    // 13): the init that carries the trace headers must carry these back.
    const { calls, fetch } = setup();
    const request = new Request("http://example.com/x", {
      referrer: "",
      referrerPolicy: "no-referrer",
    });
    await fetch(request);
    const sent = new Request(calls[0].input, calls[0].init);
    assert.equal(sent.referrerPolicy, request.referrerPolicy);
    assert.equal(sent.referrer, request.referrer);
    assert.ok(calls[0].headers.has("traceparent"));
    // An init of the caller's own resets them without tracing too: untouched.
    await fetch(request.clone(), { cache: "no-store" });
    assert.equal(calls[1].init?.referrerPolicy, undefined);
    assert.equal(calls[1].init?.referrer, undefined);
  });

  test("reads method and URL from a Request input", async () => {
    const { memory, fetch } = setup();
    await fetch(new Request("http://example.com/r", { method: "DELETE" }));
    assert.equal(memory.spans[0].name, "DELETE");
    assert.equal(memory.spans[0].attributes["url.full"], "http://example.com/r");
  });

  test("a 5xx response marks the span as an error with error.type", async () => {
    const { memory, fetch } = setup(() => new Response("", { status: 503 }));
    const response = await fetch("http://example.com/");
    assert.equal(response.status, 503);
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].attributes["error.type"], "503");
  });

  test("a 4xx response is an error for a client span, as semconv says", async () => {
    const { memory, fetch } = setup(() => new Response("", { status: 404 }));
    await fetch("http://example.com/");
    assert.equal(memory.spans[0].status.code, "error");
    assert.equal(memory.spans[0].attributes["error.type"], "404");
  });

  test("an opaque response (status 0) records no status code and is no error", async () => {
    // A no-cors or manual-redirect fetch in a browser resolves with an
    // opaque response whose status the client cannot see: 0. Semconv
    // records http.response.status_code "if and only if one was received".
    for (const type of ["opaque", "opaqueredirect"] as const) {
      const opaque = { type, status: 0, ok: false, headers: new Headers() };
      const { memory, fetch } = setup(() => opaque as unknown as Response);
      assert.equal(await fetch("http://example.com/", { mode: "no-cors" }), opaque);
      const [span] = memory.spans;
      assert.equal(span.attributes["http.response.status_code"], undefined, type);
      assert.equal(span.attributes["error.type"], undefined, type);
      assert.equal(span.status.code, "unset", type);
    }
  });

  test("a network error is recorded and rethrown", async () => {
    const { memory, fetch } = setup(() => {
      throw new TypeError("connection refused");
    });
    await assert.rejects(fetch("http://example.com/"), /connection refused/);
    const [span] = memory.spans;
    assert.equal(span.status.code, "error");
    assert.equal(span.attributes["error.type"], "TypeError");
    assert.equal(span.events[0].name, "exception");
    assert.equal(span.ended, true);
  });

  test("a request the caller aborts is not an error: status unset, no error.type", async () => {
    // OpenTelemetry HTTP semantic conventions, Status: "If the HTTP client
    // instrumentation can detect that the request was cancelled intentionally
    // by the caller (e.g., via context cancellation or an abort signal), the
    // cancellation SHOULD NOT be treated as an error: the span status SHOULD
    // be left unset and `error.type` SHOULD NOT be set."
    const fake: FetchFunction = (input, init) => {
      const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
      return new Promise((_resolve, reject) => {
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    };
    const memory = new InMemorySpanProcessor();
    const fetch = instrumentFetch(fake, { tracer: new Tracer({ processors: [memory] }) });
    const byInit = new AbortController();
    const first = fetch("http://example.com/a", { signal: byInit.signal });
    byInit.abort();
    await assert.rejects(first, { name: "AbortError" });
    const byRequest = new AbortController();
    const second = fetch(new Request("http://example.com/b", { signal: byRequest.signal }));
    byRequest.abort(new Error("user left the page"));
    await assert.rejects(second, /user left the page/);
    assert.equal(memory.spans.length, 2);
    for (const span of memory.spans) {
      assert.equal(span.status.code, "unset");
      assert.equal(span.attributes["error.type"], undefined);
      assert.equal(span.ended, true);
    }
    // A timeout is not the caller giving up: it stays an error. (A signal
    // aborted as AbortSignal.timeout aborts one: on Node that signal's timer
    // is unref'd, and would not keep this test's process alive.)
    const deadline = new AbortController();
    const timeout = fetch("http://example.com/c", { signal: deadline.signal });
    deadline.abort(new DOMException("The operation timed out.", "TimeoutError"));
    await assert.rejects(timeout, { name: "TimeoutError" });
    assert.equal(memory.spans[2].status.code, "error");
    assert.equal(memory.spans[2].attributes["error.type"], "TimeoutError");
  });

  test("an init object's inherited members (a Request given as init) reach fetch", async () => {
    // fetch reads RequestInit as a WebIDL dictionary, through [[Get]], so
    // inherited members and getters count: fetch(url, request) sends the
    // request's method and body.
    const { memory, calls, fetch } = setup();
    const init = new Request("http://example.com/", { method: "POST", body: "hello" });
    await fetch("http://example.com/upload", init);
    assert.equal(memory.spans[0].attributes["http.request.method"], "POST");
    const sent = new Request(calls[0].input, calls[0].init);
    assert.equal(sent.method, "POST", "the request that went out is the one the span says");
    assert.equal(await sent.text(), "hello");
    assert.ok(calls[0].headers.has("traceparent"));
    const proto = Object.create({ method: "PUT" }) as RequestInit;
    await fetch("http://example.com/upload", proto);
    assert.equal(new Request(calls[1].input, calls[1].init).method, "PUT");
  });

  test("an input fetch would refuse is passed through untraced", async () => {
    const { memory, calls, fetch } = setup();
    await fetch("not a url at all");
    assert.equal(memory.spans.length, 0);
    assert.equal(calls.length, 1);
  });

  test("installed as the global fetch, it calls the fetch it replaced, not itself", async () => {
    const original = globalThis.fetch;
    const memory = new InMemorySpanProcessor();
    let calls = 0;
    globalThis.fetch = (() => {
      calls++;
      return Promise.resolve(new Response("stub"));
    }) as typeof fetch;
    try {
      globalThis.fetch = instrumentFetch(undefined, {
        tracer: new Tracer({ processors: [memory] }),
      }) as typeof fetch;
      assert.equal(await (await fetch("http://example.com/")).text(), "stub");
      assert.equal(calls, 1);
      assert.equal(memory.spans.length, 1);
    } finally {
      globalThis.fetch = original;
    }
  });

  test("a sampler's trace state with CR/LF neither throws nor reaches the request; the span ends", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({
      processors: [memory],
      sampler: {
        shouldSample: () => ({ decision: "recordAndSample", traceState: "congo=1\r\nx: y" }),
      },
    });
    const seen: Headers[] = [];
    const fetch = instrumentFetch((_input, init) => {
      seen.push(new Headers(init?.headers));
      return Promise.resolve(new Response("ok"));
    }, { tracer });
    let pending: Promise<Response> | undefined;
    await captureWarnings(() => {
      pending = fetch("http://example.com/");
    });
    assert.ok(pending instanceof Promise, "no synchronous throw");
    assert.equal((await pending).status, 200);
    const [span] = memory.spans;
    assert.equal(span.ended, true);
    assert.match(seen[0].get("traceparent")!, new RegExp(span.context.spanId));
    assert.equal(seen[0].has("tracestate"), false);
  });

  test("when tracing itself fails, the request still goes out untraced and nothing throws synchronously", async () => {
    const { calls, fetch } = setup();
    const previous = getContextStorage();
    const broken: ContextStorage = {
      getStore: () => {
        throw new Error("broken storage");
      },
      run: (_store, fn) => fn(),
      enterWith: () => {},
    };
    let pending: Promise<Response> | undefined;
    const warned = await captureWarnings(() => {
      setContextStorage(broken);
      try {
        pending = fetch("http://example.com/");
      } finally {
        setContextStorage(previous);
      }
    });
    assert.ok(pending instanceof Promise);
    assert.equal(await (await pending).text(), "ok");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].headers.has("traceparent"), false);
    assert.ok(warned.some((w) => /untraced: Error: broken storage/.test(w)), warned.join("\n"));
  });

  test("a fetch-like function that throws synchronously gives a rejection, and the span ends", async () => {
    const memory = new InMemorySpanProcessor();
    const fetch = instrumentFetch(() => {
      throw new TypeError("sync failure");
    }, { tracer: new Tracer({ processors: [memory] }) });
    let pending: Promise<Response> | undefined;
    assert.doesNotThrow(() => {
      pending = fetch("http://example.com/");
    });
    await assert.rejects(pending!, /sync failure/);
    assert.equal(memory.spans[0].ended, true);
    assert.equal(memory.spans[0].attributes["error.type"], "TypeError");
  });

  test("refuses a fetch or tracer of the wrong type", () => {
    assert.throws(() => instrumentFetch(42 as unknown as FetchFunction), TypeError);
    assert.throws(() => instrumentFetch(undefined, { tracer: {} as Tracer }), TypeError);
  });
});

describe("instrumentFetch and a baggage header the request already has", () => {
  // W3C Baggage, Mutating baggage: a system "MAY mutate the value" ("add a
  // new key/value pair", "update an existing value", "deduplicating the
  // list"); Limits: "all limits apply to the combination of all baggage
  // headers". The application set its entries for this very request, so
  // they are sent, the current baggage's added to them; for a key both
  // have, the application's value.
  const current = new Baggage({
    tenant: "acme",
    shared: { value: "from context", metadata: "ttl=60" },
  });

  async function sent(
    input: string | URL | Request,
    init?: RequestInit,
    baggage: Baggage = current,
  ): Promise<{ headers: Headers; clientSpanId: string }> {
    const { memory, calls, fetch } = setup();
    await withBaggage(baggage, () => fetch(input, init));
    const client = memory.spans.find((s) => s.kind === "client")!;
    return { headers: calls[0].headers, clientSpanId: client.context.spanId };
  }

  const entries = (header: string | null) =>
    extractBaggage({ baggage: header ?? undefined }).entries();
  const merged = [
    ["app", { value: "one" }],
    ["shared", { value: "from app" }],
    ["tenant", { value: "acme" }],
  ];

  test("a plain record's baggage keeps its entries, the current ones added; for a shared key, the app's", async () => {
    const { headers } = await sent("http://example.com/", {
      headers: { accept: "text/plain", Baggage: "app=one,shared=from%20app" },
    });
    assert.equal(headers.get("baggage"), "app=one,shared=from%20app,tenant=acme");
    assert.deepEqual(entries(headers.get("baggage")), merged);
    assert.equal(headers.get("accept"), "text/plain");
  });

  test("so does a Headers object's, and the caller's Headers is left as it was", async () => {
    const own = new Headers({ baggage: "app=one, shared = from%20app" });
    const { headers } = await sent("http://example.com/", { headers: own });
    assert.deepEqual(entries(headers.get("baggage")), merged);
    assert.deepEqual([...own], [["baggage", "app=one, shared = from%20app"]]);
  });

  test("so do repeated baggage headers given as an array of tuples: one list, combined", async () => {
    const { headers } = await sent("http://example.com/", {
      headers: [["baggage", "app=one"], ["x-other", "1"], ["BAGGAGE", "shared=from%20app"]],
    });
    assert.deepEqual(entries(headers.get("baggage")), merged);
    assert.equal(headers.get("x-other"), "1");
  });

  test("so does a Request's, which is left as it was; an init's headers replace the Request's, as fetch's do", async () => {
    const request = new Request("http://example.com/x", {
      method: "POST",
      headers: { baggage: "app=one,shared=from%20app" },
    });
    const alone = await sent(request);
    assert.deepEqual(entries(alone.headers.get("baggage")), merged);
    assert.deepEqual([...request.headers], [["baggage", "app=one,shared=from%20app"]]);

    const withInit = await sent(request, { headers: { baggage: "init=1" } });
    assert.deepEqual(entries(withInit.headers.get("baggage")), [
      ["init", { value: "1" }],
      ["tenant", { value: "acme" }],
      ["shared", { value: "from context", metadata: "ttl=60" }],
    ]);
  });

  test("traceparent and tracestate the request already has are still replaced: the client span is the parent", async () => {
    const { headers, clientSpanId } = await sent("http://example.com/", {
      headers: {
        traceparent: "00-11111111111111111111111111111111-2222222222222222-01",
        tracestate: "stale=1",
        baggage: "app=one",
      },
    });
    assert.match(
      headers.get("traceparent")!,
      new RegExp(`^00-[0-9a-f]{32}-${clientSpanId}-0[13]$`),
    );
    assert.equal(headers.has("tracestate"), false);
    assert.equal(headers.get("baggage"), "app=one,tenant=acme,shared=from%20context;ttl=60");
  });

  test("with no current baggage, the request's own header goes as it was written", async () => {
    const own = "app = one ;  p, app=two";
    const { headers } = await sent(
      "http://example.com/",
      { headers: { baggage: own } },
      new Baggage(),
    );
    assert.equal(headers.get("baggage"), own);
    assert.ok(headers.has("traceparent"));
  });

  test("a header that is no valid baggage-string goes as the app wrote it, without the current entries, counted as dropped", async () => {
    // Mutating baggage: for a value "not in the format defined", "the
    // behavior is undefined"; rewriting it would drop what cannot be read,
    // the application's own data. So it is sent untouched, and the current
    // entries, which could not be added to it, are counted as dropped.
    for (const own of ["app=one,bad key=2", "app=%zz", "app=one;bad prop", "novalue"]) {
      const before = propagationStats().baggage;
      const { headers } = await sent("http://example.com/", { headers: { baggage: own } });
      assert.equal(headers.get("baggage"), own);
      assert.ok(headers.has("traceparent"));
      assert.equal(propagationStats().baggage, before + current.size, own);
    }
  });

  test("the combined header stays within 64 members: the current entries are dropped first, and counted", async () => {
    const own = Array.from({ length: 62 }, (_, i) => `k${i}=${i}`).join(",");
    const context = new Baggage([
      ["k0", "context"],
      ...Array.from({ length: 5 }, (_, i) => [`c${i}`, "x"] as [string, string]),
    ]);
    const before = propagationStats().baggage;
    const { headers } = await sent("http://example.com/", { headers: { baggage: own } }, context);
    const got = entries(headers.get("baggage"));
    assert.equal(got.length, 64);
    assert.equal(headers.get("baggage"), `${own},c0=x,c1=x`);
    assert.equal(propagationStats().baggage, before + 3, "c2, c3 and c4");
  });

  test("the combined header stays within 8,192 bytes: the current entries are dropped first, and counted", async () => {
    const own = `big=${"a".repeat(8192 - "big=".length - ",c=1".length)}`;
    const context = new Baggage({ toolong: "xy", c: "1", d: "2" });
    const before = propagationStats().baggage;
    const { headers } = await sent("http://example.com/", { headers: { baggage: own } }, context);
    assert.equal(headers.get("baggage"), `${own},c=1`);
    assert.equal(new TextEncoder().encode(headers.get("baggage")!).length, 8192);
    assert.equal(propagationStats().baggage, before + 2, "toolong and d");
  });

  test("a header within the limits as written keeps the current entries, though percent-encoding its values would pass 8,192 bytes", async () => {
    // W3C Baggage, Limits: all list-members MUST be propagated when the
    // resulting baggage-string is 8,192 bytes or less. "$" and "+/=" are
    // baggage-octets: 1 byte as the app wrote them, 3 if re-encoded.
    const dollars = `t=${"$".repeat(3000)}`;
    const base64 = `v=${"ab+/".repeat(1501)}==`;
    for (const own of [dollars, base64]) {
      const before = propagationStats().baggage;
      const { headers } = await sent(
        "http://example.com/",
        { headers: { baggage: own } },
        new Baggage({ tenant: "acme" }),
      );
      assert.equal(headers.get("baggage"), `${own},tenant=acme`, own.slice(0, 10));
      assert.equal(propagationStats().baggage, before, own.slice(0, 10));
    }
  });

  test("the app's header is measured as written, whitespace included: it is what goes on the wire", async () => {
    const context = new Baggage({ c: "1" });
    const head = "a=1 ,\tbig=";
    // 8,188 bytes as written: with ",c=1", 8,192.
    const fits = `${head}${"a".repeat(8188 - head.length)}`;
    const one = await sent("http://example.com/", { headers: { baggage: fits } }, context);
    assert.equal(one.headers.get("baggage"), `${fits},c=1`);
    // 8,193 bytes as written, 8,191 without its whitespace: over by itself.
    const over = `${head}${"a".repeat(8193 - head.length)}`;
    const before = propagationStats().baggage;
    const two = await sent("http://example.com/", { headers: { baggage: over } }, context);
    assert.equal(two.headers.get("baggage"), over);
    assert.equal(propagationStats().baggage, before + 1);
    // Trailing whitespace and commas are no member: the current entries
    // follow the app's last one.
    const trailing = await sent(
      "http://example.com/",
      { headers: { baggage: "a=1 ,\t" } },
      context,
    );
    assert.equal(trailing.headers.get("baggage"), "a=1,c=1");
  });

  test("a header over the limits by itself goes as the app wrote it, without the current entries", async () => {
    const members = Array.from({ length: 65 }, (_, i) => `k${i}=${i}`).join(",");
    const bytes = `big=${"a".repeat(8192)}`;
    for (const own of [members, bytes]) {
      const { headers } = await sent("http://example.com/", { headers: { baggage: own } });
      assert.equal(headers.get("baggage"), own);
    }
  });

  test("with tracing suppressed, the request's header is left as it was and nothing is counted", async () => {
    const { calls, fetch } = setup();
    const before = propagationStats().baggage;
    await withBaggage(current, () =>
      suppressTracing(async () => {
        await fetch("http://example.com/", { headers: { baggage: "app=one" } });
        await fetch("http://example.com/", { headers: { baggage: "app=one,bad key" } });
      }));
    assert.deepEqual(calls.map((call) => call.headers.get("baggage")), [
      "app=one",
      "app=one,bad key",
    ]);
    assert.equal(propagationStats().baggage, before);
  });

  test("injectContext still replaces a baggage header, as OpenTelemetry's W3CBaggagePropagator does", () => {
    // The caller of injectContext says what baggage to write (options.baggage);
    // its carrier is often a copy of an incoming request's headers, whose
    // baggage the current one was read from.
    const headers: Record<string, string> = { baggage: "app=one" };
    withBaggage(current, () => injectContext(headers));
    assert.equal(headers.baggage, "tenant=acme,shared=from%20context;ttl=60");
  });
});

describe("instrumentFetch maxRecordedLength", () => {
  const long = "https://api.example.com/" + "p".repeat(3000) + "?q=" + "q".repeat(3000);

  test("cuts url.full to 2,048 characters by default, and to the length given", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const fake = () => Promise.resolve(new Response("ok"));
    await instrumentFetch(fake, { tracer })(long);
    await instrumentFetch(fake, { tracer, maxRecordedLength: 30 })(long);
    await instrumentFetch(fake, { tracer, maxRecordedLength: Infinity })(long);
    assert.deepEqual(
      memory.spans.map((s) => s.attributes["url.full"]),
      [long.slice(0, 2048), long.slice(0, 30), long],
    );
  });

  test("a short maxRecordedLength cuts the request's method, never http.request.method", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const traced = instrumentFetch(() => Promise.resolve(new Response("ok")), {
      tracer,
      maxRecordedLength: 2,
    });
    await traced("https://api.example.com/", { method: "FOOBAR" });
    await traced("https://api.example.com/");
    assert.deepEqual(
      memory.spans.map((s) => [
        s.attributes["http.request.method"],
        s.attributes["http.request.method_original"],
      ]),
      [["_OTHER", "FO"], ["GET", undefined]],
    );
  });

  test("a maxRecordedLength that is not a non-negative integer or Infinity is a RangeError", () => {
    for (const bad of [-1, 1.5, NaN, "10"]) {
      assert.throws(
        () =>
          instrumentFetch(() => Promise.resolve(new Response()), {
            maxRecordedLength: bad as never,
          }),
        /^RangeError: Cannot instrument fetch: maxRecordedLength must be a non-negative integer or Infinity/,
      );
    }
  });
  test("a fetch-like function that resolves to no Response still ends its span and resolves", async () => {
    const memory = new InMemorySpanProcessor();
    const fetch = instrumentFetch(() => Promise.resolve(undefined as unknown as Response), {
      tracer: new Tracer({ processors: [memory] }),
    });
    assert.equal(await fetch("http://a.test/"), undefined);
    assert.equal(memory.spans.length, 1);
    assert.equal(memory.spans[0].attributes["http.response.status_code"], undefined);
  });
});

/**
 * Runs `fn` (synchronous) where the globals look like a browser page's at
 * `origin`: no Deno, no process, a `location`. Everything is put back.
 */
function asBrowser<T>(origin: string, fn: () => T): T {
  const names = ["Deno", "process", "location"] as const;
  const saved = names.map((name) => Object.getOwnPropertyDescriptor(globalThis, name));
  try {
    for (const name of names) {
      const value = name === "location" ? { origin, href: `${origin}/app/` } : undefined;
      Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
    }
    return fn();
  } finally {
    names.forEach((name, i) => {
      if (saved[i] === undefined) delete (globalThis as Record<string, unknown>)[name];
      else Object.defineProperty(globalThis, name, saved[i]!);
    });
    assert.equal(typeof (globalThis as { process?: unknown }).process, "object", "put back");
  }
}

describe("instrumentFetch propagateTo", () => {
  function traced(propagateTo?: unknown, browserOrigin?: string) {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const calls: Call[] = [];
    const fake: FetchFunction = (input, init) => {
      calls.push({ input, init, headers: new Headers(init?.headers) });
      return Promise.resolve(new Response("ok"));
    };
    const options = { tracer, propagateTo: propagateTo as never };
    const fetch = browserOrigin === undefined
      ? instrumentFetch(fake, options)
      : asBrowser(browserOrigin, () => instrumentFetch(fake, options));
    return { memory, calls, fetch };
  }

  // Which of the calls carried traceparent, by URL.
  function withHeaders(calls: Call[]): string[] {
    return calls.filter((c) => c.headers.has("traceparent")).map((c) =>
      String(c.input instanceof Request ? c.input.url : c.input)
    );
  }

  test("a list: origins (strings) and RegExps (tested on the full URL) pick the requests with headers", async () => {
    const { memory, calls, fetch } = traced([
      "https://api.example.com/ignored/path",
      /^https:\/\/cdn\.example\.net\/traced\//,
    ]);
    const urls = [
      "https://api.example.com/v1/items",
      "https://api.example.com:8443/v1/items",
      "http://api.example.com/v1/items",
      "https://cdn.example.net/traced/a.js",
      "https://cdn.example.net/other/a.js",
      "https://third-party.test/collect",
    ];
    for (const url of urls) await fetch(url);
    assert.deepEqual(withHeaders(calls), [
      "https://api.example.com/v1/items",
      "https://cdn.example.net/traced/a.js",
    ]);
    // Every request is still traced.
    assert.deepEqual(memory.spans.map((s) => s.attributes["url.full"]), urls);
  });

  test("a request that gets no headers is passed on as the caller gave it", async () => {
    const { memory, calls, fetch } = traced(["https://api.example.com"]);
    const init = { method: "POST", headers: { accept: "text/plain" }, body: "x" };
    await fetch("https://elsewhere.test/", init);
    const request = new Request("https://elsewhere.test/r", { headers: { a: "1" } });
    await fetch(request);
    assert.equal(calls[0].init, init);
    assert.deepEqual(init.headers, { accept: "text/plain" });
    assert.equal(calls[1].input, request);
    assert.equal(calls[1].init, undefined);
    assert.deepEqual([...request.headers], [["a", "1"]]);
    assert.equal(memory.spans.length, 2);
    assert.equal(memory.spans[0].name, "POST");
  });

  test("a function decides from the request's URL", async () => {
    const seen: unknown[] = [];
    const { memory, calls, fetch } = traced((url: URL) => {
      seen.push(url);
      return url.hostname.endsWith(".internal");
    });
    await fetch("http://orders.internal/x");
    await fetch(new Request("https://public.test/y"));
    assert.deepEqual(withHeaders(calls), ["http://orders.internal/x"]);
    assert.ok(seen.every((url) => url instanceof URL));
    assert.deepEqual(seen.map(String), ["http://orders.internal/x", "https://public.test/y"]);
    assert.equal(memory.spans.length, 2);
  });

  test("a function that throws means no headers: the request goes out traced, and it is reported once", async () => {
    let memory!: InMemorySpanProcessor;
    let calls!: Call[];
    const warned = await captureWarnings(async () => {
      const t = traced(() => {
        throw new Error("bad rule");
      });
      ({ memory, calls } = t);
      assert.equal(await (await t.fetch("https://a.test/")).text(), "ok");
      await t.fetch("https://b.test/");
    });
    assert.deepEqual(withHeaders(calls), []);
    assert.equal(memory.spans.length, 2);
    assert.equal(warned.filter((w) => /propagateTo/.test(w)).length, 1, warned.join("\n"));
    assert.match(warned.join("\n"), /Error: bad rule/);
  });

  test("a RegExp with the g flag matches every time; a function's non-boolean answer means no headers", async () => {
    const listed = traced([/internal/g]);
    await listed.fetch("https://a.internal/");
    await listed.fetch("https://b.internal/");
    assert.equal(withHeaders(listed.calls).length, 2);
    const warned = await captureWarnings(async () => {
      const promised = traced(() => Promise.resolve(true));
      await promised.fetch("https://a.test/");
      assert.deepEqual(withHeaders(promised.calls), []);
    });
    assert.match(warned.join("\n"), /propagateTo returned object, not a boolean/);
  });

  test("without propagateTo, every request gets the headers where there is no CORS (servers)", async () => {
    const { calls, fetch } = traced();
    await fetch("https://a.test/");
    await fetch("https://b.test/");
    assert.equal(withHeaders(calls).length, 2);
  });

  test("in a browser, by default only requests to the page's own origin get the headers", async () => {
    const { memory, calls, fetch } = traced(undefined, "https://app.example.com");
    await fetch("https://app.example.com/api/items");
    await fetch("https://cdn.example.net/lib.js");
    await fetch("https://api.example.com/v1");
    assert.deepEqual(withHeaders(calls), ["https://app.example.com/api/items"]);
    assert.deepEqual(memory.spans.map((s) => s.attributes["url.full"]), [
      "https://app.example.com/api/items",
      "https://cdn.example.net/lib.js",
      "https://api.example.com/v1",
    ]);
    assert.equal(calls[1].init, undefined);
  });

  test("in a browser, propagateTo adds origins to the page's own", async () => {
    const { calls, fetch } = traced(["https://api.example.com"], "https://app.example.com");
    await fetch("https://app.example.com/api/items");
    await fetch("https://cdn.example.net/lib.js");
    await fetch("https://api.example.com/v1");
    assert.deepEqual(withHeaders(calls), [
      "https://app.example.com/api/items",
      "https://api.example.com/v1",
    ]);
  });

  test("an entry that is no origin, or a propagateTo of another type, is a TypeError", () => {
    for (
      const bad of [
        ["api.example.com"],
        ["localhost:8080"],
        [""],
        [42],
        [null],
        "https://a.test",
        7,
        {},
        null,
      ]
    ) {
      assert.throws(
        () => instrumentFetch(() => Promise.resolve(new Response()), { propagateTo: bad as never }),
        (e: unknown) =>
          e instanceof TypeError && /^Cannot instrument fetch: propagateTo /.test(e.message),
        JSON.stringify(bad),
      );
    }
  });

  test("in a browser, a relative URL is resolved as fetch resolves it: against the document's base URL", async () => {
    // A <base href> on another origin sends fetch("items") there: no trace
    // headers by default, and url.full says where the request went.
    const { memory, calls, fetch } = traced(undefined, "https://app.example.com");
    const document = { baseURI: "https://api.other.example/v1/" };
    const pending = asBrowser("https://app.example.com", () => {
      Object.defineProperty(globalThis, "document", { value: document, configurable: true });
      try {
        return fetch("items");
      } finally {
        delete (globalThis as { document?: unknown }).document;
      }
    });
    await pending;
    assert.deepEqual(withHeaders(calls), []);
    assert.equal(memory.spans[0].attributes["url.full"], "https://api.other.example/v1/items");
  });

  test("a RegExp with the y flag stays anchored at the start of the URL, on every request", async () => {
    // Sticky: it matches only where it starts, 0; without the flag it would
    // match a URL that merely contains the origin, and send it the headers.
    const { calls, fetch } = traced([/https:\/\/api\.example\.com\//y]);
    await fetch("https://api.example.com/a");
    await fetch("https://elsewhere.test/?next=https://api.example.com/");
    await fetch("https://api.example.com/b");
    assert.deepEqual(withHeaders(calls), [
      "https://api.example.com/a",
      "https://api.example.com/b",
    ]);
  });
});
