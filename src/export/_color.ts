// Internal: colour for the console's waterfall. Whether to use it follows
// the common conventions: NO_COLOR (set and not empty) turns it off,
// FORCE_COLOR turns it on (unless it is "0" or "false"), and otherwise there
// is colour only when the text goes to standard output and that is a
// terminal. Deno reads NO_COLOR at startup into `Deno.noColor`, which needs
// no permission: without --allow-env that is how NO_COLOR is seen.

import { readEnv } from "../platform/_env.ts";

const BOLD = "\x1b[1m";
const RED = "\x1b[31m";
const CYAN = "\x1b[36m";
const RESET = "\x1b[0m";

/**
 * Whether to colour, when the caller did not say.
 *
 * @param toStdout Whether the text goes to standard output (the default `write`).
 * @returns Whether to use ANSI colours.
 */
export function useColor(toStdout: boolean): boolean {
  let denied = false;
  const no = readEnv("NO_COLOR", () => denied = true);
  if (no !== undefined && no !== "" || denied && denoNoColor()) return false;
  const force = readEnv("FORCE_COLOR")?.trim().toLowerCase();
  if (force !== undefined) return force !== "0" && force !== "false";
  return toStdout && stdoutIsTerminal();
}

function denoNoColor(): boolean {
  try {
    return (globalThis as { Deno?: { noColor?: boolean } }).Deno?.noColor === true;
  } catch {
    return false;
  }
}

function stdoutIsTerminal(): boolean {
  try {
    const g = globalThis as {
      Deno?: { stdout?: { isTerminal?(): boolean } };
      process?: { stdout?: { isTTY?: boolean } };
    };
    if (g.Deno !== undefined) return g.Deno.stdout?.isTerminal?.() === true;
    return g.process?.stdout?.isTTY === true;
  } catch {
    return false;
  }
}

/**
 * Colours a waterfall drawn by renderTree: the trace line bold, the bars
 * cyan, and the rows of failed spans (marked ✗) red.
 *
 * @param text One trace's drawing, without a trailing newline.
 * @returns The same drawing with ANSI colours.
 */
export function colorTree(text: string): string {
  return text.split("\n").map((line, i) => {
    if (i === 0) return BOLD + line + RESET;
    const open = line.lastIndexOf("|", line.length - 2);
    if (open < 0 || !line.endsWith("|")) return line;
    const label = line.slice(0, open);
    const bar = line.slice(open + 1, -1);
    const failed = label.includes(" ✗");
    return (failed ? RED + label + RESET : label) + "|" + (failed ? RED : CYAN) + bar + RESET +
      "|";
  }).join("\n");
}
