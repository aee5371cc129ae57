// Internal: the viewer as a program. `deno run -A jsr:@codomyrmex/spans/viewer`,
// `npx spans-viewer`, or `node viewer.js` start it, print its URL and keep
// it running until Ctrl+C.

import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { startViewer, type Viewer, type ViewerOptions } from "./start_viewer.ts";

/** The usage text. */
export const USAGE: string = `Usage: spans-viewer [options]

Receives OpenTelemetry traces over OTLP/HTTP and shows them in your browser.

Options:
  --port <n>         port to listen on (default 4318, the OTLP/HTTP port; 0 picks a free one)
  --hostname <host>  address to listen on (default 127.0.0.1)
  --file <path>      keep spans in this JSON-lines file, and load it on start
  --max-spans <n>    most spans held in memory (default 100000)
  --help             show this text
`;

/** The options the arguments ask for, or an error message, or "help". */
export function parseArgs(args: readonly string[]): ViewerOptions | "help" | { error: string } {
  const options: ViewerOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    const match = /^--(port|hostname|file|max-spans)(?:=(.*))?$/.exec(arg);
    if (match === null) return { error: `unknown argument "${arg}"` };
    const name = match[1];
    const value = match[2] ?? args[++i];
    if (value === undefined || value === "") return { error: `--${name} needs a value` };
    if (name === "port" || name === "max-spans") {
      const number = Number(value);
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(number)) {
        return { error: `--${name} must be a whole number, got "${value}"` };
      }
      if (name === "port") options.port = number;
      else options.maxSpans = number;
    } else if (name === "hostname") {
      options.hostname = value;
    } else {
      options.file = value;
    }
  }
  return options;
}

interface Io {
  log(line: string): void;
  error(line: string): void;
}

/**
 * Runs the command line: starts the viewer and prints where it is, or
 * prints the usage or an error and sets a failing exit code.
 *
 * @param args The arguments after the program name.
 * @param io Where to print. Default: the console.
 * @returns The viewer, or undefined when it did not start.
 */
export async function runViewerCli(args: readonly string[], io: Io = console): Promise<
  Viewer | undefined
> {
  const parsed = parseArgs(args);
  if (parsed === "help") {
    io.log(USAGE);
    return undefined;
  }
  if ("error" in parsed) {
    io.error(`spans-viewer: ${parsed.error}\n\n${USAGE}`);
    setExitCode(2);
    return undefined;
  }
  let viewer: Viewer;
  try {
    viewer = await startViewer(parsed);
  } catch (error) {
    io.error(`spans-viewer: ${error instanceof Error ? error.message : String(error)}`);
    setExitCode(1);
    return undefined;
  }
  // Listening for Ctrl+C before saying where the viewer is: whoever reads
  // the URL may stop it at once.
  onInterrupt(async () => {
    await viewer.close();
    io.log("Trace viewer stopped.");
    exit(0);
  });
  io.log(`Trace viewer: ${viewer.url}`);
  io.log(`Send OTLP/HTTP traces to ${viewer.url}v1/traces (Ctrl+C stops)`);
  return viewer;
}

/** The arguments this process was started with, after the script. */
export function processArgs(): string[] {
  const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  return g.Deno?.args ?? g.process?.argv.slice(2) ?? [];
}

/**
 * Whether the module with this `import.meta` is the program being run:
 * `import.meta.main` on Deno and Bun, the script path on Node.
 */
export function isMainModule(meta: ImportMeta): boolean {
  const main = (meta as { main?: boolean }).main;
  if (typeof main === "boolean") return main;
  const script = (globalThis as { process?: { argv: string[] } }).process?.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === meta.url;
  } catch {
    return false;
  }
}

function setExitCode(code: number): void {
  const g = globalThis as { Deno?: { exitCode: number }; process?: { exitCode?: number } };
  if (g.Deno !== undefined) g.Deno.exitCode = code;
  else if (g.process !== undefined) g.process.exitCode = code;
}

function exit(code: number): void {
  const g = globalThis as {
    Deno?: { exit(code: number): void };
    process?: { exit(code: number): void };
  };
  if (g.Deno !== undefined) g.Deno.exit(code);
  else g.process?.exit(code);
}

function onInterrupt(stop: () => Promise<void>): void {
  const g = globalThis as {
    Deno?: { addSignalListener(signal: string, listener: () => void): void; build: { os: string } };
    process?: { once(event: string, listener: () => void): void };
  };
  let stopping = false;
  const listener = () => {
    if (stopping) return;
    stopping = true;
    stop().catch(() => exit(1));
  };
  const signals = ["SIGINT", "SIGTERM"];
  if (g.Deno !== undefined) {
    // Windows has no SIGTERM listener in Deno.
    for (const signal of g.Deno.build.os === "windows" ? ["SIGINT"] : signals) {
      g.Deno.addSignalListener(signal, listener);
    }
  } else {
    for (const signal of signals) g.process?.once(signal, listener);
  }
}
