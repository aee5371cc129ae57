// OtlpHttpExporter while a browser page is hidden or being left: requests
// with `keepalive`, each within the 64 KiB a page may have in flight that
// way, one at a time. The page is a stand-in here (a `document` whose
// visibility is "hidden"); tests/browser_test.ts runs the real thing in
// Chromium.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BatchSpanProcessor, type Span, Tracer } from "../mod.ts";
import { OtlpHttpExporter } from "../otlp.ts";
import { ManualTime } from "../testing.ts";
import { assertBalanced } from "./_helpers.ts";

interface Sent {
  keepalive: boolean;
  bytes: number;
  encoding: string | null;
  names: string[];
}

/** Runs `fn` as if in a hidden page, and restores the global after. */
async function whileHidden<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as { document?: unknown };
  const had = Object.hasOwn(g, "document");
  const previous = g.document;
  g.document = { visibilityState: "hidden" };
  try {
    return await fn();
  } finally {
    if (had) g.document = previous;
    else delete g.document;
  }
}

/** An exporter whose fetch records each request, and fails those of `failing` names. */
function recording(options: { compression?: "gzip" | "none"; failing?: string } = {}) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const exporter = new OtlpHttpExporter({
    url: "http://127.0.0.1:9/v1/traces",
    protocol: "http/json",
    compression: options.compression ?? "none",
    env: {},
    fetch: async (_url, init) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const body = init!.body as Uint8Array;
      const json = JSON.parse(new TextDecoder().decode(body));
      const names: string[] = json.resourceSpans.flatMap((rs: { scopeSpans: unknown[] }) =>
        rs.scopeSpans.flatMap((ss) =>
          (ss as { spans: { name: string }[] }).spans.map((s) => s.name)
        )
      );
      sent.push({
        keepalive: init!.keepalive === true,
        bytes: body.byteLength,
        encoding: new Headers(init!.headers).get("content-encoding"),
        names,
      });
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      const fail = options.failing !== undefined && names.includes(options.failing);
      return new Response(null, { status: fail ? 400 : 200 });
    },
  });
  return { exporter, sent, maxInFlight: () => maxInFlight };
}

/** `n` spans, each with a `size`-character attribute. */
function bigSpans(n: number, size: number): Span[] {
  const tracer = new Tracer({ name: "page" });
  return Array.from(
    { length: n },
    (_, i) => tracer.startSpan(`s${i}`, { attributes: { blob: "x".repeat(size) } }).end(),
  );
}

describe("OtlpHttpExporter in a hidden page", () => {
  test("a 300 KB batch goes in keepalive requests of at most 64 KiB, one at a time, every span once", async () => {
    const { exporter, sent, maxInFlight } = recording();
    const spans = bigSpans(300, 1000);
    const result = await whileHidden(() => exporter.export(spans));
    assert.deepEqual(result, { code: "success" });
    assert.ok(sent.length >= 5, `${sent.length} requests`);
    for (const request of sent) {
      assert.equal(request.keepalive, true);
      assert.ok(request.bytes <= 65536, `${request.bytes} bytes`);
    }
    assert.equal(maxInFlight(), 1);
    assert.deepEqual(sent.flatMap((r) => r.names), spans.map((s) => s.name), "in order, once");
  });

  test("it sends uncompressed, without content-encoding, even with gzip configured", async () => {
    const { exporter, sent } = recording({ compression: "gzip" });
    await whileHidden(() => exporter.export(bigSpans(3, 10)));
    assert.deepEqual(sent.map((r) => [r.keepalive, r.encoding]), [[true, null]]);
  });

  test("a span over 64 KiB alone goes in its own request, without keepalive", async () => {
    const { exporter, sent } = recording();
    const [huge] = bigSpans(1, 70_000);
    const [tiny] = bigSpans(1, 10);
    const result = await whileHidden(() => exporter.export([tiny, huge]));
    assert.equal(result.code, "success");
    assert.deepEqual(sent.map((r) => [r.names.length, r.keepalive]), [[1, true], [1, false]]);
  });

  test("a failed request's spans are counted as rejected, the others as exported", async () => {
    const { exporter, sent } = recording({ failing: "s0" });
    const batch = new BatchSpanProcessor(exporter, { maxBatchSize: 200, flushOnExit: false });
    for (const span of bigSpans(200, 1000)) batch.onEnd(span);
    await whileHidden(() => batch.forceFlush());
    const first = sent[0].names.length;
    assert.ok(sent.length > 1 && first < 200);
    const stats = batch.stats();
    assert.equal(stats.exported, 200 - first);
    assert.equal(stats.failed, first);
    assertBalanced(stats);
  });

  test("maxRequestBytes holds in a hidden page too: no request is larger, a span over it is not sent", async () => {
    const sizes: number[] = [];
    const exporter = new OtlpHttpExporter({
      url: "http://127.0.0.1:9/v1/traces",
      protocol: "http/json",
      compression: "none",
      maxRequestBytes: 20_000,
      env: {},
      fetch: (_url, init) => {
        sizes.push((init!.body as Uint8Array).byteLength);
        return Promise.resolve(new Response(null, { status: 200 }));
      },
    });
    const [huge] = bigSpans(1, 50_000);
    const result = await whileHidden(() => exporter.export([huge]));
    assert.equal(result.code, "failure");
    assert.match(String(result.error), /over maxRequestBytes \(20000\)/);
    assert.deepEqual(sizes, [], "the span over maxRequestBytes was sent");
    const small = bigSpans(10, 5_000);
    assert.deepEqual(await whileHidden(() => exporter.export(small)), { code: "success" });
    assert.ok(sizes.length > 1 && sizes.every((n) => n <= 20_000), `request sizes ${sizes}`);
  });

  test("the page's 64 KiB of keepalive bytes in flight hold across concurrent exports and exporters", async () => {
    let inFlight = 0;
    let most = 0;
    let keepalives = 0;
    const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
      const bytes = (init!.body as Uint8Array).byteLength;
      if (init!.keepalive) {
        keepalives++;
        inFlight += bytes;
      }
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (init!.keepalive) inFlight -= bytes;
      return new Response(null, { status: 200 });
    };
    const make = () =>
      new OtlpHttpExporter({
        url: "http://127.0.0.1:9/v1/traces",
        protocol: "http/json",
        compression: "none",
        env: {},
        fetch,
      });
    const one = make();
    const two = make();
    const results = await whileHidden(() =>
      Promise.all([
        one.export(bigSpans(40, 1000)),
        one.export(bigSpans(40, 1000)),
        two.export(bigSpans(40, 1000)),
      ])
    );
    assert.deepEqual(results, [{ code: "success" }, { code: "success" }, { code: "success" }]);
    assert.ok(most <= 65536, `${most} keepalive bytes were in flight at once`);
    assert.ok(keepalives >= 1);
  });

  test("timeoutMs bounds the whole export, not each of its keepalive requests", async () => {
    // "The most one export may take, retries included": each request of a
    // hidden page's export had a timeoutMs of its own, so five requests
    // could take five times it (and its retries as long again).
    const time = new ManualTime(0);
    const started: number[] = [];
    const exporter = new OtlpHttpExporter({
      url: "http://127.0.0.1:9/v1/traces",
      protocol: "http/json",
      compression: "none",
      timeoutMs: 1000,
      env: {},
      clock: time,
      scheduler: time,
      // Each request takes 400 ms of manual time, then honours its signal.
      fetch: async (_url, init) => {
        started.push(time.now());
        await time.tick(400);
        init!.signal?.throwIfAborted();
        return new Response(null, { status: 200 });
      },
    });
    const spans = bigSpans(300, 1000);
    const result = await whileHidden(() => exporter.export(spans));
    assert.ok(started.length >= 2, `${started.length} requests`);
    assert.ok(started.every((at) => at < 1000), `requests started at ${started} ms`);
    assert.equal(result.code, "success");
    assert.ok(result.rejected! > 0 && result.rejected! < spans.length, `${result.rejected}`);
    assert.match(String(result.error), /timed out after 1000 ms/);
  });

  test("in a visible page, or outside any page, one request without keepalive", async () => {
    const { exporter, sent } = recording();
    await exporter.export(bigSpans(300, 1000));
    assert.equal(sent.length, 1);
    assert.equal(sent[0].keepalive, false);
  });
});

describe("BatchSpanProcessor flushOnPageHide", () => {
  test("must be a boolean", () => {
    assert.throws(
      () => new BatchSpanProcessor(() => {}, { flushOnPageHide: "yes" as never }),
      /^TypeError: Cannot create BatchSpanProcessor: flushOnPageHide must be a boolean/,
    );
  });
});
