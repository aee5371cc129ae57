// Encoding 512 spans to OTLP JSON and protobuf: this library against
// @opentelemetry/otlp-transformer's JsonTraceSerializer and
// ProtobufTraceSerializer, in the same process. Plain script: runs
// unchanged on Deno and Bun (`deno run -A bench/otlp_compare.ts`,
// `bun bench/otlp_compare.ts`); on Node, against the npm build.
//
// Each encoder runs in rounds of a fixed time; the median round is
// reported, in nanoseconds per span. Timings on a shared machine are noisy:
// compare the ratios within one run, not numbers across runs.

import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { encodeOtlpJson, encodeOtlpProtobuf } from "../otlp.ts";
import { BATCH, otelSpans, ourSpans, resource } from "./_otlp_spans.ts";
import { median, runtimeName } from "./_runtime.ts";

const ours = ourSpans();
const theirs = otelSpans();
const options = { resource };

const ROUNDS = 9;
let sink = 0;
const encoders: Record<string, () => void> = {
  "json: @codomyrmex/spans": () => {
    sink += encodeOtlpJson(ours, options).length;
  },
  "json: JsonTraceSerializer": () => {
    sink += JsonTraceSerializer.serializeRequest(theirs)!.length;
  },
  "protobuf: @codomyrmex/spans": () => {
    sink += encodeOtlpProtobuf(ours, options).length;
  },
  "protobuf: ProtobufTraceSerializer": () => {
    sink += ProtobufTraceSerializer.serializeRequest(theirs)!.length;
  },
};

/** Runs `fn` for `roundMs`; returns nanoseconds per span. */
function round(fn: () => void, roundMs: number): number {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < roundMs);
  return (elapsed * 1e6) / (n * BATCH);
}

const runtime = runtimeName();

// Warm up every encoder so each is compiled before it is timed, then
// interleave the rounds so a busy moment on the machine hits all alike.
for (const fn of Object.values(encoders)) for (let i = 0; i < 3; i++) round(fn, 200);
const samples: Record<string, number[]> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(encoders)) (samples[name] ??= []).push(round(fn, 250));
}
const results: Record<string, number> = {};
for (const [name, values] of Object.entries(samples)) results[name] = median(values);

console.log(
  `OTLP encoding of ${BATCH} spans on ${runtime} (median of ${ROUNDS} interleaved rounds, ns per span)`,
);
console.log("| encoding | @codomyrmex/spans | @opentelemetry/otlp-transformer | speed-up |");
console.log("|---|---:|---:|---:|");
for (const kind of ["json", "protobuf"]) {
  const a = results[`${kind}: @codomyrmex/spans`];
  const b = results[`${kind}: ${kind === "json" ? "Json" : "Protobuf"}TraceSerializer`];
  console.log(`| ${kind} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(1)}x |`);
}
if (sink === 0) console.log("(nothing encoded)");
