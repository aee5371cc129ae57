/**
 * Batch-flush throughput, side by side, on whichever runtime runs this file:
 * `deno run -A bench/compare.ts`, `bun bench/compare.ts`, or on Node
 * `npm run bench:node` (compiles this file with tsc first). The same
 * workloads as `batch_flush_bench.ts`, run interleaved in rounds in one
 * process; prints a markdown table of median ns per span and the ratios the
 * issue sets targets for.
 *
 * @module
 */

import {
  allWorkloads,
  type WorkloadKey,
  YIELD_EVERY,
  yieldToEventLoop,
} from "../tests/fixtures/batch_flush_workloads.ts";
import { engineName, interleavedRounds, median, runtimeName } from "./_runtime.ts";

/**
 * Spans per run: divisible by 3 (nested trees) and 64 (the yield interval),
 * and long enough that the garbage the previous workload left behind is a
 * small part of a run (at 19,200 the floor on Deno doubled after the SDK).
 */
const SPANS = 96_000;
const WARMUP_ROUNDS = 2;
const ROUNDS = 11;

interface RuntimeGlobals {
  process?: {
    getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined;
  };
  navigator?: { hardwareConcurrency?: number };
}

function cores(): number | string {
  const g = globalThis as RuntimeGlobals;
  // Node 20 has no navigator; node:os answers on every runtime that has it.
  return g.navigator?.hardwareConcurrency ??
    g.process?.getBuiltinModule?.("node:os")?.availableParallelism?.() ?? "?";
}

const runtime = (): string => `${runtimeName()} (${engineName()})`;

// What every row pays besides its spans: the loop and its yields.
async function harness(): Promise<void> {
  for (let i = 1; i <= SPANS; i++) {
    if (i % YIELD_EVERY === 0) await yieldToEventLoop();
  }
}

const HARNESS = "harness";
const workloads = allWorkloads();
const runs: Record<string, () => Promise<void>> = Object.fromEntries(
  workloads.map((w) => [w.key, () => w.run(SPANS)]),
);
runs[HARNESS] = harness;
const samples = await interleavedRounds(runs, WARMUP_ROUNDS, ROUNDS, (ms) => (ms * 1e6) / SPANS);
const harnessSamples = samples[HARNESS];

const ns = (key: WorkloadKey): number => median(samples[key]);
const fmt = (value: number, digits = 0): string =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const lines: string[] = [];
lines.push(
  `${runtime()}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ` +
    `${cores()} cores; ${ROUNDS} interleaved rounds of ${fmt(SPANS)} spans each`,
  "",
  "| workload | median ns/span | min ns/span | spans/s (median) |",
  "|---|---:|---:|---:|",
);
for (const workload of workloads) {
  const values = samples[workload.key];
  lines.push(
    `| ${workload.label} | ${fmt(ns(workload.key))} | ${fmt(Math.min(...values))} | ${
      fmt(1e9 / ns(workload.key))
    } |`,
  );
}
// A ratio is taken within each round, between runs a few milliseconds apart,
// then the median over rounds: on a shared machine the load changes between
// rounds far more than within one.
const ratio = (slow: WorkloadKey, fast: WorkloadKey): number => {
  const a = samples[slow];
  const b = samples[fast];
  return median(a.map((value, i) => value / b[i]));
};
lines.push(
  "",
  `Every row includes the loop and its yield to the event loop every ${YIELD_EVERY} spans: ` +
    `${fmt(median(harnessSamples))} ns per span alone.`,
);
const vsSdk = ratio("otel", "ours");
const vsFloor = ratio("ours", "floor");
const nestedVsSdk = ratio("otelNested", "oursNested");
const asyncVsSdk = ratio("otelNestedAsync", "oursNestedAsync");
const handEndedVsSdk = ratio("otelNestedAsync", "oursNestedAsyncHandEnded");
const timedCeiling = ratio("otelNestedAsync", "floorNestedAsyncTimed");
const verdict = (ok: boolean): string => (ok ? "met" : "missed");
lines.push(
  "",
  "| ratio (median of per-round ratios) | value | target |",
  "|---|---:|---|",
  `| ours vs SDK: throughput (SDK ns / ours ns) | ${fmt(vsSdk, 2)}x | ≥ 5x: ${
    verdict(vsSdk >= 5)
  } |`,
  `| ours vs floor: cost (ours ns / floor ns) | ${fmt(vsFloor, 3)}x | ≤ 1.25x: ${
    verdict(vsFloor <= 1.25)
  } |`,
  `| nested 3 deep, ours vs SDK: throughput | ${fmt(nestedVsSdk, 2)}x | |`,
  `| nested 3 deep with awaits, ours vs SDK: throughput | ${fmt(asyncVsSdk, 2)}x | ≥ 3x: ${
    verdict(asyncVsSdk >= 3)
  } |`,
  `| nested 3 deep with awaits, spans ended by hand as the SDK's are (startSpan + withSpan + end), ours vs SDK | ${
    fmt(handEndedVsSdk, 2)
  }x | |`,
  `| nested 3 deep with awaits: the floor's share of ours (awaits and one context enter per level, no spans) | ${
    fmt(100 / ratio("oursNestedAsync", "floorNestedAsync"), 0)
  }% | |`,
  `| nested 3 deep with awaits: the most any tracer could reach against the SDK here (SDK ns / ns of the floor with the three clock readings per span) | ${
    fmt(timedCeiling, 2)
  }x | |`,
  "",
  "README rows (lifecycle: runtime | ours | SDK | floor | ours / floor | SDK ÷ ours; " +
    "nested: runtime | ours | SDK | SDK ÷ ours | ours, awaits | SDK, awaits | SDK ÷ ours | " +
    "floor, awaits | floor's share | ours hand-ended, awaits | SDK ÷ ours hand-ended | " +
    "floor with clocks, awaits | SDK ÷ floor with clocks):",
  `| ${runtime()} | ${fmt(ns("ours"))} | ${fmt(ns("otel"))} | ${fmt(ns("floor"))} | ${
    fmt(vsFloor, 2)
  }x | ${fmt(vsSdk, 2)}x |`,
  `| ${runtime()} | ${fmt(ns("oursNested"))} | ${fmt(ns("otelNested"))} | ${
    fmt(nestedVsSdk, 2)
  }x | ${fmt(ns("oursNestedAsync"))} | ${fmt(ns("otelNestedAsync"))} | ${fmt(asyncVsSdk, 2)}x | ${
    fmt(ns("floorNestedAsync"))
  } | ${fmt(100 / ratio("oursNestedAsync", "floorNestedAsync"), 0)}% | ${
    fmt(ns("oursNestedAsyncHandEnded"))
  } | ${fmt(handEndedVsSdk, 2)}x | ${fmt(ns("floorNestedAsyncTimed"))} | ${
    fmt(timedCeiling, 2)
  }x |`,
);
console.log(lines.join("\n") + "\n");
