import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  isValidSpanId,
  isValidTraceId,
  RandomIdGenerator,
  SpanContext,
  TraceFlags,
  Tracer,
} from "../mod.ts";
import { encodeOtlpJson, encodeOtlpProtobuf } from "../otlp.ts";
import { decodeOtlpJson } from "../src/otlp/_decode_json.ts";
import { decodeOtlpProtobuf } from "../src/otlp/_decode_protobuf.ts";
import { IdPool, spanIdIn, traceIdIn } from "../src/platform/_id_pool.ts";
import { runFixture } from "./_child_process.ts";

/**
 * Runs `fn` with `crypto.getRandomValues` filling with zeros the calls
 * `zeroes(call)` picks (counted from 0); returns how many calls there were.
 */
function withZeroRefills(zeroes: (call: number) => boolean, fn: () => void): number {
  const original = crypto.getRandomValues;
  let calls = 0;
  crypto.getRandomValues = (<T extends ArrayBufferView | null>(array: T): T => {
    if (zeroes(calls++)) {
      (array as unknown as Uint8Array).fill(0);
      return array;
    }
    return original.call(crypto, array as never) as T;
  }) as typeof crypto.getRandomValues;
  try {
    fn();
  } finally {
    crypto.getRandomValues = original;
  }
  return calls;
}

describe("RandomIdGenerator", () => {
  test("traceId() returns 32 lowercase hex characters", () => {
    const ids = new RandomIdGenerator();
    for (let i = 0; i < 1000; i++) assert.match(ids.traceId(), /^[0-9a-f]{32}$/);
  });

  test("spanId() returns 16 lowercase hex characters", () => {
    const ids = new RandomIdGenerator();
    for (let i = 0; i < 1000; i++) assert.match(ids.spanId(), /^[0-9a-f]{16}$/);
  });

  test("ids do not repeat across several pool refills", () => {
    const ids = new RandomIdGenerator();
    const seen = new Set<string>();
    // 8 bytes per span id from 16 KiB draws, made hex 4 KiB at a time: 20,000
    // ids cross ~10 draws and ~40 hex refills.
    for (let i = 0; i < 20_000; i++) seen.add(ids.spanId());
    assert.equal(seen.size, 20_000);
  });

  test("ids are never all zeros, even when the random source returns zeros", () => {
    // The first refill is all zeros; later ones are real random bytes.
    const calls = withZeroRefills((call) => call === 0, () => {
      const ids = new RandomIdGenerator();
      for (let i = 0; i < 600; i++) {
        assert.notEqual(ids.spanId(), "0000000000000000");
      }
    });
    assert.ok(calls >= 2, "the zero pool forced at least one more refill");
  });

  test("a Tracer's ids are never all zeros either, when the random source returns zeros", () => {
    const calls = withZeroRefills((call) => call % 2 === 0, () => {
      const tracer = new Tracer();
      // The Tracer draws from the process's shared pool, wherever earlier
      // tests left it (up to a whole 16 KiB draw unused): 1,500 roots of 24
      // bytes and 1,500 children of 8 (48,000 bytes) need two more draws at
      // least, so at least one of them is all zeros.
      for (let i = 0; i < 1_500; i++) {
        const root = tracer.startSpan("root");
        const child = tracer.startSpan("child", { parent: root });
        for (const { context } of [root, child]) {
          assert.ok(isValidTraceId(context.traceId), context.traceId);
          assert.ok(isValidSpanId(context.spanId), context.spanId);
        }
      }
    });
    assert.ok(calls >= 2, "at least one refill was all zeros");
  });

  test("an id whose only non-zero byte is its last is valid, and is used", () => {
    const original = crypto.getRandomValues;
    let calls = 0;
    // The first draw: every byte zero but the last of each 8; then random.
    crypto.getRandomValues = (<T extends ArrayBufferView | null>(array: T): T => {
      if (calls++ > 0) return original.call(crypto, array as never) as T;
      const bytes = array as unknown as Uint8Array;
      for (let i = 0; i < bytes.length; i++) bytes[i] = i % 8 === 7 ? 1 : 0;
      return array;
    }) as typeof crypto.getRandomValues;
    try {
      const ids = new RandomIdGenerator();
      assert.equal(ids.spanId(), "0000000000000001");
      assert.equal(ids.traceId(), "00000000000000010000000000000001");
    } finally {
      crypto.getRandomValues = original;
    }
  });

  test("bits are spread: every hex digit appears in every position of 2,000 trace ids", () => {
    const ids = new RandomIdGenerator();
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      const id = ids.traceId();
      for (let p = 0; p < 32; p++) seen[p].add(id[p]);
    }
    for (const digits of seen) assert.equal(digits.size, 16);
  });
});

/** `bytes[from, to)` as lowercase hex, one byte at a time. */
function hexOf(bytes: Uint8Array, from: number, to: number): string {
  let hex = "";
  for (let i = from; i < to; i++) hex += bytes[i].toString(16).padStart(2, "0");
  return hex;
}

describe("ids kept as the pool's hex and an offset", () => {
  test("an IdPool's ids read by offset are the hex of their bytes, never all zeros, and stay so", () => {
    const kept: { hex: string; at: number; traceId: string; spanId: string }[] = [];
    withZeroRefills((call) => call % 2 === 0, () => {
      const pool = new IdPool();
      // 24 + 8 bytes a turn: 1,500 turns cross at least two 16 KiB draws,
      // every other one all zeros.
      for (let i = 0; i < 1_500; i++) {
        const at = pool.rootAt();
        const traceId = traceIdIn(pool.hex, at);
        const spanId = spanIdIn(pool.hex, at);
        assert.equal(traceId, hexOf(pool.bytes, at - 16, at));
        assert.equal(spanId, hexOf(pool.bytes, at, at + 8));
        assert.ok(isValidTraceId(traceId), traceId);
        assert.ok(isValidSpanId(spanId), spanId);
        const childAt = pool.takeAt(8);
        assert.equal(spanIdIn(pool.hex, childAt), hexOf(pool.bytes, childAt, childAt + 8));
        assert.ok(isValidSpanId(spanIdIn(pool.hex, childAt)));
        if (i % 100 === 0) kept.push({ hex: pool.hex, at, traceId, spanId });
      }
    });
    // Hex kept from earlier draws still reads the same ids: later draws
    // never write over what a span kept.
    for (const { hex, at, traceId, spanId } of kept) {
      assert.equal(traceIdIn(hex, at), traceId);
      assert.equal(spanIdIn(hex, at), spanId);
    }
  });

  test("a Tracer's span ids read first after export are the ones its OTLP export carried", () => {
    const tracer = new Tracer();
    const lone = tracer.startSpan("lone root").end();
    const root = tracer.startSpan("root");
    const child = tracer.startSpan("child", { parent: root }).end();
    root.end();
    const grandchild = tracer.startSpan("late child", { parent: child }).end();
    const spans = [lone, child, root, grandchild];
    // Nothing has read an id as hex yet but the children's start.
    const protobuf = decodeOtlpProtobuf(encodeOtlpProtobuf(spans)).spans;
    const json = decodeOtlpJson(new TextDecoder().decode(encodeOtlpJson(spans))).spans;
    for (const [i, span] of spans.entries()) {
      // The span id first this time, then the trace id.
      const { spanId, traceId, parentSpanId } = span.toJSON();
      assert.equal(span.context.spanId, spanId);
      assert.equal(span.context.traceId, traceId);
      for (const decoded of [protobuf[i], json[i]]) {
        assert.equal(decoded.name, span.name);
        assert.equal(decoded.spanId, spanId);
        assert.equal(decoded.traceId, traceId);
        assert.equal(decoded.parentSpanId, parentSpanId);
      }
    }
    assert.equal(child.context.traceId, root.context.traceId);
    assert.equal(grandchild.context.traceId, root.context.traceId);
    assert.equal(child.context.parentSpanId, root.context.spanId);
    assert.equal(grandchild.context.parentSpanId, child.context.spanId);
    assert.notEqual(lone.context.traceId, root.context.traceId);
    assert.equal(new Set(spans.map((s) => s.context.spanId)).size, 4);
  });
});

describe("ids where the runtime has no native hex encoding", () => {
  test(
    "without Uint8Array#toHex and Buffer, ids are lowercase hex of the very bytes the OTLP encoder writes",
    { timeout: 120_000 },
    async () => {
      const ran = await runFixture("portable_hex");
      assert.equal(ran.code, 0, ran.stderr);
      assert.deepEqual(JSON.parse(ran.stdout), {
        toHex: false,
        buffer: false,
        lowercaseHex: true,
        written: 4000,
        spans: 4000,
      });
    },
  );
});

describe("id validation", () => {
  test("isValidTraceId accepts lowercase hex of length 32 only", () => {
    assert.equal(isValidTraceId("4bf92f3577b34da6a3ce929d0e0e4736"), true);
    assert.equal(isValidTraceId("4BF92F3577B34DA6A3CE929D0E0E4736"), false);
    assert.equal(isValidTraceId("4bf92f3577b34da6a3ce929d0e0e473"), false);
    assert.equal(isValidTraceId("4bf92f3577b34da6a3ce929d0e0e47366"), false);
    assert.equal(isValidTraceId("0".repeat(32)), false);
    assert.equal(isValidTraceId("g".repeat(32)), false);
    assert.equal(isValidTraceId(42), false);
    assert.equal(isValidTraceId(undefined), false);
  });

  test("isValidSpanId accepts lowercase hex of length 16 only", () => {
    assert.equal(isValidSpanId("00f067aa0ba902b7"), true);
    assert.equal(isValidSpanId("00F067AA0BA902B7"), false);
    assert.equal(isValidSpanId("0".repeat(16)), false);
    assert.equal(isValidSpanId("00f067aa0ba902b"), false);
    assert.equal(isValidSpanId(null), false);
  });

  test("SpanContext.newRoot uses a pluggable id generator", () => {
    const ctx = SpanContext.newRoot({
      traceId: () => "11111111111111111111111111111111",
      spanId: () => "2222222222222222",
    });
    assert.equal(ctx.traceId, "11111111111111111111111111111111");
    assert.equal(ctx.spanId, "2222222222222222");
  });
});

describe("custom id generators", () => {
  test("a generator without methods is a TypeError, for the Tracer and for SpanContext", () => {
    assert.throws(
      () => SpanContext.newRoot({} as never),
      /^TypeError: Cannot create root SpanContext: idGenerator must have/,
    );
    assert.throws(
      () => SpanContext.newRoot().child({ traceId: () => "" } as never),
      /^TypeError: Cannot create child SpanContext: idGenerator must have/,
    );
  });

  test("a generator that returns a malformed id is a TypeError, never a corrupt trace", () => {
    const bad = { traceId: () => "XYZ", spanId: () => "0000000000000000" };
    assert.throws(() => SpanContext.newRoot(bad), /traceId\(\) must return 32 lowercase hex/);
    const tracer = new Tracer({
      idGenerator: { traceId: () => "ab".repeat(16), spanId: () => "0".repeat(16) },
    });
    assert.throws(
      () => tracer.startSpan("x"),
      /^TypeError: Cannot create Tracer: idGenerator\.spanId\(\)/,
    );
  });
});

describe("the W3C random trace-id flag", () => {
  const sequential = () => {
    let n = 0;
    return {
      traceId: () => (++n).toString(16).padStart(32, "0"),
      spanId: () => (++n).toString(16).padStart(16, "0"),
    };
  };

  test("is set on new traces only when ids come from the default random generator", () => {
    assert.equal(new Tracer().startSpan("x").context.traceFlags, 0x03);
    assert.equal(SpanContext.newRoot().traceFlags, 0x03);
    assert.equal(new Tracer({ idGenerator: sequential() }).startSpan("x").context.traceFlags, 0x01);
    assert.equal(SpanContext.newRoot(sequential()).traceFlags, 0x01);
  });

  test("is set on new traces whose ids come from a RandomIdGenerator", () => {
    // W3C Trace Context Level 2: "When at least the right-most 7 bytes of
    // the trace-id are randomly (or pseudo-randomly) generated, the
    // random-trace-id flag SHOULD be set to 1." RandomIdGenerator draws its
    // ids from Web Crypto, as the default generator does.
    const ids = new RandomIdGenerator();
    assert.equal(new Tracer({ idGenerator: ids }).startSpan("x").context.traceFlags, 0x03);
    assert.equal(SpanContext.newRoot(ids).traceFlags, 0x03);
    // A subclass that replaces traceId promises nothing.
    class Fixed extends RandomIdGenerator {
      override traceId(): string {
        return "0af7651916cd43dd8448eb211c80319c";
      }
    }
    assert.equal(new Tracer({ idGenerator: new Fixed() }).startSpan("x").context.traceFlags, 0x01);
    assert.equal(SpanContext.newRoot(new Fixed()).traceFlags, 0x01);
  });

  test("is set on new traces from a custom generator only when it declares randomTraceIds", () => {
    // OpenTelemetry SDK, IdGenerator randomness: "Custom implementations of
    // the IdGenerator SHOULD identify themselves appropriately when all
    // generated TraceID values meet the W3C Trace Context Level 2
    // randomness requirements, so that the Trace random flag will be set".
    const hex = (bytes: number) =>
      Array.from(
        crypto.getRandomValues(new Uint8Array(bytes)),
        (b) => b.toString(16).padStart(2, "0"),
      )
        .join("");
    const random = () => ({ traceId: () => hex(16), spanId: () => hex(8) });
    const declared = { ...random(), randomTraceIds: true };
    const tracer = new Tracer({ idGenerator: declared });
    const root = tracer.startSpan("root", { parent: null });
    assert.equal(root.context.traceFlags, TraceFlags.SAMPLED | TraceFlags.RANDOM);
    assert.equal(SpanContext.newRoot(declared).traceFlags, TraceFlags.SAMPLED | TraceFlags.RANDOM);
    // A child inherits its parent's flags, the random one with them.
    const child = tracer.startSpan("child", { parent: root });
    assert.equal(child.context.traceId, root.context.traceId);
    assert.equal(child.context.traceFlags, TraceFlags.SAMPLED | TraceFlags.RANDOM);
    // The declaration is about new trace ids: a parent from elsewhere
    // without the flag passes on its own flags.
    const remote = new SpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    assert.equal(
      tracer.startSpan("continued", { parent: remote }).context.traceFlags,
      TraceFlags.SAMPLED,
    );

    // Undeclared, or declared anything but true: no promise, no flag.
    for (const ids of [random(), { ...random(), randomTraceIds: false }]) {
      const undeclared = new Tracer({ idGenerator: ids });
      const plainRoot = undeclared.startSpan("root", { parent: null });
      assert.equal(plainRoot.context.traceFlags, TraceFlags.SAMPLED);
      assert.equal(SpanContext.newRoot(ids).traceFlags, TraceFlags.SAMPLED);
      assert.equal(
        undeclared.startSpan("child", { parent: plainRoot }).context.traceFlags,
        TraceFlags.SAMPLED,
      );
      // A parent that has the flag still passes it on.
      assert.equal(
        undeclared.startSpan("child", { parent: root }).context.traceFlags,
        TraceFlags.SAMPLED | TraceFlags.RANDOM,
      );
    }
  });
});
