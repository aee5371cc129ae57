// Internal: where the library's own messages go. setDiagnostics() (the
// public face, in diagnostics.ts) configures it; warnOnce() and the
// functions below report through it. Each cause (a key) is reported once per
// configuration, so nothing floods the sink, and a sink that throws is
// ignored: telemetry never breaks the application.

import type { Diagnostic, DiagnosticLevel, DiagnosticSink } from "./diagnostics.ts";
import { isThenable } from "./_deadline.ts";
import { readEnv } from "./_env.ts";
import { truncateString } from "./_truncate.ts";

const RANK: Readonly<Record<DiagnosticLevel, number>> = { off: 0, error: 1, warn: 2, debug: 3 };
// Keys can carry variable text (a span's name, an error's message), so the
// causes kept are bounded, for each severity apart: a flood of debug reports
// or warnings never silences a later error.
const MAX_KEYS = 1_000;
// And within a severity, for each kind of cause apart (a key's part before
// its first ":", as "ended-twice" in "ended-twice:web:GET /users/7"): a
// kind made once per span name, in a service whose span names carry ids,
// never uses up the severity's causes and silences every other kind.
const MAX_KEYS_PER_KIND = 100;
// And each key kept is short: a longer one is kept as its first part, its
// length and a hash of the whole, so two causes that differ only past the
// cut stay two, and a 1 MB error message costs no megabyte of memory.
const MAX_KEY_LENGTH = 256;
const KEY_PREFIX = 200;

/** The default sink: errors to `console.error`, the rest to `console.warn` (stderr). */
export const consoleSink: DiagnosticSink = (diagnostic: Diagnostic): void => {
  const text = diagnostic.level === "debug"
    ? `@codomyrmex/spans (debug): ${diagnostic.message}`
    : `@codomyrmex/spans: ${diagnostic.message}`;
  // Looked up on each call, so a console replaced later is used.
  if (diagnostic.level === "error") console.error(text);
  else console.warn(text);
};

/** The level used when none is given: `debug` when SPANS_DEBUG asks for it. */
export function defaultLevel(): DiagnosticLevel {
  const value = readEnv("SPANS_DEBUG")?.trim().toLowerCase();
  return value === undefined || value === "" || value === "0" || value === "false"
    ? "warn"
    : "debug";
}

let level: DiagnosticLevel = defaultLevel();
let rank = RANK[level];
let sink: DiagnosticSink = consoleSink;
let seen = newSeen();

// One severity's causes reported, and how many of each kind.
interface Seen {
  readonly causes: Set<string>;
  readonly kinds: Map<string, number>;
}

function newSeen(): Record<"error" | "warn" | "debug", Seen> {
  const fresh = (): Seen => ({ causes: new Set(), kinds: new Map() });
  return { error: fresh(), warn: fresh(), debug: fresh() };
}

/**
 * Whether debug diagnostics are wanted. Hot paths read this one binding and
 * do nothing more while it is `false`.
 */
export let debugOn: boolean = rank >= RANK.debug;

/** The level and sink in force. */
export function currentDiagnostics(): { level: DiagnosticLevel; sink: DiagnosticSink } {
  return { level, sink };
}

/** Sets the level and sink; every cause may be reported again. */
export function configureDiagnostics(next: DiagnosticLevel, to: DiagnosticSink): void {
  level = next;
  rank = RANK[next];
  sink = to;
  seen = newSeen();
  debugOn = rank >= RANK.debug;
}

// A cause no caller's key can be: that the level has had its fill.
const FULL = "\u0000full";

/**
 * Reports `message` at `severity` the first time `key` is seen, when the
 * level lets it through. Returns whether it was reported: past the level's
 * 1,000 causes, or its 100 of the key's kind (its part before the first
 * ":"), `false`, and the first such call reports, once, that later ones
 * are not.
 */
export function diagnose(
  severity: "error" | "warn" | "debug",
  key: string,
  message: string,
): boolean {
  if (RANK[severity] > rank) return false;
  if (key.length > MAX_KEY_LENGTH) key = shortKey(key);
  const { causes, kinds } = seen[severity];
  if (causes.has(key)) return false;
  if (causes.size >= MAX_KEYS) {
    // The last word of a level that has had its fill: without it, every
    // later cause (a new failure, say) would go unsaid with no sign.
    if (causes.has(FULL)) return false;
    causes.add(FULL);
    report(
      severity,
      `diagnostics-full:${severity}`,
      `${MAX_KEYS} distinct ${severity} reports were made; later ones are not (the first left out: ${message})`,
    );
    return false;
  }
  const colon = key.indexOf(":");
  const kind = colon < 0 ? key : key.slice(0, colon);
  const ofKind = kinds.get(kind) ?? 0;
  if (ofKind >= MAX_KEYS_PER_KIND) {
    // Said once per kind, as for the level: counted past the cap, so once.
    if (ofKind > MAX_KEYS_PER_KIND) return false;
    kinds.set(kind, ofKind + 1);
    report(
      severity,
      `diagnostics-full:${severity}:${kind}`,
      `${MAX_KEYS_PER_KIND} distinct ${severity} reports of one kind (${kind}) were made; later ones of that kind are not (the first left out: ${message})`,
    );
    return false;
  }
  kinds.set(kind, ofKind + 1);
  causes.add(key);
  report(severity, key, message);
  return true;
}

function report(severity: "error" | "warn" | "debug", key: string, message: string): void {
  try {
    const result: unknown = sink({ level: severity, key, message });
    // An async sink (a logger whose write fails) must not leave an
    // unhandled rejection, which would end the process.
    if (isThenable(result)) Promise.resolve(result).catch(ignore);
  } catch {
    // A broken sink (or console) must not break the application.
  }
}

function ignore(): void {}

// A key of its own (not a slice, which would keep the long one alive).
function shortKey(key: string): string {
  // FNV-1a over the UTF-16 code units.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  const tail = `…${key.length}:${(hash >>> 0).toString(16)}`;
  return truncateString(key, KEY_PREFIX) + tail;
}

/** {@linkcode diagnose} at `error`: the library failed at something it does for you. */
export function errorOnce(key: string, message: string): boolean {
  return diagnose("error", key, message);
}

/** {@linkcode diagnose} at `debug`: a likely mistake that is otherwise silent. */
export function debugOnce(key: string, message: string): boolean {
  return diagnose("debug", key, message);
}
