// Shared by the tests. Not a test file itself.

import assert from "node:assert/strict";
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
 * Resolves after one turn of the event loop: every microtask queued so far
 * has run, and so have timers due now.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** Whether this runs on Deno. */
export const isDeno: boolean = typeof (globalThis as { Deno?: unknown }).Deno === "object";
/** Whether this runs on Bun. */
export const isBun: boolean = typeof (globalThis as { Bun?: unknown }).Bun === "object";

/** What a child process printed, and how it ended. */
export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a fixture script in a child process of the current runtime. On Node
 * the suite runs transpiled (scripts/test_node.mjs), so a `.ts` fixture is
 * run as the `.js` file beside it.
 */
export async function runScript(fixture: URL, args: readonly string[] = []): Promise<ScriptRun> {
  const { fileURLToPath } = await import("node:url");
  const path = fileURLToPath(fixture);
  const script = isDeno || isBun ? path : path.replace(/\.ts$/, ".js");
  if (isDeno) {
    const deno = (globalThis as unknown as {
      Deno: {
        execPath(): string;
        Command: new (cmd: string, options: { args: string[]; env?: Record<string, string> }) => {
          output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
        };
      };
    }).Deno;
    const out = await new deno.Command(deno.execPath(), {
      args: ["run", "-A", script, ...args],
      env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  }
  const { spawn } = await import("node:child_process");
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += chunk);
    child.stderr.on("data", (chunk) => stderr += chunk);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
