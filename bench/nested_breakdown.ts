/**
 * Issue 13's goal 3 (three spans deep with awaits, ≥ 3x the SDK) beside
 * what bounds it on this runtime: the SDK's workload, this library's (through
 * `tracer.span`, and with the spans ended by hand as the SDK's are), the
 * floor with its three clock readings per span (what any tracer pays here:
 * awaits, one context entered per level, the clock), and the minimal tracer
 * of `bench/_minimal_tracer.ts` doing the same two ways: its `span()` keeps
 * `tracer.span`'s contract at its least (current after every await, ended
 * when the function's promise settles), its hand-ended spans do not wait
 * for a promise. SDK ÷ minimal says what a tracer with these duties and
 * nothing else reaches against the SDK here; ours ÷ minimal, how much of
 * the gap is this library's own. Run on any runtime:
 * `deno run -A bench/nested_breakdown.ts`, `bun bench/nested_breakdown.ts`,
 * or on Node `tsc -p bench/tsconfig.node.json && node
 * .tmp/bench-node/bench/nested_breakdown.js`.
 *
 * @module
 */

import { getContextStorage, ROOT_CONTEXT, SPAN_KEY } from "../mod.ts";
import {
  check,
  floorNestedAsyncTimed,
  otelNestedAsync,
  oursNestedAsync,
  oursNestedAsyncHandEnded,
  runAlone,
  YIELD_EVERY,
  yieldToEventLoop,
} from "../tests/fixtures/batch_flush_workloads.ts";
import { interleavedRounds, median, runtimeName } from "./_runtime.ts";
import { MinimalBatchProcessor, type MinimalSpan, MinimalTracer } from "./_minimal_tracer.ts";

// As bench/compare.ts: a multiple of 3 and 64.
const SPANS = 96_000;
const WARMUP_ROUNDS = 2;
const ROUNDS = 11;
const TREES_PER_YIELD = Math.floor(YIELD_EVERY / 3);
const EVENT = "response.sent";
const attrs = () => ({ "http.request.method": "GET", "http.response.status_code": 200 });
const pause = (): Promise<void> => Promise.resolve();

// The fixtures' tree loop, for the minimal tracer's trees.
function minimalRun(tree: (tracer: MinimalTracer) => Promise<void>): () => Promise<void> {
  let exported = 0;
  const processor = new MinimalBatchProcessor((spans) => {
    exported += spans.length;
  });
  const tracer = new MinimalTracer([processor]);
  return async () => {
    runAlone("ours");
    const before = exported;
    for (let i = 1; i <= SPANS / 3; i++) {
      await tree(tracer);
      if (i % TREES_PER_YIELD === 0) await yieldToEventLoop();
    }
    processor.flush();
    check("minimal", SPANS, exported - before);
  };
}

// The minimal tracer's `span()`, the same tree as the fixtures' oursNestedAsync.
const minimalSpan = minimalRun((tracer) =>
  tracer.span("outer", { attributes: attrs() }, async (outer) => {
    outer.addEvent(EVENT);
    await pause();
    await tracer.span("middle", { attributes: attrs() }, async (middle) => {
      middle.addEvent(EVENT);
      await pause();
      await tracer.span("inner", { attributes: attrs() }, async (inner) => {
        await pause();
        inner.addEvent(EVENT);
      });
    });
  })
);

// A minimal span made current for `fn`, as withSpan makes one.
const storage = getContextStorage();
const current = <R>(span: MinimalSpan, fn: () => R): R =>
  storage.run((storage.getStore() ?? ROOT_CONTEXT).setValue(SPAN_KEY, span), fn);

// The minimal tracer's spans ended by hand: oursNestedAsyncHandEnded's tree.
const minimalHandEnded = minimalRun((tracer) => {
  const outer = tracer.startSpan("outer", { attributes: attrs() });
  return current(outer, async () => {
    outer.addEvent(EVENT);
    await pause();
    const middle = tracer.startSpan("middle", { attributes: attrs() });
    await current(middle, async () => {
      middle.addEvent(EVENT);
      await pause();
      const inner = tracer.startSpan("inner", { attributes: attrs() });
      await current(inner, async () => {
        await pause();
        inner.addEvent(EVENT);
        inner.end();
      });
      middle.end();
    });
    outer.end();
  });
});

const runOf = (workload: { run(n: number): Promise<void> }) => () => workload.run(SPANS);
const runs: Record<string, () => Promise<void>> = {
  "SDK: startActiveSpan": runOf(otelNestedAsync()),
  "ours: tracer.span": runOf(oursNestedAsync()),
  "ours: startSpan + withSpan + end": runOf(oursNestedAsyncHandEnded()),
  "minimal: span()": minimalSpan,
  "minimal: startSpan + run + end": minimalHandEnded,
  "floor: awaits, one context per level, three clock readings": runOf(floorNestedAsyncTimed()),
};
const samples = await interleavedRounds(runs, WARMUP_ROUNDS, ROUNDS, (ms) => (ms * 1e6) / SPANS);
const ratio = (a: string, b: string): string =>
  median(samples[a].map((value, i) => value / samples[b][i])).toFixed(2);
const SDK = "SDK: startActiveSpan";
const lines = [
  `${runtimeName()}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${ROUNDS} ` +
  `interleaved rounds of ${SPANS} spans, three deep with awaits; median ns per span, ` +
  `and SDK ns ÷ its ns (median of per-round ratios)`,
];
for (const key of Object.keys(runs)) {
  lines.push(
    `${key}: ${median(samples[key]).toFixed(0)}${
      key === SDK ? "" : `, SDK ÷ it ${ratio(SDK, key)}x`
    }`,
  );
}
lines.push(
  `ours ÷ minimal: tracer.span ${ratio("ours: tracer.span", "minimal: span()")}x, ` +
    `hand-ended ${ratio("ours: startSpan + withSpan + end", "minimal: startSpan + run + end")}x`,
);
console.log(lines.join("\n"));
