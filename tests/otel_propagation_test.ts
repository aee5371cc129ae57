// TracerProvider.register() installs W3C propagators for @opentelemetry/api,
// so instrumentations (here Node's fetch through
// @opentelemetry/instrumentation-undici) carry one trace between services.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { connect } from "node:net";
import {
  context,
  propagation,
  SpanKind,
  type TextMapPropagator,
  trace,
  type TraceState as OtelTraceState,
} from "@opentelemetry/api";
import { InMemorySpanProcessor, propagationStats, type Span, Tracer, withSpan } from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import { TracerProvider } from "../otel.ts";
import { withCleanGlobals } from "./_otel_globals.ts";
import { captureWarnings, isBun, isDeno, waitUntil } from "./_helpers.ts";
import { type Served, serveNode } from "./_loopback_server.ts";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("TracerProvider.register() and the global propagator", () => {
  test("installs W3C trace context and baggage: an API span's headers carry its ids, tracestate and baggage", async () => {
    await withCleanGlobals(() => {
      new TracerProvider().register();
      trace.getTracer("client").startActiveSpan("GET", (span) => {
        const headers: Record<string, string> = {};
        const withState = trace.setSpanContext(context.active(), {
          ...span.spanContext(),
          traceState: { serialize: () => "rojo=00f067aa0ba902b7" } as OtelTraceState,
        });
        const withBaggage = propagation.setBaggage(
          withState,
          propagation.createBaggage({ user: { value: "ada lovelace" } }),
        );
        propagation.inject(withBaggage, headers);
        const { traceId, spanId, traceFlags } = span.spanContext();
        const flags = traceFlags.toString(16).padStart(2, "0");
        assert.equal(headers.traceparent, `00-${traceId}-${spanId}-${flags}`);
        assert.equal(headers.tracestate, "rojo=00f067aa0ba902b7");
        assert.equal(headers.baggage, "user=ada%20lovelace");
        span.end();
      });
    });
  });

  test("an extracted traceparent parents the next API span, and baggage comes along", async () => {
    await withCleanGlobals(() => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const extracted = propagation.extract(context.active(), {
        traceparent: TRACEPARENT,
        tracestate: "congo=t61rcWkgMzE",
        baggage: "tenant=acme;ttl=60",
      });
      assert.equal(propagation.getBaggage(extracted)?.getEntry("tenant")?.value, "acme");
      context.with(extracted, () => trace.getTracer("server").startSpan("handle").end());
      const [span] = memory.spans;
      assert.equal(span.context.traceId, "0af7651916cd43dd8448eb211c80319c");
      assert.equal(span.context.parentSpanId, "b7ad6b7169203331");
      assert.equal(span.context.traceState, "congo=t61rcWkgMzE");
    });
  });

  // W3C Trace Context Level 2: "Vendors receiving a tracestate request header
  // MUST send it to outgoing requests"; its keys may start with a digit and
  // hold "@" anywhere after the first character; a list of 32 members may be
  // far longer than 512 characters, and is then truncated by whole entries.
  test("a tracestate goes through extract and inject whole: over 512 characters, with Level 2 keys", async () => {
    await withCleanGlobals(() => {
      new TracerProvider().register();
      const state = [
        "foo@=1",
        "a@b@c=2",
        "1vendor=3",
        ...Array.from({ length: 8 }, (_, i) => `k${i}=${"x".repeat(100)}`),
      ].join(",");
      assert.ok(state.length > 512);
      const extracted = propagation.extract(context.active(), {
        traceparent: TRACEPARENT,
        tracestate: state,
      });
      assert.equal(trace.getSpanContext(extracted)?.traceState?.serialize(), state);
      const passedOn: Record<string, string> = {};
      propagation.inject(extracted, passedOn);
      assert.equal(passedOn.tracestate, state);
      // An API span under it carries it too, in its spanContext() and headers.
      const span = trace.getTracer("server").startSpan("handle", {}, extracted);
      const child = span.spanContext().traceState;
      assert.equal(child?.serialize(), state);
      const sent: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), sent);
      assert.equal(sent.tracestate, state);
      // Its mutations are the specification's: a set key moves to the front.
      assert.equal(child?.set("k7", "y").serialize().slice(0, 14), "k7=y,foo@=1,a@");
      assert.equal(child?.get("a@b@c"), "2");
      assert.equal(child?.unset("foo@").get("foo@"), undefined);
      span.end();
    });
  });

  test("a malformed traceparent is dropped and counted, and nothing is injected while tracing is suppressed", async () => {
    await withCleanGlobals(async () => {
      new TracerProvider().register();
      const before = propagationStats().traceparent;
      const extracted = propagation.extract(context.active(), { traceparent: "00-zz-zz-01" });
      assert.equal(trace.getSpanContext(extracted), undefined);
      assert.equal(propagationStats().traceparent, before + 1);
      const { suppressTracing } = await import("@opentelemetry/core");
      const headers: Record<string, string> = {};
      const span = trace.getTracer("exporter").startSpan("POST");
      propagation.inject(suppressTracing(trace.setSpan(context.active(), span)), headers);
      span.end();
      assert.deepEqual(headers, {});
    });
  });

  test("{ propagator: null } installs none, and a given propagator is installed instead", async () => {
    await withCleanGlobals(() => {
      assert.equal(new TracerProvider().register({ propagator: null }), true);
      assert.deepEqual(propagation.fields(), []);
    });
    await withCleanGlobals(() => {
      const mine: TextMapPropagator = {
        inject: (_ctx, carrier, setter) => setter.set(carrier, "x-mine", "1"),
        extract: (ctx) => ctx,
        fields: () => ["x-mine"],
      };
      new TracerProvider().register({ propagator: mine });
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      assert.deepEqual(headers, { "x-mine": "1" });
    });
  });

  test("a propagator another SDK installed is kept, with one warning that names it", async () => {
    await withCleanGlobals(async () => {
      const { W3CBaggagePropagator } = await import("@opentelemetry/core");
      const theirs = new W3CBaggagePropagator();
      propagation.setGlobalPropagator(theirs);
      const warnings = await captureWarnings(() => {
        new TracerProvider().register();
        trace.disable();
        new TracerProvider().register();
      });
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /W3CBaggagePropagator/);
      assert.match(warnings[0], /propagator: null/);
      assert.deepEqual(propagation.fields(), theirs.fields());
    });
  });

  test("with another provider global, register() still installs the propagator and context manager, as the SDK's does", async () => {
    await withCleanGlobals(async () => {
      const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      let registered: boolean | undefined;
      const warnings = await captureWarnings(() => {
        registered = new TracerProvider().register();
      });
      assert.equal(registered, false);
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /BasicTracerProvider/);
      assert.deepEqual(propagation.fields(), ["traceparent", "tracestate", "baggage"]);
      // The bridge: a span current in this library is current for the API.
      const span = new Tracer().startSpan("ours");
      withSpan(span, () => {
        assert.equal(trace.getActiveSpan()?.spanContext().spanId, span.context.spanId);
      });
      span.end();
    });
  });

  test("registering twice keeps the one W3C propagator and says nothing", async () => {
    await withCleanGlobals(async () => {
      const provider = new TracerProvider();
      const warnings = await captureWarnings(() => {
        provider.register();
        provider.register();
      });
      assert.deepEqual(warnings, []);
      assert.deepEqual(propagation.fields(), ["traceparent", "tracestate", "baggage"]);
    });
  });

  // OpenTelemetry's error handling: "API methods MUST NOT throw unhandled
  // exceptions when used incorrectly by end users". The SDK's registered
  // propagator (a CompositePropagator) catches what each part throws.
  test("propagation.inject and extract never throw into the caller; what can be carried still is", async () => {
    await withCleanGlobals(async () => {
      new TracerProvider().register();
      const withSpan = trace.setSpanContext(context.active(), {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: 1,
      });
      const withBoth = propagation.setBaggage(
        withSpan,
        propagation.createBaggage({ tenant: { value: "acme" } }),
      );
      const warnings = await captureWarnings(() => {
        // No context, or something that is no span under the span key.
        propagation.inject(null as never, {});
        const notASpan = context.active().setValue(
          Symbol.for("OpenTelemetry Context Key SPAN"),
          {},
        );
        propagation.inject(notASpan, {});
        // A setter that refuses the trace headers still lets baggage through.
        const headers: Record<string, string> = {};
        propagation.inject(withBoth, headers, {
          set(carrier: Record<string, string>, key: string, value: string) {
            if (key !== "baggage") throw new Error("read-only header");
            carrier[key] = value;
          },
        });
        assert.deepEqual(headers, { baggage: "tenant=acme" });
        // A getter that throws for baggage still gives the trace context.
        const extracted = propagation.extract(context.active(), {}, {
          get(_carrier: unknown, key: string) {
            if (key === "baggage") throw new Error("unreadable header");
            return key === "traceparent" ? TRACEPARENT : undefined;
          },
          keys: () => [],
        });
        assert.equal(trace.getSpanContext(extracted)?.spanId, "b7ad6b7169203331");
        assert.equal(propagation.extract(null as never, { traceparent: TRACEPARENT }), null);
      });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /propagat/);
    });
  });

  test("a propagator that is not one is a TypeError", () => {
    assert.throws(
      () => new TracerProvider().register({ propagator: 42 as never }),
      { name: "TypeError", message: /^Cannot register TracerProvider: propagator/ },
    );
  });
});

test("another instrumentation's server span around a traced handler or listener (@opentelemetry/instrumentation-http's, @hono/otel's): ours is its child, in its trace", async () => {
  // Ours took its parent from the request's headers alone: without a
  // traceparent the root of a second trace for one request, with one that
  // span's sibling.
  await withCleanGlobals(async () => {
    const memory = new InMemorySpanProcessor();
    new TracerProvider({ processors: [memory] }).register();
    const tracer = new Tracer({ processors: [memory] });
    const handler = traceHandler(() => {
      tracer.startSpan("work").end();
      return new Response("ok");
    }, { tracer });
    const listener = traceRequestListener(
      (_req, res: EventEmitter & { statusCode: number; end(): void }) => {
        tracer.startSpan("work").end();
        res.end();
      },
      { tracer },
    );
    // What such an instrumentation does for each request: a server span,
    // current while the application's handler runs.
    const other = trace.getTracer("@opentelemetry/instrumentation-http");
    const around = (headers: Record<string, string>, run: () => Promise<void>) =>
      other.startActiveSpan(
        "GET",
        { kind: SpanKind.SERVER },
        propagation.extract(context.active(), headers),
        async (span) => {
          try {
            await run();
          } finally {
            span.end();
          }
        },
      );
    for (const headers of [{}, { traceparent: TRACEPARENT }] as Record<string, string>[]) {
      memory.clear();
      await around(headers, async () => {
        await (await handler(new Request("http://x/a", { headers }))).text();
      });
      await around(headers, () => {
        const res = Object.assign(new EventEmitter(), {
          statusCode: 200,
          end: () => res.emit("finish") && res.emit("close"),
        });
        listener({ method: "GET", url: "/b", headers: { host: "x", ...headers } }, res);
        return Promise.resolve();
      });
      const servers = memory.spans.filter((s) => s.kind === "server");
      assert.equal(servers.length, 4);
      const theirs = servers.filter((s) =>
        s.instrumentationScope?.name === "@opentelemetry/instrumentation-http"
      );
      const ours = servers.filter((s) => !theirs.includes(s));
      assert.equal(theirs.length, 2);
      assert.deepEqual(ours.map((s) => s.attributes["url.path"]), ["/a", "/b"]);
      for (let i = 0; i < 2; i++) {
        assert.equal(
          theirs[i].context.parentSpanId,
          headers.traceparent === undefined ? undefined : "b7ad6b7169203331",
        );
        assert.equal(ours[i].context.traceId, theirs[i].context.traceId);
        assert.equal(ours[i].context.parentSpanId, theirs[i].context.spanId);
      }
      for (const work of memory.spans.filter((s) => s.name === "work")) {
        assert.ok(ours.some((s) => s.context.spanId === work.context.parentSpanId));
      }
    }
  });
});

test("under another instrumentation that bound req and res to its own server span (@opentelemetry/instrumentation-http does), the listeners the app adds to them run in our server span", async () => {
  // The emitter kept the first binding: they ran in the other span, and the
  // spans they started were our server span's siblings.
  await withCleanGlobals(() => {
    const memory = new InMemorySpanProcessor();
    new TracerProvider({ processors: [memory] }).register();
    const tracer = new Tracer({ processors: [memory] });
    const listener = traceRequestListener((
      req: EventEmitter & { headers: Record<string, string> },
      res: EventEmitter & { statusCode: number },
    ) => {
      req.on("end", () => tracer.startSpan("on end").end());
      res.once("finish", () => tracer.startSpan("on finish").end());
      req.on("data", onData);
    }, { tracer });
    const onData = () => {};
    const req = Object.assign(new EventEmitter(), { method: "GET", url: "/", headers: {} });
    const res = Object.assign(new EventEmitter(), { statusCode: 200 });
    trace.getTracer("@opentelemetry/instrumentation-http").startActiveSpan(
      "GET",
      { kind: SpanKind.SERVER },
      (span) => {
        context.bind(context.active(), req);
        context.bind(context.active(), res);
        // The same listener under both bindings: each comes off.
        req.on("data", onData);
        listener(req, res);
        span.end();
      },
    );
    // Emitted as node:http does, from the connection's context.
    req.emit("end");
    res.emit("finish");
    res.emit("close");
    const ours = memory.spans.find((s) =>
      s.kind === "server" && s.instrumentationScope?.name !== "@opentelemetry/instrumentation-http"
    );
    assert.ok(ours !== undefined);
    const late = memory.spans.filter((s) => s.name.startsWith("on "));
    assert.deepEqual(late.map((s) => s.name), ["on end", "on finish"]);
    for (const span of late) {
      assert.equal(span.context.parentSpanId, ours.context.spanId, span.name);
    }
    assert.equal(req.listenerCount("data"), 2);
    req.removeListener("data", onData);
    req.removeListener("data", onData);
    assert.equal(req.listenerCount("data"), 0);
  });
});

test(
  "one trace across two loopback services, through Node's fetch instrumented by @opentelemetry/instrumentation-undici (Node only: its fetch is undici)",
  { timeout: 120_000, skip: isDeno || isBun },
  async () => {
    await withUndici(async (memory) => {
      const services: Served[] = [];
      try {
        const tracer = new Tracer({ name: "services", processors: [memory] });
        const b = await serveNode(
          traceRequestListener((_req, res) => res.end("from b"), { tracer }),
        );
        services.push(b);
        // A calls B with the global fetch, which only the instrumentation traces.
        const a = await serveNode(traceRequestListener(async (_req, res) => {
          res.end(await (await fetch(b.url)).text());
        }, { tracer }));
        services.push(a);

        assert.equal(await (await fetch(a.url)).text(), "from b");
        await waitUntil(() => memory.spans.length >= 4, "four spans");

        const servers = memory.spans.filter((s) => s.kind === "server");
        const clients = memory.spans.filter((s) =>
          s.instrumentationScope?.name === "@opentelemetry/instrumentation-undici"
        );
        assert.equal(servers.length, 2);
        assert.equal(clients.length, 2);
        const byParent = (parent: Span) =>
          memory.spans.find((s) => s.context.parentSpanId === parent.context.spanId);
        const [outer] = clients.filter((c) => c.context.parentSpanId === undefined);
        const aServer = byParent(outer);
        const aCall = aServer && byParent(aServer);
        const bServer = aCall && byParent(aCall);
        assert.ok(
          aServer && aCall && bServer,
          "client → A → A's fetch → B, each the next's parent",
        );
        assert.equal(aServer.kind, "server");
        assert.equal(aCall.instrumentationScope?.name, "@opentelemetry/instrumentation-undici");
        assert.equal(bServer.kind, "server");
        assert.deepEqual(
          new Set(memory.spans.map((s) => s.context.traceId)),
          new Set([outer.context.traceId]),
        );
      } finally {
        await Promise.all(services.map((s) => s.close()));
      }
    });
  },
);

test(
  "under the real @opentelemetry/instrumentation-http, a traced node:http listener's server span is the child of its server span, in its trace (Node only: it patches Node's http module)",
  { timeout: 120_000, skip: isDeno || isBun },
  async () => {
    // "another instrumentation's server span …" plays it through the API;
    // this runs it, as a service started with Node's auto-instrumentation does.
    const { HttpInstrumentation } = await import("@opentelemetry/instrumentation-http");
    await withInstrumentation(() => new HttpInstrumentation(), async (memory) => {
      // It patches the http module when that is next required: its server
      // prototype, which every node:http server shares.
      const { createRequire } = await import("node:module");
      createRequire(import.meta.url)("node:http");
      let service: Served | undefined;
      try {
        const tracer = new Tracer({ name: "app", processors: [memory] });
        // The instrumentation binds req and res to its own span; listeners
        // the application adds inside ours run in ours.
        service = await serveNode(traceRequestListener((req, res) => {
          tracer.startSpan("work").end();
          res.once("finish", () => tracer.startSpan("on finish").end());
          req.on("end", () => {
            tracer.startSpan("on end").end();
            res.end("ok");
          });
          req.resume();
        }, { tracer }));
        for (const headers of [{}, { traceparent: TRACEPARENT }] as Record<string, string>[]) {
          memory.clear();
          // Over a socket of its own, not through Node's http client, which
          // the instrumentation would also trace.
          assert.match(await rawGet(service.port, "/x", headers), /^HTTP\/1\.1 200/);
          await waitUntil(() => memory.spans.length >= 5, "five spans");
          const theirs = memory.spans.filter((s) =>
            s.instrumentationScope?.name === "@opentelemetry/instrumentation-http"
          );
          const ours = memory.spans.filter((s) => s.instrumentationScope?.name === "app");
          assert.equal(theirs.length, 1);
          assert.equal(theirs[0].kind, "server");
          const server = ours.find((s) => s.kind === "server");
          assert.ok(server, "our server span");
          assert.equal(
            theirs[0].context.parentSpanId,
            headers.traceparent === undefined ? undefined : "b7ad6b7169203331",
          );
          assert.equal(server.context.traceId, theirs[0].context.traceId);
          assert.equal(server.context.parentSpanId, theirs[0].context.spanId);
          for (const name of ["work", "on end", "on finish"]) {
            const span = ours.find((s) => s.name === name);
            assert.equal(span?.context.parentSpanId, server.context.spanId, name);
          }
        }
      } finally {
        await service?.close();
      }
    });
  },
);

// A GET written to a socket, read to the end: its status line and headers.
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = connect(port, "127.0.0.1", () => {
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${lines.join("")}` +
          "Connection: close\r\n\r\n",
      );
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => void (received += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
}

// What @opentelemetry/instrumentation-undici does for each request of Node's
// fetch: a client span in the active context, and the global propagator's
// headers appended to the request's own.
function apiInstrumentedFetch(sent: { headers?: Headers; added?: Record<string, string> }) {
  return (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const span = trace.getTracer("undici-like").startSpan(
      "GET",
      { kind: SpanKind.CLIENT },
      context.active(),
    );
    const added: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), added);
    span.end();
    sent.headers = new Headers(init?.headers);
    sent.added = added;
    return Promise.resolve(new Response("ok"));
  };
}

describe("instrumentFetch over a fetch that @opentelemetry/api code instruments too", () => {
  test("one client span, and the request's headers are written once, naming it", async () => {
    await withCleanGlobals(async () => {
      const memory = new InMemorySpanProcessor();
      new TracerProvider({ processors: [memory] }).register();
      const tracer = new Tracer({ name: "app", processors: [memory] });
      const sent: { headers?: Headers; added?: Record<string, string> } = {};
      const tracedFetch = instrumentFetch(apiInstrumentedFetch(sent), { tracer });
      await tracer.span("job", async () => {
        await (await tracedFetch("http://127.0.0.1:9/orders")).text();
      });
      const clients = memory.spans.filter((s) => s.kind === "client");
      assert.deepEqual(clients.map((s) => s.instrumentationScope?.name), ["app"]);
      assert.deepEqual(sent.added, {}, "no second traceparent appended");
      assert.match(
        sent.headers?.get("traceparent") ?? "",
        new RegExp(`-${clients[0].context.spanId}-`),
      );
    });
  });

  test("a request propagateTo leaves without headers gets none from the instrumentation either", async () => {
    await withCleanGlobals(async () => {
      new TracerProvider().register();
      const sent: { headers?: Headers; added?: Record<string, string> } = {};
      const tracer = new Tracer();
      const tracedFetch = instrumentFetch(apiInstrumentedFetch(sent), {
        tracer,
        propagateTo: ["https://api.shop.example"],
      });
      await tracer.span("job", async () => {
        await (await tracedFetch("https://elsewhere.example/")).text();
      });
      assert.equal(sent.headers?.get("traceparent"), null);
      assert.deepEqual(sent.added, {});
    });
  });
});

test(
  "instrumentFetch with @opentelemetry/instrumentation-undici enabled too: one client span, one traceparent (Node only: its fetch is undici)",
  { timeout: 120_000, skip: isDeno || isBun },
  async () => {
    await withUndici(async (memory) => {
      const received: (string[] | undefined)[] = [];
      const server = await serveNode((req, res) => {
        received.push(req.headersDistinct.traceparent);
        res.end("ok");
      });
      try {
        const tracer = new Tracer({ name: "app", processors: [memory] });
        const tracedFetch = instrumentFetch(fetch, { tracer });
        await tracer.span("job", async () => {
          await (await tracedFetch(server.url)).text();
        });
        const clients = memory.spans.filter((s) => s.kind === "client");
        assert.deepEqual(clients.map((s) => s.instrumentationScope?.name), ["app"]);
        assert.equal(received.length, 1);
        assert.deepEqual(received[0]?.map((v) => v.split("-")[2]), [clients[0].context.spanId]);
      } finally {
        await server.close();
      }
    });
  },
);

// Node's fetch traced by the real undici instrumentation for the length of
// `fn`, its spans and @opentelemetry/api's going to `memory`.
async function withUndici(fn: (memory: InMemorySpanProcessor) => Promise<void>): Promise<void> {
  const { UndiciInstrumentation } = await import("@opentelemetry/instrumentation-undici");
  await withInstrumentation(() => new UndiciInstrumentation(), fn);
}

// A real instrumentation enabled for the length of `fn`, made once the
// globals are clean (it enables itself as it is made), its spans and
// @opentelemetry/api's going to `memory`.
async function withInstrumentation(
  make: () => { enable(): void; disable(): void },
  fn: (memory: InMemorySpanProcessor) => Promise<void>,
): Promise<void> {
  await withCleanGlobals(async () => {
    const memory = new InMemorySpanProcessor();
    new TracerProvider({ processors: [memory] }).register();
    const instrumentation = make();
    instrumentation.enable();
    try {
      await fn(memory);
    } finally {
      instrumentation.disable();
    }
  });
}
