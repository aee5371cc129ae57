// Tests for the `traceparent` header, written from W3C Trace Context Level 2,
// section "Traceparent Header" (and "Versioning of traceparent", "Mutating
// the traceparent Field"). Each MUST of those sections has a test here; the
// section is named in the test's name.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  extractBaggage,
  extractContext,
  formatTraceparent,
  injectContext,
  InMemorySpanProcessor,
  parseTraceparent,
  propagationStats,
  SpanContext,
  TraceFlags,
  Tracer,
} from "../mod.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`;

describe("traceparent parsing (Level 2, traceparent Header Field Values)", () => {
  test("reads the specification's example into a remote, sampled context", () => {
    const ctx = parseTraceparent(VALID);
    assert.ok(ctx);
    assert.equal(ctx.traceId, TRACE_ID);
    assert.equal(ctx.spanId, PARENT_ID);
    assert.equal(ctx.traceFlags, TraceFlags.SAMPLED);
    assert.equal(ctx.isRemote, true);
    assert.equal(ctx.parentSpanId, undefined);
  });

  test("reads the not-sampled example with flags 00", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-00`)?.traceFlags, 0);
  });

  test("version: ff is invalid (§version: 'Version ff is invalid')", () => {
    assert.equal(parseTraceparent(`ff-${TRACE_ID}-${PARENT_ID}-01`), undefined);
  });

  test("version: must be two lowercase hex digits followed by a dash", () => {
    for (
      const bad of [
        `.0-${TRACE_ID}-${PARENT_ID}-01`,
        `0.-${TRACE_ID}-${PARENT_ID}-01`,
        `0-${TRACE_ID}-${PARENT_ID}-01`,
        `000-${TRACE_ID}-${PARENT_ID}-01`,
        `0A-${TRACE_ID}-${PARENT_ID}-01`,
        `00_${TRACE_ID}-${PARENT_ID}-01`,
      ]
    ) assert.equal(parseTraceparent(bad), undefined, bad);
  });

  test("version 00 has exactly four fields: trailing data makes it invalid", () => {
    assert.equal(parseTraceparent(`${VALID}.`), undefined);
    assert.equal(parseTraceparent(`${VALID}-what-the-future-will-be-like`), undefined);
    assert.equal(parseTraceparent(`${VALID}-`), undefined);
  });

  test("trace-id: all zeros MUST make the traceparent ignored (§trace-id)", () => {
    assert.equal(parseTraceparent(`00-${"0".repeat(32)}-${PARENT_ID}-01`), undefined);
  });

  test("trace-id: non-hex or upper-case characters MUST make it ignored (§trace-id)", () => {
    assert.equal(parseTraceparent(`00-.${TRACE_ID.slice(1)}-${PARENT_ID}-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID.slice(1)}.-${PARENT_ID}-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID.slice(1)}G-${PARENT_ID}-01`), undefined);
  });

  test("trace-id: 31 or 33 characters MUST make it ignored (§trace-id)", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID}3-${PARENT_ID}-01`), undefined);
  });

  test("parent-id: all zeros MUST make the traceparent ignored (§parent-id)", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${"0".repeat(16)}-01`), undefined);
  });

  test("parent-id: non-lowercase-hex characters MUST make it ignored (§parent-id)", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID}-.${PARENT_ID.slice(1)}-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID.slice(1)}.-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID}-00F067AA0BA902B7-01`), undefined);
  });

  test("parent-id: 15 or 17 characters MUST make it ignored (§parent-id)", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID.slice(1)}-01`), undefined);
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}7-01`), undefined);
  });

  test("trace-flags: must be two lowercase hex digits", () => {
    for (const flags of [".0", "0.", "001", "1", "0A", "FF"]) {
      assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-${flags}`), undefined, flags);
    }
  });

  test("trace-flags: a bit field read with a mask, so 09 is sampled (§trace-flags)", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-09`)?.isSampled, true);
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-08`)?.isSampled, false);
  });

  test("random-trace-id flag (0x02) is read and kept (§Random Trace ID Flag)", () => {
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-02`)?.traceFlags, 2);
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-03`)?.traceFlags, 3);
  });

  test("other flags: vendors MUST set them to zero, so they are not kept (§Other Flags)", () => {
    const ctx = parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-ff`);
    assert.equal(ctx?.traceFlags, 3);
    assert.equal(formatTraceparent(ctx!), `00-${TRACE_ID}-${PARENT_ID}-03`);
  });

  test("spaces and tabs around the value are optional whitespace", () => {
    for (const v of [` ${VALID}`, `\t${VALID}`, `${VALID} `, `${VALID}\t`, `\t ${VALID} \t`]) {
      assert.equal(parseTraceparent(v)?.traceId, TRACE_ID, JSON.stringify(v));
    }
  });

  test("a value longer than the limit is refused before it is read", () => {
    assert.equal(
      parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01-${"x".repeat(1_000_000)}`),
      undefined,
    );
  });
});

describe("traceparent versioning (Level 2, Versioning of traceparent)", () => {
  test("a higher version is parsed on its first four fields", () => {
    const ctx = parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01`);
    assert.equal(ctx?.traceId, TRACE_ID);
    assert.equal(ctx?.spanId, PARENT_ID);
  });

  test("a higher version MAY carry more fields, but only after a dash", () => {
    assert.equal(
      parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-will-be-like`)?.traceId,
      TRACE_ID,
    );
    assert.equal(
      parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01.what-the-future-will-be-like`),
      undefined,
    );
  });

  test("a header shorter than 55 characters is not parsed", () => {
    assert.equal(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-1`), undefined);
  });

  test("MUST check the 32 trace-id characters are hex and followed by a dash", () => {
    assert.equal(parseTraceparent(`cc-${TRACE_ID.slice(1)}x-${PARENT_ID}-01`), undefined);
    assert.equal(parseTraceparent(`cc-${TRACE_ID}x${PARENT_ID}-01`), undefined);
  });

  test("MUST check the 16 parent-id characters are hex and followed by a dash", () => {
    assert.equal(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID.slice(1)}x-01`), undefined);
    assert.equal(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}x01`), undefined);
  });

  test("MUST check the 2 flag characters end the string or are followed by a dash", () => {
    assert.equal(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01x`), undefined);
    assert.equal(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01-x`)?.traceFlags, 1);
  });

  test("MUST NOT assume anything about unknown fields, and MUST write version 00 back", () => {
    const ctx = parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-fd-00-ffffffff`);
    assert.equal(ctx?.traceFlags, 1);
    assert.equal(formatTraceparent(ctx!), `00-${TRACE_ID}-${PARENT_ID}-01`);
  });
});

describe("extractContext (Level 2, Header Name and Processing Model)", () => {
  test("vendors MUST expect the header name in any case (§Header Name)", () => {
    for (const name of ["traceparent", "TraceParent", "TrAcEpArEnT", "TRACEPARENT"]) {
      assert.equal(extractContext({ [name]: VALID })?.traceId, TRACE_ID, name);
      assert.equal(extractContext(new Headers({ [name]: VALID }))?.traceId, TRACE_ID, name);
    }
  });

  test("other names such as trace-parent are not the header", () => {
    assert.equal(extractContext({ "trace-parent": VALID }), undefined);
    assert.equal(extractContext({ "trace.parent": VALID }), undefined);
  });

  test("two traceparent headers are invalid, in a record or in Headers", () => {
    const other = `00-${"1".repeat(32)}-${PARENT_ID}-01`;
    assert.equal(extractContext({ traceparent: [VALID, other] }), undefined);
    assert.equal(extractContext({ traceparent: VALID, TraceParent: other }), undefined);
    const headers = new Headers();
    headers.append("traceparent", VALID);
    headers.append("traceparent", other);
    assert.equal(extractContext(headers), undefined);
    // A higher version may carry more fields, but two joined headers (the
    // one value Headers and node:http give for them) are still two.
    const future = `cc-${TRACE_ID}-${PARENT_ID}-01-extra`;
    const joined = new Headers();
    joined.append("traceparent", future);
    joined.append("traceparent", `cc-${"a".repeat(32)}-${PARENT_ID}-01`);
    assert.equal(extractContext(joined), undefined);
    assert.equal(extractContext({ traceparent: `${future}, ${other}` }), undefined);
    assert.equal(extractContext({ traceparent: future })?.traceId, TRACE_ID);
  });

  test("a Headers of another implementation (a fetch polyfill, another realm) is read and written through its methods", () => {
    // Not the global Headers: node-fetch's, the undici package's or another
    // realm's have get/set/delete and keep their entries out of sight, so
    // properties set on them are never sent, and none can be read.
    class OtherHeaders {
      readonly #map = new Map<string, string>();
      constructor(init: Record<string, string> = {}) {
        for (const [k, v] of Object.entries(init)) this.#map.set(k.toLowerCase(), v);
      }
      get(name: string): string | null {
        return this.#map.get(name.toLowerCase()) ?? null;
      }
      set(name: string, value: string): void {
        this.#map.set(name.toLowerCase(), value);
      }
      delete(name: string): void {
        this.#map.delete(name.toLowerCase());
      }
      has(name: string): boolean {
        return this.#map.has(name.toLowerCase());
      }
    }
    const incoming = new OtherHeaders({ TraceParent: VALID, baggage: "user=ada" });
    const remote = extractContext(incoming as unknown as Headers);
    assert.equal(remote?.traceId, TRACE_ID);
    assert.equal(extractBaggage(incoming as unknown as Headers).get("user")?.value, "ada");
    const outgoing = new OtherHeaders({ tracestate: "stale=1" });
    injectContext(outgoing as unknown as Headers, remote!.child());
    assert.match(outgoing.get("traceparent") ?? "", new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    assert.equal(outgoing.has("tracestate"), false, "a stale tracestate is removed");
    assert.deepEqual(Object.keys(outgoing), [], "nothing is written as a property");
  });

  test("an invalid traceparent is counted as a drop, not thrown", () => {
    const before = propagationStats().traceparent;
    assert.equal(extractContext({ traceparent: "garbage" }), undefined);
    assert.equal(propagationStats().traceparent, before + 1);
  });

  test("a carrier whose getter throws is read as empty", () => {
    const hostile = {
      get traceparent(): string {
        throw new Error("boom");
      },
    };
    assert.equal(extractContext(hostile as unknown as Record<string, string>), undefined);
  });
});

describe("traceparent mutation and random flag (Level 2, Mutating the traceparent Field)", () => {
  test("a receiver MUST send the traceparent on: a child keeps the trace id, new parent-id", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const remote = extractContext({ traceparent: VALID })!;
    const span = tracer.startSpan("server", { parent: remote });
    const out: Record<string, string> = {};
    injectContext(out, span);
    assert.equal(out.traceparent, `00-${TRACE_ID}-${span.context.spanId}-01`);
    assert.notEqual(span.context.spanId, PARENT_ID);
    span.end();
  });

  test("a participant continuing a trace keeps the random-trace-id flag as received", () => {
    const tracer = new Tracer();
    for (const flags of ["00", "01", "02", "03"]) {
      const remote = extractContext({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-${flags}` })!;
      const span = tracer.startSpan("child", { parent: remote });
      assert.equal(span.context.traceFlags & TraceFlags.RANDOM, Number.parseInt(flags, 16) & 2);
      span.end();
    }
  });

  test("a new trace gets random ids and so sets the random-trace-id flag", () => {
    const span = new Tracer().startSpan("root", { parent: null });
    assert.match(formatTraceparent(span.context), /^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
    span.end();
  });

  test("the sampled flag changes only together with a new parent-id", () => {
    const remote = new SpanContext({ traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 1 });
    const tracer = new Tracer({ sampler: { shouldSample: () => ({ decision: "drop" }) } });
    const span = tracer.startSpan("unsampled", { parent: remote });
    assert.equal(span.context.isSampled, false);
    assert.notEqual(span.context.spanId, PARENT_ID);
    span.end();
  });

  test("an invalid traceparent restarts the trace: the next hop gets a new trace id", () => {
    const tracer = new Tracer();
    const parent = extractContext({ traceparent: `00-${"0".repeat(32)}-${PARENT_ID}-01` });
    const span = tracer.startSpan("server", { parent: parent ?? null });
    assert.notEqual(span.context.traceId, "0".repeat(32));
    assert.equal(span.context.parentSpanId, undefined);
    span.end();
  });
});
