import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import {
  type AttributeValue,
  BatchSpanProcessor,
  extractContext,
  InMemorySpanExporter,
  InMemorySpanProcessor,
  SimpleSpanProcessor,
  type Span,
  SpanContext,
  Tracer,
} from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import { encodeOtlpJson } from "../otlp.ts";
import { captureWarnings } from "./_helpers.ts";

const SIGNED =
  "https://bucket.s3.example/report.pdf?AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000" +
  "&Signature=c2VjcmV0&sig=azure%2Bsig&X-Goog-Signature=abc123&page=2";
const REDACTED_QUERY = "AWSAccessKeyId=REDACTED&Expires=1700000000&Signature=REDACTED" +
  "&sig=REDACTED&X-Goog-Signature=REDACTED&page=2";

function setup() {
  const memory = new InMemorySpanProcessor();
  return { memory, tracer: new Tracer({ processors: [memory] }) };
}

const okFetch = () => Promise.resolve(new Response("ok"));

// Node's fetch refuses a URL with credentials, quoting its input as given.
const refuse = (input: string | URL | Request) =>
  Promise.reject(
    new TypeError(`Request cannot be constructed from a URL that includes credentials: ${input}`),
  );

describe("query redaction (OpenTelemetry HTTP semantic conventions)", () => {
  test("instrumentFetch replaces the four sensitive values in url.full, keeping the names", async () => {
    const { memory, tracer } = setup();
    const seen: string[] = [];
    const fetch = instrumentFetch((input) => {
      seen.push(String(input));
      return okFetch();
    }, { tracer });
    await fetch(SIGNED);
    assert.equal(
      memory.spans[0].attributes["url.full"],
      `https://bucket.s3.example/report.pdf?${REDACTED_QUERY}`,
    );
    assert.deepEqual(seen, [SIGNED], "the request itself goes out unchanged");
  });

  test("credentials in the URL stay redacted too, and a URL without secrets is kept byte for byte", async () => {
    const { memory, tracer } = setup();
    const fetch = instrumentFetch(okFetch, { tracer });
    await fetch("https://user:pass@api.example/items?sig=x#frag");
    await fetch("https://api.example/search?q=a%20b+c&empty=&flag&sig=");
    assert.equal(
      memory.spans[0].attributes["url.full"],
      "https://REDACTED:REDACTED@api.example/items?sig=REDACTED#frag",
    );
    assert.equal(
      memory.spans[1].attributes["url.full"],
      "https://api.example/search?q=a%20b+c&empty=&flag&sig=",
    );
  });

  test("the AWS Signature Version 4 parameters are redacted by default too", async () => {
    // Semconv, url.full and url.query: "Query string values for the following
    // keys SHOULD be redacted by default and replaced by the value REDACTED:
    // X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token,
    // AWSAccessKeyId, Signature, sig, X-Goog-Signature".
    const { memory, tracer } = setup();
    const presigned = "https://bucket.s3.example/k?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
      "&X-Amz-Credential=AKIA%2F20260101&X-Amz-Security-Token=tok&X-Amz-Signature=f00d";
    const redacted = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED" +
      "&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED";
    await instrumentFetch(okFetch, { tracer })(presigned);
    await traceHandler(() => new Response(), { tracer })(new Request(presigned));
    assert.equal(memory.spans[0].attributes["url.full"], `https://bucket.s3.example/k?${redacted}`);
    assert.equal(memory.spans[1].attributes["url.query"], redacted);
  });

  test("traceHandler replaces them in url.query", async () => {
    const { memory, tracer } = setup();
    await traceHandler(() => new Response(), { tracer })(new Request(SIGNED));
    assert.equal(memory.spans[0].attributes["url.query"], REDACTED_QUERY);
  });

  test("traceRequestListener replaces them in url.query", () => {
    const { memory, tracer } = setup();
    const res = Object.assign(new EventEmitter(), { statusCode: 200 });
    traceRequestListener(() => {}, { tracer })(
      { method: "GET", url: "/download?sig=abc&name=a.txt", headers: { host: "files.local" } },
      res,
    );
    res.emit("finish");
    assert.equal(memory.spans[0].attributes["url.query"], "sig=REDACTED&name=a.txt");
  });

  test("an array adds parameter names; encoded names match; redactQuery: false records the query as it is", async () => {
    const { memory, tracer } = setup();
    await traceHandler(() => new Response(), { tracer, redactQuery: ["token", "api key"] })(
      new Request("http://x/?token=t0p&api+key=k&api%20key=k2&sig=s&Token=kept"),
    );
    await traceHandler(() => new Response(), { tracer, redactQuery: false })(
      new Request("http://x/?sig=visible"),
    );
    assert.equal(
      memory.spans[0].attributes["url.query"],
      "token=REDACTED&api+key=REDACTED&api%20key=REDACTED&sig=REDACTED&Token=kept",
    );
    assert.equal(memory.spans[1].attributes["url.query"], "sig=visible");
  });

  test("a fetch error that quotes the URL records it as url.full shows it: no password or signature", async () => {
    // Node's fetch refuses a URL with credentials, quoting it whole:
    // "Request cannot be constructed from a URL that includes credentials: <url>".
    const { memory, tracer } = setup();
    const throwing = (input: string | URL | Request): Promise<Response> => {
      throw new Error(`cannot send ${input}`);
    };
    const url = "https://alice:hunter2@api.example/items?sig=s3cr3t&page=2";
    await assert.rejects(instrumentFetch(refuse, { tracer })(url), TypeError);
    await assert.rejects(instrumentFetch(throwing, { tracer })(url), Error);
    await assert.rejects(
      instrumentFetch(refuse, { tracer, redactQuery: false })("https://bob@api.example/x?sig=kept"),
      TypeError,
    );
    assert.equal(memory.spans.length, 3);
    // A user name alone is recorded as semconv writes credentials, so the
    // value says nothing of whether there was a password.
    assert.equal(
      memory.spans[2].attributes["url.full"],
      "https://REDACTED:REDACTED@api.example/x?sig=kept",
    );
    const shown = "https://REDACTED:REDACTED@api.example/items?sig=REDACTED&page=2";
    for (const span of memory.spans.slice(0, 2)) {
      const [event] = span.events;
      assert.ok(String(event.attributes["exception.message"]).endsWith(shown));
      assert.match(String(event.attributes["exception.stacktrace"]), /REDACTED:REDACTED@/);
      assert.ok(span.status.message?.endsWith(shown));
      assert.doesNotMatch(JSON.stringify(span), /hunter2|s3cr3t|alice/);
    }
    assert.equal(
      memory.spans[2].status.message,
      "Request cannot be constructed from a URL that includes credentials: " +
        "https://REDACTED:REDACTED@api.example/x?sig=kept",
    );
  });

  test("a failed fetch to a URL with a password and a signed query records one exception event, scrubbed, and the same scrubbed status", async () => {
    // The exception is recorded once, through Span.recordException given the
    // scrubbed message: its status description comes from that message, so
    // nothing sets the status a second time.
    const { memory, tracer } = setup();
    const url = "https://alice:hunter2@api.example/items?sig=s3cr3t&page=2";
    const rejecting = (input: string | URL | Request) =>
      Promise.reject(new Error(`connection reset while fetching ${input}`));
    await assert.rejects(instrumentFetch(refuse, { tracer })(url), TypeError);
    await assert.rejects(instrumentFetch(rejecting, { tracer })(url), Error);
    await assert.rejects(
      instrumentFetch(refuse, { tracer })(SIGNED.replace("//", "//u:p@")),
      TypeError,
    );
    assert.equal(memory.spans.length, 3);
    const shown = "https://REDACTED:REDACTED@api.example/items?sig=REDACTED&page=2";
    const expected = [
      `Request cannot be constructed from a URL that includes credentials: ${shown}`,
      `connection reset while fetching ${shown}`,
      "Request cannot be constructed from a URL that includes credentials: " +
      `https://REDACTED:REDACTED@bucket.s3.example/report.pdf?${REDACTED_QUERY}`,
    ];
    memory.spans.forEach((span, i) => {
      assert.equal(span.events.length, 1);
      const [event] = span.events;
      assert.equal(event.name, "exception");
      assert.equal(event.attributes["exception.message"], expected[i]);
      assert.deepEqual(span.status, { code: "error", message: expected[i] });
      assert.doesNotMatch(
        JSON.stringify(span),
        /hunter2|s3cr3t|alice|AKIAEXAMPLE|c2VjcmV0|azure|abc123/,
      );
    });
  });

  test("a fetch error that quotes the URL as the caller wrote it (not percent-encoded) hides it too", async () => {
    // Node's fetch quotes the input string as given, while the URL parser
    // percent-encodes a space, a quote, a "|" or a non-ASCII letter: the
    // password and the signature must not reach the span in either form.
    const { memory, tracer } = setup();
    const url = 'https://al ice:p\u00e4ss|w0rd@api.example/items?sig=s3 cr"3t&page=2';
    await assert.rejects(instrumentFetch(refuse, { tracer })(url), TypeError);
    const [span] = memory.spans;
    assert.equal(
      span.status.message,
      "Request cannot be constructed from a URL that includes credentials: " +
        "https://REDACTED:REDACTED@api.example/items?sig=REDACTED&page=2",
    );
    assert.doesNotMatch(JSON.stringify(span), /w0rd|cr\\"3t|al ice/);
  });

  test("a redactQuery that is neither a boolean nor a list of names is a TypeError", () => {
    assert.throws(() => instrumentFetch(okFetch, { redactQuery: "sig" as never }), {
      name: "TypeError",
      message:
        /^Cannot instrument fetch: redactQuery must be a boolean or an array of parameter names, got string "sig"$/,
    });
    assert.throws(
      () => traceHandler(() => new Response(), { redactQuery: [1] as never }),
      TypeError,
    );
    assert.throws(() => traceRequestListener(() => {}, { redactQuery: {} as never }), TypeError);
  });
});

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/g;
const scrubEmails = (_key: string, value: AttributeValue): AttributeValue | undefined =>
  typeof value === "string" ? value.replace(EMAIL, "<email>") : value;

/** A span with an e-mail address in its attributes, an event (an exception) and a link. */
function leakySpan(tracer: Tracer): Span {
  const span = tracer.startSpan("signup", {
    attributes: { "user.email": "ada@example.com", "user.id": 7 },
    links: [{ context: SpanContext.newRoot(), attributes: { from: "bob@example.org" } }],
  });
  span.recordException(new Error("no account for ada@example.com"));
  return span.end();
}

describe("the processors' redact option", () => {
  for (
    const [name, make] of [
      [
        "SimpleSpanProcessor",
        (e: InMemorySpanExporter, redact: typeof scrubEmails) =>
          new SimpleSpanProcessor(e, { redact }),
      ],
      [
        "BatchSpanProcessor",
        (e: InMemorySpanExporter, redact: typeof scrubEmails) =>
          new BatchSpanProcessor(e, { redact, flushOnExit: false }),
      ],
    ] as const
  ) {
    test(`${name}: a redacted value never reaches the exporter; the application's span keeps it`, async () => {
      const exporter = new InMemorySpanExporter();
      const processor = make(exporter, scrubEmails);
      const tracer = new Tracer({ processors: [processor] });
      const span = leakySpan(tracer);
      await tracer.forceFlush();
      const [exported] = exporter.spans;
      assert.doesNotMatch(JSON.stringify(exporter.spans), /@example/);
      assert.doesNotMatch(new TextDecoder().decode(encodeOtlpJson(exporter.spans)), /@example/);
      assert.equal(exported.attributes["user.email"], "<email>");
      assert.equal(exported.attributes["user.id"], 7);
      assert.equal(exported.events[0].attributes["exception.message"], "no account for <email>");
      assert.equal(exported.links[0].attributes.from, "<email>");
      assert.equal(span.attributes["user.email"], "ada@example.com", "the original is untouched");
      assert.deepEqual(processor.stats(), {
        ended: 1,
        exported: 1,
        dropped: 0,
        failed: 0,
        queued: 0,
      });
      await tracer.shutdown();
    });
  }

  test("the copy keeps everything else: ids, times, status, scope, dropped counts, remote parent", () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new Tracer({
      name: "auth",
      version: "1.0.0",
      processors: [new SimpleSpanProcessor(exporter, { redact: (_k, v) => v })],
      limits: { eventCountLimit: 1 },
    });
    const parent = extractContext({
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    })!;
    const span = tracer.startSpan("login", { kind: "server", parent, startTime: 1_000 })
      .setAttribute("bad", {} as never)
      .addEvent("one", {}, 1_001)
      .addEvent("two")
      .setStatus("error", "denied")
      .end(1_250);
    const [copy] = exporter.spans;
    assert.notEqual(copy, span);
    const { attributes: _a, ...json } = span.toJSON();
    const { attributes: _b, ...copied } = copy.toJSON();
    assert.deepEqual(copied, json);
    assert.deepEqual(copy.instrumentationScope, { name: "auth", version: "1.0.0" });
    assert.equal(copy.droppedAttributesCount, 1);
    assert.equal(copy.droppedEventsCount, 1);
    const flags = (s: Span) =>
      JSON.parse(new TextDecoder().decode(encodeOtlpJson([s]))).resourceSpans[0].scopeSpans[0]
        .spans[0].flags;
    assert.equal(flags(copy), flags(span));
  });

  test("undefined leaves an attribute out; so do an invalid value and a throw, with one warning", async () => {
    const exporter = new InMemorySpanExporter();
    const redact = (key: string, value: AttributeValue) => {
      if (key === "token") return undefined;
      if (key === "weird") return { not: "valid" } as never;
      if (key === "boom") throw new Error("redactor broke");
      return value;
    };
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter, { redact })] });
    const warned = await captureWarnings(() => {
      tracer.startSpan("x", { attributes: { token: "t", weird: "w", boom: "b", kept: 1 } }).end();
      tracer.startSpan("y", { attributes: { boom: "again" } }).end();
    });
    assert.deepEqual(exporter.spans.map((s) => s.attributes), [{ kept: 1 }, {}]);
    assert.equal(warned.length, 1, warned.join("\n"));
    assert.match(warned[0], /a redact function threw, so the attribute "boom" was left out/);
  });

  test("redact sees arrays with their null elements and may return such an array; a mixed one is left out", () => {
    const exporter = new InMemorySpanExporter();
    const seen: [string, AttributeValue][] = [];
    const redact = (key: string, value: AttributeValue) => {
      seen.push([key, value]);
      if (key === "mixed") return [null, "a", 1] as never;
      if (key === "values") {
        return (value as readonly (string | null)[]).map((v) => v === null ? v : "<redacted>");
      }
      return [...(value as readonly (number | null)[]), undefined] as never;
    };
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter, { redact })] });
    tracer.startSpan("x", {
      attributes: { keys: [1, null], values: ["secret", null], mixed: ["m"] },
    }).end();
    assert.deepEqual(seen, [["keys", [1, null]], ["values", ["secret", null]], ["mixed", ["m"]]]);
    assert.deepEqual(exporter.spans[0].attributes, {
      keys: [1, null, null],
      values: ["<redacted>", null],
    });
  });

  test("a redact that masks an array in place changes only the export, never the application's span", () => {
    const exporter = new InMemorySpanExporter();
    const memory = new InMemorySpanProcessor();
    const redact = (_key: string, value: AttributeValue) => {
      if (Array.isArray(value)) value.fill("<redacted>");
      return value;
    };
    const tracer = new Tracer({
      processors: [new SimpleSpanProcessor(exporter, { redact }), memory],
    });
    const span = tracer.startSpan("x", { attributes: { emails: ["ada@example.com"] } })
      .addEvent("sent", { to: ["bob@example.com"] })
      .end();
    assert.deepEqual(exporter.spans[0].attributes.emails, ["<redacted>"]);
    assert.deepEqual(exporter.spans[0].events[0].attributes.to, ["<redacted>"]);
    assert.deepEqual(span.attributes.emails, ["ada@example.com"]);
    assert.deepEqual(span.events[0].attributes.to, ["bob@example.com"]);
    assert.deepEqual(memory.spans[0].attributes.emails, ["ada@example.com"]);
  });

  test("without redact the exporter gets the very spans that ended: no copy, no work per span", () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
    const span = tracer.startSpan("as is").setAttribute("user.email", "ada@example.com").end();
    assert.equal(exporter.spans[0], span);
  });

  test("a redact that is not a function is a TypeError", () => {
    assert.throws(() => new SimpleSpanProcessor(() => {}, { redact: "emails" as never }), {
      name: "TypeError",
      message:
        /^Cannot create SimpleSpanProcessor: redact must be a function, got string "emails"$/,
    });
    assert.throws(() => new BatchSpanProcessor(() => {}, { redact: 1 as never }), TypeError);
  });
});
