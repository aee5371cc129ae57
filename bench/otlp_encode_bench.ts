// `deno bench -A bench/otlp_encode_bench.ts`: OTLP encoding of 512 spans,
// this library against @opentelemetry/otlp-transformer, grouped per
// encoding so Deno prints the ratio.

import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { encodeOtlpJson, encodeOtlpProtobuf } from "../otlp.ts";
import { otelSpans, ourSpans, resource } from "./_otlp_spans.ts";

const ours = ourSpans();
const theirs = otelSpans();
const options = { resource };

Deno.bench({
  group: "otlp json, 512 spans",
  name: "@codomyrmex/spans encodeOtlpJson",
  baseline: true,
  fn: () => {
    encodeOtlpJson(ours, options);
  },
});
Deno.bench({
  group: "otlp json, 512 spans",
  name: "otlp-transformer JsonTraceSerializer",
  fn: () => {
    JsonTraceSerializer.serializeRequest(theirs);
  },
});
Deno.bench({
  group: "otlp protobuf, 512 spans",
  name: "@codomyrmex/spans encodeOtlpProtobuf",
  baseline: true,
  fn: () => {
    encodeOtlpProtobuf(ours, options);
  },
});
Deno.bench({
  group: "otlp protobuf, 512 spans",
  name: "otlp-transformer ProtobufTraceSerializer",
  fn: () => {
    ProtobufTraceSerializer.serializeRequest(theirs);
  },
});
