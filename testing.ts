/**
 * `@codomyrmex/spans/testing`: test doubles for code that traces, kept out
 * of the core so they never ship in a production bundle by accident.
 * {@linkcode ManualTime} is a clock and scheduler that move only when told
 * to: give it to a `Tracer` and a `BatchSpanProcessor`, and time-dependent
 * tests are exact and never sleep.
 *
 * ```ts
 * import { BatchSpanProcessor, InMemorySpanExporter, Tracer } from "@codomyrmex/spans";
 * import { ManualTime } from "@codomyrmex/spans/testing";
 * import assert from "node:assert/strict";
 *
 * const time = new ManualTime(1_700_000_000_000);
 * const exporter = new InMemorySpanExporter();
 * const processor = new BatchSpanProcessor(exporter, { clock: time, scheduler: time });
 * const tracer = new Tracer({ clock: time, processors: [processor] });
 *
 * tracer.startSpan("job").end();
 * assert.equal(exporter.spans.length, 0);
 * await time.tick(5_000); // the default flush interval
 * assert.equal(exporter.spans.length, 1);
 * await processor.shutdown();
 * ```
 *
 * @module
 */

export { ManualTime } from "./src/testing/manual_time.ts";
