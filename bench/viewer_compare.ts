// The trace viewer's three targets, measured: ingest (OTLP protobuf, batches
// of 512 spans) in spans per second, decoding alone against the
// protobufjs-generated decoder of @opentelemetry/otlp-transformer in the same
// process; GET /api/traces over a full store (100,000 spans); and a
// 10,000-span trace rendered in headless Chromium (Deno only: it drives
// Chromium over the DevTools protocol with the runtime's WebSocket).
//
// Run: `npm run bench:viewer` (Deno), `bun bench/viewer_compare.ts`, or on
// Node, compiled with tsc: `tsc -p bench/tsconfig.viewer.json && node
// .tmp/bench-node/bench/viewer_compare.js`. A plain script, not a
// `*_bench.ts` file, so `deno bench bench/` leaves it out: it starts a child
// viewer, sends it 61,440 spans over HTTP and drives Chromium. Timings on a
// shared machine are noisy: the median of several rounds is printed, with
// the runtime.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type SpanContext, Tracer } from "../mod.ts";
import { encodeOtlpProtobuf, Resource } from "../otlp.ts";
import { startViewer, type Viewer } from "../viewer.ts";
import { decodeOtlpProtobuf } from "../src/otlp/_decode_protobuf.ts";
import { TraceStore } from "../src/viewer/_trace_store.ts";
import { BATCH, ourSpans, resource } from "./_otlp_spans.ts";
import { median, runtimeName } from "./_runtime.ts";
import { canDriveChromium, launchChromium } from "../tests/_chromium.ts";

const require = createRequire(import.meta.url);
// Linux's USER_HZ: /proc reports CPU time in these ticks.
const CLOCK_TICKS = 100;
// deno-lint-ignore no-explicit-any
const otlpRoot: any = require("otlp-transformer-0216/build/esm/generated/root.js");
const ExportTraceServiceRequest =
  otlpRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const runtime = runtimeName();

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

// 40 distinct batches of 512 spans (20,480 spans with distinct ids: 8 spans
// a trace, 8 attributes each, an event on every fourth, two scopes).
const BATCHES = 40;
const bodies: Uint8Array[] = [];
for (let i = 0; i < BATCHES; i++) bodies.push(encodeOtlpProtobuf(ourSpans(), { resource }));
const spansPerPass = BATCHES * BATCH;

console.log(`viewer benchmarks on ${runtime}, ${new Date().toISOString()}`);
console.log(
  `batch: ${BATCH} spans, ${fmt(bodies[0].length / 1024, 1)} KiB of OTLP protobuf`,
);

// ---- ingest in process: decode and store, one thread ----
// Each figure is spans per second of this process's CPU time (user and
// system, every thread), which the other work on a shared machine does not
// inflate, and per second of wall time.
interface Rate {
  cpu: number;
  wall: number;
}
function measure(spans: number, run: () => void): Rate {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  run();
  const cpu = process.cpuUsage(cpu0);
  return {
    cpu: spans / ((cpu.user + cpu.system) / 1e6),
    wall: spans / ((performance.now() - wall0) / 1000),
  };
}
const rate = (rates: Rate[]) =>
  `${fmt(median(rates.map((r) => r.cpu)))} spans/CPU-s, ${
    fmt(median(rates.map((r) => r.wall)))
  } spans/wall-s`;

const ROUNDS = 9;
let sink = 0;
const decodeAndStore: Rate[] = [];
const decodeOnly: Rate[] = [];
const protobufjs: Rate[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const store = new TraceStore(1_000_000, 4 * 1024 ** 3);
  decodeAndStore.push(measure(spansPerPass, () => {
    for (const body of bodies) {
      const decoded = decodeOtlpProtobuf(body);
      store.add(decoded.spans, decoded.sizes);
    }
  }));
  decodeOnly.push(measure(spansPerPass, () => {
    for (const body of bodies) sink += decodeOtlpProtobuf(body).spans.length;
  }));
  protobufjs.push(measure(spansPerPass, () => {
    for (const body of bodies) {
      sink += ExportTraceServiceRequest.decode(body).resourceSpans.length;
    }
  }));
}
const ratio = median(decodeOnly.map((r) => r.cpu)) / median(protobufjs.map((r) => r.cpu));
console.log(`\ningest in process (median of ${ROUNDS} rounds of ${fmt(spansPerPass)} spans):`);
console.log(`  decode + store:                        ${rate(decodeAndStore)}`);
console.log(`  decode only:                           ${rate(decodeOnly)}`);
console.log(
  `  protobufjs decode (otlp-transformer):  ${rate(protobufjs)}\n` +
    `    ours/protobufjs (CPU): ${fmt(ratio, 2)}x; protobufjs builds Long and Uint8Array ` +
    "fields, not the viewer's records",
);

// ---- ingest over HTTP into a viewer in its own process ----
// The viewer runs as a program (the entry with --port 0) on this runtime;
// this process sends batches one after another. The viewer's own CPU time
// (utime + stime from /proc, Linux) per span is its cost on one core, which
// the load from other work on the machine does not change; the wall-clock
// rate is what this sender saw.
const extraBodies: Uint8Array[] = [];
for (let i = 0; i < 2 * BATCHES; i++) {
  extraBodies.push(encodeOtlpProtobuf(ourSpans(), { resource }));
}
const allBodies = [...bodies, ...extraBodies];
const sent = allBodies.length * BATCH;
{
  const child = spawnViewer();
  try {
    const url = new URL("v1/traces", await child.url);
    const cpuBefore = processCpuSeconds(child.pid);
    const wall0 = performance.now();
    for (const body of allBodies) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: body as Uint8Array<ArrayBuffer>,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    }
    const wall = (performance.now() - wall0) / 1000;
    const cpu = processCpuSeconds(child.pid) - cpuBefore;
    const stats = await (await fetch(new URL("api/stats", await child.url))).json();
    if (stats.spans !== sent) throw new Error(`the viewer holds ${stats.spans} of ${sent} spans`);
    console.log(
      `  over HTTP into a viewer process:       ${fmt(sent / cpu)} spans/CPU-s of the viewer, ` +
        `${fmt(sent / wall)} spans/wall-s\n` +
        `    (${fmt(sent)} spans in ${allBodies.length} sequential POSTs; the viewer used ` +
        `${fmt(cpu, 2)} CPU-s)`,
    );
  } finally {
    child.kill();
  }
}

// ---- GET /api/traces over a full store ----
{
  await using viewer = await startViewer({ port: 0 });
  const url = new URL("v1/traces", viewer.url);
  // 100,000 spans is the default bound: fill past it, so it is full.
  for (let i = 0; i < Math.ceil(100_000 / spansPerPass) + 1; i++) {
    const fresh = i === 0 ? bodies : Array.from(
      { length: BATCHES },
      () => encodeOtlpProtobuf(ourSpans(), { resource }),
    );
    for (const body of fresh) {
      await (await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: body as Uint8Array<ArrayBuffer>,
      })).arrayBuffer();
    }
  }
  const { spans, traces } = viewer.stats();
  console.log(
    `\nGET /api/traces over a full store (${fmt(spans)} spans in ${fmt(traces)} traces):`,
  );
  for (
    const [what, query] of [
      ["newest 100, no filter", "api/traces"],
      ["name filter that matches nothing (scans every trace)", "api/traces?name=nothing"],
      ["errors only, limit 1000", "api/traces?error=true&limit=1000"],
    ]
  ) {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const start = performance.now();
      const response = await fetch(new URL(query, viewer.url));
      await response.json();
      times.push(performance.now() - start);
    }
    console.log(
      `  ${what}: median ${fmt(median(times), 1)} ms, max ${fmt(Math.max(...times), 1)} ms`,
    );
  }
}

// ---- a 10,000-span trace in Chromium ----
if (canDriveChromium && g.Deno !== undefined) {
  await using viewer = await startViewer({ port: 0 });
  const traceId = await sendLargeTrace(viewer, 10_000);
  const browser = await launchChromium();
  try {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.open("about:blank");
      await page.goto(`${viewer.url}#/trace/${traceId}`);
      await page.waitFor(`location.href.includes("#/trace/")`);
      // Milliseconds from the start of navigation to the waterfall drawn
      // (fetch, JSON, DOM, layout, and the frame after): the page marks
      // data-ready after the next animation frame.
      const ms = await page.evaluate<number>(`new Promise((resolve) => {
        const check = () => document.querySelector('main[data-view="trace"][data-ready="1"]')
          ? resolve(performance.now()) : requestAnimationFrame(check);
        check();
      })`);
      const spans = await page.evaluate<string>(`document.querySelector("main").dataset.spans`);
      const rows = await page.evaluate<number>(`document.querySelectorAll(".tree .row").length`);
      if (spans !== "10000" || rows === 0) throw new Error(`drew ${rows} rows of ${spans} spans`);
      times.push(ms);
    }
    console.log(
      `\na 10,000-span trace in headless Chromium (navigation start to waterfall drawn, 5 loads):`,
    );
    console.log(
      `  median ${fmt(median(times))} ms, min ${fmt(Math.min(...times))} ms, max ${
        fmt(Math.max(...times))
      } ms`,
    );
  } finally {
    await browser.close();
  }
}
if (sink === 0) console.log("(nothing decoded)");

/** Sends one trace of `count` spans, nested up to 12 deep; returns its id. */
async function sendLargeTrace(viewer: Viewer, count: number): Promise<string> {
  const tracer = new Tracer({ name: "bench" });
  const t0 = 1_700_000_000_000;
  const root = tracer.startSpan("GET /report", { kind: "server", startTime: t0 });
  const open: { ctx: SpanContext; depth: number; start: number }[] = [
    { ctx: root.context, depth: 0, start: t0 },
  ];
  const spans = [];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 1; i < count; i++) {
    const parent = open[Math.floor(random() * open.length)];
    const start = parent.start + random() * 50;
    const span = tracer.startSpan(i % 97 === 0 ? "render widget" : `query ${i % 13}`, {
      parent: parent.ctx,
      startTime: start,
      attributes: { "db.rows": i % 50, "app.step": i },
    });
    if (i % 500 === 0) span.setStatus("error", "timeout");
    spans.push(span.end(start + 1 + random() * 40));
    if (parent.depth < 12) open.push({ ctx: span.context, depth: parent.depth + 1, start });
  }
  spans.push(root.end(t0 + 1_000));
  const url = new URL("v1/traces", viewer.url);
  for (let i = 0; i < spans.length; i += BATCH) {
    const body = encodeOtlpProtobuf(spans.slice(i, i + BATCH), {
      resource: new Resource({ "service.name": "reports" }),
    });
    await (await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: body as Uint8Array<ArrayBuffer>,
    })).arrayBuffer();
  }
  return root.context.traceId;
}

/** The viewer entry run as a program on this runtime, on a free port. */
function spawnViewer(): { pid: number; url: Promise<string>; kill(): void } {
  const here = fileURLToPath(new URL(".", import.meta.url));
  // On Node this file runs compiled in .tmp/bench-node/bench/, next to a compiled viewer.js.
  const entry = join(here, "..", g.Deno || g.Bun ? "viewer.ts" : "viewer.js");
  const args = g.Deno ? ["run", "-A", entry] : [entry];
  const child = spawn(process.execPath, [...args, "--port", "0", "--max-spans", "10000000"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      out += new TextDecoder().decode(chunk);
      const match = /Trace viewer: (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the viewer exited (${code}): ${out}`)));
  });
  return { pid: child.pid!, url, kill: () => child.kill("SIGKILL") };
}

/** CPU seconds (user and system) a process has used, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  // After the command name: utime and stime are fields 14 and 15 of stat(5).
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
