import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { configure, getLogger, type LogRecord, reset, type Sink } from "@logtape/logtape";
import { AlwaysOffSampler, traceFields, Tracer, withSpan } from "../mod.ts";

describe("traceFields()", () => {
  test("is undefined outside any span, so spreading it adds nothing", () => {
    assert.equal(traceFields(), undefined);
    assert.deepEqual({ message: "m", ...traceFields() }, { message: "m" });
  });

  test("gives the current span's ids in the log data model's names, after await too", async () => {
    const tracer = new Tracer();
    await tracer.span("outer", async (outer) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.deepEqual(Object.keys(traceFields()!), ["trace_id", "span_id", "trace_flags"]);
      assert.equal(traceFields()?.trace_id, outer.context.traceId);
      assert.equal(traceFields()?.span_id, outer.context.spanId);
      await tracer.span("inner", async (inner) => {
        await Promise.resolve();
        assert.equal(traceFields()?.span_id, inner.context.spanId);
        assert.equal(traceFields()?.trace_id, outer.context.traceId);
      });
      assert.equal(traceFields()?.span_id, outer.context.spanId);
    });
  });

  test("writes the trace flags as two lowercase hex digits, sampled or not", () => {
    const sampled = new Tracer().startSpan("s");
    const dropped = new Tracer({ sampler: new AlwaysOffSampler() }).startSpan("d");
    const flags = (span: typeof sampled) => withSpan(span, () => traceFields()?.trace_flags);
    // The default ids are random, which W3C Level 2 marks with flag 02.
    assert.equal(flags(sampled), "03");
    assert.equal(flags(dropped), "02");
    assert.equal(withSpan(dropped, () => traceFields()?.span_id), dropped.context.spanId);
  });
});

// The README's LogTape recipe, with a sink that keeps the records.
const withTraceFields = (sink: Sink): Sink => (record) =>
  sink({ ...record, properties: { ...record.properties, ...traceFields() } });

describe("LogTape recipe", () => {
  test("every record logged inside a span carries its trace_id and span_id", async () => {
    const records: LogRecord[] = [];
    await configure({
      sinks: { kept: withTraceFields((record) => void records.push(record)) },
      loggers: [
        { category: "shop", sinks: ["kept"], lowestLevel: "debug" },
        { category: ["logtape", "meta"], lowestLevel: "warning" },
      ],
    });
    try {
      const logger = getLogger(["shop", "checkout"]);
      const tracer = new Tracer();
      const spans: { traceId: string; spanId: string }[] = [];
      logger.info("before any span");
      await tracer.span("checkout", async (checkout) => {
        spans.push(checkout.context);
        logger.info("started {items}", { items: 3 });
        await tracer.span("charge card", async (charge) => {
          spans.push(charge.context);
          await new Promise((resolve) => setTimeout(resolve, 1));
          logger.warn`card charged`;
        });
        logger.debug("done");
      });
      assert.equal(records.length, 4);
      assert.equal(records[0].properties.trace_id, undefined);
      const [checkout, charge] = spans;
      assert.deepEqual(
        records.slice(1).map((r) => [r.properties.trace_id, r.properties.span_id]),
        [
          [checkout.traceId, checkout.spanId],
          [charge.traceId, charge.spanId],
          [checkout.traceId, checkout.spanId],
        ],
      );
      assert.equal(records[1].properties.items, 3, "the record's own properties are kept");
    } finally {
      await reset();
    }
  });
});

describe("console recipe", () => {
  test("a JSON line per call, with the trace fields inside a span", async () => {
    // The README's recipe.
    const log = (message: string, fields?: Record<string, unknown>) =>
      console.log(JSON.stringify({ message, ...fields, ...traceFields() }));

    const printed: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    let ids: { traceId: string; spanId: string } | undefined;
    try {
      await new Tracer().span("GET /cart", async (span) => {
        ids = span.context;
        await Promise.resolve();
        log("cart loaded", { items: 2 });
      });
      log("idle");
    } finally {
      console.log = original;
    }
    const [inside, outside] = printed.map((line) => JSON.parse(line));
    assert.equal(inside.message, "cart loaded");
    assert.equal(inside.items, 2);
    assert.equal(inside.trace_id, ids!.traceId);
    assert.equal(inside.span_id, ids!.spanId);
    assert.deepEqual(outside, { message: "idle" });
  });
});
