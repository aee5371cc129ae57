/**
 * `@codomyrmex/spans/viewer`: see traces locally, with no backend and no
 * Docker. A receiver for OTLP/HTTP (protobuf or JSON, from this library's
 * exporter or any OpenTelemetry SDK) that keeps recent traces in memory and
 * shows them in a web page: a trace list with filters, each trace's
 * waterfall, every span's attributes, events and links, updated live. It
 * runs on Deno, Bun and Node, on each runtime's own HTTP server.
 *
 * Run as a program, it starts and prints its URL:
 * `deno run -A jsr:@codomyrmex/spans/viewer` or `npx spans-viewer`, with
 * `--port`, `--hostname`, `--file` and `--max-spans`.
 *
 * ```ts
 * import { setupTracing } from "@codomyrmex/spans/otlp";
 * import { startViewer } from "@codomyrmex/spans/viewer";
 * import assert from "node:assert/strict";
 *
 * await using viewer = await startViewer({ port: 0 });
 * const { tracer, shutdown } = setupTracing({
 *   serviceName: "shop",
 *   url: new URL("v1/traces", viewer.url).href,
 *   setDefault: false,
 *   env: {},
 * });
 * await tracer.span("checkout", async () => {
 *   await tracer.span("charge card", async () => {});
 * });
 * await shutdown();
 * assert.deepEqual(viewer.stats(), { spans: 2, traces: 1, rejected: 0, evicted: 0 });
 * ```
 *
 * @module
 */

import { isMainModule, processArgs, runViewerCli } from "./src/viewer/_cli.ts";

export {
  startViewer,
  type Viewer,
  type ViewerOptions,
  type ViewerStats,
} from "./src/viewer/start_viewer.ts";

// Run as a program: start the viewer and print its URL.
if (isMainModule(import.meta)) void runViewerCli(processArgs());
