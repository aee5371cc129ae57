// Soak run: a traced service under steady load for minutes while its OTLP
// collector fails the ways collectors fail, watching memory, the processor's
// counts and what reaches the collector. Not a test, and not part of
// scripts/test.sh: it takes about four minutes and its figures depend on the
// machine. It asserts no speed; it checks the counts and prints its samples.
//
// Run (from the repository root):
//   bun scripts/soak.ts
//   deno run -A --v8-flags=--expose-gc scripts/soak.ts
//   node_modules/.bin/tsc -p scripts/tsconfig.soak.json &&
//     node --expose-gc .tmp/soak-node/scripts/soak.js
// Options (environment): SOAK_SECONDS (180) stretches or shrinks the whole
// schedule, SOAK_RATE (80) is the requests a second the load aims at,
// SOAK_CONCURRENCY (4) the requests in flight at most, and
// SOAK_SIGTERM_DURING=503|429|hang|refuse ends the run early instead: 5 s
// into that failure, under load, it sends SIGTERM and times the exit, which
// the signal flush bounds by signalFlushTimeoutMs (5 s).
//
// This process (the driver) runs the OTLP/HTTP receiver (node:http, bodies
// decoded with the library's own protobuf decoder) and the load generator,
// and starts the service as a child of the same runtime: `node:http` with
// `traceRequestListener` on Node, `Bun.serve` / `Deno.serve` with
// `traceHandler` on Bun and Deno, traced by `setupTracing()` (defaults, the
// endpoint given by OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and a global `fetch`
// wrapped by `instrumentFetch`. Each request makes 7 spans: the server span,
// two nested spans, one with 40 attributes, a client span for a `fetch` to
// the service's own /inventory, and that request's server span and a child.
//
// The schedule, in fractions of SOAK_SECONDS: healthy, 503 with
// Retry-After, healthy, 429, healthy, hanging (never answering), healthy,
// refusing connections (the listener closed), then healthy to the end.
// Every 5 s the driver asks the service (GET /_soak, untraced) for its heap
// after a forced GC and the processor's stats(). At the end it stops the
// load, waits for the queue to drain, sends a last burst and SIGTERM, and
// times the exit. It checks, and exits 1 when one fails:
// - ended === exported + dropped + failed + queued at every sample;
// - spans the receiver accepted (answered 200) === exported, at the end;
// - no span dropped or failed once the collector has been back for 16 s
//   (an export timeout and a batch interval); the queue drained;
// - the last burst reached the receiver through the SIGTERM flush, and the
//   process died of SIGTERM;
// - no line on the service's stderr more than once (the library reports
//   each cause once; every line is printed), no uncaught error, and no
//   exporter request traced (a "POST" span); every body decodes, every span valid.

import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { getCurrentSpan, getDefaultTracer } from "../mod.ts";
import { instrumentFetch, traceHandler } from "../http.ts";
import { traceRequestListener } from "../node.ts";
import { setupTracing } from "../otlp.ts";
import { decodeOtlpProtobuf } from "../src/otlp/_decode_protobuf.ts";

interface Runtime {
  Deno?: {
    serve(
      options: { hostname: string; port: number; onListen(addr: { port: number }): void },
      handler: (request: Request) => Response | Promise<Response>,
    ): unknown;
  };
  Bun?: {
    gc(force: boolean): void;
    version: string;
    serve(options: {
      hostname: string;
      port: number;
      fetch(request: Request): Response | Promise<Response>;
    }): { port: number };
  };
  gc?: () => void;
}
const runtime = globalThis as unknown as Runtime;
const runtimeName = runtime.Deno !== undefined
  ? "deno"
  : runtime.Bun !== undefined
  ? "bun"
  : "node";

interface Sample {
  t: number;
  heapUsed: number;
  rss: number;
  stats: { ended: number; exported: number; dropped: number; failed: number; queued: number };
}

// ---------------------------------------------------------------- service

async function service(): Promise<void> {
  const setup = setupTracing({ serviceName: "soak-service" });
  const tracer = setup.tracer;
  globalThis.fetch = instrumentFetch(globalThis.fetch);
  const processor = setup.processor!;
  let port = 0;

  const snapshot = (): Sample => {
    for (let i = 0; i < 3; i++) {
      if (runtime.Bun !== undefined) runtime.Bun.gc(true);
      else runtime.gc?.();
    }
    const memory = process.memoryUsage();
    return { t: 0, heapUsed: memory.heapUsed, rss: memory.rss, stats: processor.stats() };
  };

  const handle = async (path: string): Promise<{ status: number; body: string }> => {
    if (path.startsWith("/inventory")) {
      return tracer.span("inventory lookup", (span) => {
        span.setAttribute("inventory.sku", "sku-42");
        return { status: 200, body: '{"stock":3}' };
      });
    }
    getCurrentSpan()?.setAttribute("http.route", "/order").updateName("GET /order");
    await tracer.span("validate order", async () => {
      await tracer.span("parse body", () => JSON.parse('{"items":[1,2,3]}'));
    });
    tracer.span("price order", (span) => {
      for (let i = 0; i < 30; i++) {
        span.setAttribute(`order.line.${i}`, `sku-${i}-${"x".repeat(40)}`);
      }
      for (let i = 0; i < 10; i++) span.setAttribute(`order.qty.${i}`, [i, i + 1, i + 2]);
    });
    const stock = await (await fetch(`http://127.0.0.1:${port}/inventory`)).json();
    return { status: 200, body: JSON.stringify({ ok: true, stock: stock.stock }) };
  };

  if (runtimeName === "node") {
    const traced = traceRequestListener(async (req: IncomingMessage, res: ServerResponse) => {
      const { status, body } = await handle(req.url ?? "/");
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
    const server = createServer((req, res) => {
      if (req.url === "/_soak") res.end(JSON.stringify(snapshot()));
      else traced(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  } else {
    const traced = traceHandler(async (request: Request) => {
      const { status, body } = await handle(new URL(request.url).pathname);
      return new Response(body, { status, headers: { "content-type": "application/json" } });
    });
    const fetchHandler = (request: Request) =>
      new URL(request.url).pathname === "/_soak" ? Response.json(snapshot()) : traced(request);
    if (runtime.Bun !== undefined) {
      port = runtime.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: fetchHandler }).port;
    } else {
      port = await new Promise<number>((resolve) => {
        runtime.Deno!.serve({
          hostname: "127.0.0.1",
          port: 0,
          onListen: (addr) => resolve(addr.port),
        }, fetchHandler);
      });
    }
  }
  if (getDefaultTracer() !== tracer) throw new Error("setupTracing did not set the default");
  console.log(JSON.stringify({ port }));
}

// ---------------------------------------------------------------- receiver

type Mode = "ok" | "503" | "429" | "hang" | "refuse";

class Receiver {
  mode: Mode = "ok";
  port = 0;
  accepted = 0; // spans in bodies answered 200
  posts = 0;
  malformed = 0; // bodies or spans the decoder refused
  answered: Record<string, number> = {};
  names = new Map<string, number>();
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #hung = new Set<ServerResponse>();

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  // A collector going away: the listener closes and so does every connection.
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#hung.clear();
    await closed;
  }

  // Ends the hang: the requests held are dropped with their connections.
  release(): void {
    for (const res of this.#hung) res.socket?.destroy();
    this.#hung.clear();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    req.on("end", () => {
      this.posts++;
      const mode = this.mode;
      this.answered[mode] = (this.answered[mode] ?? 0) + 1;
      if (mode === "hang") {
        this.#hung.add(res);
        return;
      }
      if (mode === "503") {
        res.writeHead(503, { "retry-after": "2" }).end("busy");
        return;
      }
      if (mode === "429") {
        res.writeHead(429).end("slow down");
        return;
      }
      const body = new Uint8Array(Buffer.concat(chunks));
      try {
        const decoded = decodeOtlpProtobuf(body);
        this.accepted += decoded.spans.length;
        this.malformed += decoded.rejected;
        for (const span of decoded.spans) {
          this.names.set(span.name, (this.names.get(span.name) ?? 0) + 1);
        }
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      } catch (error) {
        this.malformed++;
        res.writeHead(400).end(String(error));
      }
    });
  }
}

// ---------------------------------------------------------------- driver

function serviceCommand(): [string, string[]] {
  const file = fileURLToPath(import.meta.url);
  if (runtimeName === "deno") {
    return [process.execPath, ["run", "-A", "--v8-flags=--expose-gc", file, "service"]];
  }
  if (runtimeName === "bun") return [process.execPath, [file, "service"]];
  return [process.execPath, ["--expose-gc", file, "service"]];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

async function driver(): Promise<void> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 180);
  const rate = Number(process.env.SOAK_RATE ?? 80);
  const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 4);
  const termDuring = process.env.SOAK_SIGTERM_DURING as Mode | undefined;
  const receiver = new Receiver();
  await receiver.start();
  const [command, args] = serviceCommand();
  const child = spawn(command, args, {
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${receiver.port}/v1/traces`,
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  let stderrTail = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    const lines = (stderrTail + text).split("\n");
    stderrTail = lines.pop()!;
    stderr.push(...lines);
  });
  let exit: { code: number | null; signal: string | null; at: number } | undefined;
  child.on("exit", (code, signal) => exit = { code, signal, at: performance.now() });
  // "close" follows "exit" once the child's stderr has been read to its end.
  const exited = new Promise<void>((resolve) =>
    child.on("close", () => {
      if (stderrTail !== "") stderr.push(stderrTail);
      resolve();
    })
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      out += text;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve(JSON.parse(line).port);
    });
    exited.then(() => reject(new Error(`service exited: ${stderr.join("\n")}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const problems: string[] = [];
  const samples: (Sample & { mode: Mode; accepted: number })[] = [];
  const started = performance.now();
  const now = () => (performance.now() - started) / 1000;
  const sample = async (): Promise<Sample> => {
    const s = (await (await fetch(`${base}/_soak`)).json()) as Sample;
    s.t = now();
    const { ended, exported, dropped, failed, queued } = s.stats;
    if (ended !== exported + dropped + failed + queued) {
      problems.push(`at ${s.t.toFixed(0)} s: ended ${ended} !== sum of ${JSON.stringify(s.stats)}`);
    }
    samples.push({ ...s, mode: receiver.mode, accepted: receiver.accepted });
    return s;
  };

  // The load: `concurrency` workers sharing one pace of `rate` requests a second.
  let running = true;
  let sent = 0;
  let okResponses = 0;
  let failedResponses = 0;
  let next = performance.now();
  const worker = async () => {
    while (running) {
      const at = next;
      next += 1000 / rate;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -1000) next = performance.now(); // fell behind: no catch-up burst
      if (!running) break;
      sent++;
      try {
        const response = await fetch(`${base}/order`);
        await response.text();
        if (response.ok) okResponses++;
        else failedResponses++;
      } catch {
        failedResponses++;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);

  // The collector's schedule, in fractions of the run.
  const schedule: [number, Mode][] = [
    [0, "ok"],
    [0.15, "503"],
    [0.25, "ok"],
    [0.35, "429"],
    [0.45, "ok"],
    [0.5, "hang"],
    [0.6, "ok"],
    [0.68, "refuse"],
    [0.82, "ok"],
  ];
  let recoveredAt = 0;
  const sampler = (async () => {
    while (running) {
      await sample();
      await sleep(5000);
    }
  })();
  for (const [at, mode] of schedule) {
    const wait = at * seconds - now();
    if (wait > 0) await sleep(wait * 1000);
    const before = receiver.mode;
    if (before === "hang") receiver.release();
    if (mode === "refuse") await receiver.stop();
    if (before === "refuse") await receiver.start(receiver.port);
    receiver.mode = mode;
    if (mode === "ok") recoveredAt = now();
    console.log(`${now().toFixed(1).padStart(6)} s  collector: ${mode}`);
    if (mode === termDuring) break;
  }
  if (termDuring !== undefined) {
    // SIGTERM with the collector down and the load on: the flush cannot
    // deliver, and the process must still end by signalFlushTimeoutMs (5 s).
    await sleep(5000);
    const last = await sample();
    const killedAt = performance.now();
    child.kill("SIGTERM");
    const killTimeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killTimeout);
    running = false;
    await Promise.all(workers);
    await sampler;
    receiver.release();
    await receiver.stop();
    console.log(
      `SIGTERM while the collector was "${termDuring}", ${last.stats.queued} spans queued: ` +
        `exited in ${(exit!.at - killedAt).toFixed(0)} ms (${JSON.stringify(exit)})`,
    );
    if (exit!.signal !== "SIGTERM") problems.push(`the service ended with ${JSON.stringify(exit)}`);
    report(problems, stderr);
    return;
  }
  // One export timeout (10 s) and one batch interval (5 s) after the last
  // recovery, nothing may be dropped or failed any more.
  const settle = 16;
  const settleWait = recoveredAt + settle - now();
  if (settleWait > 0) await sleep(settleWait * 1000);
  const settled = await sample();
  await sleep(Math.max(0, seconds - now()) * 1000);
  running = false;
  await Promise.all(workers);
  await sampler;

  // Drain: the batch interval is 5 s.
  let drained = await sample();
  for (let i = 0; i < 30 && drained.stats.queued > 0; i++) {
    await sleep(1000);
    drained = await sample();
  }
  await sleep(500);
  if (drained.stats.queued !== 0) problems.push(`queue not drained: ${drained.stats.queued}`);
  if (receiver.accepted !== drained.stats.exported) {
    problems.push(`receiver accepted ${receiver.accepted}, exported ${drained.stats.exported}`);
  }
  for (const key of ["dropped", "failed"] as const) {
    if (drained.stats[key] !== settled.stats[key]) {
      problems.push(
        `${key} went from ${settled.stats[key]} to ${drained.stats[key]} after recovery`,
      );
    }
  }

  // The last burst, then SIGTERM: what the burst ended must arrive by the
  // signal flush.
  const burst = 10;
  await Promise.all(
    Array.from({ length: burst }, async () => await (await fetch(`${base}/order`)).text()),
  );
  const acceptedBefore = receiver.accepted;
  const killedAt = performance.now();
  child.kill("SIGTERM");
  const killTimeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(killTimeout);
  const exitMs = exit!.at - killedAt;
  await sleep(200);
  const lastBurst = receiver.accepted - acceptedBefore;
  if (lastBurst !== burst * 7) {
    problems.push(`the SIGTERM flush delivered ${lastBurst} spans, not ${burst * 7}`);
  }
  if (exit!.signal !== "SIGTERM") problems.push(`the service ended with ${JSON.stringify(exit)}`);
  const ownRequests = receiver.names.get("POST") ?? 0;
  if (ownRequests > 0) problems.push(`${ownRequests} exporter requests were traced`);
  if (receiver.malformed > 0) problems.push(`${receiver.malformed} malformed bodies or spans`);
  await receiver.stop();

  const duration = now();
  console.log(
    `\nruntime ${runtimeName} ${process.versions.bun ?? process.versions.deno ?? process.version}`,
  );
  console.log(
    `load: ${sent} requests (${okResponses} ok, ${failedResponses} failed) in ${
      duration.toFixed(0)
    } s, ${(sent / seconds).toFixed(1)} a second while loaded`,
  );
  console.log(
    "\n     t  collector  heapUsed MiB  rss MiB   ended  exported  dropped  failed  queued  received",
  );
  for (const s of samples) {
    const { ended, exported, dropped, failed, queued } = s.stats;
    console.log(
      [
        s.t.toFixed(0).padStart(6),
        s.mode.padStart(9),
        mib(s.heapUsed).padStart(13),
        mib(s.rss).padStart(8),
        String(ended).padStart(7),
        String(exported).padStart(9),
        String(dropped).padStart(8),
        String(failed).padStart(7),
        String(queued).padStart(7),
        String(s.accepted).padStart(9),
      ].join(" "),
    );
  }
  console.log(
    `\nreceiver: ${receiver.posts} POSTs by collector mode ${
      JSON.stringify(receiver.answered)
    }, ${receiver.accepted} spans accepted`,
  );
  console.log(`spans by name: ${JSON.stringify(Object.fromEntries(receiver.names))}`);
  console.log(
    `SIGTERM: exited in ${exitMs.toFixed(0)} ms (${
      JSON.stringify({ code: exit!.code, signal: exit!.signal })
    }), its flush delivered ${lastBurst} spans`,
  );
  report(problems, stderr);
}

// Checks the service's stderr (each line once at most, no uncaught error),
// prints it and what failed, and sets the exit code.
function report(problems: string[], stderr: string[]): void {
  const lines = stderr.filter((line) => line.trim() !== "");
  const messages = new Map<string, number>();
  for (const line of lines) messages.set(line, (messages.get(line) ?? 0) + 1);
  for (const [line, count] of messages) {
    if (count > 1) problems.push(`stderr repeats ${count} times: ${line}`);
  }
  if (/uncaught|unhandled/i.test(lines.join("\n"))) problems.push("an uncaught error");
  console.log(`service stderr (${lines.length} lines):`);
  for (const [line, count] of messages) console.log(`  ${count} x ${line}`);
  if (problems.length > 0) {
    console.log(`\nFAILED:\n- ${problems.join("\n- ")}`);
    process.exitCode = 1;
  } else {
    console.log("\nevery check held");
  }
}

// Last, after every declaration above has run (a class is not hoisted).
if (process.argv.includes("service")) await service();
else await driver();
