/**
 * Summarises a `.cpuprofile` (V8's format, written by `--cpu-prof` on Deno,
 * Node and Bun): the functions with the most self time, and the total
 * (inclusive) time of the functions named on the command line.
 * `deno run -A bench/cpuprofile_summary.ts FILE [TOP] [NAME...]`
 *
 * @module
 */

import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const [file, topArg, ...names] = args;
if (file === undefined) throw new TypeError("Cannot summarise: pass a .cpuprofile file");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const top = Number(topArg ?? 25);

const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) parent.set(child, node.id);
}

const label = (frame: CallFrame): string => {
  const where = frame.url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "");
  return `${frame.functionName || "(anonymous)"} ${where}${
    where ? `:${frame.lineNumber + 1}` : ""
  }`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  // A sample's weight is the time until the next one.
  const us = profile.timeDeltas[i + 1] ?? 0;
  all += us;
  const leaf = byId.get(id)!;
  const key = label(leaf.callFrame);
  self.set(key, (self.get(key) ?? 0) + us);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    const k = frame.functionName;
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + us);
  }
});

const pct = (us: number): string => `${((100 * us) / all).toFixed(1)}%`;
console.log(`${file}: ${(all / 1000).toFixed(0)} ms sampled\n`);
console.log("| self | function |\n|---:|---|");
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${pct(us)} | ${key} |`);
}
if (names.length > 0) {
  console.log("\n| total | function (inclusive, by name) |\n|---:|---|");
  for (const name of names) console.log(`| ${pct(total.get(name) ?? 0)} | ${name} |`);
}
