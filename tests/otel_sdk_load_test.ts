// The two ways ./otel loads the OpenTelemetry SDK: import() as the entry
// loads (_sdk_import.ts, what Deno, JSR and the npm package's import() copy
// use) and require() (_sdk_require.ts, in the npm package's copy for
// require(), which must hold no top-level await; scripts/smoke_npm.mjs
// requires that copy from a CommonJS application).
import { test } from "node:test";
import assert from "node:assert/strict";
import { sdk } from "../src/otel/_sdk.ts";
import { sdk as required } from "../src/otel/_sdk_require.ts";

test("the SDK loader for require() finds the same SDK that import() finds", () => {
  assert.notEqual(sdk, undefined);
  assert.notEqual(required, undefined);
  assert.equal(required?.BatchSpanProcessor, sdk?.BatchSpanProcessor);
  assert.equal(required?.SimpleSpanProcessor, sdk?.SimpleSpanProcessor);
  assert.equal(required?.BasicTracerProvider, sdk?.BasicTracerProvider);
});
