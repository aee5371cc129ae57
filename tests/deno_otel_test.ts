// Deno's built-in OpenTelemetry (OTEL_DENO=true) and this library in one
// process: a child `deno` runs two services (tests/fixtures/deno_otel_services.ts),
// Deno exports its spans to one loopback receiver and this library to
// another, and both sets of spans must form one trace.

import { test } from "node:test";
import assert from "node:assert/strict";
import { deferred, isDeno } from "./_helpers.ts";
import { runFixture } from "./_child_process.ts";
import { type JsonSpan, Receiver } from "./_otlp_receiver.ts";

function attribute(span: JsonSpan, key: string): unknown {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
}

/** Runs a fixture with `env` and returns what it printed; fails unless it exits 0. */
async function run(name: string, env: Record<string, string>): Promise<string> {
  const { code, stdout, stderr } = await runFixture(name, [], { env });
  assert.equal(code, 0, stderr);
  return stdout;
}

test(
  "with OTEL_DENO=true, one traceparent goes on the wire and Deno's spans and this library's form one trace (Deno only: spawns deno with its built-in OpenTelemetry)",
  { timeout: 120_000, skip: !isDeno },
  async () => {
    const denoReceiver = await Receiver.start();
    const ourReceiver = await Receiver.start();
    try {
      const out = await run("deno_otel_services", {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: denoReceiver.url.replace(/\/v1\/traces$/, ""),
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        SPANS_TEST_URL: ourReceiver.url,
      });
      const { received, injected, warnings } = JSON.parse(out.trim().split("\n").pop()!);
      const ours = ourReceiver.jsonSpans();
      const deno = denoReceiver.jsonSpans();

      // B got exactly one traceparent per request.
      assert.deepEqual(received.map((r: { path: string }) => r.path), ["/instrumented", "/plain"]);
      for (const { traceparent } of received) {
        assert.match(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/);
      }
      // And the tracestate the trace came in with, from instrumentFetch and
      // from Deno's propagators inside a span of ours (W3C Trace Context:
      // "Vendors receiving a tracestate request header MUST send it to
      // outgoing requests"). Deno's own fetch span carries none of its
      // parent's, so a plain fetch sends none: not asserted either way.
      assert.equal(received[0].tracestate, "congo=t61rcWkgMzE");
      assert.equal(injected.tracestate, "congo=t61rcWkgMzE");
      assert.equal(injected.traceparent?.split("-")[1], received[0].traceparent.split("-")[1]);

      // One trace: every span of ours and of Deno's.
      const checkout = ours.find((s) => s.name === "checkout")!;
      assert.ok(checkout, ours.map((s) => s.name).join());
      const others = [...ours, ...deno].filter((s) => s.name !== "entered");
      assert.deepEqual(
        [...new Set(others.map((s) => s.traceId))],
        [checkout.traceId],
        JSON.stringify(others.map((s) => [s.scope, s.name, s.traceId])),
      );
      for (const { traceparent } of received) {
        assert.equal(traceparent.split("-")[1], checkout.traceId);
      }

      // Parents cross the seam both ways.
      const all = new Map([...ours, ...deno].map((s) => [s.spanId, s]));
      const parentOf = (span: JsonSpan) => all.get(span.parentSpanId ?? "");
      const denoServe = deno.filter((s) => s.kind === 2); // SPAN_KIND_SERVER
      assert.equal(denoServe.length, 3, "Deno.serve traced A's request and B's two");
      const oursServer = ours.filter((s) => s.kind === 2);
      for (const server of oursServer) {
        assert.equal(parentOf(server)?.kind, 2, "our server span is a child of Deno's");
        assert.ok(deno.includes(parentOf(server)!));
      }
      const plain = ours.find((s) => s.name === "plain fetch")!;
      const denoFetch = deno.find((s) => parentOf(s) === plain);
      assert.equal(denoFetch?.kind, 3, "Deno's fetch span is a child of our span"); // CLIENT
      const apiSpan = deno.find((s) => s.name === "api span")!;
      assert.equal(parentOf(apiSpan)?.kind, 2, "the API span is a child of our server span");
      assert.equal(parentOf(ours.find((s) => s.name === "ours inside api span")!), apiSpan);

      // The exporters' requests are not traced, by Deno or by us.
      const exports = [...ours, ...deno].filter((s) =>
        String(attribute(s, "url.full") ?? "").includes("/v1/traces")
      );
      assert.deepEqual(exports, []);

      // What cannot work is said.
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /setCurrentSpan\(\) cannot make a span current/);
    } finally {
      await Promise.all([denoReceiver.close(), ourReceiver.close()]);
    }
  },
);

test(
  "with OTEL_DENO=true, traceRequestListener's server span is a child of Deno's node:http server span (Deno only: spawns deno with its built-in OpenTelemetry)",
  { timeout: 120_000, skip: !isDeno },
  async () => {
    const denoReceiver = await Receiver.start();
    const ourReceiver = await Receiver.start();
    try {
      await run("deno_otel_node_http", {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: denoReceiver.url.replace(/\/v1\/traces$/, ""),
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        SPANS_TEST_URL: ourReceiver.url,
      });
      const ours = ourReceiver.jsonSpans();
      const deno = denoReceiver.jsonSpans();
      const denoServer = deno.filter((s) => s.kind === 2); // SPAN_KIND_SERVER
      assert.equal(denoServer.length, 1, JSON.stringify(deno.map((s) => [s.name, s.kind])));
      const ourServer = ours.filter((s) => s.kind === 2);
      assert.equal(ourServer.length, 1, JSON.stringify(ours.map((s) => [s.name, s.kind])));
      assert.equal(ourServer[0].traceId, denoServer[0].traceId);
      assert.equal(
        ourServer[0].parentSpanId,
        denoServer[0].spanId,
        "our server span is a child of Deno's for the same request",
      );
    } finally {
      await Promise.all([denoReceiver.close(), ourReceiver.close()]);
    }
  },
);

test(
  "with OTEL_DENO=true, the OTLP exporter's socket transport reads chunked answers, retries, and times out (Deno only: spawns deno with its built-in OpenTelemetry)",
  { timeout: 120_000, skip: !isDeno },
  async () => {
    const receiver = await Receiver.start();
    const hung = deferred();
    // Node writes a body in chunks when the reply says so.
    const chunked = { "content-type": "application/json", "transfer-encoding": "chunked" };
    receiver.respond = async (_request, index) => {
      if (index === 0) {
        return { status: 503, headers: { ...chunked, "retry-after": "0" }, body: "{}" };
      }
      if (index === 1) {
        const partial = { partialSuccess: { rejectedSpans: "1", errorMessage: "bad span" } };
        return { status: 200, headers: chunked, body: JSON.stringify(partial) };
      }
      await hung.promise;
      return { status: 200 };
    };
    try {
      const out = await run("deno_otel_export", {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
        SPANS_TEST_URL: receiver.url,
        // Only the export meant to time out: the retried one has 60 s.
        SPANS_TEST_TIMEOUT_MS: "1000",
      });
      const [retried, timedOut] = JSON.parse(out.trim().split("\n").pop()!);
      assert.deepEqual(retried, {
        code: "success",
        rejected: 1,
        error: "OTLP backend rejected 1 of 1 spans: bad span",
      });
      assert.equal(timedOut.code, "failure");
      assert.match(timedOut.error, /timed out after 1000 ms/);
      assert.equal(receiver.requests.length, 3);
      // One span per request, so the spans' names are the requests' in order.
      assert.deepEqual(receiver.jsonSpans().map((s) => s.name), [
        "retried, then partly rejected",
        "retried, then partly rejected",
        "timed out",
      ]);
      assert.equal(receiver.requests[0].headers["content-type"], "application/json");
    } finally {
      hung.resolve();
      await receiver.close();
    }
  },
);

test(
  "with Deno's built-in OpenTelemetry metrics on and its tracing off, register() and addSpanProcessor() say once why @opentelemetry/api cannot take them, naming no owner that is not there (Deno only: spawns deno with its built-in OpenTelemetry)",
  { timeout: 120_000, skip: !isDeno },
  async () => {
    const receiver = await Receiver.start();
    try {
      for (
        const env of [
          { OTEL_DENO: "true", OTEL_DENO_TRACING: "false" },
          { OTEL_DENO_METRICS: "true" },
        ] as Record<string, string>[]
      ) {
        const out = await run("deno_otel_metrics_only", {
          ...env,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/traces$/, ""),
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        });
        const { registered, added, warnings } = JSON.parse(out.trim().split("\n").pop()!);
        assert.equal(registered, false, JSON.stringify(env));
        assert.equal(added, false, JSON.stringify(env));
        assert.equal(warnings.length, 1, `${JSON.stringify(env)}\n${warnings.join("\n")}`);
        assert.match(warnings[0], /Deno's built-in OpenTelemetry/);
        assert.match(warnings[0], /OTEL_DENO_TRACING=true/);
        assert.doesNotMatch(warnings[0], /NoopTracerProvider|already the global one/);
      }
    } finally {
      await receiver.close();
    }
  },
);
