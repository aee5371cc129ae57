// The core in a real browser: headless Chromium (Debian's package, installed
// by scripts/ensure_chromium.sh when missing; skipped, naming why, where it
// cannot be, unless CI is set) loads tests/fixtures/browser_page.ts,
// bundled by esbuild, from a loopback server, and is driven over the
// DevTools protocol. Chromium has no AsyncLocalStorage and no AsyncContext,
// so the page shows the warning and the explicit-parent way round it; its
// spans cross to a traced API on the same origin in one trace, a traced call
// to another origin that allows no trace headers succeeds, and they leave
// over OTLP to a receiver on another origin (CORS) when the page is hidden
// and when it is left (pagehide), with keepalive requests of at most 64 KiB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanProcessor, Tracer } from "../mod.ts";
import { traceHandler } from "../http.ts";
import { isBun, isDeno, waitUntil } from "./_helpers.ts";
import { type Browser, canDriveChromium, launchChromium, noChromium } from "./_chromium.ts";
import { serveNative } from "./_loopback_server.ts";
import { type JsonSpan, Receiver } from "./_otlp_receiver.ts";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST",
  "access-control-allow-headers": "content-type",
};

/** Bundles the page script for the browser with esbuild. */
async function bundlePage(): Promise<string> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [new URL("./fixtures/browser_page.ts", import.meta.url).pathname],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0].text;
  } finally {
    await esbuild.stop();
  }
}

test(
  `in headless Chromium: explicit parents, one trace to the server, OTLP on hide and on pagehide with keepalive (Deno and Bun only: the page is served with Deno.serve or Bun.serve)${
    noChromium === undefined ? "" : ` ${noChromium}`
  }`,
  { timeout: 120_000, skip: !(isDeno || isBun) || !canDriveChromium || noChromium !== undefined },
  async () => {
    const script = await bundlePage();
    const memory = new InMemorySpanProcessor();
    const api = traceHandler(() => new Response("ok"), {
      tracer: new Tracer({ name: "api", processors: [memory] }),
    });
    const html = (body: string) =>
      new Response(`<!doctype html><html><body>${body}</body></html>`, {
        headers: { "content-type": "text/html" },
      });
    const site = serveNative((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api") return api(request);
      if (path === "/page.js") {
        return new Response(script, { headers: { "content-type": "text/javascript" } });
      }
      if (path === "/after.html") return html("left");
      return html(`<script type="module" src="/page.js"></script>`);
    });
    const receiver = await Receiver.start();
    receiver.respond = (request) => ({
      status: request.method === "OPTIONS" ? 204 : 200,
      headers: CORS,
    });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.open(
        new URL(`/?otlp=${encodeURIComponent(receiver.url)}`, site.url).href,
      );

      // 1. Across awaits: the stack storage, one warning, explicit parents.
      await page.waitFor("window.__result");
      const loaded = await page.evaluate<{
        storage: string;
        asyncContext: string;
        warnings: string[];
        crossOrigin: unknown;
      }>("window.__result");
      assert.equal(loaded.asyncContext, "undefined", "Chromium has no AsyncContext");
      assert.equal(loaded.storage, "stack");
      assert.equal(loaded.warnings.length, 1, loaded.warnings.join("\n"));
      assert.match(loaded.warnings[0], /neither AsyncLocalStorage nor AsyncContext/);
      // A traced call to another origin that allows only content-type in
      // CORS: sent without trace headers (no preflight), so it succeeds.
      assert.deepEqual(loaded.crossOrigin, { status: 200 });
      const check = receiver.requests.filter((r) => r.path === "/cors-check");
      assert.deepEqual(check.map((r) => r.method), ["GET"]);
      assert.equal(check[0].headers.traceparent, undefined);

      // 2. Hidden (a tab switch): every queued span leaves, in keepalive
      //    requests of at most 64 KiB, to another origin.
      const hidden = await page.evaluate<{
        sends: [boolean, number][];
        stats: { ended: number; exported: number; failed: number; queued: number };
      }>("window.__hideAndFlush()");
      assert.ok(hidden.sends.length >= 5, JSON.stringify(hidden.sends));
      for (const [keepalive, bytes] of hidden.sends) {
        assert.equal(keepalive, true);
        assert.ok(bytes <= 65536, `${bytes} bytes`);
      }
      assert.equal(hidden.stats.exported, hidden.stats.ended, JSON.stringify(hidden.stats));
      const spans = receiver.jsonSpans();
      const byName = (name: string) => {
        const span = spans.find((s) => s.name === name);
        assert.ok(span, `${name} reached the receiver`);
        return span;
      };
      assert.equal(spans.filter((s) => s.name.startsWith("hidden ")).length, 300);
      assert.ok(receiver.requests.some((r) => r.method === "OPTIONS"), "a CORS preflight");
      // The resource a browser detects: the semantic conventions' webjs.
      const post = receiver.requests.find((r) => r.method === "POST")!;
      const resource: { key: string; value: { stringValue?: string } }[] =
        JSON.parse(new TextDecoder().decode(post.body)).resourceSpans[0].resource.attributes;
      const attribute = (key: string) => resource.find((a) => a.key === key)?.value.stringValue;
      assert.equal(attribute("telemetry.sdk.language"), "webjs");
      assert.equal(attribute("process.runtime.name"), "browser");

      const root = byName("page load");
      const child = byName("explicit child");
      const grandchild = byName("explicit grandchild");
      const url = (span: JsonSpan) =>
        String(span.attributes?.find((a) => a.key === "url.full")?.value.stringValue);
      const call = spans.find((s) => s.name === "GET" && url(s).endsWith("/api"))!;
      assert.ok(call, "the call to the API reached the receiver");
      assert.ok(
        spans.some((s) => s.name === "GET" && url(s).endsWith("/cors-check")),
        "the cross-origin call is traced",
      );
      assert.equal(root.parentSpanId ?? "", "");
      assert.equal(child.parentSpanId, root.spanId);
      assert.equal(grandchild.parentSpanId, child.spanId);
      assert.equal(call.parentSpanId, root.spanId);
      for (const span of [child, grandchild, call]) assert.equal(span.traceId, root.traceId);
      // What the warning is about: with no parent given after an await, a
      // new trace starts.
      assert.notEqual(byName("after await, no parent given").traceId, root.traceId);

      // One trace across the seam: the API's server span is the browser
      // client span's child.
      const server = memory.spans.find((s) => s.kind === "server");
      assert.ok(server, "the API traced the request");
      assert.equal(server.context.traceId, root.traceId);
      assert.equal(server.context.parentSpanId, call.spanId);

      // 3. Left (pagehide): what is queued leaves with keepalive as the page goes.
      assert.equal(await page.evaluate("window.__queueForUnload()"), 3);
      await page.goto(new URL("/after.html", site.url).href);
      await waitUntil(
        () => receiver.jsonSpans().filter((s) => s.name.startsWith("before unload")).length === 3,
        "the pagehide export",
        60_000,
      );
      await page.waitFor(`location.pathname === "/after.html" && localStorage.getItem("sends")`);
      const sends = await page.evaluate<[boolean, number][]>(
        `JSON.parse(localStorage.getItem("sends"))`,
      );
      assert.deepEqual(sends.map(([keepalive]) => keepalive), [true]);
    } finally {
      await browser?.close();
      await Promise.all([site.close(), receiver.close()]);
    }
  },
);
