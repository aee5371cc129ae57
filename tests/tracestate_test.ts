// Tests for the `tracestate` header, written from W3C Trace Context Level 2,
// section "Tracestate Header" and "Mutating the tracestate Field". Each MUST
// of those sections has a test; the section is named in the test's name.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  extractContext,
  injectContext,
  parseTraceparent,
  propagationStats,
  SpanContext,
  Tracer,
  TraceState,
} from "../mod.ts";

const TRACEPARENT = "00-12345678901234567890123456789012-1234567890123456-00";
const KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
const VALUE_CHARS = Array.from(
  { length: 0x7e - 0x20 + 1 },
  (_, i) => String.fromCharCode(0x20 + i),
).filter((c) => c !== "," && c !== "=").join("");

function stateOf(...tracestate: string[]): string | undefined {
  return extractContext({ traceparent: TRACEPARENT, tracestate })?.traceState;
}

describe("tracestate and traceparent (Level 2, Tracestate Header)", () => {
  test("if traceparent failed to parse, tracestate MUST NOT be parsed", () => {
    const before = propagationStats().tracestate;
    assert.equal(extractContext({ traceparent: "00-bad", tracestate: "FOO=1" }), undefined);
    assert.equal(propagationStats().tracestate, before, "the bad tracestate was never read");
  });

  test("failure to parse tracestate MUST NOT affect the parsing of traceparent", () => {
    const ctx = extractContext({ traceparent: TRACEPARENT, tracestate: "foo=1,FOO=2" });
    assert.equal(ctx?.traceId, "12345678901234567890123456789012");
    assert.equal(ctx?.traceState, undefined);
  });

  test("vendors MUST expect the header name in any case (§Header Name)", () => {
    for (const name of ["TraceState", "TrAcEsTaTe", "TRACESTATE"]) {
      assert.equal(
        extractContext({ traceparent: TRACEPARENT, [name]: "foo=1" })?.traceState,
        "foo=1",
      );
    }
    assert.equal(
      extractContext({ traceparent: TRACEPARENT, "trace-state": "foo=1" })?.traceState,
      undefined,
    );
  });
});

describe("tracestate field values (Level 2, tracestate Header Field Values)", () => {
  test("multiple tracestate fields MUST be combined in order (RFC 7230 §3.2.2)", () => {
    assert.equal(
      stateOf("foo=1,bar=2", "rojo=1,congo=2", "baz=3"),
      "foo=1,bar=2,rojo=1,congo=2,baz=3",
    );
    const headers = new Headers();
    headers.append("traceparent", TRACEPARENT);
    headers.append("tracestate", "foo=1");
    headers.append("tracestate", "bar=2");
    assert.equal(extractContext(headers)?.traceState, "foo=1,bar=2");
  });

  test("vendors MUST accept empty tracestate headers, alone or among others", () => {
    assert.equal(TraceState.parse("")?.size, 0);
    assert.equal(stateOf(""), undefined);
    assert.equal(stateOf("foo=1", ""), "foo=1");
    assert.equal(stateOf("", "foo=1"), "foo=1");
    assert.equal(stateOf(" , ,\t"), undefined);
  });

  test("spaces and tabs around list members are ignored", () => {
    assert.equal(stateOf("foo=1 \t , \t bar=2, \t baz=3"), "foo=1,bar=2,baz=3");
    assert.equal(stateOf("\t foo=1 \t"), "foo=1");
  });

  test("leading spaces of a value MUST be preserved; trailing ones are whitespace", () => {
    const state = TraceState.parse("foo=  1  ");
    assert.equal(state?.get("foo"), "  1");
  });

  test("every allowed key and value character is accepted", () => {
    const simple = KEY_CHARS;
    const withAt = `${KEY_CHARS}@a-z0-9_-*/`;
    assert.equal(TraceState.parse(`${simple}=${VALUE_CHARS}`)?.get(simple), VALUE_CHARS);
    assert.equal(TraceState.parse(`${withAt}=${VALUE_CHARS}`)?.get(withAt), VALUE_CHARS);
  });

  test("a key MUST begin with a lowercase letter or a digit", () => {
    assert.equal(TraceState.parse("1foo=1")?.get("1foo"), "1");
    for (const bad of ["FOO=1", "_foo=1", "foo =1", "foo.bar=1", "@foo=1,bar=2", "*a=1"]) {
      assert.equal(TraceState.parse(bad), undefined, bad);
    }
  });

  test("@ is a key character like any other: foo@, foo@@bar and foo@bar@baz are kept", () => {
    for (const key of ["foo@", "foo@@bar", "foo@bar@baz", "special@vendor", "1@", "a@1"]) {
      assert.equal(stateOf(`${key}=1,bar=2`), `${key}=1,bar=2`, key);
    }
  });

  test("the old multi-tenant limits are gone: 242-character tenants, 15-character systems", () => {
    for (
      const key of [
        `${"t".repeat(241)}@${"v".repeat(14)}`,
        `${"t".repeat(242)}@v`,
        `t@${"v".repeat(15)}`,
      ]
    ) {
      assert.equal(stateOf("foo=1", `${key}=1`), `foo=1,${key}=1`);
    }
  });

  test("keys are at most 256 characters, @ included", () => {
    assert.ok(TraceState.parse(`${"z".repeat(256)}=1`));
    assert.ok(TraceState.parse(`${"z".repeat(255)}@=1`));
    assert.equal(TraceState.parse(`${"z".repeat(257)}=1`), undefined);
    assert.equal(TraceState.parse(`${"z".repeat(256)}@=1`), undefined);
    assert.equal(stateOf("foo=1", `${"z".repeat(257)}=1`), undefined, "the whole header goes");
  });

  test("values are 1 to 256 printable characters without , or =", () => {
    assert.ok(TraceState.parse(`foo=${"v".repeat(256)}`));
    assert.equal(TraceState.parse(`foo=${"v".repeat(257)}`), undefined);
    for (const bad of ["foo=bar=baz", "foo=,bar=3", "foo=a\u0001b", "foo=é", "foo"]) {
      assert.equal(TraceState.parse(bad), undefined, JSON.stringify(bad));
    }
  });

  test("if any member is invalid the whole tracestate is discarded, and counted", () => {
    const before = propagationStats().tracestate;
    assert.equal(stateOf("foo=1", "Bad=2"), undefined);
    assert.equal(propagationStats().tracestate, before + 1);
  });

  test("a repeated key is the sender's fault: the receiver keeps the header, first entry wins", () => {
    assert.equal(stateOf("foo=1,foo=1"), "foo=1");
    assert.equal(stateOf("foo=1,foo=2"), "foo=1");
    assert.equal(stateOf("foo=1", "foo=2"), "foo=1");
    assert.equal(stateOf("rojo=1,foo=1,congo=2,foo=3"), "rojo=1,foo=1,congo=2");
  });

  test("repeated keys still count toward the 32 members", () => {
    const members = Array.from({ length: 32 }, (_, i) => `bar${i}=${i}`);
    assert.equal(stateOf([...members, "bar0=again"].join(",")), undefined);
  });

  test("there can be at most 32 list members", () => {
    const members = Array.from({ length: 33 }, (_, i) => `bar${i}=${i}`);
    assert.equal(TraceState.parse(members.slice(0, 32).join(","))?.size, 32);
    assert.equal(TraceState.parse(members.join(",")), undefined);
    assert.equal(stateOf(members.slice(0, 30).join(","), "a=1,b=2,c=3"), undefined);
  });

  test("a 1 MB tracestate is discarded on its length, before it is split", () => {
    const huge = `foo=1,${"x".repeat(1_000_000)}`;
    assert.equal(TraceState.parse(huge), undefined);
    assert.equal(TraceState.parse(["foo=1", huge]), undefined);
  });
});

describe("tracestate limits (Level 2, tracestate Limits)", () => {
  // 32 members of a 256-character key and a 256-character value: legal, and
  // about 16 KiB, twice the 8,192 characters this library propagates.
  const big = (i: number) => `${"k".repeat(253)}${String(i).padStart(3, "0")}=${"v".repeat(256)}`;

  test("at least 512 characters of a combined header are propagated", () => {
    const members = Array.from({ length: 16 }, (_, i) => `k${i}=${"v".repeat(60)}`);
    const header = members.join(",");
    assert.ok(header.length > 512);
    assert.equal(stateOf(header), header);
  });

  test("a legal header over 8,192 characters is truncated by whole entries, and counted", () => {
    const before = propagationStats().tracestate;
    const header = Array.from({ length: 32 }, (_, i) => big(i)).join(",");
    const state = TraceState.parse(header)!;
    assert.ok(state.serialize().length <= 8192);
    assert.equal(state.size, 15, "15 entries of 513 characters and their commas fit");
    assert.deepEqual(state.keys(), Array.from({ length: 15 }, (_, i) => big(i).split("=")[0]));
    assert.equal(propagationStats().tracestate, before + 1);
  });

  test("truncation removes entries over 128 characters first, last first, then from the end", () => {
    const small = (i: number) => `s${i}=${"v".repeat(100)}`;
    const keyOf = (member: string) => member.split("=")[0];
    // 16 entries of 513 characters, then 16 of about 104: 9,903 characters.
    const members = [
      ...Array.from({ length: 16 }, (_, i) => big(i)),
      ...Array.from({ length: 16 }, (_, i) => small(i)),
    ];
    const state = TraceState.parse(members.join(","))!;
    // Four large entries go, from the end; every small one, though last, stays.
    assert.deepEqual(state.keys(), [...members.slice(0, 12), ...members.slice(16)].map(keyOf));
    assert.ok(state.serialize().length <= 8192);
  });

  test("setting an entry keeps it, and truncation takes large entries before small ones", () => {
    const members = [
      ...Array.from({ length: 15 }, (_, i) => big(i)),
      ...Array.from({ length: 4 }, (_, i) => `s${i}=${"v".repeat(100)}`),
    ];
    const full = TraceState.parse(members.join(","))!;
    assert.equal(full.size, 19);
    const next = full.set("mine", "v".repeat(256));
    assert.equal(next.keys()[0], "mine");
    assert.equal(next.get(big(14).split("=")[0]), undefined, "the last large entry went");
    assert.equal(next.get("s3"), "v".repeat(100), "the small entries after it stayed");
    assert.equal(next.size, 19);
    assert.ok(next.serialize().length <= 8192);
  });
});

describe("tracestate limits and mutation (Level 2, Mutating the tracestate Field)", () => {
  test("a receiver MUST send tracestate on to outgoing requests", () => {
    const remote = extractContext({
      traceparent: TRACEPARENT,
      tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    })!;
    const span = new Tracer().startSpan("server", { parent: remote });
    const out: Record<string, string> = {};
    injectContext(out, span);
    assert.equal(out.tracestate, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    span.end();
  });

  test("an unchanged traceparent is sent with an unmodified tracestate", () => {
    const remote = extractContext({ traceparent: TRACEPARENT, tracestate: "foo=1,bar=2" })!;
    const out: Record<string, string> = {};
    injectContext(out, remote);
    assert.equal(out.traceparent, TRACEPARENT);
    assert.equal(out.tracestate, "foo=1,bar=2");
  });

  test("tracestate is sent as one field, not split", () => {
    const headers = new Headers();
    injectContext(
      headers,
      extractContext({ traceparent: TRACEPARENT, tracestate: ["a=1", "b=2"] }),
    );
    assert.equal(headers.get("tracestate"), "a=1,b=2");
  });

  test("a modified key MUST move to the front; unmodified ones keep their order", () => {
    const state = TraceState.parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,acme=1")!;
    assert.equal(
      state.set("congo", "ucfJifl5GOE").serialize(),
      "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7,acme=1",
    );
    assert.equal(
      state.set("new", "x").serialize(),
      "new=x,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,acme=1",
    );
  });

  test("TraceState is immutable: set and delete return new states", () => {
    const state = TraceState.parse("a=1,b=2")!;
    state.set("c", "3");
    state.delete("a");
    assert.equal(state.serialize(), "a=1,b=2");
    assert.equal(state.delete("a").serialize(), "b=2");
    assert.equal(state.delete("zzz"), state);
  });

  test("truncation MUST remove whole entries, from the end", () => {
    const full = new TraceState(Array.from({ length: 32 }, (_, i) => [`k${i}`, `${i}`] as const));
    const next = full.set("mine", "1");
    assert.equal(next.size, 32);
    assert.equal(next.keys()[0], "mine");
    assert.equal(next.get("k31"), undefined, "the last whole entry went");
    assert.equal(next.get("k30"), "30");
  });

  test("setting an invalid key or value is a programming error: TypeError", () => {
    assert.throws(() => new TraceState().set("Congo", "x"), TypeError);
    assert.throws(() => new TraceState().set("congo", "a,b"), TypeError);
    assert.throws(() => new TraceState([["a", "1"], ["a", "2"]]), TypeError);
    assert.throws(
      () => new TraceState(Array.from({ length: 33 }, (_, i) => [`k${i}`, "1"] as const)),
      RangeError,
    );
  });
});

describe("tracestate at inject: only valid header values are written", () => {
  // A context that skipped the constructor's check, as one built by a bridge
  // from another library might.
  function forged(traceState: string): SpanContext {
    return Object.assign(Object.create(SpanContext.prototype), {
      traceId: "12345678901234567890123456789012",
      spanId: "1234567890123456",
      parentSpanId: undefined,
      traceFlags: 1,
      traceState,
      isRemote: false,
    });
  }

  test("a plain-object carrier never gets CR/LF: the trace state is dropped and counted", () => {
    const before = propagationStats().tracestate;
    const out: Record<string, string> = { tracestate: "stale=1" };
    injectContext(out, forged("congo=1\r\nx-injected: yes"));
    assert.deepEqual(out, {
      traceparent: `00-12345678901234567890123456789012-1234567890123456-01`,
    });
    assert.equal(propagationStats().tracestate, before + 1);
  });

  test("a trace state with no member is not sent, and one is sent without blanks or empty members", () => {
    // "Vendors MUST accept empty tracestate headers but SHOULD avoid sending
    // them"; "otherwise, a caller SHOULD NOT generate optional whitespace".
    const cases: [string, string | undefined][] = [
      [",", undefined],
      [" , \t", undefined],
      ["a=1 , ,b=2", "a=1,b=2"],
      [",a=1", "a=1"],
      ["a=1,b= 2", "a=1,b= 2"],
    ];
    for (const [given, sent] of cases) {
      const out: Record<string, string> = { tracestate: "stale=1" };
      injectContext(
        out,
        new SpanContext({
          traceId: "12345678901234567890123456789012",
          spanId: "1234567890123456",
          traceState: given,
        }),
      );
      assert.equal(out.tracestate, sent, JSON.stringify(given));
    }
  });

  test("a Headers carrier gets the traceparent, and injecting does not throw", () => {
    const headers = new Headers();
    injectContext(headers, forged("congo=1\nrojo=2"));
    assert.equal(
      headers.get("traceparent"),
      "00-12345678901234567890123456789012-1234567890123456-01",
    );
    assert.equal(headers.has("tracestate"), false);
  });

  test("parseTraceparent drops a trace state it is given that the grammar refuses, and counts it", () => {
    const before = propagationStats().tracestate;
    assert.equal(parseTraceparent(TRACEPARENT, "congo=1\r\nx: y")?.traceState, undefined);
    assert.equal(parseTraceparent(TRACEPARENT, "congo=1")?.traceState, "congo=1");
    assert.equal(propagationStats().tracestate, before + 1);
  });

  test("a valid trace state is written as it is, once checked", () => {
    const out: Record<string, string> = {};
    injectContext(out, forged("foo@=1,bar=2"));
    assert.equal(out.tracestate, "foo@=1,bar=2");
  });
});
