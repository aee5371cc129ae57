// Runs a fixture from tests/fixtures/ in a child process of the current
// runtime, the way a user runs a program: Deno with `deno run -A`, Bun and
// Node with their own binary. On Node the suite runs transpiled against the
// npm build (scripts/test_node.mjs), which turns each fixture into JavaScript
// beside its source. Not a test file itself.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isBun, isDeno } from "./_helpers.ts";

/** How a child process ended, and what it printed. */
export interface ChildResult {
  /** The exit code; `null` when a signal ended it (on Deno, 128 + the signal's number). */
  readonly code: number | null;
  /** The signal that ended it, such as `"SIGTERM"`; `null` when it exited. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a test may do while the child runs. */
export interface ChildOptions {
  /** More environment variables. */
  readonly env?: Record<string, string>;
  /**
   * Called with everything printed to stdout so far, each time more comes;
   * `kill` sends the child a signal.
   */
  readonly onStdout?: (stdout: string, kill: (signal: "SIGTERM" | "SIGINT") => void) => void;
}

/** The path of `tests/fixtures/<name>.ts`, or of its JavaScript on Node. */
export function fixturePath(name: string): string {
  const file = isDeno || isBun ? `./fixtures/${name}.ts` : `./fixtures/${name}.js`;
  return fileURLToPath(new URL(file, import.meta.url));
}

interface DenoChild {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  status: Promise<{ code: number; signal: string | null }>;
  kill(signal: string): void;
}

interface DenoLike {
  execPath(): string;
  Command: new (
    cmd: string,
    options: {
      args: string[];
      env?: Record<string, string>;
      stdout: "piped";
      stderr: "piped";
      stdin: "null";
    },
  ) => { spawn(): DenoChild };
}

/**
 * Runs the fixture `name` with `args` and resolves once it has ended.
 *
 * @param name The fixture's file name in tests/fixtures/, without extension.
 * @param args Its arguments.
 * @param options Environment, and a hook to signal the child when it is ready.
 */
export function runFixture(
  name: string,
  args: readonly string[],
  options: ChildOptions = {},
): Promise<ChildResult> {
  const script = fixturePath(name);
  const env = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...options.env };
  return isDeno ? runDeno(script, args, env, options) : runNode(script, args, env, options);
}

async function runDeno(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  options: ChildOptions,
): Promise<ChildResult> {
  const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
  const child = new deno.Command(deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let stdout = "";
  let ended = false;
  const kill = (signal: string) => {
    if (!ended) child.kill(signal);
  };
  const readOut = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
      options.onStdout?.(stdout, kill);
    }
  })();
  const readErr = new Response(child.stderr).text();
  const status = await child.status;
  ended = true;
  await readOut;
  const stderr = await readErr;
  return { code: status.code, signal: status.signal, stdout, stderr };
}

function runNode(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  options: ChildOptions,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let ended = false;
    const kill = (signal: "SIGTERM" | "SIGINT") => {
      if (!ended) child.kill(signal);
    };
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, kill);
    });
    child.stderr.on("data", (chunk: string) => stderr += chunk);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
}
