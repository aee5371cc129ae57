// Out: this library's spans through real OpenTelemetry exporters.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { OTLPTraceExporter as OTLPHttpExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor as SdkBatchSpanProcessor,
  InMemorySpanExporter,
  type SpanExporter as OtelSpanExporter,
} from "@opentelemetry/sdk-trace-base";
import {
  BatchSpanProcessor as OurBatchSpanProcessor,
  InMemorySpanProcessor,
  SimpleSpanProcessor as OurSimpleSpanProcessor,
  type Span,
  SpanContext,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import {
  BatchSpanProcessor,
  fromOtelExporter,
  SimpleSpanProcessor,
  toOtelExporter,
  toReadableSpan,
} from "../otel.ts";
import { Receiver } from "./_otlp_receiver.ts";
import { Resource } from "../otlp.ts";
import { captureWarnings, isDeno } from "./_helpers.ts";
import { SDK_EXPORT_TIMEOUT_MS, SDK_MAX_QUEUE_SIZE } from "../src/otel/_sdk.ts";
import { runSnippet } from "./_child_process.ts";

const require = createRequire(import.meta.url);
// deno-lint-ignore no-explicit-any
const otlpRoot: any = require("otlp-transformer-0216/build/esm/generated/root.js");
const ExportTraceServiceRequest =
  otlpRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** A loopback OTLP receiver that answers 200 in the encoding each request came in. */
async function startReceiver(): Promise<Receiver> {
  const receiver = await Receiver.start();
  receiver.respond = (request) =>
    String(request.headers["content-type"]).includes("json")
      ? { status: 200, headers: { "content-type": "application/json" }, body: "{}" }
      : { status: 200, headers: { "content-type": "application/x-protobuf" } };
  return receiver;
}

// Both encodings normalised to one plain shape, so one set of checks serves.
// deno-lint-ignore no-explicit-any
type Any = any;
function hex(id: Any): string | undefined {
  if (id === undefined || id === null || id === "") return undefined;
  if (typeof id === "string") return id;
  return [...(id as Uint8Array)].map((b) => b.toString(16).padStart(2, "0")).join("") ||
    undefined;
}
function value(v: Any): unknown {
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("arrayValue" in v) return (v.arrayValue.values ?? []).map(value);
  throw new Error(`unexpected value ${JSON.stringify(v)}`);
}
function attrs(list: Any[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}
function normalise(request: Any) {
  return request.resourceSpans.map((rs: Any) => ({
    resource: attrs(rs.resource?.attributes),
    scopes: rs.scopeSpans.map((ss: Any) => ({
      scope: { name: ss.scope?.name, version: ss.scope?.version || undefined },
      spans: ss.spans.map((s: Any) => ({
        traceId: hex(s.traceId),
        spanId: hex(s.spanId),
        parentSpanId: hex(s.parentSpanId),
        traceState: s.traceState || undefined,
        name: s.name,
        kind: s.kind,
        start: String(s.startTimeUnixNano),
        end: String(s.endTimeUnixNano),
        attributes: attrs(s.attributes),
        droppedAttributesCount: s.droppedAttributesCount ?? 0,
        events: (s.events ?? []).map((e: Any) => ({
          name: e.name,
          time: String(e.timeUnixNano),
          attributes: attrs(e.attributes),
          droppedAttributesCount: e.droppedAttributesCount ?? 0,
        })),
        droppedEventsCount: s.droppedEventsCount ?? 0,
        links: (s.links ?? []).map((l: Any) => ({
          traceId: hex(l.traceId),
          spanId: hex(l.spanId),
          traceState: l.traceState || undefined,
          attributes: attrs(l.attributes),
          droppedAttributesCount: l.droppedAttributesCount ?? 0,
        })),
        droppedLinksCount: s.droppedLinksCount ?? 0,
        status: { code: s.status?.code ?? 0, message: s.status?.message || undefined },
        flags: s.flags,
      })),
    })),
  }));
}
function decodeJson(body: Uint8Array) {
  return normalise(JSON.parse(new TextDecoder().decode(body)));
}
function decodeProto(body: Uint8Array) {
  const message = ExportTraceServiceRequest.decode(body);
  return normalise(ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number }));
}

const T0 = 1_700_000_000_000.25; // exactly representable, so nanos are exact
const PARENT = new SpanContext({
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  traceState: "vendor=abc,other=1",
  isRemote: true,
});
const LINKED = new SpanContext({
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceState: "k=v",
});

/** One span with every field set, dropped counts included. */
function makeSpans(): Span[] {
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({
    name: "shop",
    version: "1.2.3",
    processors: [memory],
    limits: { attributeCountLimit: 6, eventCountLimit: 1, linkCountLimit: 1 },
  });
  const span = tracer.startSpan("charge card", {
    kind: "client",
    parent: PARENT,
    startTime: T0,
    attributes: { "http.method": "POST", "retry.count": 2, ratio: 0.5, cached: true },
  });
  span.setAttribute("tags", ["a", "b"]);
  span.setAttribute("codes", [200, 404]);
  span.setAttribute("over.limit", 1); // 7th: dropped
  span.addEvent("paid", { "payment.method": "card", amount: 12.5 }, T0 + 1.25);
  span.addEvent("second event"); // over the event limit: dropped
  span.addLink(LINKED, { "link.kind": "batch" });
  span.addLink(PARENT); // over the link limit: dropped
  span.setStatus("error", "card declined");
  span.end(T0 + 2.5);
  return memory.spans;
}

const RESOURCE = { "service.name": "shop", "deployment.environment": "test" };

function checkEveryField(decoded: ReturnType<typeof normalise>, span: Span): void {
  assert.equal(decoded.length, 1);
  const [rs] = decoded;
  assert.equal(rs.resource["service.name"], "shop");
  assert.equal(rs.resource["deployment.environment"], "test");
  assert.equal(rs.scopes.length, 1);
  assert.deepEqual(rs.scopes[0].scope, { name: "shop", version: "1.2.3" });
  assert.deepEqual(rs.scopes[0].spans, [{
    traceId: PARENT.traceId,
    spanId: span.context.spanId,
    parentSpanId: PARENT.spanId,
    traceState: "vendor=abc,other=1",
    name: "charge card",
    kind: 3, // SPAN_KIND_CLIENT
    start: "1700000000000250000",
    end: "1700000000002750000",
    attributes: {
      "http.method": "POST",
      "retry.count": 2,
      ratio: 0.5,
      cached: true,
      tags: ["a", "b"],
      codes: [200, 404],
    },
    droppedAttributesCount: 1,
    events: [{
      name: "paid",
      time: "1700000000001500000",
      attributes: { "payment.method": "card", amount: 12.5 },
      droppedAttributesCount: 0,
    }],
    droppedEventsCount: 1,
    links: [{
      traceId: LINKED.traceId,
      spanId: LINKED.spanId,
      traceState: "k=v",
      attributes: { "link.kind": "batch" },
      droppedAttributesCount: 0,
    }],
    droppedLinksCount: 1,
    status: { code: 2, message: "card declined" },
    flags: 0x301, // sampled; the parent is known to be remote (PARENT was extracted)
  }]);
}

const PENDING = Symbol("still pending");

// What `promise` settled to within a generous bound, or PENDING: a promise
// that never settles fails its test instead of hanging it.
async function settledWithin<T>(promise: Promise<T>, ms = 30_000): Promise<T | typeof PENDING> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

// Loopback receivers and the SDK loaded at run time: a timeout of their own,
// not the runner's default.
const IO = { timeout: 120_000 };

describe("OTLP export through OpenTelemetry's own exporters", () => {
  test(
    "OTLP/HTTP JSON carries every field of this library's span to the receiver",
    IO,
    async () => {
      const receiver = await startReceiver();
      const exporter = fromOtelExporter(new OTLPHttpExporter({ url: receiver.url }), {
        resource: RESOURCE,
      });
      try {
        const spans = makeSpans();
        assert.deepEqual(await exporter.export(spans), { code: "success" });
        assert.equal(receiver.requests.length, 1);
        assert.match(String(receiver.requests[0].headers["content-type"]), /application\/json/);
        checkEveryField(decodeJson(receiver.requests[0].body), spans[0]);
      } finally {
        await exporter.shutdown?.();
        await receiver.close();
      }
    },
  );

  test("OTLP/HTTP protobuf carries every field, decoded with the official schema", IO, async () => {
    const receiver = await startReceiver();
    const exporter = fromOtelExporter(new OTLPProtoExporter({ url: receiver.url }), {
      resource: RESOURCE,
    });
    try {
      const spans = makeSpans();
      assert.deepEqual(await exporter.export(spans), { code: "success" });
      assert.equal(receiver.requests.length, 1);
      assert.equal(receiver.requests[0].headers["content-type"], "application/x-protobuf");
      checkEveryField(decodeProto(receiver.requests[0].body), spans[0]);
    } finally {
      await exporter.shutdown?.();
      await receiver.close();
    }
  });

  test(
    "this entry's BatchSpanProcessor in a Tracer sends spans through OTLPTraceExporter",
    IO,
    async () => {
      const receiver = await startReceiver();
      const processor = new BatchSpanProcessor(new OTLPProtoExporter({ url: receiver.url }), {
        resource: RESOURCE,
      });
      try {
        const tracer = new Tracer({ name: "shop", processors: [processor] });
        await tracer.span("parent", async () => {
          await Promise.resolve();
          tracer.startSpan("child").end();
        });
        await processor.forceFlush();
        const [rs] = decodeProto(receiver.requests[0].body);
        const [child, parent] = rs.scopes[0].spans;
        assert.deepEqual([child.name, parent.name], ["child", "parent"]);
        assert.equal(child.parentSpanId, parent.spanId);
        assert.equal(rs.resource["service.name"], "shop");
      } finally {
        await processor.shutdown();
        await receiver.close();
      }
    },
  );

  test(
    "this library's own BatchSpanProcessor exports through OTLPTraceExporter on its interval",
    IO,
    async () => {
      const receiver = await startReceiver();
      const time = new ManualTime();
      const processor = new OurBatchSpanProcessor(
        fromOtelExporter(new OTLPHttpExporter({ url: receiver.url }), { resource: RESOURCE }),
        { scheduler: time, clock: time, flushOnExit: false },
      );
      try {
        const tracer = new Tracer({ name: "shop", processors: [processor], clock: time });
        tracer.span("parent", () => tracer.startSpan("child").end());
        assert.equal(receiver.requests.length, 0);
        await time.tick(5000);
        await processor.forceFlush();
        assert.equal(receiver.requests.length, 1);
        const [rs] = decodeJson(receiver.requests[0].body);
        assert.deepEqual(rs.scopes[0].spans.map((s: { name: string }) => s.name), [
          "child",
          "parent",
        ]);
        assert.equal(rs.resource["service.name"], "shop");
        assert.deepEqual(processor.stats(), {
          ended: 2,
          exported: 2,
          dropped: 0,
          failed: 0,
          queued: 0,
        });
      } finally {
        await processor.shutdown();
        await receiver.close();
      }
    },
  );

  test("a failing OpenTelemetry exporter reports failure, not a throw", async () => {
    const broken: OtelSpanExporter = {
      export: (_spans, done) => done({ code: 1, error: new Error("backend down") }),
      shutdown: () => Promise.resolve(),
    };
    const result = await fromOtelExporter(broken).export(makeSpans());
    assert.equal(result.code, "failure");
    assert.match(result.error?.message ?? "", /backend down/);
    const throwing: OtelSpanExporter = {
      export: () => {
        throw new Error("sync throw");
      },
      shutdown: () => Promise.resolve(),
    };
    assert.equal((await fromOtelExporter(throwing).export(makeSpans())).code, "failure");
  });

  // An exporter written as `async export(spans, callback)` that throws never
  // calls back. Its rejection went unhandled (which ends a Node process), and
  // the batch waited for the processor's deadline, or, behind the SDK's
  // SimpleSpanProcessor, which has none, for ever.
  test("an OpenTelemetry exporter whose async export rejects fails its batch at once, in this library's processors and the SDK's", async () => {
    const rejecting: OtelSpanExporter = {
      export: async () => {
        await Promise.resolve();
        throw new Error("backend down");
      },
      shutdown: () => Promise.resolve(),
    };
    const result = await settledWithin(fromOtelExporter(rejecting).export(makeSpans()));
    assert.notEqual(result, PENDING, "the export settles");
    assert.equal((result as { code: string }).code, "failure");
    assert.match((result as { error?: Error }).error?.message ?? "", /backend down/);

    const processor = new SimpleSpanProcessor(rejecting);
    try {
      new Tracer({ processors: [processor] }).startSpan("a").end();
      const flushed = await settledWithin(
        processor.forceFlush().then(() => "flushed", (error: Error) => error.message),
      );
      assert.equal(flushed, "backend down", "the SDK's processor hears of the failure");
    } finally {
      await settledWithin(processor.shutdown().catch(() => {}));
    }
  });

  // @opentelemetry/resources 2.x: a resource's attributes leave out every
  // async one until waitForAsyncAttributes() has run, which the SDK's span
  // processors call before they export; an exporter reads them at once.
  test("a resource with async attributes is exported with them, settled first, as the SDK's processors do", async () => {
    let settle!: (value: string) => void;
    const resource = resourceFromAttributes({
      "service.name": "shop",
      "host.id": new Promise<string>((resolve) => (settle = resolve)),
    });
    const sent: Record<string, unknown>[] = [];
    const capturing: OtelSpanExporter = {
      // As OTLPTraceExporter does: the request is serialized as export is called.
      export: (spans, done) => {
        const body = JsonTraceSerializer.serializeRequest(spans)!;
        sent.push(
          attrs(JSON.parse(new TextDecoder().decode(body)).resourceSpans[0].resource.attributes),
        );
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    };
    const exporter = fromOtelExporter(capturing, { resource });
    // Aborted while waiting: failed, and nothing half-resolved is sent.
    const controller = new AbortController();
    const aborted = exporter.export(makeSpans(), controller.signal);
    controller.abort(new Error("export timeout"));
    assert.equal((await aborted).code, "failure");
    const pending = exporter.export(makeSpans());
    settle("machine-1");
    assert.deepEqual(await pending, { code: "success" });
    assert.deepEqual(sent, [{ "service.name": "shop", "host.id": "machine-1" }]);
  });

  test("a signal aborted before the OpenTelemetry exporter is called resolves the export as failed", async () => {
    let calls = 0;
    const counting: OtelSpanExporter = {
      export: () => void calls++,
      shutdown: () => Promise.resolve(),
    };
    const controller = new AbortController();
    controller.abort(new Error("export timeout"));
    const result = await fromOtelExporter(counting).export(makeSpans(), controller.signal);
    assert.equal(result.code, "failure");
    assert.match(result.error?.message ?? "", /export timeout/);
    assert.equal(calls, 0);
  });

  test("once called, an OpenTelemetry export settles when it calls back, so a processor never runs two at once", async () => {
    // "The processor MUST synchronize calls to Span Exporter's Export to
    // make sure that they are not invoked concurrently" (trace/sdk.md). An
    // abort resolved the adapter's export at once, while the OpenTelemetry
    // call went on, and the next export started beside it.
    for (const kind of ["batch", "simple"] as const) {
      const time = new ManualTime(0);
      let running = 0;
      let most = 0;
      let calls = 0;
      const slowFirst: OtelSpanExporter = {
        export(_spans, callback) {
          const n = ++calls;
          running++;
          most = Math.max(most, running);
          time.setTimeout(() => {
            running--;
            callback({ code: 0 });
            // The first outlasts the processor's exportTimeoutMs (1000),
            // not the one more it then waits before it goes on regardless.
          }, n === 1 ? 1500 : 10);
        },
        shutdown: () => Promise.resolve(),
      };
      const exporter = fromOtelExporter(slowFirst);
      const processor = kind === "batch"
        ? new OurBatchSpanProcessor(exporter, {
          clock: time,
          scheduler: time,
          exportTimeoutMs: 1000,
          flushIntervalMs: 100,
          flushOnExit: false,
        })
        : new OurSimpleSpanProcessor(exporter, { scheduler: time, exportTimeoutMs: 1000 });
      const tracer = new Tracer({ clock: time, processors: [processor] });
      await captureWarnings(async () => {
        tracer.startSpan("a").end();
        await time.tick(500);
        tracer.startSpan("b").end();
        await time.tick(6000);
      });
      assert.equal(calls, 2, kind);
      assert.equal(most, 1, `${kind}: at most one OpenTelemetry export at a time`);
      const stats = processor.stats();
      assert.equal(stats.ended, stats.exported + stats.dropped + stats.failed + stats.queued);
      await processor.shutdown();
    }
  });
});

describe("toReadableSpan", () => {
  test("converts epoch milliseconds to HrTime exactly, carrying into the next second", () => {
    const span = new Tracer().startSpan("t", { startTime: 1_700_000_000_999.5 });
    span.end(1_700_000_001_000.25);
    const readable = toReadableSpan(span);
    assert.deepEqual(readable.startTime, [1_700_000_000, 999_500_000]);
    assert.deepEqual(readable.endTime, [1_700_000_001, 250_000]);
    assert.deepEqual(readable.duration, [0, 750_000]);
    assert.equal(readable.ended, true);
    assert.equal(readable.parentSpanContext, undefined);
  });

  test("a link given a plain context with a trace state that is no string converts without throwing", () => {
    const span = new Tracer().startSpan("t");
    const ids = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
    span.addLink({ ...ids, traceState: 5 } as never, { a: 1 }).end();
    const [link] = toReadableSpan(span).links;
    assert.equal(link.context.traceId, ids.traceId);
    assert.equal(link.context.traceState, undefined);
    assert.deepEqual(link.attributes, { a: 1 });
  });

  test("says whether the parent context came from another process", () => {
    const tracer = new Tracer();
    const remote = new SpanContext({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      isRemote: true,
    });
    const server = tracer.startSpan("server", { parent: remote, kind: "server" });
    const local = tracer.startSpan("local", { parent: server });
    assert.equal(toReadableSpan(server.end()).parentSpanContext?.isRemote, true);
    assert.equal(toReadableSpan(local.end()).parentSpanContext?.isRemote, false);
  });

  test("keeps null array elements in the span's, its events' and its links' attributes", () => {
    const span = new Tracer().startSpan("t", { attributes: { k: ["a", null] } })
      .addEvent("e", { v: [null, 1] })
      .addLink(SpanContext.newRoot(), { w: [null, true] })
      .end();
    const readable = toReadableSpan(span);
    assert.deepEqual(readable.attributes, { k: ["a", null] });
    assert.deepEqual(readable.events[0].attributes, { v: [null, 1] });
    assert.deepEqual(readable.links[0].attributes, { w: [null, true] });
  });

  test("carries a link with all-zero ids, its trace state and attributes", () => {
    const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 };
    const span = new Tracer().startSpan("consume")
      .addLink({ ...zeros, traceState: "vendor=1" } as never, { k: 1 })
      .end();
    const [link] = toReadableSpan(span).links;
    assert.equal(link.context.traceId, zeros.traceId);
    assert.equal(link.context.spanId, zeros.spanId);
    assert.equal(link.context.traceState?.serialize(), "vendor=1");
    assert.deepEqual(link.attributes, { k: 1 });
  });

  test("carries the scope's and the resource's schema URLs", () => {
    const scopeUrl = "https://opentelemetry.io/schemas/1.24.0";
    const resourceUrl = "https://opentelemetry.io/schemas/1.26.0";
    const span = new Tracer({ name: "shop", version: "1.0.0", schemaUrl: scopeUrl })
      .startSpan("t").end();
    const resource = new Resource({ "service.name": "shop" }, { schemaUrl: resourceUrl });
    const readable = toReadableSpan(span, { resource });
    assert.deepEqual(readable.instrumentationScope, {
      name: "shop",
      version: "1.0.0",
      schemaUrl: scopeUrl,
    });
    assert.equal(readable.resource.schemaUrl, resourceUrl);
    assert.equal(readable.resource.attributes["service.name"], "shop");
    const other = new Resource({ a: 1 }, { schemaUrl: scopeUrl });
    assert.equal(
      readable.resource.merge(toReadableSpan(span, { resource: other }).resource)
        .schemaUrl,
      scopeUrl,
    );
    assert.equal(toReadableSpan(span, { resource: { a: 1 } }).resource.schemaUrl, undefined);
  });

  test("uses the OpenTelemetry default resource when none is given", () => {
    const readable = toReadableSpan(new Tracer().startSpan("t").end());
    assert.match(String(readable.resource.attributes["service.name"]), /^unknown_service/);
  });
});

describe("this library's exporters behind OpenTelemetry's processors", () => {
  test("an SDK span reaches this library's exporter with its parent, events and drops", async () => {
    const got: Span[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor((spans) => void got.push(...spans))],
      spanLimits: { attributeCountLimit: 1 },
    });
    const tracer = provider.getTracer("sdk-lib", "0.1.0");
    const parent = tracer.startSpan("parent");
    const { trace, context } = await import("@opentelemetry/api");
    const child = tracer.startSpan("child", {}, trace.setSpan(context.active(), parent));
    child.setAttribute("a", 1).setAttribute("b", 2);
    child.addEvent("e", { k: "v" }).setStatus({ code: 1 }).end();
    parent.end();
    await provider.forceFlush();
    const [c, p] = got;
    assert.equal(c.name, "child");
    assert.equal(c.context.parentSpanId, p.context.spanId);
    assert.equal(c.context.traceId, p.context.traceId);
    assert.deepEqual(c.attributes, { a: 1 });
    assert.equal(c.droppedAttributesCount, 1);
    assert.deepEqual(c.events.map((e) => [e.name, e.attributes]), [["e", { k: "v" }]]);
    assert.deepEqual(c.status, { code: "ok" });
    assert.deepEqual(c.instrumentationScope, { name: "sdk-lib", version: "0.1.0" });
    assert.ok(c.durationMs! >= 0);
    await provider.shutdown();
  });

  test("an SDK event this library drops takes none of its dropped attribute count to the next event", async () => {
    // The SDK keeps an event at an invalid Date's time ([NaN, NaN]); this
    // library drops and counts it. The SDK's per-event drops were read by
    // position, so the next event got the dropped one's count, and its own
    // was lost.
    const got: Span[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor((spans) => void got.push(...spans))],
      spanLimits: { attributePerEventCountLimit: 1 },
    });
    const span = provider.getTracer("sdk-lib").startSpan("s");
    span.addEvent("at no time", { a: 1 }, new Date(NaN));
    span.addEvent("kept", { a: 1, b: 2, c: 3 });
    span.end();
    await provider.forceFlush();
    assert.deepEqual(
      got[0].events.map((e) => [e.name, e.droppedAttributesCount]),
      [["kept", 2]],
    );
    assert.equal(got[0].droppedEventsCount, 1);
    await provider.shutdown();
  });

  test("an SDK span keeps its scope's schema URL", async () => {
    const got: Span[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor((spans) => void got.push(...spans))],
    });
    const url = "https://opentelemetry.io/schemas/1.26.0";
    provider.getTracer("sdk-lib", "0.1.0", { schemaUrl: url }).startSpan("with").end();
    provider.getTracer("sdk-lib", "0.1.0").startSpan("without").end();
    await provider.forceFlush();
    assert.deepEqual(got.map((s) => s.instrumentationScope), [
      { name: "sdk-lib", version: "0.1.0", schemaUrl: url },
      { name: "sdk-lib", version: "0.1.0" },
    ]);
    await provider.shutdown();
  });

  test("an SDK span's arrays with null elements reach this library's exporter with them", async () => {
    const got: Span[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor((spans) => void got.push(...spans))],
    });
    provider.getTracer("sdk-lib").startSpan("s", { attributes: { k: ["a", null, "b"] } })
      .addEvent("e", { v: [undefined, 2] })
      .end();
    await provider.forceFlush();
    assert.deepEqual(got[0].attributes, { k: ["a", null, "b"] });
    assert.deepEqual(got[0].events[0].attributes, { v: [null, 2] });
    assert.equal(got[0].droppedAttributesCount, 0);
    await provider.shutdown();
  });

  test("an SDK span whose parent came from another process keeps that mark (OTLP flags)", async () => {
    const got: Span[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor((spans) => void got.push(...spans))],
    });
    const { trace, context } = await import("@opentelemetry/api");
    const remote = trace.setSpanContext(context.active(), {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    });
    const tracer = provider.getTracer("sdk-lib");
    tracer.startSpan("served", {}, remote).end();
    tracer.startSpan("local root").end();
    await provider.forceFlush();
    const [served, local] = got;
    assert.equal(served.context.parentSpanId, "b7ad6b7169203331");
    assert.equal(toReadableSpan(served).parentSpanContext?.isRemote, true);
    assert.equal(toReadableSpan(local).parentSpanContext, undefined);
    await provider.shutdown();
  });

  test("an SDK span's link with all-zero ids is kept when it has attributes, its drops counted once", async () => {
    const got: Span[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor((spans) => void got.push(...spans))],
      spanLimits: { linkCountLimit: 3, attributePerLinkCountLimit: 1 },
    });
    const { INVALID_SPAN_CONTEXT } = await import("@opentelemetry/api");
    const valid = SpanContext.newRoot();
    const validOtel = { traceId: valid.traceId, spanId: valid.spanId, traceFlags: 1 };
    provider.getTracer("sdk-lib").startSpan("consume", {
      links: [
        { context: validOtel }, // the oldest, dropped by the SDK's link limit
        { context: INVALID_SPAN_CONTEXT }, // no attributes: dropped here
        { context: INVALID_SPAN_CONTEXT, attributes: { a: 1, b: 2 } }, // one dropped by the SDK
        { context: validOtel, attributes: { c: 3 } },
      ],
    }).end();
    await provider.forceFlush();
    const [span] = got;
    assert.deepEqual(
      span.links.map((l) => [l.context.traceId, l.context.spanId, l.droppedAttributesCount]),
      [
        ["0".repeat(32), "0".repeat(16), 1],
        [valid.traceId, valid.spanId, 0],
      ],
    );
    assert.deepEqual(span.links.map((l) => l.attributes), [{ a: 1 }, { c: 3 }]);
    assert.equal(span.droppedLinksCount, 2, "one by the SDK's limit, one here");
    const readable = toReadableSpan(span);
    assert.equal(readable.links[0].context.traceId, "0".repeat(32));
    assert.equal(readable.links[0].droppedAttributesCount, 1);
    assert.equal(readable.droppedLinksCount, 2);
    await provider.shutdown();
  });

  test("a span of this library passes through toOtelExporter as the same object", async () => {
    const got: Span[] = [];
    const exporter = toOtelExporter({ export: (spans) => void got.push(...spans) });
    const span = new Tracer().startSpan("same").end();
    await new Promise((resolve) => exporter.export([toReadableSpan(span)], resolve));
    assert.equal(got[0], span);
  });

  test("toOtelExporter turns an ExportResult whose getters throw into a failure, returned or resolved", async () => {
    const broken = () =>
      new Proxy({}, {
        get() {
          throw new Error("getter boom");
        },
      }) as never;
    const span = toReadableSpan(new Tracer().startSpan("x").end());
    const results: { code: number; error?: Error }[] = [];
    const reported = await captureWarnings(async () => {
      for (const exporter of [{ export: broken }, { export: () => Promise.resolve(broken()) }]) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const result = await new Promise<{ code: number; error?: Error }>((resolve, reject) => {
          // A throw here would reach the application (returned) or go
          // unhandled (resolved): either fails the test.
          timer = setTimeout(() => reject(new Error("resultCallback was never called")), 10_000);
          try {
            toOtelExporter(exporter).export([span], resolve);
          } catch (error) {
            reject(error);
          }
        }).finally(() => clearTimeout(timer));
        results.push(result);
      }
    });
    assert.deepEqual(results.map((r) => r.code), [1, 1]); // ExportResultCode.FAILED
    assert.match(results[0].error!.message, /unreadable ExportResult/);
    // Resolving a promise with it reads its `then`, which throws: the
    // promise rejects with the getter's error, a failure like any other.
    assert.match(results[1].error!.message, /getter boom/);
    assert.equal(reported.length, 1, reported.join("\n"));
  });

  test("toOtelExporter drops a ReadableSpan it cannot read, reports it, and exports the rest", async () => {
    const sdkSpans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(sdkSpans)],
    });
    provider.getTracer("sdk").startSpan("good").end();
    await provider.forceFlush();
    const [good] = sdkSpans.getFinishedSpans();
    // From another SpanExporter's caller: no start time, a null event.
    const noStart = { ...good, name: "no start", spanContext: () => good.spanContext() };
    Object.defineProperty(noStart, "startTime", { value: undefined });
    const nullEvent = { ...good, spanContext: () => good.spanContext(), events: [null] };
    const got: string[] = [];
    const exporter = toOtelExporter((spans) => void got.push(...spans.map((s) => s.name)));
    const results: { code: number; rejected?: number }[] = [];
    const reported = await captureWarnings(() => {
      for (const malformed of [noStart, nullEvent]) {
        // A throw here would reach the SDK's processor, with the batch lost.
        exporter.export([good, malformed as never], (result) => void results.push(result));
      }
    });
    // ExportResultCode.SUCCESS, once per export, the span left out counted.
    assert.deepEqual(results, [{ code: 0, rejected: 1 }, { code: 0, rejected: 1 }]);
    assert.deepEqual(got, ["good", "good"]);
    assert.equal(reported.length, 1, reported.join("\n"));
    assert.match(reported[0], /could not be read/);
    await provider.shutdown();
  });

  test("a span toOtelExporter leaves out is counted in stats().failed of this library's processor in front", async () => {
    // This library's processor -> fromOtelExporter -> an OpenTelemetry
    // exporter of someone else's that rebuilds the spans (one of them
    // malformed) -> toOtelExporter -> this library's exporter.
    const got: string[] = [];
    const ours = toOtelExporter((spans) => void got.push(...spans.map((s) => s.name)));
    const rebuilding: OtelSpanExporter = {
      export(spans, resultCallback) {
        const rebuilt = spans.map((span) => {
          // String keys only: a plain copy, no longer this library's span.
          const copy = Object.fromEntries(Object.entries(span));
          return span.name === "broken" ? { ...copy, events: [null] } : copy;
        });
        ours.export(rebuilt as never, resultCallback);
      },
      shutdown: () => ours.shutdown(),
    };
    const processor = new OurSimpleSpanProcessor(fromOtelExporter(rebuilding));
    const tracer = new Tracer({ processors: [processor] });
    const reported = await captureWarnings(async () => {
      // One span a batch: the broken one alone fails its export.
      tracer.startSpan("good").end();
      tracer.startSpan("broken").end();
      await processor.forceFlush();
      // Both in one batch: one is exported, one left out.
      const batch = new OurBatchSpanProcessor(fromOtelExporter(rebuilding));
      const batched = new Tracer({ processors: [batch] });
      batched.startSpan("good").end();
      batched.startSpan("broken").end();
      await batch.forceFlush();
      assert.deepEqual(batch.stats(), { ended: 2, exported: 1, dropped: 0, failed: 1, queued: 0 });
      await batch.shutdown();
    });
    assert.deepEqual(processor.stats(), {
      ended: 2,
      exported: 1,
      dropped: 0,
      failed: 1,
      queued: 0,
    });
    assert.deepEqual(got, ["good", "good"]);
    assert.match(reported.join("\n"), /could not be read/);
  });

  test("toOtelExporter fails a batch none of whose spans it can read, and passes a partial success on", async () => {
    const calls: number[] = [];
    const exporter = toOtelExporter({
      export(spans: readonly Span[]) {
        calls.push(spans.length);
        return { code: "success", rejected: 1 } as const;
      },
    });
    const readable = toReadableSpan(new Tracer().startSpan("x").end());
    const malformed = { ...Object.fromEntries(Object.entries(readable)), events: [null] };
    const results: { code: number; rejected?: number; error?: Error }[] = [];
    await captureWarnings(() => {
      exporter.export([malformed as never], (r) => void results.push(r));
      exporter.export([malformed as never, malformed as never], (r) => void results.push(r));
      // The backend's partial success, and a span left out here: both counted.
      exporter.export([readable, readable, malformed as never], (r) => void results.push(r));
    });
    assert.deepEqual(calls, [2], "an empty batch is not exported");
    assert.deepEqual(results.map((r) => [r.code, r.rejected]), [
      [1, undefined],
      [1, undefined],
      [0, 2],
    ]);
    assert.match(results[1].error!.message, /none of the 2 spans could be read/);
    // And through fromOtelExporter: this library's processor counts them.
    const processor = new OurSimpleSpanProcessor(fromOtelExporter(exporter));
    const tracer = new Tracer({ processors: [processor] });
    tracer.startSpan("a").end();
    await processor.forceFlush();
    assert.deepEqual(processor.stats(), {
      ended: 1,
      exported: 0,
      dropped: 0,
      failed: 1,
      queued: 0,
    });
  });

  test("an OpenTelemetry exporter wrapped by fromOtelExporter is unwrapped, not double-wrapped", () => {
    const otel = new InMemorySpanExporter();
    assert.equal(toOtelExporter(fromOtelExporter(otel)), otel);
  });

  test("processors accept OpenTelemetry exporters and this library's exporters alike", async () => {
    const otel = new InMemorySpanExporter();
    let ours = 0;
    const a = new SimpleSpanProcessor(otel);
    const b = new SimpleSpanProcessor({
      export: (spans: readonly Span[]) => void (ours += spans.length),
    });
    const tracer = new Tracer({ processors: [a, b] });
    tracer.startSpan("x").end();
    await Promise.all([a.forceFlush(), b.forceFlush()]);
    assert.equal(otel.getFinishedSpans().length, 1);
    assert.equal(ours, 1);
  });

  test(
    "an OpenTelemetry exporter behind a forwarding wrapper, export(...args), gets ReadableSpans and a callback",
    IO,
    async () => {
      // Its export declares no parameter: once taken for this library's, it
      // was called with no callback, and the SDK's exporter threw from a timer.
      for (const Processor of [SimpleSpanProcessor, BatchSpanProcessor]) {
        const otel = new InMemorySpanExporter();
        const forwarding = {
          export: (...args: Parameters<InMemorySpanExporter["export"]>) => otel.export(...args),
          shutdown: () => otel.shutdown(),
        };
        assert.equal(forwarding.export.length, 0);
        const processor = new Processor(forwarding);
        new Tracer({ processors: [processor] }).startSpan("forwarded").end();
        await processor.forceFlush();
        assert.deepEqual(otel.getFinishedSpans().map((s) => s.name), ["forwarded"]);
        assert.equal(typeof otel.getFinishedSpans()[0].spanContext, "function");
        await processor.shutdown();
      }
    },
  );

  test(
    "an exporter of this library taken for OpenTelemetry's settles its batches by its result, and says so once",
    IO,
    async () => {
      // export(spans, signal) and shutdown, of no class of the library: the
      // shape of an OpenTelemetry exporter. It never calls the SDK's callback,
      // so a flush waited for it for ever.
      for (const Processor of [SimpleSpanProcessor, BatchSpanProcessor]) {
        const got: (readonly Span[])[] = [];
        const ours = {
          export(spans: readonly Span[], _signal?: AbortSignal) {
            got.push(spans);
            return Promise.resolve({ code: "success" as const });
          },
          shutdown: () => Promise.resolve(),
        };
        const warnings = await captureWarnings(async () => {
          const processor = new Processor(ours);
          const tracer = new Tracer({ processors: [processor] });
          tracer.startSpan("one").end();
          tracer.startSpan("two").end();
          let timer: ReturnType<typeof setTimeout> | undefined;
          const hung = new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve("forceFlush did not settle in 60 s"), 60_000);
          });
          const flushed = await Promise.race([processor.forceFlush().then(() => "flushed"), hung]);
          clearTimeout(timer);
          assert.equal(flushed, "flushed");
          await processor.shutdown();
        });
        assert.equal(got.flat().length, 2);
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(
          warnings[0],
          /taken for an OpenTelemetry exporter.*toOtelExporter\(exporter\)/,
        );
      }
    },
  );

  test("spans the sampler records but does not sample are not exported", async () => {
    const otel = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor(otel);
    const tracer = new Tracer({
      processors: [processor],
      sampler: { shouldSample: () => ({ decision: "record" }) },
    });
    tracer.startSpan("recorded only").end();
    await processor.forceFlush();
    assert.equal(otel.getFinishedSpans().length, 0);
  });
});

describe("this library's exporters behind the ./otel processors", () => {
  test(
    "an OtlpHttpExporter (export(spans, signal) and shutdown, like an OpenTelemetry exporter) is still adapted as ours",
    IO,
    async () => {
      const { OtlpHttpExporter } = await import("../otlp.ts");
      const bodies: Uint8Array[] = [];
      const exporter = new OtlpHttpExporter({
        url: "http://127.0.0.1:9/v1/traces",
        env: {},
        fetch: (_url: string | URL | Request, init?: RequestInit) => {
          bodies.push(init?.body as Uint8Array);
          return Promise.resolve(new Response(null, { status: 200 }));
        },
      });
      const processor = new SimpleSpanProcessor(exporter);
      const tracer = new Tracer({ processors: [processor] });
      tracer.startSpan("through the SDK processor").end();
      await processor.forceFlush();
      assert.equal(
        bodies.length,
        1,
        "the OTLP exporter was called once, as this library's exporter",
      );
      assert.ok(bodies[0].length > 0);
    },
  );
  test("the ./otel BatchSpanProcessor checks OTEL_BSP_* as setupTracing does: a bad value warns and falls back", async () => {
    const env = process.env;
    const saved = env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
    env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE = "-5";
    try {
      const got: string[] = [];
      let processor!: InstanceType<typeof BatchSpanProcessor>;
      const warned = await captureWarnings(() => {
        processor = new BatchSpanProcessor((spans) => void got.push(...spans.map((s) => s.name)));
      });
      assert.equal(warned.filter((w) => /OTEL_BSP_MAX_EXPORT_BATCH_SIZE/.test(w)).length, 1);
      const tracer = new Tracer({ processors: [processor] });
      for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`).end();
      await processor.forceFlush();
      assert.deepEqual(got, ["s0", "s1", "s2"], "a batch size of -5 would export nothing");
      await processor.shutdown();
    } finally {
      if (saved === undefined) delete env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
      else env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE = saved;
    }
  });

  test("the queue size and export timeout it gives the SDK where the runtime denies their variables are the SDK's own defaults", async () => {
    // Read where the variables are unset: the SDK's processor falls back to
    // its own defaults, which a denied variable must read as.
    const env = process.env;
    const names = ["OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_EXPORT_TIMEOUT"];
    const saved = names.map((name) => env[name]);
    for (const name of names) delete env[name];
    try {
      const sdk = new SdkBatchSpanProcessor(new InMemorySpanExporter()) as unknown as {
        _maxQueueSize: number;
        _exportTimeoutMillis: number;
        shutdown(): Promise<void>;
      };
      assert.equal(sdk._maxQueueSize, SDK_MAX_QUEUE_SIZE);
      assert.equal(sdk._exportTimeoutMillis, SDK_EXPORT_TIMEOUT_MS);
      await sdk.shutdown();
    } finally {
      names.forEach((name, i) => {
        if (saved[i] === undefined) delete env[name];
        else env[name] = saved[i];
      });
    }
  });
});

describe("./otel on Deno without the env permission", () => {
  // The SDK's BatchSpanProcessor and BasicTracerProvider read OTEL_*
  // variables through process.env, which on Deno without --allow-env throws
  // NotCapable (or, with a terminal, prompts).
  test(
    "BatchSpanProcessor and addSpanProcessor neither throw nor prompt, and the permission is named once (Deno only)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const script = `
        import { addSpanProcessor, BatchSpanProcessor, SimpleSpanProcessor } from ${
        JSON.stringify(new URL("../otel.ts", import.meta.url).href)
      };
        import { setupTracing } from ${JSON.stringify(new URL("../otlp.ts", import.meta.url).href)};
        const processor = new BatchSpanProcessor(() => {});
        await processor.shutdown();
        console.log(JSON.stringify({ added: addSpanProcessor(new SimpleSpanProcessor(() => {})) }));
        await setupTracing({ flushOnExit: false }).shutdown();
      `;
      const { code, stdout, stderr } = await runSnippet(script, {
        denoFlags: [
          "--no-prompt",
          `--config=${fileURLToPath(new URL("../deno.json", import.meta.url))}`,
          "--allow-read",
        ],
      });
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /Uncaught|error:/);
      // The SDK's provider could not be made: not registered, and said so.
      assert.deepEqual(JSON.parse(stdout), { added: false });
      assert.match(stderr, /addSpanProcessor\(\).*--allow-env/);
      assert.equal(stderr.match(/cannot read OTEL_\* environment variables/g)?.length, 1, stderr);
    },
  );

  test(
    "with the permission for some variables, readers of different variables name each unreadable one once (Deno only)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      // setupTracing reads every variable, the provider the sampler's and
      // the limits', its default resource two: one warning between them.
      const script = `
        import { TracerProvider } from ${
        JSON.stringify(new URL("../otel.ts", import.meta.url).href)
      };
        import { Resource, setupTracing } from ${
        JSON.stringify(new URL("../otlp.ts", import.meta.url).href)
      };
        await setupTracing({ flushOnExit: false }).shutdown();
        new TracerProvider();
        Resource.detect();
      `;
      const { code, stderr } = await runSnippet(script, {
        denoFlags: [
          "--no-prompt",
          `--config=${fileURLToPath(new URL("../deno.json", import.meta.url))}`,
          "--allow-read",
          "--allow-env=OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
      });
      assert.equal(code, 0, stderr);
      const warnings = stderr.split("\n").filter((line) => /cannot read/.test(line));
      assert.equal(warnings.length, 1, stderr);
      assert.match(warnings[0], /\bOTEL_TRACES_SAMPLER\b/);
      assert.match(warnings[0], /\bOTEL_SERVICE_NAME\b/);
      assert.doesNotMatch(warnings[0], /OTEL_EXPORTER_OTLP_ENDPOINT\b|OTEL_\*/);
    },
  );
});
