/**
 * The four batch-flush workloads, shared by `batch_flush_bench.ts` (deno
 * bench), `compare.ts` (Deno, Bun and Node) and the test that checks their
 * correctness. Each workload sends `n` spans through a batching pipeline to a
 * counting exporter, yields to the event loop every 64 spans so no queue
 * overflows, flushes, and throws unless the exporter got exactly `n` spans.
 *
 * Every span has the same content in every workload: a name, two attributes,
 * one event, fresh random ids, start and end times.
 *
 * @module
 */

import { context as otelContext, type Tracer as OtelTracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  BatchSpanProcessor as OtelBatchSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { Tracer } from "../mod.ts";
import { BatchSpanProcessor } from "../src/batch_span_processor.ts";

/** One workload: `run(n)` sends `n` spans and resolves once all are exported. */
export interface Workload {
  /** Short key used in tables and bench names. */
  readonly key: WorkloadKey;
  /** What it measures, for people. */
  readonly label: string;
  /** Sends `n` spans (a multiple of 3 for the nested ones) and checks they all arrived. */
  run(n: number): Promise<void>;
  /** Spans the exporter has received so far. */
  readonly exported: number;
}

/**
 * What every exporter receives, when a test wants to look: the spans of each
 * batch are pushed here. The benchmarks leave it out.
 */
export type Keep = unknown[] | undefined;

/** The workloads, by key. */
export type WorkloadKey = "ours" | "otel" | "oursNested" | "otelNested" | "floor";

/** How often every workload yields to the event loop. */
export const YIELD_EVERY = 64;
/** The nested workloads yield every 21 trees: 63 spans. */
const TREES_PER_YIELD = Math.floor(YIELD_EVERY / 3);
/** Batch size for every pipeline: ours' default, set on the SDK to match. */
export const BATCH_SIZE = 100;

const ATTR_A = "http.request.method";
const ATTR_B = "http.response.status_code";
const EVENT = "response.sent";

type Immediate = (fn: () => void) => unknown;
const setImmediateFn = (globalThis as { setImmediate?: Immediate }).setImmediate;

/** A macrotask turn: timers and I/O run, so batch exports can go out. */
export const yieldToEventLoop: () => Promise<void> = setImmediateFn === undefined
  ? () => new Promise((resolve) => setTimeout(resolve, 0))
  : () => new Promise((resolve) => setImmediateFn(resolve));

/**
 * Throws unless the exporter got exactly the spans sent: a benchmark that
 * loses spans measures nothing.
 */
export function check(label: string, expected: number, got: number): void {
  if (got !== expected) {
    throw new Error(`Cannot trust the ${label} benchmark: exported ${got} of ${expected} spans`);
  }
}

// The shared shell: counts, flushes and checks. Each workload keeps its own
// loop, so the loop's call sites see one tracer only, as in an application.
function workload(
  key: WorkloadKey,
  label: string,
  counter: () => number,
  send: (n: number) => Promise<void>,
): Workload {
  return {
    key,
    label,
    get exported() {
      return counter();
    },
    async run(n) {
      const before = counter();
      await send(n);
      check(key, n, counter() - before);
    },
  };
}

// A new object per span, as an application passes one.
const attrs = () => ({ [ATTR_A]: "GET", [ATTR_B]: 200 });

/** This library: `startSpan` + two attributes + one event + `end`, batched. */
export function ours(keep?: Keep): Workload {
  let exported = 0;
  const processor = new BatchSpanProcessor({
    export(spans) {
      exported += spans.length;
      keep?.push(...spans);
      return { code: "success" } as const;
    },
  }, { maxBatchSize: BATCH_SIZE, flushOnExit: false });
  const tracer = new Tracer({ name: "bench", processors: [processor] });
  return workload("ours", "@codomyrmex/spans: BatchSpanProcessor", () => exported, async (n) => {
    for (let i = 1; i <= n; i++) {
      tracer.startSpan("GET /items", { attributes: attrs() }).addEvent(EVENT).end();
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    await processor.forceFlush();
  });
}

/** This library, three spans deep through `tracer.span` (async-safe context). */
export function oursNested(keep?: Keep): Workload {
  let exported = 0;
  const processor = new BatchSpanProcessor((spans) => {
    exported += spans.length;
    keep?.push(...spans);
  }, { maxBatchSize: BATCH_SIZE, flushOnExit: false });
  const tracer = new Tracer({ name: "bench", processors: [processor] });
  const tree = () =>
    tracer.span("outer", { attributes: attrs() }, (outer) => {
      outer.addEvent(EVENT);
      tracer.span("middle", { attributes: attrs() }, (middle) => {
        middle.addEvent(EVENT);
        tracer.span("inner", { attributes: attrs() }, (inner) => inner.addEvent(EVENT));
      });
    });
  return workload(
    "oursNested",
    "@codomyrmex/spans: tracer.span nested 3 deep",
    () => exported,
    async (n) => {
      for (let i = 1; i <= n / 3; i++) {
        tree();
        if (i % TREES_PER_YIELD === 0) await yieldToEventLoop();
      }
      await processor.forceFlush();
    },
  );
}

interface OtelSetup {
  tracer: OtelTracer;
  provider: BasicTracerProvider;
  exported(): number;
}

let contextManagerReady = false;

// The SDK as a Node service runs it: AsyncLocalStorage context manager set
// globally (what NodeTracerProvider.register() does), batch size matched to ours.
function otelSetup(keep: Keep): OtelSetup {
  if (!contextManagerReady) {
    otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerReady = true;
  }
  let exported = 0;
  const exporter = {
    export(spans: ReadableSpan[], resultCallback: (result: { code: number }) => void): void {
      exported += spans.length;
      keep?.push(...spans);
      resultCallback({ code: 0 });
    },
    shutdown: (): Promise<void> => Promise.resolve(),
    forceFlush: (): Promise<void> => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new OtelBatchSpanProcessor(exporter, {
        maxExportBatchSize: BATCH_SIZE,
        maxQueueSize: 2048,
        scheduledDelayMillis: 5000,
        exportTimeoutMillis: 30000,
      }),
    ],
  });
  return { tracer: provider.getTracer("bench"), provider, exported: () => exported };
}

/**
 * Unregisters the global context manager the SDK workloads installed, so
 * other OpenTelemetry code in the same process can install its own.
 */
export function releaseOtelContext(): void {
  if (!contextManagerReady) return;
  otelContext.disable();
  contextManagerReady = false;
}

/** The OpenTelemetry SDK: the same flat workload through its BatchSpanProcessor. */
export function otel(keep?: Keep): Workload {
  const { tracer, provider, exported } = otelSetup(keep);
  const label = "@opentelemetry/sdk-trace-base: BatchSpanProcessor";
  return workload("otel", label, exported, async (n) => {
    for (let i = 1; i <= n; i++) {
      const span = tracer.startSpan("GET /items", { attributes: attrs() });
      span.addEvent(EVENT);
      span.end();
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    await provider.forceFlush();
  });
}

/** The OpenTelemetry SDK, three spans deep through `startActiveSpan`. */
export function otelNested(keep?: Keep): Workload {
  const { tracer, provider, exported } = otelSetup(keep);
  const tree = () =>
    tracer.startActiveSpan("outer", { attributes: attrs() }, (outer) => {
      outer.addEvent(EVENT);
      tracer.startActiveSpan("middle", { attributes: attrs() }, (middle) => {
        middle.addEvent(EVENT);
        tracer.startActiveSpan("inner", { attributes: attrs() }, (inner) => {
          inner.addEvent(EVENT);
          inner.end();
        });
        middle.end();
      });
      outer.end();
    });
  const label = "@opentelemetry/sdk-trace-base: startActiveSpan nested 3 deep";
  return workload("otelNested", label, exported, async (n) => {
    for (let i = 1; i <= n / 3; i++) {
      tree();
      if (i % TREES_PER_YIELD === 0) await yieldToEventLoop();
    }
    await provider.forceFlush();
  });
}

// The floor makes ids the cheapest way known here: one getRandomValues call
// per 4 KiB, turned into one hex string, ids sliced from it.
const HEX_DIGITS = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const hex = i.toString(16).padStart(2, "0");
  HEX_DIGITS[2 * i] = hex.charCodeAt(0);
  HEX_DIGITS[2 * i + 1] = hex.charCodeAt(1);
}

/**
 * The floor: what any tracer must at least do, as plain objects: fresh
 * random ids, three clock readings (start, event, end), the same fields.
 */
export function floor(): Workload {
  const random = new Uint8Array(4096);
  const ascii = new Uint8Array(8192);
  const decoder = new TextDecoder("latin1");
  let pool = "";
  let offset = ascii.length;
  const hex = (chars: number): string => {
    if (offset + chars > ascii.length) {
      crypto.getRandomValues(random);
      for (let i = 0; i < random.length; i++) {
        ascii[2 * i] = HEX_DIGITS[2 * random[i]];
        ascii[2 * i + 1] = HEX_DIGITS[2 * random[i] + 1];
      }
      pool = decoder.decode(ascii);
      offset = 0;
    }
    offset += chars;
    return pool.slice(offset - chars, offset);
  };
  const origin = performance.timeOrigin;
  const now = () => origin + performance.now();
  let exported = 0;
  let batch: object[] = [];
  const flush = () => {
    exported += batch.length;
    batch = [];
  };
  const label = "floor: plain object, pooled random ids, array flushed every 100";
  return workload("floor", label, () => exported, async (n) => {
    for (let i = 1; i <= n; i++) {
      const span = {
        name: "GET /items",
        traceId: hex(32),
        spanId: hex(16),
        parentSpanId: undefined,
        startTime: now(),
        endTime: 0,
        attributes: attrs(),
        events: [{ name: EVENT, time: now(), attributes: {} }],
      };
      span.endTime = now();
      batch.push(span);
      if (batch.length === BATCH_SIZE) flush();
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    flush();
  });
}

/** Every workload, in the order tables list them. */
export function allWorkloads(): Workload[] {
  return [ours(), otel(), oursNested(), otelNested(), floor()];
}
