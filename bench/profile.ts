/**
 * Runs one batch-flush or end-to-end workload long enough to profile it, on any runtime:
 * `deno run -A --cpu-prof --cpu-prof-dir=.tmp/prof bench/profile.ts ours`,
 * `bun --cpu-prof --cpu-prof-dir=.tmp/prof bench/profile.ts ours`, or on Node
 * (after `npm run bench:node` compiled it)
 * `node --cpu-prof --cpu-prof-dir=.tmp/prof .tmp/bench-node/bench/profile.js ours`.
 * Then summarise with `bench/cpuprofile_summary.ts`.
 *
 * @module
 */

import { allWorkloads } from "../tests/fixtures/batch_flush_workloads.ts";
import { otelE2e, oursE2e } from "../tests/fixtures/e2e_workloads.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const key = args[0] ?? "ours";
const spans = Number(args[1] ?? 2_000_000);
// The end-to-end workloads (bench/e2e_compare.ts) are "oursE2e" and "otelE2e".
const e2e = [oursE2e(), otelE2e()].map((w) => ({
  key: `${w.key}E2e`,
  run: (n: number) => w.run(n),
  get exported() {
    return w.exported;
  },
}));
const workload = [...allWorkloads(), ...e2e].find((w) => w.key === key);
if (workload === undefined) throw new TypeError(`Cannot profile: no workload named ${key}`);
const chunk = 19_968; // a multiple of 3, 64 and 512
const start = performance.now();
for (let sent = 0; sent < spans; sent += chunk) await workload.run(chunk);
const ms = performance.now() - start;
console.log(
  `${key}: ${workload.exported} spans, ${((ms * 1e6) / workload.exported).toFixed(0)} ns/span`,
);
