// The trace viewer over HTTP, on each runtime's own server (Bun.serve, and
// node:http on Node and Deno): OTLP in from this library's exporter and from the
// OpenTelemetry SDK's OTLPTraceExporter, bodies it must refuse, the JSON API,
// the bounds, the file, and its options.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as OTLPHttpExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { type Span, Tracer } from "../mod.ts";
import {
  encodeOtlpJson,
  encodeOtlpProtobuf,
  OtlpHttpExporter,
  type OtlpProtocol,
  Resource,
  setupTracing,
} from "../otlp.ts";
import { startViewer, type Viewer, type ViewerOptions } from "../viewer.ts";
import {
  messageField,
  numberField,
  readFields,
  stringField,
} from "../src/otlp/_protobuf_reader.ts";
import { captureWarnings, isBun, isDeno } from "./_helpers.ts";
import { richSpans } from "./_otlp_fixtures.ts";
import { expectedReceived } from "./_viewer_fixtures.ts";
import { createHandler } from "../src/viewer/_handler.ts";
import { BODY_TIMEOUT_OPTION } from "../src/viewer/_read_body.ts";
import { HEADERS_TIMEOUT_OPTION } from "../src/viewer/_serve.ts";
import { NodeBody } from "../src/viewer/_node_body.ts";
import { EventEmitter } from "node:events";

const RUNTIME = isDeno ? "Deno's node:http" : isBun ? "Bun.serve" : "node:http";

// Each test starts a viewer, a real server: a timeout of its own, not the
// runner's default.
const IO = { timeout: 120_000 };

const resourceAttributes = { "service.name": "checkout", "service.version": "2.0.0" };
const resource = new Resource(resourceAttributes);

const tracesUrl = (viewer: Viewer) => new URL("v1/traces", viewer.url).href;

async function getJson(viewer: Viewer, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(path, viewer.url));
  return { status: response.status, body: await response.json() };
}

function post(
  viewer: Viewer,
  body: string | Uint8Array,
  headers: Record<string, string> = { "content-type": "application/x-protobuf" },
): Promise<Response> {
  return fetch(tracesUrl(viewer), {
    method: "POST",
    headers,
    body: body as string | Uint8Array<ArrayBuffer>,
  });
}

/** The message of a google.rpc.Status body. */
async function statusMessage(response: Response): Promise<string | undefined> {
  return stringField(readFields(new Uint8Array(await response.arrayBuffer())), 2);
}

async function exportSpans(viewer: Viewer, spans: Span[], protocol?: OtlpProtocol) {
  const exporter = new OtlpHttpExporter({
    url: tracesUrl(viewer),
    resource,
    protocol,
    compression: protocol === "http/json" ? "gzip" : "none",
    env: {},
  });
  assert.equal((await exporter.export(spans)).code, "success");
}

/** Every span of every trace the viewer holds, as the API gives them, by span id. */
async function heldSpans(viewer: Viewer): Promise<Map<string, Record<string, unknown>>> {
  const list = (await getJson(viewer, "api/traces?limit=1000")).body as { traceId: string }[];
  const out = new Map<string, Record<string, unknown>>();
  for (const { traceId } of list) {
    const spans = (await getJson(viewer, `api/traces/${traceId}`)).body as {
      spanId: string;
    }[];
    for (const span of spans) out.set(span.spanId, span);
  }
  return out;
}

/**
 * What the server at `port` answers, as text, to what `steps` write on a raw
 * connection (a number is a pause, in ms), once the server has closed the
 * connection: the client never does. Rejects when it is still open 30 s
 * after the last step.
 */
function untilClosed(port: number, steps: (string | Uint8Array | number)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let open: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    socket.on("data", (data) => answer += data);
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      clearTimeout(open);
      resolve(answer);
    });
    (async () => {
      for (const step of steps) {
        if (typeof step === "number") await new Promise((wait) => setTimeout(wait, step));
        else if (!socket.destroyed) socket.write(step);
      }
      if (closed) return;
      open = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the connection is still open 30 s after the request: ${answer}`));
      }, 30_000);
    })();
  });
}

/**
 * The heads of the answers the server at `port` gives to `requests` on one
 * connection, each request written once the answer before it has come
 * whole; fewer when the server closes the connection first. Rejects when
 * they have not all come 30 s after the first was written.
 */
function inTurn(port: number, requests: (string | Uint8Array)[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const heads: string[] = [];
    let received = "";
    const open = setTimeout(() => {
      socket.destroy();
      reject(new Error(`not answered within 30 s: ${heads.join("\n\n")}\n\n${received}`));
    }, 30_000);
    const done = () => {
      clearTimeout(open);
      socket.destroy();
      resolve(heads);
    };
    socket.setEncoding("latin1");
    socket.on("error", () => {});
    socket.on("close", done);
    socket.on("data", (data: string) => {
      received += data;
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = received.slice(0, end);
      const length = Number(/^content-length: *(\d+)/im.exec(head)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      heads.push(head);
      received = received.slice(end + 4 + length);
      if (heads.length === requests.length) done();
      else socket.write(requests[heads.length]);
    });
    socket.write(requests[0]);
  });
}

describe(`the trace viewer on ${RUNTIME}`, () => {
  for (const protocol of ["http/protobuf", "http/json"] as const) {
    test(
      `serves every field of spans sent by this library's exporter (${protocol}${
        protocol === "http/json" ? ", gzip" : ""
      })`,
      { timeout: 120_000 },
      async () => {
        await using viewer = await startViewer({ port: 0 });
        const spans = richSpans();
        await exportSpans(viewer, spans, protocol);
        const held = await heldSpans(viewer);
        assert.equal(held.size, spans.length);
        for (const span of spans) {
          assert.deepEqual(
            held.get(span.context.spanId),
            expectedReceived(span, resourceAttributes),
            span.name,
          );
        }
        assert.deepEqual(viewer.stats(), { spans: 6, traces: 3, rejected: 0, evicted: 0 });
      },
    );
  }

  for (
    const [name, Exporter] of [["proto", OTLPProtoExporter], [
      "http (JSON)",
      OTLPHttpExporter,
    ]] as const
  ) {
    test(`serves every field of spans sent by OpenTelemetry's OTLPTraceExporter (${name})`, {
      timeout: 120_000,
    }, async () => {
      await using viewer = await startViewer({ port: 0 });
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes(
          { "service.name": "inventory", "deployment.env": "dev" },
          { schemaUrl: "https://opentelemetry.io/schemas/1.26.0" },
        ),
        spanProcessors: [
          new SimpleSpanProcessor(new Exporter({ url: tracesUrl(viewer) })),
          new SimpleSpanProcessor(memory),
        ],
      });
      try {
        const tracer = provider.getTracer("inventory-lib", "3.1.0", {
          schemaUrl: "https://opentelemetry.io/schemas/1.24.0",
        });
        const other = tracer.startSpan("other");
        other.end();
        // A parent from another process, and a link to an unsampled one.
        const remote = trace.setSpanContext(context.active(), {
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: "b7ad6b7169203331",
          traceFlags: 1,
          isRemote: true,
        });
        const unsampled = {
          traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
          spanId: "00f067aa0ba902b7",
          traceFlags: 0,
          isRemote: true,
        };
        const root = tracer.startSpan("GET /stock", {
          kind: SpanKind.SERVER,
          attributes: { "http.route": "/stock", count: 3, ratio: 0.5, ok: true, tags: ["a", "b"] },
          links: [
            { context: other.spanContext(), attributes: { why: "batch" } },
            { context: unsampled },
          ],
        }, remote);
        root.addEvent("cache.miss", { key: "sku:1" });
        const child = tracer.startSpan(
          "db.query",
          { kind: SpanKind.CLIENT },
          trace.setSpan(context.active(), root),
        );
        child.recordException(new RangeError("no such table"));
        child.setStatus({ code: SpanStatusCode.ERROR, message: "no such table" });
        child.end();
        root.setStatus({ code: SpanStatusCode.OK });
        root.end();
        await provider.forceFlush();
        const held = await heldSpans(viewer);
        const finished = memory.getFinishedSpans();
        assert.equal(held.size, 3);
        for (const span of finished) assertSameAsOtel(held.get(span.spanContext().spanId), span);
        assert.match(
          String(
            (held.get(child.spanContext().spanId)!.events as {
              attributes: Record<string, string>;
            }[])[0]
              .attributes["exception.stacktrace"],
          ),
          /RangeError: no such table/,
        );
      } finally {
        await provider.shutdown();
      }
    });
  }

  test("accepts CORS preflights and answers browser apps on any origin", IO, async () => {
    await using viewer = await startViewer({ port: 0 });
    const preflight = await fetch(tracesUrl(viewer), {
      method: "OPTIONS",
      headers: {
        origin: "http://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.match(preflight.headers.get("access-control-allow-methods")!, /POST/);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "content-type");
    const response = await post(viewer, encodeOtlpProtobuf(richSpans(), { resource }), {
      "content-type": "application/x-protobuf",
      origin: "http://app.example",
    });
    await response.body?.cancel();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
  });

  test(
    "refuses bodies that are not OTLP with 400, 413 or 415 and a message, and keeps what it holds",
    {
      timeout: 120_000,
    },
    async () => {
      await using viewer = await startViewer({ port: 0 });
      await exportSpans(viewer, richSpans());
      const before = await heldSpans(viewer);

      let response = await post(viewer, new Uint8Array([0x0a, 0x05, 0x01]));
      assert.equal(response.status, 400);
      assert.equal(response.headers.get("content-type"), "application/x-protobuf");
      assert.match(
        (await statusMessage(response))!,
        /Cannot decode OTLP\/protobuf: .* longer than/,
      );

      response = await post(viewer, '{"resourceSpans":{}}', { "content-type": "application/json" });
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), {
        code: 3,
        message: "Cannot decode OTLP/JSON: resourceSpans must be an array, got object",
      });

      response = await post(viewer, "x", { "content-type": "text/plain" });
      assert.equal(response.status, 415);
      assert.match((await response.json()).message, /Content-Type "text\/plain" is not OTLP/);

      response = await post(viewer, new Uint8Array(4), {
        "content-type": "application/x-protobuf",
        "content-encoding": "br",
      });
      assert.equal(response.status, 415);
      assert.match((await statusMessage(response))!, /Content-Encoding "br" is not supported/);

      response = await post(viewer, new Uint8Array([1, 2, 3, 4]), {
        "content-type": "application/x-protobuf",
        "content-encoding": "gzip",
      });
      assert.equal(response.status, 400);
      assert.match((await statusMessage(response))!, /gzip could not be decoded/);

      // Past the limit by one byte and by far, with a length or streamed:
      // the receiver's own answer, in the request's format, with CORS.
      const limit = 20 * 1024 * 1024;
      for (const size of [limit + 1, 25 * 1024 * 1024]) {
        for (const streamed of [false, true]) {
          const what = `${size} bytes${streamed ? ", streamed" : ""}`;
          const body = new Uint8Array(size);
          response = await fetch(tracesUrl(viewer), {
            method: "POST",
            headers: { "content-type": "application/x-protobuf", origin: "http://app.example" },
            body: streamed ? new Blob([body]).stream() : body,
            ...(streamed ? { duplex: "half" } : {}),
          } as RequestInit);
          assert.equal(response.status, 413, what);
          assert.equal(response.headers.get("access-control-allow-origin"), "*", what);
          assert.equal(response.headers.get("content-type"), "application/x-protobuf", what);
          assert.equal(
            await statusMessage(response),
            `Cannot read the body: it is larger than ${limit} bytes`,
            what,
          );
        }
      }
      response = await post(viewer, new Uint8Array(25 * 1024 * 1024), {
        "content-type": "application/json",
      });
      assert.equal(response.status, 413);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(await response.json(), {
        code: 8,
        message: `Cannot read the body: it is larger than ${limit} bytes`,
      });

      // 21 MiB of zeros: a small body that grows past the limit once inflated.
      const bomb = await gzip(new Uint8Array(21 * 1024 * 1024));
      assert.ok(bomb.length < 100_000);
      response = await post(viewer, bomb, {
        "content-type": "application/x-protobuf",
        "content-encoding": "gzip",
      });
      assert.equal(response.status, 413);
      assert.match((await statusMessage(response))!, /larger than 20971520 bytes/);

      assert.deepEqual(await heldSpans(viewer), before);
      assert.deepEqual(viewer.stats(), { spans: 6, traces: 3, rejected: 0, evicted: 0 });
    },
  );

  test(
    "refuses a body past the limit as soon as it is declared or has arrived, not when it ends",
    IO,
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const { port } = new URL(viewer.url);
      // The status line of the answer to a request that is never finished:
      // `head`, then `body` and no more, on a connection left open.
      const statusLine = (head: string, body: Uint8Array) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), "127.0.0.1");
          let answer = "";
          socket.on("data", (data) => {
            answer += data;
            if (answer.includes("\r\n")) {
              socket.destroy();
              resolve(answer.slice(0, answer.indexOf("\r\n")));
            }
          });
          socket.on("error", reject);
          socket.on("close", () => reject(new Error(`closed without an answer: ${answer}`)));
          socket.write(
            `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
              `Content-Type: application/x-protobuf\r\n${head}\r\n`,
          );
          socket.write(body);
        });
      const limit = 20 * 1024 * 1024;
      // Declared past the limit: refused before the body comes.
      assert.match(
        await statusLine(`Content-Length: ${limit + 1}\r\n`, new Uint8Array(3)),
        /^HTTP\/1\.1 413/,
      );
      // Chunked, with no length: refused once the limit is passed, though
      // more would come.
      const size = limit + 1024;
      const chunkHead = new TextEncoder().encode(`${size.toString(16)}\r\n`);
      const framed = new Uint8Array(chunkHead.length + size + 2);
      framed.set(chunkHead);
      framed.set([13, 10], chunkHead.length + size);
      assert.match(
        await statusLine("Transfer-Encoding: chunked\r\n", framed),
        /^HTTP\/1\.1 413/,
      );
    },
  );

  test(
    "answers 408 to a body that stops arriving and closes the connection, instead of waiting for it for ever",
    { timeout: 60_000 },
    async () => {
      // Deliberately short, so the test need not wait five minutes.
      await using viewer = await startViewer(
        { port: 0, [BODY_TIMEOUT_OPTION]: 200 } as ViewerOptions,
      );
      const { port } = new URL(viewer.url);
      // The whole answer to a request whose body stops after `sent` of the
      // 100 bytes it declared: the client neither sends more nor closes,
      // so the answer is whole only once the viewer has closed the
      // connection (Deno.serve kept it open for as long as the client did).
      const answer = (headers: string, sent: Uint8Array) =>
        new Promise<{ head: string; body: Uint8Array }>((resolve, reject) => {
          const socket = connect(Number(port), "127.0.0.1");
          const open = setTimeout(() => {
            socket.destroy();
            reject(new Error("the connection is still open 30 s after the request"));
          }, 30_000);
          let received = new Uint8Array(0);
          socket.on("data", (data: Uint8Array) => {
            const all = new Uint8Array(received.length + data.length);
            all.set(received);
            all.set(data, received.length);
            received = all;
            const text = new TextDecoder().decode(received);
            const end = text.indexOf("\r\n\r\n");
            if (end < 0) return;
            const head = text.slice(0, end);
            const length = Number(/^content-length: *(\d+)/im.exec(head)?.[1]);
            const body = received.subarray(new TextEncoder().encode(text.slice(0, end + 4)).length);
            if (body.length >= length) whole = { head, body };
          });
          let whole: { head: string; body: Uint8Array } | undefined;
          socket.on("error", reject);
          socket.on("close", () => {
            clearTimeout(open);
            if (whole === undefined) {
              reject(
                new Error(`closed without a whole answer: ${new TextDecoder().decode(received)}`),
              );
            } else resolve(whole);
          });
          socket.write(
            `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
              `Content-Type: application/x-protobuf\r\nContent-Length: 100\r\n${headers}\r\n`,
          );
          socket.write(sent);
        });
      const plain = await answer("", new Uint8Array([0x0a, 0x05, 0x01]));
      // The gzip header of a body that never comes: the stall reaches the
      // reader through the decompression too.
      const gzipped = await answer(
        "Content-Encoding: gzip\r\n",
        new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03]),
      );
      for (const { head, body } of [plain, gzipped]) {
        assert.match(head, /^HTTP\/1\.1 408/);
        // The rest of the body is never read: the connection cannot carry
        // another request, and the client is told so.
        assert.match(head, /^connection: close$/im);
        assert.match(head, /^access-control-allow-origin: \*$/im);
        const status = readFields(body);
        assert.equal(numberField(status, 1), 4); // google.rpc.Code DEADLINE_EXCEEDED
        assert.equal(
          stringField(status, 2),
          "Cannot read the body: it did not arrive within 200 ms",
        );
      }
      // The viewer goes on taking spans.
      await exportSpans(viewer, richSpans());
      assert.deepEqual(viewer.stats(), { spans: 6, traces: 3, rejected: 0, evicted: 0 });
    },
  );

  test(
    "keeps the connection open after answering a request that has no body (a CORS preflight, a DELETE)",
    IO,
    async () => {
      // On node:http a request other than GET or HEAD was taken to have a
      // body, which the handler never read: each answer said
      // "connection: close", a browser's preflight too, and the connection
      // was closed after it.
      await using viewer = await startViewer({ port: 0 });
      const port = Number(new URL(viewer.url).port);
      const host = `Host: 127.0.0.1:${port}\r\n`;
      const heads = await inTurn(port, [
        `OPTIONS /v1/traces HTTP/1.1\r\n${host}Origin: http://localhost:3000\r\n` +
        "Access-Control-Request-Method: POST\r\n\r\n",
        `DELETE /api/traces HTTP/1.1\r\n${host}\r\n`,
        `POST /api/traces HTTP/1.1\r\n${host}Content-Length: 0\r\n\r\n`,
        `GET /api/traces HTTP/1.1\r\n${host}\r\n`,
      ]);
      assert.deepEqual(heads.map((head) => head.slice(0, 12)), [
        "HTTP/1.1 204",
        "HTTP/1.1 405",
        "HTTP/1.1 405",
        "HTTP/1.1 200",
      ], heads.join("\n\n"));
      for (const head of heads) assert.doesNotMatch(head, /^connection: close\r?$/im, head);
    },
  );

  test(
    "closes the connection after refusing a body it did not read (413, 415, 400, and 404 for a signal it does not take), and says so",
    { timeout: 120_000 },
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const port = Number(new URL(viewer.url).port);
      const refused = (
        headers: string,
        status: number,
        body = new Uint8Array(3),
        path = "/v1/traces",
      ) =>
        untilClosed(port, [
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`,
          body,
        ]).then((answer) => {
          assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), headers);
          assert.match(answer, /^connection: close\r$/im, headers);
        });
      const protobuf = "Content-Type: application/x-protobuf\r\n";
      await refused(`${protobuf}Content-Length: ${20 * 1024 * 1024 + 1}\r\n`, 413);
      await refused(`${protobuf}Content-Length: 100\r\nContent-Encoding: br\r\n`, 415);
      await refused("Content-Type: text/plain\r\nContent-Length: 100\r\n", 415);
      // Bytes that are no gzip (more than its header's ten) fail before the
      // rest of the body has come.
      await refused(
        `${protobuf}Content-Length: 1000\r\nContent-Encoding: gzip\r\n`,
        400,
        new Uint8Array(64).fill(0x41),
      );
      await refused(`${protobuf}Content-Length: 100\r\n`, 404, undefined, "/v1/metrics");
    },
  );

  test(
    "keeps the connection after a 413 to a compressed body it read to its end, which grew past the limit inflated",
    { timeout: 120_000 },
    async () => {
      // Nothing of the request is left on the connection: it was closed
      // all the same, as after a body left unread.
      await using viewer = await startViewer({ port: 0 });
      const port = Number(new URL(viewer.url).port);
      const host = `Host: 127.0.0.1:${port}\r\n`;
      const bomb = await gzip(new Uint8Array(20 * 1024 * 1024 + 1));
      const head = new TextEncoder().encode(
        `POST /v1/traces HTTP/1.1\r\n${host}Content-Type: application/x-protobuf\r\n` +
          `Content-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
      );
      const request = new Uint8Array(head.length + bomb.length);
      request.set(head);
      request.set(bomb, head.length);
      const heads = await inTurn(port, [request, `GET /api/traces HTTP/1.1\r\n${host}\r\n`]);
      assert.deepEqual(
        heads.map((head) => head.slice(0, 12)),
        ["HTTP/1.1 413", "HTTP/1.1 200"],
        heads.join("\n\n"),
      );
      assert.doesNotMatch(heads[0], /^connection: close\r?$/im, heads[0]);
    },
  );

  test(
    "closes a connection whose request headers do not come in time, one idle after an answer too, but not one whose request is being handled",
    {
      timeout: 120_000,
      // Bun.serve closes a connection idle for ten seconds itself (its
      // idleTimeout), which the viewer leaves as it is.
      skip: isBun ? "Bun.serve bounds idle connections itself" : false,
    },
    async () => {
      // Deliberately short, so the test need not wait a minute.
      await using viewer = await startViewer(
        { port: 0, [HEADERS_TIMEOUT_OPTION]: 200 } as ViewerOptions,
      );
      const port = Number(new URL(viewer.url).port);
      assert.equal(await untilClosed(port, []), "");
      assert.equal(await untilClosed(port, [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`]), "");
      // Answered, then kept alive for a next request that never comes.
      const idle = await untilClosed(port, [
        `GET /api/traces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
      ]);
      assert.match(idle, /^HTTP\/1\.1 200 /);
      assert.doesNotMatch(idle, /^connection: close\r$/im);
      // A body that takes longer than the headers' deadline is the body's
      // deadline's business: the request is answered.
      const body = encodeOtlpProtobuf(richSpans(), { resource });
      const slow = await untilClosed(port, [
        `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Content-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`,
        body.subarray(0, 10),
        600,
        body.subarray(10),
      ]);
      assert.match(slow, /^HTTP\/1\.1 200 /);
      assert.deepEqual(viewer.stats(), { spans: 6, traces: 3, rejected: 0, evicted: 0 });
    },
  );

  test("answers in the Content-Type it received: application/protobuf too", IO, async () => {
    // OTLP/HTTP Response: "The server MUST use the same "Content-Type" in
    // the response as it received in the request."
    await using viewer = await startViewer({ port: 0 });
    const type = { "content-type": "application/protobuf" };
    const ok = await post(viewer, encodeOtlpProtobuf(richSpans(), { resource }), type);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), "application/protobuf");
    await ok.body?.cancel();
    const bad = await post(viewer, new Uint8Array([0x0a, 0x05, 0x01]), type);
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get("content-type"), "application/protobuf");
    assert.match((await statusMessage(bad))!, /Cannot decode OTLP\/protobuf/);
    const xType = await post(viewer, encodeOtlpProtobuf(richSpans(), { resource }));
    assert.equal(xType.headers.get("content-type"), "application/x-protobuf");
    await xType.body?.cancel();
  });

  test("answers a partial success naming the spans it rejected, and counts them", IO, async () => {
    await using viewer = await startViewer({ port: 0 });
    const good = JSON.parse(
      new TextDecoder().decode(encodeOtlpJson(richSpans().slice(0, 1), { resource })),
    );
    const spans = good.resourceSpans[0].scopeSpans[0].spans;
    spans.push({ ...spans[0], spanId: "not-an-id" });
    const response = await post(viewer, JSON.stringify(good), {
      "content-type": "application/json",
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      partialSuccess: {
        rejectedSpans: "1",
        errorMessage:
          "1 span(s) rejected: resourceSpans[0].scopeSpans[0].spans[1].spanId is not 16 hex digits, not all zero",
      },
    });
    const [charge] = richSpans();
    const broken = encodeOtlpProtobuf([charge], { resource });
    // The span's trace id, zeroed: a well-formed body with one invalid span.
    const id = charge.context.traceId.match(/../g)!.map((b) => parseInt(b, 16));
    const at = broken.findIndex((_, i) => id.every((b, j) => broken[i + j] === b));
    broken.fill(0, at, at + 16);
    const protoResponse = await post(viewer, broken);
    assert.equal(protoResponse.status, 200);
    const partial = messageField(readFields(new Uint8Array(await protoResponse.arrayBuffer())), 1)!;
    assert.equal(numberField(partial, 1), 1);
    assert.match(stringField(partial, 2)!, /1 span\(s\) rejected/);
    assert.deepEqual(viewer.stats(), { spans: 1, traces: 1, rejected: 2, evicted: 0 });
  });

  test(
    "lists traces newest first with filters, and says what is wrong with a query",
    IO,
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const tracer = new Tracer({ name: "shop" });
      const slow = tracer.startSpan("slow", { startTime: 1_000 }).end(1_300);
      const failed = tracer.startSpan("failed", { startTime: 2_000 }).setStatus("error", "no").end(
        2_010,
      );
      await exportSpans(viewer, [slow]);
      await exportSpans(viewer, [failed]);
      const names = async (query: string) =>
        ((await getJson(viewer, `api/traces${query}`)).body as { name: string }[]).map((t) =>
          t.name
        );
      assert.deepEqual(await names(""), ["failed", "slow"]);
      assert.deepEqual(await names("?minDurationMs=100"), ["slow"]);
      assert.deepEqual(await names("?error=true"), ["failed"]);
      assert.deepEqual(await names("?name=SLO"), ["slow"]);
      assert.deepEqual(await names("?service=checkout&limit=1"), ["failed"]);
      assert.deepEqual(await names("?service=nobody"), []);
      const [summary] = (await getJson(viewer, "api/traces?error=1")).body as object[];
      assert.deepEqual(summary, {
        traceId: failed.context.traceId,
        name: "failed",
        service: "checkout",
        startTime: 2_000,
        durationMs: 10,
        spanCount: 1,
        errorCount: 1,
      });
      for (
        const [query, message] of [
          ["limit=0", /limit must be an integer from 1 to 1000, got "0"/],
          ["minDurationMs=fast", /minDurationMs must be a number of milliseconds/],
          ["error=maybe", /error must be true or false/],
        ] as const
      ) {
        const { status, body } = await getJson(viewer, `api/traces?${query}`);
        assert.equal(status, 400);
        assert.match((body as { error: string }).error, message);
      }
      assert.deepEqual((await getJson(viewer, "api/services")).body, ["checkout"]);
      assert.deepEqual((await getJson(viewer, "api/stats")).body, {
        spans: 2,
        traces: 2,
        rejected: 0,
        evicted: 0,
        version: 2,
      });
    },
  );

  test("serves a trace with an ETag, answers 304 when unchanged, HEAD and 404", IO, async () => {
    await using viewer = await startViewer({ port: 0 });
    const [span] = richSpans();
    await exportSpans(viewer, [span]);
    const url = new URL(`api/traces/${span.context.traceId}`, viewer.url);
    const first = await fetch(url);
    const etag = first.headers.get("etag")!;
    assert.equal((await first.json()).length, 1);
    const again = await fetch(url, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    await again.body?.cancel();
    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    await exportSpans(viewer, [new Tracer().startSpan("more", { parent: span }).end()]);
    const changed = await fetch(url, { headers: { "if-none-match": etag } });
    assert.equal(changed.status, 200);
    assert.equal((await changed.json()).length, 2);
    const missing = await getJson(viewer, `api/traces/${"ab".repeat(16)}`);
    assert.equal(missing.status, 404);
    assert.match((missing.body as { error: string }).error, /is not held/);
    assert.equal((await getJson(viewer, "api/traces/xyz")).status, 400);
  });

  test(
    "keeps a link with all-zero ids that has attributes or a trace state, through its file too",
    {
      timeout: 120_000,
    },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
      const file = join(dir, "traces.jsonl");
      try {
        const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 };
        const consume = (name: string) =>
          new Tracer({ name: "queue" }).startSpan(name, {
            links: [
              { context: { ...zeros, isRemote: true } as never, attributes: { "messaging.x": 1 } },
              { context: { ...zeros, isRemote: false, traceState: "vendor=1" } as never },
            ],
          }).addLink(zeros as never).end();
        const spans = [consume("consume (protobuf)"), consume("consume (json)")];
        assert.deepEqual(spans.map((s) => [s.links.length, s.droppedLinksCount]), [[2, 1], [2, 1]]);
        {
          await using viewer = await startViewer({ port: 0, file });
          await exportSpans(viewer, [spans[0]], "http/protobuf");
          await exportSpans(viewer, [spans[1]], "http/json");
          const held = await heldSpans(viewer);
          for (const span of spans) {
            assert.deepEqual(
              held.get(span.context.spanId),
              expectedReceived(span, resourceAttributes),
            );
          }
          // A zero link resolves to no trace the viewer holds.
          const zeroTrace = await fetch(new URL(`api/traces/${zeros.traceId}`, viewer.url), {
            method: "HEAD",
          });
          assert.equal(zeroTrace.status, 404);
        }
        await using viewer = await startViewer({ port: 0, file });
        const held = await heldSpans(viewer);
        for (const span of spans) {
          assert.deepEqual(
            held.get(span.context.spanId),
            expectedReceived(span, resourceAttributes),
          );
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test("serves its page, script and style with a strict content security policy", IO, async () => {
    await using viewer = await startViewer({ port: 0 });
    for (
      const [path, type] of [["", "text/html"], ["app.js", "text/javascript"], [
        "app.css",
        "text/css",
      ]]
    ) {
      const response = await fetch(new URL(path, viewer.url));
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get("content-type")!, new RegExp(type));
      assert.match(response.headers.get("content-security-policy")!, /script-src 'self'/);
      assert.ok((await response.text()).length > 500, path);
    }
    const missing = await fetch(new URL("nope", viewer.url));
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const wrong = await fetch(new URL("api/traces", viewer.url), { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, HEAD");
    await wrong.body?.cancel();
    // An SDK pointed at this port for every signal: metrics and logs are not found here.
    for (const signal of ["metrics", "logs"]) {
      const other = await fetch(new URL(`v1/${signal}`, viewer.url), {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: new Uint8Array(0),
      });
      assert.equal(other.status, 404, signal);
      assert.match(await other.text(), /takes traces only/);
    }
  });

  test(
    "answers every JSON and OTLP response, as its page, with nosniff and no-store",
    IO,
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const [span] = richSpans();
      await exportSpans(viewer, [span]);
      const trace = `api/traces/${span.context.traceId}`;
      const at = (path: string, init?: RequestInit) => fetch(new URL(path, viewer.url), init);
      const etag = (await (await at(trace)).arrayBuffer(), (await at(trace)).headers.get("etag")!);
      const otlp = (type: string, body: string | Uint8Array, path = "v1/traces") =>
        at(path, {
          method: "POST",
          headers: { "content-type": type },
          body: body as string | Uint8Array<ArrayBuffer>,
        });
      const partial = JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "00", spanId: "00", name: "x" }] }] }],
      });
      const responses: [string, Response][] = [
        ["page", await at("")],
        ["list", await at("api/traces")],
        ["services", await at("api/services")],
        ["stats", await at("api/stats")],
        ["trace", await at(trace)],
        ["trace HEAD", await at(trace, { method: "HEAD" })],
        ["trace 304", await at(trace, { headers: { "if-none-match": etag } })],
        ["trace 404", await at(`api/traces/${"ab".repeat(16)}`)],
        ["trace 400", await at("api/traces/xyz")],
        ["list 400", await at("api/traces?limit=-1")],
        ["not found", await at("nope")],
        ["405", await at("api/traces", { method: "DELETE" })],
        [
          "OTLP protobuf",
          await otlp("application/x-protobuf", encodeOtlpProtobuf([span], { resource })),
        ],
        ["OTLP JSON", await otlp("application/json", "{}")],
        ["OTLP partial", await otlp("application/json", partial)],
        ["OTLP 400", await otlp("application/json", "not json")],
        ["OTLP 415", await otlp("text/plain", "x")],
        ["OTLP 404", await otlp("application/x-protobuf", new Uint8Array(0), "v1/metrics")],
      ];
      for (const [name, response] of responses) {
        await response.body?.cancel();
        assert.equal(response.headers.get("x-content-type-options"), "nosniff", name);
        assert.equal(response.headers.get("cache-control"), "no-store", name);
      }
      assert.deepEqual(
        responses.map(([, response]) => response.status),
        [200, 200, 200, 200, 200, 200, 304, 404, 400, 400, 404, 405, 200, 200, 200, 400, 415, 404],
      );
      // The Host check's 403, which a fetch cannot provoke (it sets Host itself).
      const { port } = new URL(viewer.url);
      const refused = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = httpRequest(
          { host: "127.0.0.1", port, path: "/api/stats", headers: { host: "attacker.example" } },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode, ...res.headers });
          },
        );
        req.on("error", reject);
        req.end();
      });
      assert.equal(refused.status, 403);
      assert.equal(refused["x-content-type-options"], "nosniff");
      assert.equal(refused["cache-control"], "no-store");
    },
  );

  test("listening on a name of this machine, it answers to that name and refuses any other", async () => {
    const store = { stats: () => ({ spans: 0, traces: 0, rejected: 0, evicted: 0 }) };
    const handler = createHandler(store as never, () => {}, "Build-Box.lan");
    const statusFor = async (url: string) => (await handler(new Request(url))).status;
    // The name it listens on (in any case), loopback names and IP addresses.
    for (const url of ["http://build-box.lan:4318/api/stats", "http://BUILD-BOX.LAN/api/stats"]) {
      assert.equal(await statusFor(url), 200, url);
    }
    assert.equal(await statusFor("http://localhost/api/stats"), 200);
    assert.equal(await statusFor("http://10.0.0.7/api/stats"), 200);
    // Another name, even one that ends with its own, may be rebound to it.
    for (const url of ["http://attacker.example/api/stats", "http://x.build-box.lan/api/stats"]) {
      const response = await handler(new Request(url));
      assert.equal(response.status, 403, url);
      assert.match((await response.json()).error, /listening on Build-Box\.lan/);
    }
  });

  test("answers a failure of its own with 500, nosniff and no-store", async () => {
    const store = {
      stats(): never {
        throw new Error("store broke");
      },
    };
    const handler = createHandler(store as never, () => {}, "127.0.0.1");
    let response: Response | undefined;
    const warnings = await captureWarnings(async () => {
      response = await handler(new Request("http://127.0.0.1/api/stats"));
    });
    assert.equal(response!.status, 500);
    assert.match((await response!.json()).error, /store broke/);
    assert.equal(response!.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response!.headers.get("cache-control"), "no-store");
    assert.match(warnings.join("\n"), /store broke/);
  });

  test(
    "answers metrics and logs with 404 and a google.rpc.Status in the request's format",
    IO,
    async () => {
      // OTLP/HTTP: "The response body for all HTTP 4xx and HTTP 5xx responses
      // MUST be a Protobuf-encoded Status message", in the request's
      // Content-Type.
      await using viewer = await startViewer({ port: 0 });
      for (const signal of ["metrics", "logs"]) {
        const url = new URL(`v1/${signal}`, viewer.url);
        const proto = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body: new Uint8Array(0),
        });
        assert.equal(proto.status, 404, signal);
        assert.equal(proto.headers.get("content-type"), "application/x-protobuf", signal);
        assert.match((await statusMessage(proto))!, /takes traces only/, signal);
        const json = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        assert.equal(json.status, 404, signal);
        assert.equal(json.headers.get("content-type"), "application/json", signal);
        const body = await json.json();
        assert.equal(typeof body.code, "number", signal);
        assert.match(body.message, /takes traces only/, signal);
      }
    },
  );

  test(
    "the page and API answer only to a loopback host name, against DNS rebinding",
    IO,
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const { port } = new URL(viewer.url);
      const statusFor = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            { host: "127.0.0.1", port, path: "/api/traces", headers: { host } },
            (res) => {
              res.resume();
              resolve(res.statusCode!);
            },
          );
          req.on("error", reject);
          req.end();
        });
      assert.equal(await statusFor(`attacker.example:${port}`), 403);
      assert.equal(await statusFor(`localhost:${port}`), 200);
      assert.equal(await statusFor(`127.0.0.1:${port}`), 200);
    },
  );

  test(
    "listening on every address, the page and API still refuse a DNS name: they answer to an IP address",
    IO,
    async () => {
      // A page at http://attacker.example:<port>/ whose name is rebound to
      // this machine sends `Host: attacker.example:<port>`; a device on the
      // network reaching the viewer by its address sends an IP literal,
      // which no DNS answer can rebind.
      for (const hostname of ["0.0.0.0", "::"]) {
        await using viewer = await startViewer({ port: 0, hostname });
        const { port } = new URL(viewer.url);
        const answerFor = (host: string) =>
          new Promise<[number, string]>((resolve, reject) => {
            const req = httpRequest(
              { host: "127.0.0.1", port, path: "/api/traces", headers: { host } },
              (res) => {
                let body = "";
                res.setEncoding("utf8").on("data", (chunk) => body += chunk);
                res.on("end", () => resolve([res.statusCode!, body]));
              },
            );
            req.on("error", reject);
            req.end();
          });
        const [status, body] = await answerFor(`attacker.example:${port}`);
        assert.equal(status, 403, hostname);
        assert.match(JSON.parse(body).error, /answers only to a loopback name or an IP address/);
        for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `192.168.1.20:${port}`]) {
          assert.equal((await answerFor(host))[0], 200, `${hostname}, ${host}`);
        }
        assert.equal((await answerFor(`[fd00::20]:${port}`))[0], 200, hostname);
        // Sending spans is not a read: it stays open to any host, as before.
        const sent = await post(viewer, encodeOtlpProtobuf(richSpans(), { resource }));
        await sent.body?.cancel();
        assert.equal(sent.status, 200, hostname);
      }
      // Listening on one name of this machine, that name is answered too.
      await using named = await startViewer({ port: 0, hostname: "localhost" });
      assert.equal((await fetch(new URL("api/stats", named.url))).status, 200);
    },
  );

  test("holds at most maxSpans, evicting the oldest traces", IO, async () => {
    await using viewer = await startViewer({ port: 0, maxSpans: 3 });
    const tracer = new Tracer();
    for (let i = 0; i < 5; i++) await exportSpans(viewer, [tracer.startSpan(`t${i}`).end()]);
    assert.deepEqual(viewer.stats(), { spans: 3, traces: 3, rejected: 0, evicted: 2 });
    const names = ((await getJson(viewer, "api/traces")).body as { name: string }[]).map((t) =>
      t.name
    );
    assert.deepEqual(names, ["t4", "t3", "t2"]);
  });

  test(
    "holds at most maxBytes, by the size each span took on the wire, evicting the oldest",
    IO,
    async () => {
      // Each span carries a 200 KB value, so one span is estimated at over
      // 600 KB and a 1 MiB store holds one of them at a time.
      await using viewer = await startViewer({ port: 0, maxBytes: 1024 * 1024 });
      const tracer = new Tracer();
      const big = "x".repeat(200_000);
      for (let i = 0; i < 3; i++) {
        await exportSpans(viewer, [tracer.startSpan(`big${i}`).setAttribute("blob", big).end()]);
      }
      assert.deepEqual(viewer.stats(), { spans: 1, traces: 1, rejected: 0, evicted: 2 });
      const names = ((await getJson(viewer, "api/traces")).body as { name: string }[]).map((t) =>
        t.name
      );
      assert.deepEqual(names, ["big2"]);
    },
  );

  test("appends to its file and loads it again on start, compacting it to what it holds", {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
    const file = join(dir, "traces.jsonl");
    try {
      const spans = richSpans();
      {
        await using viewer = await startViewer({ port: 0, file });
        await exportSpans(viewer, spans.slice(0, 3));
        await exportSpans(viewer, spans.slice(3), "http/json");
      }
      assert.equal(readFileSync(file, "utf8").trimEnd().split("\n").length, 2);
      {
        await using viewer = await startViewer({ port: 0, file });
        assert.deepEqual(viewer.stats(), { spans: 6, traces: 3, rejected: 0, evicted: 0 });
        const held = await heldSpans(viewer);
        for (const span of spans) {
          assert.deepEqual(
            held.get(span.context.spanId),
            expectedReceived(span, resourceAttributes),
          );
        }
      }
      writeFileSync(file, readFileSync(file, "utf8") + "not json\n");
      const warnings = await captureWarnings(async () => {
        // The first line's big trace is the oldest when the second line grows it.
        await using viewer = await startViewer({ port: 0, file, maxSpans: 3 });
        assert.deepEqual(viewer.stats(), { spans: 2, traces: 2, rejected: 0, evicted: 4 });
      });
      assert.match(warnings.join("\n"), /skipped 1 line\(s\) of .* that are not OTLP\/JSON/);
      // Rewritten with the two spans it could hold: a restart finds just those.
      const lines = readFileSync(file, "utf8").trimEnd().split("\n");
      assert.equal(lines.length, 1);
      await using viewer = await startViewer({ port: 0, file });
      assert.deepEqual(viewer.stats(), { spans: 2, traces: 2, rejected: 0, evicted: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    "setupTracing() sending to http://localhost:<port> reaches a viewer on its default hostname",
    IO,
    async () => {
      // The default exporter URL names localhost, which may resolve to ::1
      // first, while the viewer listens on 127.0.0.1 by default.
      await using viewer = await startViewer({ port: 0 });
      assert.match(viewer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const { port } = new URL(viewer.url);
      const { tracer, shutdown } = setupTracing({
        serviceName: "local",
        url: `http://localhost:${port}/v1/traces`,
        setDefault: false,
        env: {},
      });
      await tracer.span("via localhost", async () => {});
      await shutdown();
      assert.deepEqual(viewer.stats(), { spans: 1, traces: 1, rejected: 0, evicted: 0 });
      const [trace] = (await getJson(viewer, "api/traces")).body as { service: string }[];
      assert.equal(trace.service, "local");
    },
  );

  test("listens on port 4318 by default, or says 4318 is in use", IO, async () => {
    const inUse = /^Error: Cannot start viewer: cannot listen on 127\.0\.0\.1:4318 \(/;
    let viewer: Viewer;
    try {
      viewer = await startViewer();
    } catch (error) {
      // Someone else holds 4318 (another viewer, a collector): the error names it.
      assert.match(String(error), inUse);
      return;
    }
    try {
      assert.equal(viewer.url, "http://127.0.0.1:4318/");
      // Now this test holds 4318, and a second default viewer is refused.
      await assert.rejects(() => startViewer(), inUse);
    } finally {
      await viewer.close();
    }
  });

  test("says what is wrong with its options", async () => {
    for (
      const [options, kind, message] of [
        [{ port: -1 }, RangeError, /port must be an integer from 0 to 65535, got number -1/],
        [{ port: 1.5 }, RangeError, /port must be an integer/],
        [{ maxSpans: 0 }, RangeError, /maxSpans must be a positive integer, got number 0/],
        [{ maxBytes: Infinity }, RangeError, /maxBytes must be a positive integer/],
        [{ hostname: "" }, TypeError, /hostname must be a non-empty string/],
        [{ file: 3 }, TypeError, /file must be a non-empty path, got number 3/],
      ] as const
    ) {
      await assert.rejects(
        () => startViewer(options as never),
        (error) =>
          error instanceof kind && /^Cannot start viewer: /.test(error.message) &&
          message.test(error.message),
      );
    }
  });

  test("fails to start when its file cannot be read, saying which", IO, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
    try {
      // A directory where the file should be.
      await assert.rejects(
        () => startViewer({ port: 0, file: dir }),
        (error) =>
          error instanceof Error &&
          error.message.startsWith(`Cannot start viewer: cannot read ${dir} (`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    "fails to start on a port in use, saying so, and closes once however often asked",
    IO,
    async () => {
      const viewer = await startViewer({ port: 0 });
      const { port } = new URL(viewer.url);
      await assert.rejects(
        () => startViewer({ port: Number(port) }),
        new RegExp(`^Error: Cannot start viewer: cannot listen on 127\\.0\\.0\\.1:${port} \\(\\w+`),
      );
      const closing = viewer.close();
      assert.equal(viewer.close(), closing);
      await closing;
      await assert.rejects(() => fetch(viewer.url));
    },
  );
});

/** Asserts that the viewer's copy of an OpenTelemetry SDK span has its every field. */
function assertSameAsOtel(held: Record<string, unknown> | undefined, span: ReadableSpan): void {
  assert.ok(held !== undefined, span.name);
  const ms = ([s, ns]: [number, number]) => s * 1000 + Math.floor(ns / 1e6) + (ns % 1e6) / 1e6;
  const kinds = ["internal", "server", "client", "producer", "consumer"];
  const codes = ["unset", "ok", "error"];
  const context = span.spanContext();
  assert.deepEqual(held, {
    name: span.name,
    kind: kinds[span.kind],
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    traceFlags: context.traceFlags,
    traceState: null,
    parentIsRemote: span.parentSpanContext?.isRemote ?? false,
    startTime: ms(span.startTime),
    endTime: ms(span.endTime),
    durationMs: ms(span.endTime) - ms(span.startTime),
    status: span.status.code === SpanStatusCode.ERROR
      ? { code: "error", message: span.status.message }
      : { code: codes[span.status.code] },
    attributes: span.attributes,
    events: span.events.map((e) => ({
      name: e.name,
      time: ms(e.time),
      attributes: e.attributes ?? {},
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceFlags: l.context.traceFlags,
      isRemote: l.context.isRemote ?? false,
      attributes: l.attributes ?? {},
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
    })),
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    service: "inventory",
    resource: {
      attributes: span.resource.attributes,
      droppedAttributesCount: 0,
      schemaUrl: span.resource.schemaUrl,
    },
    scope: {
      name: span.instrumentationScope.name,
      version: span.instrumentationScope.version,
      attributes: {},
      droppedAttributesCount: 0,
      schemaUrl: span.instrumentationScope.schemaUrl,
    },
  }, span.name);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("the viewer's node:http body, the rest of a refused one", () => {
  test("draining it after the client has gone ends at once, not at its bound", async () => {
    // The connection's close had come and gone, so only the bound ended the
    // wait, and its timer kept the process alive that long.
    const req = Object.assign(new EventEmitter(), {
      destroyed: true,
      pause: () => req,
      resume: () => req,
    });
    const body = new NodeBody(req as never);
    const drained = body.drain(60_000).then(() => "drained");
    const turn = new Promise((resolve) => setTimeout(() => resolve("a timer turn first"), 0));
    assert.equal(await Promise.race([drained, turn]), "drained");
    assert.equal(req.listenerCount("data"), 0);
  });
});
