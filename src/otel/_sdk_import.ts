// Internal: the OpenTelemetry trace SDK, imported as the ./otel entry loads,
// or `undefined` when it is not installed. It is the entry's one top-level
// await, which `require()` refuses (ERR_REQUIRE_ASYNC_MODULE): the npm
// package's copy of the entry for `require()`, which Node, Bun and Deno also
// import, has _sdk_require.ts in this file's place (scripts/build_npm.mjs).

import type { TraceSdk } from "./_sdk.ts";

async function load(): Promise<TraceSdk | undefined> {
  try {
    return await import("@opentelemetry/sdk-trace-base") as unknown as TraceSdk;
  } catch {
    return undefined;
  }
}

/** The SDK, or `undefined` when it is not installed. */
export const sdk: TraceSdk | undefined = await load();
