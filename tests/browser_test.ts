// The core in a real browser: headless Chromium (Debian's package, installed
// by scripts/ensure_chromium.sh when missing) loads tests/fixtures/browser_page.ts,
// bundled by esbuild, from a loopback server, and is driven over the
// DevTools protocol. Chromium has no AsyncLocalStorage and no AsyncContext,
// so the page shows the warning and the explicit-parent way round it; its
// spans cross to a traced API on the same origin in one trace, and leave
// over OTLP to a receiver on another origin (CORS) when the page is hidden
// and when it is left (pagehide), with keepalive requests of at most 64 KiB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanProcessor, Tracer } from "../mod.ts";
import { traceHandler } from "../http.ts";
import { isDeno } from "./_helpers.ts";
import { Receiver } from "./_otlp_receiver.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-port=0",
  "--remote-allow-origins=*",
];

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST",
  "access-control-allow-headers": "content-type",
};

/** A minimal DevTools protocol client over the runtime's WebSocket. */
class DevTools {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      const waiter = this.#pending.get(message.id);
      if (waiter === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
      else waiter.resolve(message.result);
    };
  }

  static async connect(url: string): Promise<DevTools> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return new DevTools(socket);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates `expression` in the page, awaiting a promise, and returns its JSON value. */
  async evaluate(expression: string): Promise<unknown> {
    const result = await this.send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }) as { result: { value?: unknown }; exceptionDetails?: unknown };
    if (result.exceptionDetails) throw new Error(JSON.stringify(result.exceptionDetails));
    return result.result.value;
  }

  close(): void {
    this.#socket.close();
  }
}

/** Polls `probe` until it returns something other than undefined. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  for (let i = 0; i < 1_000; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // Not there yet (a page still loading).
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Chromium's path: CHROMIUM_PATH, or what scripts/ensure_chromium.sh finds or installs. */
async function chromiumPath(): Promise<string> {
  const given = Deno.env.get("CHROMIUM_PATH");
  if (given) return given;
  const script = new URL("../scripts/ensure_chromium.sh", import.meta.url);
  const out = await new Deno.Command("bash", { args: [script.pathname] }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, `ensure_chromium.sh failed: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout).trim().split("\n").at(-1)!;
}

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

/** Every span the receiver got, from the OTLP/JSON bodies it was POSTed. */
function receivedSpans(receiver: Receiver): OtlpSpan[] {
  return receiver.requests.filter((r) => r.method === "POST").flatMap((r) => {
    const body = JSON.parse(new TextDecoder().decode(r.body));
    return body.resourceSpans.flatMap((rs: { scopeSpans: { spans: OtlpSpan[] }[] }) =>
      rs.scopeSpans.flatMap((ss) => ss.spans)
    );
  });
}

test(
  "in headless Chromium: explicit parents, one trace to the server, OTLP on hide and on pagehide with keepalive (Deno only: drives Chromium over the DevTools protocol)",
  { timeout: 120_000, skip: !isDeno },
  async () => {
    const [browserPath, script] = await Promise.all([chromiumPath(), bundlePage()]);
    const memory = new InMemorySpanProcessor();
    const api = traceHandler(() => new Response("ok"), {
      tracer: new Tracer({ name: "api", processors: [memory] }),
    });
    const html = (body: string) =>
      new Response(`<!doctype html><html><body>${body}</body></html>`, {
        headers: { "content-type": "text/html" },
      });
    const site = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
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
    const profile = await Deno.makeTempDir({ prefix: "spans-chromium-" });
    const chromium = new Deno.Command(browserPath, {
      args: [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const drained = (async () => {
      const text = new TextDecoderStream();
      for await (const chunk of chromium.stderr.pipeThrough(text)) log += chunk;
    })();
    let devtools: DevTools | undefined;
    try {
      const browserUrl = await waitFor(
        "DevTools to listen",
        () => /DevTools listening on (ws:\/\/\S+)/.exec(log)?.[1],
      );
      const { host } = new URL(browserUrl);
      const targets = await waitFor("a page target", async () => {
        const list = await (await fetch(`http://${host}/json/list`)).json();
        return list.find((t: { type: string }) => t.type === "page") as
          | { webSocketDebuggerUrl: string }
          | undefined;
      });
      devtools = await DevTools.connect(targets.webSocketDebuggerUrl);
      await devtools.send("Page.enable");
      const origin = `http://127.0.0.1:${site.addr.port}`;
      await devtools.send("Page.navigate", {
        url: `${origin}/?otlp=${encodeURIComponent(receiver.url)}`,
      });

      // 1. Across awaits: the stack storage, one warning, explicit parents.
      const loaded = await waitFor(
        "the page to run",
        () => devtools!.evaluate("window.__result"),
      ) as {
        storage: string;
        asyncContext: string;
        warnings: string[];
      };
      assert.equal(loaded.asyncContext, "undefined", "Chromium has no AsyncContext");
      assert.equal(loaded.storage, "stack");
      assert.equal(loaded.warnings.length, 1, loaded.warnings.join("\n"));
      assert.match(loaded.warnings[0], /neither AsyncLocalStorage nor AsyncContext/);

      // 2. Hidden (a tab switch): every queued span leaves, in keepalive
      //    requests of at most 64 KiB, to another origin.
      const hidden = await devtools.evaluate("window.__hideAndFlush()") as {
        sends: [boolean, number][];
        stats: { ended: number; exported: number; failed: number; queued: number };
      };
      assert.ok(hidden.sends.length >= 5, JSON.stringify(hidden.sends));
      for (const [keepalive, bytes] of hidden.sends) {
        assert.equal(keepalive, true);
        assert.ok(bytes <= 65536, `${bytes} bytes`);
      }
      assert.equal(hidden.stats.exported, hidden.stats.ended, JSON.stringify(hidden.stats));
      const spans = receivedSpans(receiver);
      const byName = (name: string) => {
        const span = spans.find((s) => s.name === name);
        assert.ok(span, `${name} reached the receiver`);
        return span;
      };
      assert.equal(spans.filter((s) => s.name.startsWith("hidden ")).length, 300);
      assert.ok(receiver.requests.some((r) => r.method === "OPTIONS"), "a CORS preflight");

      const root = byName("page load");
      const child = byName("explicit child");
      const grandchild = byName("explicit grandchild");
      const call = byName("GET");
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
      assert.equal(await devtools.evaluate("window.__queueForUnload()"), 3);
      await devtools.send("Page.navigate", { url: `${origin}/after.html` });
      await waitFor(
        "the pagehide export",
        () =>
          receivedSpans(receiver).filter((s) => s.name.startsWith("before unload")).length === 3
            ? true
            : undefined,
      );
      const sends = await waitFor(
        "the page after",
        () =>
          devtools!.evaluate(`location.pathname === "/after.html" && localStorage.getItem("sends")`)
            .then((value) => typeof value === "string" ? JSON.parse(value) : undefined),
      ) as [
        boolean,
        number,
      ][];
      assert.deepEqual(sends.map(([keepalive]) => keepalive), [true]);
    } finally {
      devtools?.close();
      chromium.kill("SIGTERM");
      await chromium.status;
      await drained.catch(() => {});
      await Promise.all([site.shutdown(), receiver.close()]);
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
);
