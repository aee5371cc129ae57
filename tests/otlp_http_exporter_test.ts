import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  BatchSpanProcessor,
  type ExportResult,
  type Scheduler,
  Span,
  type TimerHandle,
  Tracer,
} from "../mod.ts";
import { ManualTime } from "../testing.ts";
import { OtlpHttpExporter, type OtlpHttpExporterOptions, Resource } from "../otlp.ts";
import { assertBalanced, captureWarnings, isDeno } from "./_helpers.ts";
import { runSnippet } from "./_child_process.ts";
import {
  decodeOtlpJson,
  decodeProtobuf,
  ExportTraceServiceResponse,
  richSpans,
} from "./_otlp_fixtures.ts";
import { DEAD_URL, gunzip, Receiver } from "./_otlp_receiver.ts";
import { serveNode } from "./_loopback_server.ts";

// deno-lint-ignore no-explicit-any
const protobuf: any = createRequire(import.meta.url)("protobufjs/minimal");

const resource = new Resource({ "service.name": "exporter-test" });

function spans(n: number, tracer = new Tracer({ name: "t" })): Span[] {
  return Array.from({ length: n }, (_, i) => tracer.startSpan(`s${i}`).end());
}

/** google.rpc.Status { code = 1, message = 2 }, encoded with protobufjs. */
function rpcStatus(code: number, message: string): Uint8Array {
  return protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish();
}

/** Lets real I/O run while manual time stands still. */
function realTurn(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Advances manual time in steps, letting in-memory work run between, until
 * `done()`. Only for exports through an injected fetch: with a real request
 * in flight, time would run out before the loopback answer arrives on a
 * loaded machine (see {@linkcode settleOnManualTime}).
 */
async function tickUntil(time: ManualTime, done: () => boolean, stepMs = 100, max = 400) {
  for (let i = 0; i < max && !done(); i++) {
    await time.tick(stepMs);
    await realTurn(2);
  }
  assert.ok(done(), "condition not reached");
}

function settled<T>(promise: Promise<T>): { done: boolean; promise: Promise<T> } {
  const state = { done: false, promise };
  promise.finally(() => state.done = true);
  return state;
}

/**
 * An exporter's scheduler: ManualTime's, keeping the due time of each timer
 * still pending, so a test can tell when the exporter waits between two
 * attempts. Its attempts' own timers are due at its deadline; a wait before
 * a retry is due earlier (a retry that would reach the deadline is not made).
 */
class ExporterTimers implements Scheduler {
  readonly #time: ManualTime;
  readonly #due = new Map<TimerHandle, number>();

  constructor(time: ManualTime) {
    this.#time = time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = this.#time.setTimeout(() => {
      this.#due.delete(handle);
      fn();
    }, ms);
    this.#due.set(handle, this.#time.now() + ms);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#due.delete(handle);
    this.#time.clearTimeout(handle);
  }

  /** When the earliest pending timer due before `deadline` is due, if there is one. */
  dueBefore(deadline: number): number | undefined {
    let earliest: number | undefined;
    for (const at of this.#due.values()) {
      if (at < deadline && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }
}

/**
 * Waits for `promise`, an export through a real loopback request, moving
 * manual time only to each wait the exporter sets before a retry, once it
 * has set it: never while a request is in flight, so however slowly the
 * machine answers, the export's timeout cannot pass before the answer does.
 */
async function settleOnManualTime<T>(
  time: ManualTime,
  timers: ExporterTimers,
  deadline: number,
  promise: Promise<T>,
): Promise<T> {
  const state = settled(promise);
  const giveUp = Date.now() + 60_000;
  while (!state.done) {
    const due = timers.dueBefore(deadline);
    if (due !== undefined) {
      await time.tick(due - time.now());
    } else {
      if (Date.now() > giveUp) assert.fail("the export neither settled nor waited to retry");
      await realTurn();
    }
  }
  return await promise;
}

// Loopback I/O: a timeout of its own, not the runner's default.
const IO = { timeout: 120_000 };

describe("OtlpHttpExporter against a loopback receiver", () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
  });
  after(async () => {
    await receiver.close();
  });

  function exporter(options: OtlpHttpExporterOptions = {}): OtlpHttpExporter {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 200 });
    return new OtlpHttpExporter({ url: receiver.url, resource, env: {}, ...options });
  }

  test("POSTs protobuf that the official schema decodes, with OTLP headers", IO, async () => {
    const batch = richSpans();
    const result = await exporter().export(batch);
    assert.deepEqual(result, { code: "success" });
    assert.equal(receiver.requests.length, 1);
    const [request] = receiver.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/v1/traces");
    assert.equal(request.headers["content-type"], "application/x-protobuf");
    assert.match(
      String(request.headers["user-agent"]),
      /^codomyrmex-spans-OTLP-Exporter-JavaScript\/\d/,
    );
    const decoded = decodeProtobuf(request.body);
    const names = decoded.resourceSpans[0].scopeSpans.flatMap((s: { spans: { name: string }[] }) =>
      s.spans.map((x) => x.name)
    );
    assert.deepEqual(names.sort(), batch.map((s) => s.name).sort());
    assert.equal(
      decoded.resourceSpans[0].resource.attributes[0].value.stringValue,
      "exporter-test",
    );
  });

  test("POSTs OTLP/JSON with http/json, and sends the configured headers", IO, async () => {
    const result = await exporter({ protocol: "http/json", headers: { "x-api-key": "k1" } })
      .export(richSpans());
    assert.equal(result.code, "success");
    const [request] = receiver.requests;
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers["x-api-key"], "k1");
    const { error, value } = decodeOtlpJson(new TextDecoder().decode(request.body));
    assert.equal(error, null);
    assert.equal(value.resourceSpans[0].scopeSpans[0].scope.name, "shop");
  });

  test(
    "sends an endpoint's user name and password as Basic credentials, not in the URL",
    IO,
    async () => {
      // Node's fetch (and a browser's) refuses a URL with credentials, as the
      // Fetch standard says; Deno and Bun make this header of them.
      const withCredentials = receiver.url.replace("http://", "http://us%C3%A9r:p%40ss:w@");
      const sent = exporter({ url: withCredentials });
      assert.equal(sent.url, receiver.url);
      assert.deepEqual(await sent.export(spans(1)), { code: "success" });
      assert.equal(receiver.requests.length, 1);
      const basic = `Basic ${Buffer.from("usér:p@ss:w", "utf8").toString("base64")}`;
      assert.equal(receiver.requests[0].headers.authorization, basic);
      // A configured Authorization header wins, in any case, from the options
      // or from the environment.
      for (
        const options of [
          { headers: { Authorization: "Bearer t0ken" } },
          { env: { OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20t0ken" } },
        ]
      ) {
        const result = await exporter({ url: withCredentials, ...options }).export(spans(1));
        assert.deepEqual(result, { code: "success" });
        assert.equal(receiver.requests[0].headers.authorization, "Bearer t0ken");
      }
      // A URL without credentials gets no Authorization header.
      await exporter().export(spans(1));
      assert.equal(receiver.requests[0].headers.authorization, undefined);
    },
  );

  test("gzips the body when compression is gzip, and it still decodes", IO, async () => {
    for (const protocol of ["http/protobuf", "http/json"] as const) {
      const result = await exporter({ compression: "gzip", protocol }).export(spans(3));
      assert.equal(result.code, "success");
      const [request] = receiver.requests;
      assert.equal(request.headers["content-encoding"], "gzip");
      const body = await gunzip(request.body);
      const decoded = protocol === "http/json"
        ? decodeOtlpJson(new TextDecoder().decode(body)).value
        : decodeProtobuf(body);
      assert.equal(decoded.resourceSpans[0].scopeSpans[0].spans.length, 3);
    }
  });

  test("retries a 503 after its Retry-After seconds, not sooner, then succeeds", IO, async () => {
    const time = new ManualTime(1_000_000);
    const timers = new ExporterTimers(time);
    const e = exporter({ clock: time, scheduler: timers, timeoutMs: 10_000 });
    const arrivals: number[] = [];
    receiver.respond = (_req, i) => {
      arrivals.push(time.now());
      return i === 0 ? { status: 503, headers: { "retry-after": "3" } } : { status: 200 };
    };
    const result = await settleOnManualTime(time, timers, 1_010_000, e.export(spans(2)));
    assert.deepEqual(result, { code: "success" });
    assert.equal(receiver.requests.length, 2);
    assert.ok(arrivals[1] - arrivals[0] >= 3000, `retried after ${arrivals[1] - arrivals[0]} ms`);
  });

  test(
    "a 400 is not retried and fails naming the status and the google.rpc.Status message",
    IO,
    async () => {
      const e = exporter();
      receiver.respond = () => ({
        status: 400,
        headers: { "content-type": "application/x-protobuf" },
        body: rpcStatus(3, "span 2 has no name"),
      });
      const result = await e.export(spans(2));
      assert.equal(result.code, "failure");
      assert.match(result.error!.message, /HTTP 400 Bad Request/);
      assert.match(result.error!.message, /span 2 has no name/);
      assert.equal(receiver.requests.length, 1);
    },
  );

  test("a 400 with a JSON error body names the body's message", IO, async () => {
    const e = exporter({ protocol: "http/json" });
    receiver.respond = () => ({
      status: 400,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: 3, message: "invalid trace id" }),
    });
    const result = await e.export(spans(1));
    assert.match(result.error!.message, /HTTP 400.*invalid trace id/);
  });

  test("reads a protobuf partial success into rejected", IO, async () => {
    const e = exporter();
    receiver.respond = () => ({
      status: 200,
      headers: { "content-type": "application/x-protobuf" },
      body: ExportTraceServiceResponse.encode({
        partialSuccess: { rejectedSpans: 2, errorMessage: "too old" },
      }).finish(),
    });
    const result = await e.export(spans(5));
    assert.equal(result.code, "success");
    assert.equal(result.rejected, 2);
    assert.match(result.error!.message, /rejected 2 of 5 spans: too old/);
  });

  test("reads an answer that arrives in pieces as the whole of its bytes", IO, async () => {
    const e = exporter();
    const message = "too old: ".padEnd(3_000, "x");
    const body = ExportTraceServiceResponse.encode({
      partialSuccess: { rejectedSpans: 3, errorMessage: message },
    }).finish();
    receiver.respond = () => ({
      status: 200,
      headers: { "content-type": "application/x-protobuf" },
      chunks: [body.subarray(0, 7), body.subarray(7, 1_500), body.subarray(1_500)],
    });
    const result = await e.export(spans(5));
    assert.equal(result.code, "success");
    assert.equal(result.rejected, 3);
    assert.ok(
      result.error!.message.endsWith(`rejected 3 of 5 spans: ${message}`),
      result.error!.message,
    );
  });

  test("reads a JSON partial success into rejected", IO, async () => {
    const e = exporter({ protocol: "http/json" });
    receiver.respond = () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ partialSuccess: { rejectedSpans: "4", errorMessage: "quota" } }),
    });
    const result = await e.export(spans(5));
    assert.equal(result.rejected, 4);
  });

  test("a receiver slower than timeoutMs fails the export as timed out", IO, async () => {
    const time = new ManualTime(0);
    const e = exporter({ clock: time, scheduler: time, timeoutMs: 2000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    receiver.respond = async () => {
      await held;
      return { status: 200 };
    };
    const run = e.export(spans(1));
    // Time moves once the request is in, and only then: the timeout is all
    // that ends this export, and the abort it causes needs no more time.
    await receiver.waitForRequests(1);
    await time.tick(2000);
    const result = await run;
    release();
    assert.equal(result.code, "failure");
    assert.match(result.error!.message, /timed out after 2000 ms/);
  });

  // The status and headers come, then the body stalls; what ends the export
  // is its deadline or the processor's abort, and the message says which.
  const stalls = [
    {
      status: 503,
      by: "timeoutMs",
      expected: /timed out after 2000 ms: HTTP 503 from .* not the end of its body$/,
    },
    {
      status: 429,
      by: "timeoutMs",
      expected: /timed out after 2000 ms: HTTP 429 from .* not the end of its body$/,
    },
    { status: 503, by: "the signal", expected: /^OTLP export aborted$/ },
  ] as const;
  for (const { status, by, expected } of stalls) {
    test(
      `a ${status} whose body stalls until ${by} ends the export fails as such, once`,
      IO,
      async () => {
        let requests = 0;
        const stalling = await serveNode((req, res) => {
          requests++;
          req.resume();
          req.on("end", () => {
            // A wait that would pass the deadline: without its own message,
            // the stalled body read as a retry there was no room for.
            res.writeHead(status, { "content-type": "text/plain", "retry-after": "60" });
            res.write("overloaded, and then");
          });
        });
        try {
          const time = new ManualTime(0);
          let headersIn!: () => void;
          const answered = new Promise<void>((resolve) => headersIn = resolve);
          const e = new OtlpHttpExporter({
            url: `${stalling.url}v1/traces`,
            env: {},
            resource,
            clock: time,
            scheduler: time,
            timeoutMs: 2000,
            fetch: async (url, init) => {
              const response = await fetch(url, init);
              headersIn();
              return response;
            },
          });
          const abort = new AbortController();
          const run = e.export(spans(1), abort.signal);
          // Nothing ends the export before the status and headers are in: what
          // is cut short is the body.
          await answered;
          if (by === "timeoutMs") await time.tick(2000);
          else abort.abort();
          const result = await run;
          assert.equal(result.code, "failure");
          assert.match(result.error!.message, expected);
          assert.equal(requests, 1);
        } finally {
          await stalling.close();
        }
      },
    );
  }

  test(
    "a receiver that is down is retried with backoff, then fails within timeoutMs",
    IO,
    async () => {
      const time = new ManualTime(0);
      const timers = new ExporterTimers(time);
      const e = new OtlpHttpExporter({
        url: DEAD_URL,
        env: {},
        resource,
        clock: time,
        scheduler: timers,
        timeoutMs: 10_000,
        random: () => 0.5,
      });
      const result = await settleOnManualTime(time, timers, 10_000, e.export(spans(1)));
      assert.equal(result.code, "failure");
      // Five attempts, with random() = 0.5 waiting three quarters of each
      // step between them: 750 + 1500 + 3000 + 3750 ms (the step capped at 5 s).
      assert.match(result.error!.message, /after 5 attempts: network error/);
      assert.equal(time.now(), 750 + 1_500 + 3_000 + 3_750, `gave up at ${time.now()} ms`);
    },
  );
});

describe("OtlpHttpExporter keeps the batch processor's accounting exact", () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
  });
  after(async () => {
    await receiver.close();
  });

  /**
   * Flushes 5 spans through a batch processor and the exporter to the
   * receiver, on manual time that moves only to the exporter's waits before
   * a retry (see settleOnManualTime), after `drive` has moved it as a case
   * needs.
   */
  async function run(
    respond: Receiver["respond"],
    options: OtlpHttpExporterOptions = {},
    drive: (time: ManualTime) => Promise<void> = () => Promise.resolve(),
  ) {
    receiver.requests.length = 0;
    receiver.respond = respond;
    const time = new ManualTime(0);
    const timers = new ExporterTimers(time);
    const exporter = new OtlpHttpExporter({
      url: receiver.url,
      resource,
      env: {},
      clock: time,
      scheduler: timers,
      timeoutMs: 5000,
      random: () => 0.5,
      ...options,
    });
    const processor = new BatchSpanProcessor(exporter, {
      scheduler: time,
      clock: time,
      flushOnExit: false,
      maxBatchSize: 100,
    });
    const tracer = new Tracer({ name: "acct", processors: [processor] });
    for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
    const flush = processor.forceFlush();
    await drive(time);
    await settleOnManualTime(time, timers, 5000, flush);
    const stats = processor.stats();
    assertBalanced(stats);
    return stats;
  }

  test("success: every span exported", IO, async () => {
    const stats = await run(() => ({ status: 200 }));
    assert.deepEqual(stats, { ended: 5, exported: 5, dropped: 0, failed: 0, queued: 0 });
  });

  test("503 with Retry-After, then success: every span exported once", IO, async () => {
    const stats = await run((_r, i) =>
      i === 0 ? { status: 503, headers: { "retry-after": "1" } } : { status: 200 }
    );
    assert.deepEqual(stats, { ended: 5, exported: 5, dropped: 0, failed: 0, queued: 0 });
    assert.equal(receiver.requests.length, 2);
  });

  test("503 until the timeout: every span failed", IO, async () => {
    const stats = await run(() => ({ status: 503 }));
    assert.deepEqual(stats, { ended: 5, exported: 0, dropped: 0, failed: 5, queued: 0 });
  });

  test("400 with an error body: every span failed, one request", IO, async () => {
    const stats = await run(() => ({ status: 400, body: rpcStatus(3, "bad") }));
    assert.deepEqual(stats, { ended: 5, exported: 0, dropped: 0, failed: 5, queued: 0 });
    assert.equal(receiver.requests.length, 1);
  });

  test("partial success: the rejected spans failed, the rest exported", IO, async () => {
    const stats = await run(() => ({
      status: 200,
      body: ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: 2 } }).finish(),
    }));
    assert.deepEqual(stats, { ended: 5, exported: 3, dropped: 0, failed: 2, queued: 0 });
  });

  test("receiver slower than the timeout: every span failed", IO, async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    const stats = await run(
      async () => {
        await held;
        return { status: 200 };
      },
      {},
      async (time) => {
        // The request is in, and held: now the timeout may pass.
        await receiver.waitForRequests(1);
        await time.tick(5000);
      },
    );
    release();
    assert.deepEqual(stats, { ended: 5, exported: 0, dropped: 0, failed: 5, queued: 0 });
  });

  test("receiver down: every span failed", IO, async () => {
    const stats = await run(() => ({ status: 200 }), { url: DEAD_URL });
    assert.deepEqual(stats, { ended: 5, exported: 0, dropped: 0, failed: 5, queued: 0 });
  });
});

describe("OtlpHttpExporter with an injected fetch", () => {
  function fake(
    replies: (Response | Error)[],
    calls: RequestInit[] = [],
  ): OtlpHttpExporterOptions["fetch"] {
    return (_url, init) => {
      calls.push(init!);
      const next = replies.length > 1 ? replies.shift()! : replies[0];
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next.clone());
    };
  }

  test("a body a fetch keeps is never changed by the exports after it", async () => {
    const calls: RequestInit[] = [];
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      fetch: fake([new Response(null, { status: 200 })], calls),
    });
    await e.export(spans(3));
    const first = calls[0].body as Uint8Array;
    const copy = first.slice();
    for (let i = 0; i < 5; i++) await e.export(spans(50));
    assert.deepEqual(first, copy);
    assert.equal(decodeProtobuf(first).resourceSpans[0].scopeSpans[0].spans.length, 3);
  });

  test("honours a Retry-After HTTP date", async () => {
    const time = new ManualTime(Date.parse("2030-01-01T00:00:00Z"));
    const calls: RequestInit[] = [];
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      clock: time,
      scheduler: time,
      fetch: fake([
        new Response(null, {
          status: 429,
          headers: { "retry-after": "Tue, 01 Jan 2030 00:00:04 GMT" },
        }),
        new Response(null, { status: 200 }),
      ], calls),
    });
    const run = settled(e.export(spans(1)));
    await time.tick(3999);
    assert.equal(calls.length, 1);
    await time.tick(1);
    await tickUntil(time, () => run.done, 0, 10);
    assert.equal(calls.length, 2);
    assert.equal((await run.promise).code, "success");
  });

  test("does not wait for a Retry-After that would pass the timeout", async () => {
    const time = new ManualTime(0);
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      clock: time,
      scheduler: time,
      timeoutMs: 5000,
      fetch: fake([new Response(null, { status: 503, headers: { "retry-after": "60" } })]),
    });
    const result = await e.export(spans(1));
    assert.equal(result.code, "failure");
    assert.match(result.error!.message, /HTTP 503.*would pass the 5000 ms timeout/);
    assert.equal(time.now(), 0);
  });

  test("backs off exponentially with jitter and stops after five attempts", async () => {
    const time = new ManualTime(0);
    const calls: RequestInit[] = [];
    const at: number[] = [];
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      clock: time,
      scheduler: time,
      timeoutMs: 60_000,
      random: () => 0,
      fetch: (url, init) => {
        at.push(time.now());
        return fake([new Response(null, { status: 502 })], calls)!(url, init);
      },
    });
    const run = settled(e.export(spans(1)));
    await tickUntil(time, () => run.done, 50);
    const result = await run.promise;
    assert.match(result.error!.message, /after 5 attempts: HTTP 502/);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // random() = 0 takes the low end of each step: half of 1, 2, 4, then 5 (capped) seconds.
    assert.deepEqual(gaps, [500, 1000, 2000, 2500]);
  });

  test("a network error names the URL and the error's cause, with no credentials", async () => {
    // Node's fetch rejects with "fetch failed" and keeps the reason in
    // `cause`; Deno's cause names the whole URL, query included. The
    // message read "network error: TypeError: fetch failed", which said
    // neither where the spans went nor why they did not get there.
    const url = "http://user:pass@127.0.0.1:4318/v1/traces?token=t0ps3cret";
    const causes = [
      new Error("connect ECONNREFUSED 127.0.0.1:4318"),
      new Error(`error sending request for url (${new URL(url).href}): Connection refused`),
    ];
    for (const cause of causes) {
      const time = new ManualTime(0);
      const e = new OtlpHttpExporter({
        env: {},
        url,
        resource,
        clock: time,
        scheduler: time,
        timeoutMs: 60_000,
        random: () => 0,
        fetch: fake([new TypeError("fetch failed", { cause })]),
      });
      const run = settled(e.export(spans(1)));
      await tickUntil(time, () => run.done, 50);
      const { message } = (await run.promise).error!;
      assert.match(message, /network error/);
      assert.ok(message.includes("http://127.0.0.1:4318/v1/traces"), message);
      assert.match(message, /TypeError: fetch failed/);
      assert.match(message, /Connection refused|ECONNREFUSED/);
      assert.doesNotMatch(message, /t0ps3cret|user|pass@/);
    }
  });

  test("fails fast when concurrency exports are already in flight", async () => {
    let release!: (r: Response) => void;
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      concurrency: 1,
      fetch: () => new Promise((resolve) => release = resolve),
    });
    const first = e.export(spans(1));
    const second = await e.export(spans(1));
    assert.equal(second.code, "failure");
    assert.match(second.error!.message, /1 exports already in flight \(concurrency 1\)/);
    assert.equal(e.inFlight, 1);
    await Promise.resolve();
    release(new Response(null, { status: 200 }));
    assert.equal((await first).code, "success");
    assert.equal(e.inFlight, 0);
  });

  test("gives up when the processor's signal aborts", async () => {
    const controller = new AbortController();
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init!.signal!.addEventListener("abort", () => reject(new Error("aborted")));
        }),
    });
    const pending = e.export(spans(1), controller.signal);
    controller.abort();
    const result = await pending;
    assert.equal(result.code, "failure");
    assert.match(result.error!.message, /aborted/);
  });

  test("reads at most maxResponseBytes (4 MiB by default) of a huge error body", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16384;
        controller.enqueue(new Uint8Array(16384).fill(0x61));
      },
    });
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      fetch: () =>
        Promise.resolve(
          new Response(endless, { status: 400, headers: { "content-type": "text/plain" } }),
        ),
    });
    const result = await e.export(spans(1));
    assert.equal(result.code, "failure");
    assert.ok(pulled <= 4 * 1024 * 1024 + 64 * 1024, `pulled ${pulled} bytes`);
    assert.match(result.error!.message, /over 4194304 bytes/);
    assert.ok(result.error!.message.length < 1000);
  });

  test("turns a fetch that throws synchronously into a failure, never a throw", async () => {
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      // Shorter than the first retry's backoff (at least 500 ms), so no retry
      // is waited for, and far longer than a synchronous throw takes: the
      // failure is the throw's, not a timeout's.
      timeoutMs: 450,
      fetch: () => {
        throw new TypeError("boom");
      },
    });
    const result = await e.export(spans(1));
    assert.equal(result.code, "failure");
    assert.match(String(result.error), /network error .*TypeError: boom/);
  });

  test("warns once about a partial success that rejected nothing but said something", async () => {
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      protocol: "http/json",
      fetch: fake([
        Response.json({ partialSuccess: { errorMessage: "slow down please" } }),
        Response.json({ partialSuccess: { errorMessage: "slow down please, 2nd time" } }),
        Response.json({ partialSuccess: { errorMessage: "slow down please, 3rd time" } }),
      ]),
    });
    const warned = await captureWarnings(async () => {
      assert.deepEqual(await e.export(spans(1)), { code: "success" });
      await e.export(spans(1));
      await e.export(spans(1));
    });
    assert.equal(warned.filter((w) => w.includes("slow down please")).length, 1);
  });

  test("rejects programming mistakes in the options with TypeError or RangeError", () => {
    assert.throws(
      () => new OtlpHttpExporter({ url: "ftp://x" }),
      /Cannot create OtlpHttpExporter: url/,
    );
    assert.throws(
      () => new OtlpHttpExporter({ env: {}, protocol: "grpc" as "http/json" }),
      TypeError,
    );
    assert.throws(() => new OtlpHttpExporter({ env: {}, timeoutMs: 0 }), RangeError);
    assert.throws(() => new OtlpHttpExporter({ env: {}, concurrency: 0 }), RangeError);
    assert.throws(
      () => new OtlpHttpExporter({ env: {}, headers: { "bad header": "x" } }),
      /Cannot create OtlpHttpExporter: headers/,
    );
  });

  test("takes url, protocol, headers, timeout and compression from OTEL_* when not given", async () => {
    const calls: RequestInit[] = [];
    const urls: string[] = [];
    const e = new OtlpHttpExporter({
      resource,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc,x-team=a",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=b",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "gzip",
      },
      fetch: (url, init) => {
        urls.push(String(url));
        return fake([new Response(null, { status: 200 })], calls)!(url, init);
      },
    });
    assert.equal(e.url, "http://collector:4318/v1/traces");
    assert.equal(e.protocol, "http/json");
    await e.export(spans(1));
    const headers = calls[0].headers as Record<string, string>;
    assert.equal(headers.authorization, "Bearer abc");
    assert.equal(headers["x-team"], "b");
    assert.equal(headers["content-encoding"], "gzip");
    assert.equal(urls[0], "http://collector:4318/v1/traces");
  });

  test("an error body that is no readable Status is described, never dumped as raw bytes", async () => {
    // A 4xx body MUST be a google.rpc.Status; one without a message, or one
    // that does not decode, was shown as its bytes read as text ("HTTP 400
    // ...: \b\u0003"), and a text body's control characters (ESC, which
    // starts the sequences that act on a terminal) went as they were into
    // the message the processor prints.
    const failure = async (body: Uint8Array | string, type: string) => {
      const e = new OtlpHttpExporter({
        env: {},
        resource,
        fetch: fake([
          new Response(body as BodyInit, { status: 400, headers: { "content-type": type } }),
        ]),
      });
      const result = await e.export(spans(1));
      assert.equal(result.code, "failure");
      const message = result.error!.message;
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f\ufffd]/, JSON.stringify(message));
      return message;
    };
    const protobufType = "application/x-protobuf";
    assert.match(
      await failure(new Uint8Array([0x08, 0x03]), protobufType),
      /HTTP 400 from \S+: a google\.rpc\.Status with code 3 and no message$/,
    );
    assert.match(
      await failure(new Uint8Array([0xff, 0x00, 0x01]), protobufType),
      /HTTP 400 from \S+: a body of 3 bytes that is not a google\.rpc\.Status$/,
    );
    assert.match(
      await failure("bad\u001b[2J\r\nrequest", "text/plain"),
      /HTTP 400 from \S+: bad\\x1b\[2J\\r\\nrequest$/,
    );
    assert.match(
      await failure(rpcStatus(3, "bad\u001b[31m span"), protobufType),
      /HTTP 400 from \S+: bad\\x1b\[31m span$/,
    );
    // A partial success's message is the backend's text too.
    const partial = await new OtlpHttpExporter({
      env: {},
      resource,
      protocol: "http/json",
      fetch: fake([
        Response.json({ partialSuccess: { rejectedSpans: 1, errorMessage: "no\u001b]0;x\u0007" } }),
      ]),
    }).export(spans(2));
    assert.equal(partial.rejected, 1);
    assert.match(partial.error!.message, /rejected 1 of 2 spans: no\\x1b\]0;x\\x07$/);
  });

  test("sends a User-Agent of RFC 9110 product tokens naming the exporter, its language and version", async () => {
    // The exporter specification: a User-Agent that identifies "the
    // exporter, the language of its implementation, and the version", whose
    // format "SHOULD follow RFC 7231" (product = token ["/" version]). It
    // was "@codomyrmex/spans/0.1.0": "@" and the inner "/" are no token
    // characters, and no language was named.
    const calls: RequestInit[] = [];
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      fetch: fake([new Response(null, { status: 200 })], calls),
    });
    await e.export(spans(1));
    const agent = (calls[0].headers as Record<string, string>)["user-agent"];
    const tchar = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
    const product = `${tchar}+(?:/${tchar}+)?`;
    assert.match(agent, new RegExp(`^${product}(?: (?:${product}|\\([^()]*\\)))*$`));
    const version = String(Resource.detect({ env: {} }).attributes["telemetry.sdk.version"]);
    assert.ok(agent.includes(`/${version}`), agent);
    assert.match(agent, /JavaScript/);
    assert.match(agent, /codomyrmex-spans/);
  });
});

describe("OtlpHttpExporter: no secret in any message, no redirect followed", () => {
  const SECRET = "s3cret-token-4f9a";
  let collector: Receiver;
  let elsewhere: Receiver;
  before(async () => {
    collector = await Receiver.start();
    elsewhere = await Receiver.start();
  });
  after(async () => {
    await collector.close();
    await elsewhere.close();
  });

  function exporter(options: OtlpHttpExporterOptions = {}): OtlpHttpExporter {
    collector.requests.length = 0;
    elsewhere.requests.length = 0;
    return new OtlpHttpExporter({
      url: collector.url,
      resource,
      env: {},
      headers: { "x-api-key": SECRET, authorization: `Bearer ${SECRET}-b` },
      ...options,
    });
  }

  test(
    "a redirect loop is one POST, failed with one warning naming the status and Location",
    IO,
    async () => {
      const e = exporter();
      collector.respond = () => ({ status: 307, headers: { location: collector.url } });
      let result!: ExportResult;
      const warned = await captureWarnings(async () => {
        result = await e.export(spans(2));
        await e.export(spans(1));
      });
      assert.equal(result.code, "failure");
      assert.equal(collector.requests.length, 2, "one POST per export, never a followed redirect");
      assert.match(
        result.error!.message,
        /HTTP 307 .*redirects to "http:\/\/127\.0\.0\.1:\d+\/v1\/traces"/,
      );
      assert.equal(warned.length, 1, warned.join("\n"));
      assert.match(warned[0], /HTTP 307/);
      assert.match(warned[0], new RegExp(collector.url.replace(/[./]/g, "\\$&")));
    },
  );

  for (const status of [301, 302, 303, 307, 308]) {
    test(
      `a ${status} to another origin carries nothing there, and the batch fails`,
      IO,
      async () => {
        const e = exporter();
        collector.respond = () => ({ status, headers: { location: elsewhere.url } });
        let result!: ExportResult;
        await captureWarnings(async () => {
          result = await e.export(spans(1));
        });
        assert.equal(result.code, "failure");
        assert.match(result.error!.message, new RegExp(`HTTP ${status} `));
        assert.equal(collector.requests.length, 1);
        assert.equal(elsewhere.requests.length, 0, "no request reached the other origin");
      },
    );
  }

  test("the batch processor counts a redirected batch as failed", IO, async () => {
    collector.respond = () => ({ status: 308, headers: { location: elsewhere.url } });
    const batch = new BatchSpanProcessor(exporter(), { flushOnExit: false });
    await captureWarnings(async () => {
      for (const span of spans(3)) batch.onEnd(span);
      await batch.shutdown();
    });
    assert.deepEqual(batch.stats(), { ended: 3, exported: 0, dropped: 0, failed: 3, queued: 0 });
    assert.equal(elsewhere.requests.length, 0);
  });

  test(
    "an error body that echoes the request headers is quoted with their values redacted",
    IO,
    async () => {
      const e = exporter();
      collector.respond = (request) => ({
        status: 400,
        headers: { "content-type": "text/plain" },
        body: `rejected request with headers ${JSON.stringify(request.headers)}`,
      });
      const result = await e.export(spans(1));
      assert.equal(collector.requests[0].headers["x-api-key"], SECRET, "the header was sent");
      const message = result.error!.message;
      assert.match(message, /HTTP 400/);
      assert.match(message, /"x-api-key":"\[redacted\]"/);
      assert.ok(!message.includes(SECRET), message);
    },
  );

  test("a long error body cut inside a header value shows no part of it", IO, async () => {
    const e = exporter();
    for (const at of [480, 490, 495]) {
      collector.respond = () => ({
        status: 400,
        headers: { "content-type": "text/plain" },
        // The quote starts just before the 500-character cut.
        body: `${"x".repeat(at)}${SECRET} and more`,
      });
      const message = (await e.export(spans(1))).error!.message;
      assert.match(message, /HTTP 400/);
      assert.ok(
        !message.includes(SECRET.slice(0, Math.min(SECRET.length, 500 - at))),
        message.slice(-60),
      );
    }
  });

  test("a redirect's Location is shown cut, with no part of a header value", IO, async () => {
    const e = exporter();
    collector.respond = () => ({
      status: 307,
      headers: { location: `http://127.0.0.1:9/${"p".repeat(170)}?k=${SECRET}` },
      body: "",
    });
    const reported = await captureWarnings(() => e.export(spans(1)));
    assert.ok(reported.length > 0);
    for (const line of reported) assert.ok(!line.includes(SECRET.slice(0, 5)), line);
  });

  test("a partial success that quotes a header value is reported redacted", IO, async () => {
    const e = exporter({ protocol: "http/json" });
    collector.respond = () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        partialSuccess: { rejectedSpans: 1, errorMessage: `token ${SECRET}-b is read-only` },
      }),
    });
    const result = await e.export(spans(2));
    assert.equal(result.rejected, 1);
    assert.ok(!result.error!.message.includes(SECRET), result.error!.message);
    assert.match(result.error!.message, /token \[redacted\] is read-only/);
  });

  test("a URL's user name, password and query are not shown in messages", async () => {
    const e = new OtlpHttpExporter({
      url: `http://user:${SECRET}@127.0.0.1:9/v1/traces?key=${SECRET}`,
      env: {},
      fetch: () => Promise.resolve(new Response("no", { status: 400 })),
    });
    const result = await e.export(spans(1));
    assert.match(result.error!.message, /from http:\/\/127\.0\.0\.1:9\/v1\/traces: no$/);
    assert.ok(!result.error!.message.includes(SECRET));
  });

  test("nor where the backend quotes them back: an error body, a partial success, a Location", async () => {
    const url = `http://apiuser:pa%24${SECRET}@127.0.0.1:9/v1/traces?key=${SECRET}-q&format=x`;
    const answers: (() => Response)[] = [
      // An error body that quotes the request line, and the decoded password.
      () =>
        new Response(`bad request: POST ${url} (user apiuser, password pa$${SECRET})`, {
          status: 400,
        }),
      () =>
        Response.json({ partialSuccess: { rejectedSpans: 1, errorMessage: `key ${SECRET}-q` } }),
      // An upgrade to https, which keeps the query.
      () =>
        new Response(null, {
          status: 301,
          headers: { location: `https://127.0.0.1:9/v1/traces?key=${SECRET}-q` },
        }),
    ];
    const messages: string[] = [];
    const warned = await captureWarnings(async () => {
      for (const answer of answers) {
        const e = new OtlpHttpExporter({
          url,
          env: {},
          protocol: "http/json",
          fetch: () => Promise.resolve(answer()),
        });
        messages.push((await e.export(spans(2))).error!.message);
      }
    });
    assert.equal(messages.length, 3);
    assert.match(messages[0], /HTTP 400 .*bad request/);
    assert.match(messages[1], /rejected 1 of 2 spans: key \[redacted\]/);
    assert.match(
      messages[2],
      /HTTP 301 .*redirects to "https:\/\/127\.0\.0\.1:9\/v1\/traces\?key=/,
    );
    assert.ok(warned.length > 0);
    for (const line of [...messages, ...warned]) {
      assert.ok(!line.includes(SECRET), line);
      assert.ok(!line.includes("apiuser"), line);
    }
  });

  test("an invalid header value is refused naming its key, never its value", () => {
    assert.throws(
      () => new OtlpHttpExporter({ env: {}, headers: { "x-api-key": `${SECRET}\nx` } }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /^Cannot create OtlpHttpExporter: .*"x-api-key"/);
        assert.ok(!error.message.includes(SECRET), error.message);
        return true;
      },
    );
  });
});

describe("OtlpHttpExporter: headers, Retry-After and long timeouts", () => {
  const ok = () => Promise.resolve(new Response(null, { status: 200 }));

  test("a header given in another case replaces the env's, never joins it", async () => {
    const sent: Headers[] = [];
    const e = new OtlpHttpExporter({
      resource,
      env: {
        OTEL_EXPORTER_OTLP_HEADERS: "X-Api-Key=generic,X-Team=a",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=b",
      },
      headers: { "x-api-key": "option", "Content-Type": "text/plain" },
      fetch: (_url, init) => {
        sent.push(new Headers(init!.headers));
        return ok();
      },
    });
    assert.equal((await e.export(spans(1))).code, "success");
    // HTTP field names are case-insensitive (RFC 9110, 5.1): two spellings
    // of one name are one header, and the option wins over the env.
    assert.equal(sent[0].get("x-api-key"), "option");
    assert.equal(sent[0].get("x-team"), "b");
    assert.equal(sent[0].get("content-type"), "application/x-protobuf");
  });

  // Answers `status` with `Retry-After: header`, then 200; resolves with the
  // times of the two attempts, relative to the first, and the result.
  async function retryAfter(status: number, header: string) {
    const time = new ManualTime(Date.parse("2030-01-01T00:00:00Z"));
    const at: number[] = [];
    const replies = [status, 200];
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      clock: time,
      scheduler: time,
      random: () => 0,
      fetch: () => {
        at.push(time.now());
        const reply = replies.shift()!;
        return Promise.resolve(
          new Response(null, {
            status: reply,
            headers: reply === status ? { "retry-after": header } : {},
          }),
        );
      },
    });
    const run = settled(e.export(spans(1)));
    await tickUntil(time, () => run.done, 50);
    return { result: await run.promise, gaps: at.map((t) => t - at[0]) };
  }

  test("a Retry-After that is neither delay-seconds nor an HTTP date is ignored: the backoff applies", async () => {
    for (const header of ["1.5", "-1", "2, 3"]) {
      const { result, gaps } = await retryAfter(429, header);
      assert.equal(result.code, "success", `Retry-After: ${header}: ${result.error}`);
      // Not read as a date in 2001 (Date.parse is lenient), which is past, so
      // an immediate retry: the first backoff, 500 ms with random() = 0.
      assert.deepEqual(gaps, [0, 500], `Retry-After: ${header}`);
    }
  });

  test("honours every HTTP-date form of Retry-After, asctime as GMT", async () => {
    for (
      const header of [
        "Tue, 01 Jan 2030 00:00:04 GMT",
        "Tuesday, 01-Jan-30 00:00:04 GMT",
        "Tue Jan  1 00:00:04 2030",
      ]
    ) {
      const { result, gaps } = await retryAfter(503, header);
      assert.equal(result.code, "success", header);
      assert.deepEqual(gaps, [0, 4000], `Retry-After: ${header}`);
    }
  });

  test("a timeout past 2^31 - 1 ms does not fire at once (setTimeout's 32-bit limit)", async () => {
    const e = new OtlpHttpExporter({
      env: { OTEL_EXPORTER_OTLP_TIMEOUT: "3000000000" },
      resource,
      fetch: (_url, init) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(new Response(null, { status: 200 })), 30);
          init!.signal!.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(new Error("aborted"));
          });
        }),
    });
    const result = await e.export(spans(1));
    assert.equal(result.code, "success", String(result.error));
    // The processor's deadline too.
    const batch = new BatchSpanProcessor(e, { exportTimeoutMs: 3_000_000_000, flushOnExit: false });
    for (const span of spans(2)) batch.onEnd(span);
    await batch.shutdown();
    assert.deepEqual(batch.stats(), { ended: 2, exported: 2, dropped: 0, failed: 0, queued: 0 });
  });

  test("a response body over the limit is a non-retryable error, whatever the status", async () => {
    for (const status of [503, 200]) {
      const time = new ManualTime(0);
      let calls = 0;
      const e = new OtlpHttpExporter({
        env: {},
        resource,
        clock: time,
        scheduler: time,
        maxResponseBytes: 64 * 1024,
        fetch: () => {
          calls++;
          return Promise.resolve(new Response(new Uint8Array(100 * 1024).fill(0x61), { status }));
        },
      });
      const run = settled(e.export(spans(1)));
      await tickUntil(time, () => run.done, 100);
      const result = await run.promise;
      assert.equal(calls, 1, `HTTP ${status}: not retried`);
      assert.equal(result.code, "failure", `HTTP ${status}`);
      assert.match(result.error!.message, /response body .*over 65536 bytes/);
    }
  });

  test("a response body of exactly the limit is read as usual", async () => {
    const e = new OtlpHttpExporter({
      env: {},
      resource,
      maxResponseBytes: 64 * 1024,
      fetch: () => Promise.resolve(new Response(new Uint8Array(64 * 1024), { status: 200 })),
    });
    assert.deepEqual(await e.export(spans(1)), { code: "success" });
  });

  test("the default limit is the 4 MiB the specification recommends", async () => {
    const answer = (size: number) => () =>
      Promise.resolve(new Response(new Uint8Array(size), { status: 200 }));
    const under = new OtlpHttpExporter({ env: {}, resource, fetch: answer(4 * 1024 * 1024) });
    assert.deepEqual(await under.export(spans(1)), { code: "success" });
    const over = new OtlpHttpExporter({ env: {}, resource, fetch: answer(4 * 1024 * 1024 + 1) });
    const result = await over.export(spans(1));
    assert.equal(result.code, "failure");
    assert.match(result.error!.message, /over 4194304 bytes \(maxResponseBytes\)/);
  });

  test("maxResponseBytes and maxRequestBytes must be positive integers", () => {
    for (const name of ["maxResponseBytes", "maxRequestBytes"]) {
      for (const bad of [0, -1, 1.5, NaN, Infinity, "1024"]) {
        assert.throws(
          () => new OtlpHttpExporter({ env: {}, [name]: bad as number }),
          (error: unknown) =>
            error instanceof RangeError &&
            error.message.startsWith(
              `Cannot create OtlpHttpExporter: ${name} must be a positive integer`,
            ),
          `${name}: ${String(bad)}`,
        );
      }
    }
  });

  test("a batch over maxRequestBytes before compression is not sent, and fails", async () => {
    for (const compression of ["none", "gzip"] as const) {
      let sent = 0;
      const big = [new Span("a").setAttribute("payload", "x".repeat(10_000)).start().end()];
      const e = new OtlpHttpExporter({
        env: {},
        resource,
        compression,
        maxRequestBytes: 5_000,
        fetch: () => {
          sent++;
          return Promise.resolve(new Response(null, { status: 200 }));
        },
      });
      const result = await e.export(big);
      assert.equal(sent, 0, `${compression}: no request`);
      assert.equal(result.code, "failure");
      assert.match(
        result.error!.message,
        /^OTLP export not sent: 1 spans encode to \d+ bytes, over maxRequestBytes \(5000\)/,
      );
      // Within the limit, the same exporter sends.
      assert.deepEqual(await e.export(spans(1)), { code: "success" }, compression);
      assert.equal(sent, 1, compression);
    }
  });
});

describe("OtlpHttpExporter without the runtime's permission to send", () => {
  // Deno refuses a request its --allow-net does not cover with NotCapable
  // (PermissionDenied before 2.0), and refuses it again on every retry: a
  // retry only holds the export, and a flush or the exit, for its backoff.
  const exportOnce = (url: string) => `
    const { Span } = await import(${JSON.stringify(new URL("../mod.ts", import.meta.url).href)});
    const { OtlpHttpExporter } = await import(${
    JSON.stringify(new URL("../otlp.ts", import.meta.url).href)
  });
    let calls = 0;
    const exporter = new OtlpHttpExporter({
      url: ${JSON.stringify(url)},
      env: {},
      timeoutMs: 60_000,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const result = await exporter.export([new Span("s").start().end()]);
    console.log(JSON.stringify({ calls, code: result.code, error: result.error?.message }));
  `;

  test(
    "a request Deno's --allow-net refuses fails the export at once, saying so (Deno only)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const receiver = await Receiver.start();
      try {
        const denied = await runSnippet(exportOnce(receiver.url), { denoFlags: ["--no-prompt"] });
        assert.equal(denied.code, 0, denied.stderr);
        const outcome = JSON.parse(denied.stdout.trim().split("\n").at(-1)!);
        assert.equal(outcome.code, "failure");
        assert.equal(outcome.calls, 1, `one request, no retry: ${outcome.error}`);
        assert.match(outcome.error, /permission/i);
        assert.match(outcome.error, /--allow-net/);
        assert.equal(receiver.requests.length, 0);
        // The same program with the permission sends.
        const host = new URL(receiver.url).host;
        const allowed = await runSnippet(exportOnce(receiver.url), {
          denoFlags: ["--no-prompt", `--allow-net=${host}`],
        });
        assert.equal(allowed.code, 0, allowed.stderr);
        assert.deepEqual(JSON.parse(allowed.stdout.trim().split("\n").at(-1)!), {
          calls: 1,
          code: "success",
        });
        assert.equal(receiver.requests.length, 1);
      } finally {
        await receiver.close();
      }
    },
  );

  // util-linux's script(1) runs the child at a pseudo-terminal, where Deno
  // asks for a permission it lacks, and waits for the answer, instead of
  // refusing at once as with --no-prompt.
  const script = ["/usr/bin/script", "/bin/script"].find((path) => existsSync(path));

  test(
    "at a terminal, a request Deno's --allow-net does not cover fails without a prompt (Deno on Linux)",
    { skip: !isDeno || process.platform !== "linux" || script === undefined, timeout: 120_000 },
    async () => {
      const receiver = await Receiver.start();
      const dir = await mkdtemp(join(tmpdir(), "spans-tty-"));
      try {
        const file = join(dir, "export.ts");
        await writeFile(
          file,
          `
          const { Span } = await import(${
            JSON.stringify(new URL("../mod.ts", import.meta.url).href)
          });
          const { OtlpHttpExporter } = await import(${
            JSON.stringify(new URL("../otlp.ts", import.meta.url).href)
          });
          const exporter = new OtlpHttpExporter({ url: ${JSON.stringify(receiver.url)}, env: {} });
          const result = await exporter.export([new Span("s").start().end()]);
          console.log("RESULT " + JSON.stringify({ code: result.code, error: result.error?.message }));
        `,
        );
        const deno = (globalThis as unknown as { Deno: DenoCommandLike }).Deno;
        const child = new deno.Command(script!, {
          args: ["-qec", `${deno.execPath()} run --no-config ${file}`, "/dev/null"],
          env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        // Until the result or a prompt shows, within a bound: a prompt waits for ever.
        let output = "";
        const decoder = new TextDecoder();
        const reader = child.stdout.getReader();
        const bound = setTimeout(() => child.kill("SIGKILL"), 60_000);
        try {
          while (!/RESULT .*\n|Deno requests/.test(output)) {
            const { done, value } = await reader.read();
            if (done) break;
            output += decoder.decode(value, { stream: true });
          }
        } finally {
          clearTimeout(bound);
          try {
            child.kill("SIGKILL");
          } catch {
            // Already ended.
          }
          reader.releaseLock();
          await child.stdout.cancel().catch(() => {});
          await new Response(child.stderr).text();
          await child.status;
        }
        assert.doesNotMatch(output, /Deno requests/, output);
        const line = /RESULT (.*)/.exec(output)?.[1];
        assert.ok(line !== undefined, output);
        const outcome = JSON.parse(line);
        assert.equal(outcome.code, "failure");
        assert.match(outcome.error, /permission/i);
        assert.match(outcome.error, /--allow-net/);
        assert.equal(receiver.requests.length, 0);
      } finally {
        await rm(dir, { recursive: true, force: true });
        await receiver.close();
      }
    },
  );
});

interface DenoCommandLike {
  execPath(): string;
  Command: new (command: string, options: {
    args: string[];
    env: Record<string, string>;
    stdin: "null";
    stdout: "piped";
    stderr: "piped";
  }) => {
    spawn(): {
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      status: Promise<unknown>;
      kill(signal: string): void;
    };
  };
}
