import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  getContextStorage,
  getCurrentSpan,
  InMemorySpanProcessor,
  StackContextStorage,
  Tracer,
  withSpan,
} from "../mod.ts";

/** A promise and the function that resolves it, so a test decides when each task resumes. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("the current span", () => {
  test("uses the runtime's AsyncLocalStorage on Deno, Bun and Node, not the synchronous stack", () => {
    assert.equal(getContextStorage() instanceof StackContextStorage, false);
  });

  test("follows await, so concurrent tasks resumed out of order each see their own span", async () => {
    const tracer = new Tracer({ name: "test" });
    const a = gate();
    const b = gate();
    const seen: string[] = [];
    const first = tracer.span("first", async () => {
      await a.opened;
      seen.push(`first sees ${getCurrentSpan()?.name}`);
    });
    const second = tracer.span("second", async () => {
      await b.opened;
      seen.push(`second sees ${getCurrentSpan()?.name}`);
    });
    b.open();
    await second;
    a.open();
    await first;
    assert.deepEqual(seen, ["second sees second", "first sees first"]);
    assert.equal(getCurrentSpan(), undefined);
  });

  test("parents a span started after an await to the span that was current before it", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ name: "test", processors: [memory] });
    await tracer.span("request", async () => {
      await Promise.resolve();
      tracer.startSpan("query").end();
    });
    const [query, request] = memory.spans;
    assert.equal(query.name, "query");
    assert.equal(query.context.parentSpanId, request.context.spanId);
    assert.equal(query.context.traceId, request.context.traceId);
  });

  test("is restored by withSpan when its callback throws", () => {
    const tracer = new Tracer({ name: "test" });
    const outer = tracer.startSpan("outer");
    const inner = tracer.startSpan("inner");
    withSpan(outer, () => {
      assert.throws(() =>
        withSpan(inner, () => {
          assert.equal(getCurrentSpan(), inner);
          throw new Error("boom");
        }), /boom/);
      assert.equal(getCurrentSpan(), outer);
    });
    assert.equal(getCurrentSpan(), undefined);
  });
});
