/**
 * Batch-flush throughput: spans through a batching processor to a counting
 * exporter, this library against the OpenTelemetry SDK and against a floor of
 * plain objects. Run with `deno task bench`. Each iteration sends
 * {@linkcode SPANS_PER_ITERATION} spans and flushes; divide the time per
 * iteration by that for the cost of one span. `bench/compare.ts` runs the same
 * workloads on Deno, Bun and Node and prints the ratios.
 *
 * @module
 */

import {
  floor,
  floorNestedAsync,
  floorNestedAsyncTimed,
  otel,
  otelNested,
  otelNestedAsync,
  ours,
  oursNested,
  oursNestedAsync,
  type Workload,
} from "../tests/fixtures/batch_flush_workloads.ts";

/** Divisible by 3 (nested trees) and by 64 (the yield interval). */
const SPANS_PER_ITERATION = 960;

function bench(group: string, workload: Workload, baseline = false): void {
  Deno.bench({
    group,
    name: `${workload.key}: ${workload.label} (${SPANS_PER_ITERATION} spans)`,
    baseline,
    // An AsyncFunction, not an arrow returning a promise: deno bench awaits
    // only functions it sees as async, and would otherwise overlap the runs.
    async fn() {
      await workload.run(SPANS_PER_ITERATION);
    },
  });
}

bench("flat span, batch flush", ours(), true);
bench("flat span, batch flush", otel());
bench("flat span, batch flush", floor());
bench("nested 3 deep, batch flush", oursNested(), true);
bench("nested 3 deep, batch flush", otelNested());
bench("nested 3 deep with awaits, batch flush", oursNestedAsync(), true);
bench("nested 3 deep with awaits, batch flush", otelNestedAsync());
bench("nested 3 deep with awaits, batch flush", floorNestedAsync());
bench("nested 3 deep with awaits, batch flush", floorNestedAsyncTimed());
