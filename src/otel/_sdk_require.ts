// Internal: _sdk_import.ts for the npm package's `"node"` and `"require"`
// conditions. The build (scripts/build_npm.mjs) makes a copy of the ./otel
// entry with this file in that one's place, so the entry holds no top-level
// await and a CommonJS application can require it (Node 20.19 and 22.12 or
// later, Bun). Node, Bun and Deno get this copy for `import` too, so a
// program that both imports and requires ./otel loads it once. The SDK is
// loaded with the runtime's own require, resolved from here: the copy of the
// SDK the application's own require() gets (sdk-trace-base 2.x has no
// exports map, so its import() gives the same CommonJS build). JSR, and the
// npm package's `"default"` condition (browsers and their bundlers), keep
// _sdk_import.ts.

import type { TraceSdk } from "./_sdk.ts";

interface ModuleBuiltin {
  createRequire(from: string): (id: string) => unknown;
}

function load(): TraceSdk | undefined {
  try {
    const proc = (globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown };
    }).process;
    const modules = proc?.getBuiltinModule?.("node:module") as ModuleBuiltin | undefined;
    return modules?.createRequire(import.meta.url)("@opentelemetry/sdk-trace-base") as
      | TraceSdk
      | undefined;
  } catch {
    return undefined;
  }
}

/** The SDK, or `undefined` when it is not installed. */
export const sdk: TraceSdk | undefined = load();
