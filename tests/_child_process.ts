// Runs a program in a fresh process of the runtime that runs the tests, the
// way a user runs it: Deno with `deno run` (`-A` unless told otherwise), Bun
// and Node with their own binary. Three kinds of program: a fixture from
// tests/fixtures/, any file, and a snippet of module code. On Node the suite
// runs transpiled against the npm build (scripts/test_node.mjs), which turns
// each fixture into JavaScript beside its source. On Deno the child is
// started with Deno.Command, because Deno's node:child_process hands a child
// deno the parent's permissions. Not a test file itself.

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isBun, isDeno } from "./_helpers.ts";

/** How a child process ended, and what it printed. */
export interface ChildResult {
  /** The exit code; `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, such as `"SIGTERM"`; `null` when it exited. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A signal a test may send the child. */
export type Signal = "SIGTERM" | "SIGINT" | "SIGKILL";

/** How to run the child, and what a test may do while it runs. */
export interface ChildOptions {
  /** More environment variables, on top of this process's. */
  readonly env?: Record<string, string>;
  /** Deno only: the flags of `deno run` before the script. Default `["-A"]`. */
  readonly denoFlags?: readonly string[];
  /** Node only (not Bun): flags before the script, such as `--expose-gc`. */
  readonly nodeFlags?: readonly string[];
  /** A child still running after this many milliseconds is killed. Default 100,000. */
  readonly timeoutMs?: number;
  /**
   * Called with everything printed to stdout so far, each time more comes;
   * `kill` sends the child a signal.
   */
  readonly onStdout?: (stdout: string, kill: (signal: Signal) => void) => void;
}

/** The path of `tests/fixtures/<name>.ts`, or of its JavaScript on Node. */
export function fixturePath(name: string): string {
  const file = isDeno || isBun ? `./fixtures/${name}.ts` : `./fixtures/${name}.js`;
  return fileURLToPath(new URL(file, import.meta.url));
}

/**
 * Runs the fixture `name` with `args` and resolves once it has ended.
 *
 * @param name The fixture's file name in tests/fixtures/, without extension.
 * @param args Its arguments.
 * @param options Environment, flags, and a hook to signal the child.
 */
export function runFixture(
  name: string,
  args: readonly string[] = [],
  options: ChildOptions = {},
): Promise<ChildResult> {
  return runFile(fixturePath(name), args, options);
}

/**
 * Runs the program at `path` (TypeScript on Deno and Bun, JavaScript on
 * Node) with `args`, and resolves once it has ended.
 */
export function runFile(
  path: string | URL,
  args: readonly string[] = [],
  options: ChildOptions = {},
): Promise<ChildResult> {
  const script = typeof path === "string" ? path : fileURLToPath(path);
  const env = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...options.env };
  const timeoutMs = options.timeoutMs ?? 100_000;
  if (isDeno) {
    const flags = options.denoFlags ?? ["-A"];
    return runDeno(["run", ...flags, script, ...args], env, timeoutMs, options.onStdout);
  }
  const flags = isBun ? [] : options.nodeFlags ?? [];
  return runNode([...flags, script, ...args], env, timeoutMs, options.onStdout);
}

/**
 * Runs `code` as an ES module (TypeScript on Deno and Bun) from a file of its
 * own in a temporary folder, so imports in it need absolute URLs.
 */
export async function runSnippet(code: string, options: ChildOptions = {}): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), "spans-snippet-"));
  const file = join(dir, isDeno || isBun ? "snippet.ts" : "snippet.mjs");
  try {
    await writeFile(file, code);
    return await runFile(file, [], options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

async function runDeno(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  onStdout: ChildOptions["onStdout"],
): Promise<ChildResult> {
  const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
  const child = new deno.Command(deno.execPath(), {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let stdout = "";
  let ended = false;
  const kill = (signal: Signal) => {
    if (!ended) child.kill(signal);
  };
  const timer = setTimeout(() => kill("SIGKILL"), timeoutMs);
  const readOut = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
      onStdout?.(stdout, kill);
    }
  })();
  const readErr = new Response(child.stderr).text();
  const status = await child.status;
  ended = true;
  clearTimeout(timer);
  await readOut;
  const stderr = await readErr;
  // Deno reports 128 + the signal's number as the code of a killed child.
  const code = status.signal === null ? status.code : null;
  return { code, signal: status.signal, stdout, stderr };
}

function runNode(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  onStdout: ChildOptions["onStdout"],
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let ended = false;
    const kill = (signal: Signal) => {
      if (!ended) child.kill(signal);
    };
    const timer = setTimeout(() => kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout, kill);
    });
    child.stderr.on("data", (chunk: string) => stderr += chunk);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      ended = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
