// Shared by the tests. Not a test file itself.

import assert from "node:assert/strict";
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import { type ProcessorStats, setDiagnostics, Span } from "../mod.ts";

/** A promise with its resolve and reject exposed. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Makes a {@linkcode Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A started and ended span with a sampled root context. */
export function endedSpan(name = "span"): Span {
  return new Span(name).start(1_000).end(1_001);
}

/** Asserts the accounting invariant on a snapshot of stats. */
export function assertBalanced(stats: ProcessorStats, where = ""): void {
  assert.equal(
    stats.ended,
    stats.exported + stats.dropped + stats.failed + stats.queued,
    `ended != exported + dropped + failed + queued ${where}: ${JSON.stringify(stats)}`,
  );
}

/**
 * Runs `fn` with the library's warnings and errors captured, and returns them
 * as the console would show them. Every cause is heard afresh, whatever an
 * earlier test in this process reported, and the console is left alone.
 */
export async function captureWarnings(fn: () => unknown): Promise<string[]> {
  const warned: string[] = [];
  const previous = setDiagnostics({
    level: "warn",
    sink: (d) => void warned.push(`@codomyrmex/spans: ${d.message}`),
  });
  try {
    await fn();
  } finally {
    setDiagnostics(previous);
  }
  return warned;
}

/**
 * Runs `fn` with the process environment's variables in `env` set, and puts
 * back what they were whatever happened.
 */
export async function withEnv(
  env: Record<string, string>,
  fn: () => void | Promise<void>,
): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Resolves after one turn of the event loop: every microtask queued so far
 * has run, and so have timers due now.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/**
 * Waits, a few milliseconds at a time, until `done()` holds; fails naming
 * `what` if it still does not after `timeoutMs`. The default, 30 s, is half
 * the per-test limit the runners are given (scripts/test.sh), so a wait that
 * never ends fails with its own message rather than a runner's timeout.
 */
export async function waitUntil(
  done: () => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Whether this runs on Deno. */
export const isDeno: boolean = typeof (globalThis as { Deno?: unknown }).Deno === "object";
/** Whether this runs on Bun. */
export const isBun: boolean = typeof (globalThis as { Bun?: unknown }).Bun === "object";

/** A full garbage collection, after the current job (so WeakRefs made in it may clear). */
export async function collectGarbage(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (isBun) {
    (globalThis as unknown as { Bun: { gc(force: boolean): void } }).Bun.gc(true);
  } else {
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  }
}

/**
 * mulberry32, for the seeded fuzz tests: small, fast, and the same sequence
 * on every runtime, so a failure names a seed that reproduces it.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded generator, as {@linkcode prng} makes one. */
export type Random = () => number;

/** An integer in [0, n) drawn from `r`. */
export const int = (r: Random, n: number): number => Math.floor(r() * n);

/** One of `items`, drawn from `r`. */
export const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)];

/** True with probability `p`, drawn from `r`. */
export const chance = (r: Random, p: number): boolean => r() < p;

/**
 * Opens a WebSocket to `url` (an http: or https: URL, made ws: or wss:),
 * sends `message`, and resolves with the first message back, the socket
 * then closed; rejects when the socket fails.
 */
export function webSocketRoundTrip(url: URL, message: string): Promise<string> {
  const socket = new WebSocket(url.href.replace(/^http/, "ws"));
  return new Promise<string>((resolve, reject) => {
    socket.onopen = () => socket.send(message);
    socket.onmessage = (event) => {
      resolve(String(event.data));
      socket.close();
    };
    socket.onerror = () => reject(new Error(`Cannot reach ${url.href}: the WebSocket failed`));
  });
}
