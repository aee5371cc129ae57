// Runs a fixture from tests/fixtures/ in a fresh process of the runtime that
// runs the tests. Not a test file itself. On Node the suite runs transpiled
// against the npm build (scripts/test_node.mjs), which turns each fixture
// into JavaScript beside the test; on Deno the child is started with
// Deno.Command, because Deno's node:child_process hands a child deno the
// parent's permissions.

import process from "node:process";
import { isBun, isDeno } from "./_helpers.ts";

/** What the child printed and how it ended (`code` is null when it was killed). */
export interface FixtureRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tests/fixtures/<name>.ts` with `args`, its environment extended by
 * `env`, and on Deno the permission flags `denoFlags` (default `-A`). A child
 * still running after `timeoutMs` is killed.
 */
export async function runFixture(
  name: string,
  args: string[],
  options: { env?: Record<string, string>; denoFlags?: string[]; timeoutMs?: number } = {},
): Promise<FixtureRun> {
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(
    new URL(`./fixtures/${name}.${isDeno || isBun ? "ts" : "js"}`, import.meta.url),
  );
  const env = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...options.env };
  const timeoutMs = options.timeoutMs ?? 100_000;
  if (isDeno) {
    const deno = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const out = await new deno.Command(deno.execPath(), {
        args: ["run", ...(options.denoFlags ?? ["-A"]), script, ...args],
        env,
        stdin: "null",
        signal: controller.signal,
      }).output();
      const text = new TextDecoder();
      return {
        code: out.signal === null ? out.code : null,
        stdout: text.decode(out.stdout),
        stderr: text.decode(out.stderr),
      };
    } finally {
      clearTimeout(timer);
    }
  }
  const { spawnSync } = await import("node:child_process");
  const out = spawnSync(process.execPath, [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

interface DenoCommandApi {
  execPath(): string;
  Command: new (exe: string, options: {
    args: string[];
    env: Record<string, string>;
    stdin: "null";
    signal: AbortSignal;
  }) => {
    output(): Promise<
      { code: number; signal: string | null; stdout: Uint8Array; stderr: Uint8Array }
    >;
  };
}
