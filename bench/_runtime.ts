// What every bench/*_compare.ts prints with: the runtime and engine it ran
// on, and the median of its rounds.

interface RuntimeGlobals {
  Deno?: { version: { deno: string; v8: string } };
  Bun?: { version: string };
  process?: { versions?: { node?: string; v8?: string } };
}

const g = globalThis as RuntimeGlobals;

/** "Deno 2.9.6", "Bun 1.4.5" or "Node 20.20.2". */
export function runtimeName(): string {
  if (g.Deno !== undefined) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun !== undefined) return `Bun ${g.Bun.version}`;
  const node = g.process?.versions?.node;
  return node === undefined ? "unknown runtime" : `Node ${node}`;
}

/** The JavaScript engine: "V8 15.0…" or "JavaScriptCore". */
export function engineName(): string {
  if (g.Deno !== undefined) return `V8 ${g.Deno.version.v8}`;
  if (g.Bun !== undefined) return "JavaScriptCore";
  return `V8 ${g.process?.versions?.v8 ?? "?"}`;
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
