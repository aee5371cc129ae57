// What the comparison benchmarks share: the runtime and engine they ran on,
// their interleaved rounds, and the median of those rounds.

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

/**
 * Runs every workload once per round, rotating their order each round so no
 * workload always follows the same one, and returns each one's samples
 * after the warm-up rounds: `perRun(ms)` turns a run's milliseconds into the
 * figure kept (ns per span, say). Rounds interleave so that the load of a
 * shared machine falls on every workload alike.
 */
export async function interleavedRounds(
  runs: Readonly<Record<string, () => Promise<void>>>,
  warmup: number,
  rounds: number,
  perRun: (ms: number) => number,
): Promise<Record<string, number[]>> {
  const keys = Object.keys(runs);
  const samples: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round) % keys.length];
      const start = performance.now();
      await runs[key]();
      if (round >= warmup) samples[key].push(perRun(performance.now() - start));
    }
  }
  return samples;
}
